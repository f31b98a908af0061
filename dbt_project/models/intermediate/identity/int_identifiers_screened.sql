{#
    Decides for every identifier whether it may link others. An identifier is
    not linkable when the identity_blocklist seed lists it, or when it is
    seen on records with more distinct user ids than identity_max_linked_user_ids
    or more distinct emails than identity_max_linked_emails. Only linked
    identifiers that outrank it (identity_priority) count, so a login id with
    several emails or devices stays linkable, while an email shared by two
    logins, or a phone on many customers' emails, stops linking.
#}
{%- set max_linked_user_ids = var('identity_max_linked_user_ids', 1) | int -%}
{%- set max_linked_emails = var('identity_max_linked_emails', 3) | int -%}

with

observations as (

    select * from {{ ref('int_identifier_observations') }}

),

unblocked_observations as (

    select * from observations
    where not is_blocked

),

-- Distinct identifiers seen on the same record, blocked ones left out.
co_observed as (

    select distinct
        observation.identifier_key,
        other.identifier_type as other_identifier_type,
        other.identifier_key as other_identifier_key

    from unblocked_observations as observation
    inner join unblocked_observations as other
        on observation.source = other.source
        and observation.record_key = other.record_key
        and observation.identifier_priority > other.identifier_priority

),

linked_counts as (

    select
        identifier_key,
        count(distinct case
            when other_identifier_type = 'user_id' then other_identifier_key
        end) as count_linked_user_ids,
        count(distinct case
            when other_identifier_type = 'email' then other_identifier_key
        end) as count_linked_emails

    from co_observed
    group by identifier_key

),

identifiers as (

    select
        identifier_key,
        identifier_type,
        identifier_value,
        identifier_priority,
        max(block_reason) as block_reason,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        count(*) as count_observations

    from observations
    group by
        identifier_key,
        identifier_type,
        identifier_value,
        identifier_priority

),

final as (

    select
        identifiers.identifier_key,
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.identifier_priority,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        identifiers.count_observations,
        coalesce(linked_counts.count_linked_user_ids, 0) as count_linked_user_ids,
        coalesce(linked_counts.count_linked_emails, 0) as count_linked_emails,
        case
            when identifiers.block_reason is not null then false
            when coalesce(linked_counts.count_linked_user_ids, 0) > {{ max_linked_user_ids }}
                then true
            when coalesce(linked_counts.count_linked_emails, 0) > {{ max_linked_emails }}
                then true
            else false
        end as is_over_limit,
        case
            when identifiers.block_reason is not null
                then {{ dbt.concat(["'blocklist:'", 'identifiers.block_reason']) }}
            when coalesce(linked_counts.count_linked_user_ids, 0) > {{ max_linked_user_ids }}
                then 'over_limit:user_ids'
            when coalesce(linked_counts.count_linked_emails, 0) > {{ max_linked_emails }}
                then 'over_limit:emails'
        end as exclusion_reason,
        case
            when identifiers.block_reason is not null then false
            when coalesce(linked_counts.count_linked_user_ids, 0) > {{ max_linked_user_ids }}
                then false
            when coalesce(linked_counts.count_linked_emails, 0) > {{ max_linked_emails }}
                then false
            else true
        end as is_linkable

    from identifiers
    left join linked_counts
        on identifiers.identifier_key = linked_counts.identifier_key

)

select * from final
