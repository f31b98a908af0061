{#
    Decides for every identifier whether it may link others. An identifier is
    not linkable when the identity_blocklist seed lists it, or when it is
    seen on records with more distinct user ids than identity_max_linked_user_ids
    or more distinct emails than identity_max_linked_emails. Only linked
    identifiers that outrank it (identity_priority) count, so a login id with
    several emails or devices stays linkable, while an email shared by two
    logins, or a phone on many customers' emails, stops linking.
    User ids that an alias event joins are one person, so they count as one
    linked user id: a cookie that saw a login before and after an alias call
    stays linkable.
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

-- Pairs of user ids that an alias event joins (previous_id and user_id),
-- each unordered pair once.
alias_pairs as (

    select distinct
        case
            when previous_user.identifier_key < new_user.identifier_key
                then previous_user.identifier_key
            else new_user.identifier_key
        end as user_id_key_a,
        case
            when previous_user.identifier_key < new_user.identifier_key
                then new_user.identifier_key
            else previous_user.identifier_key
        end as user_id_key_b

    from unblocked_observations as previous_user
    inner join unblocked_observations as new_user
        on previous_user.source = new_user.source
        and previous_user.record_key = new_user.record_key
        and previous_user.identifier_column = 'previous_id'
        and new_user.identifier_column = 'user_id'
        and previous_user.identifier_type = 'user_id'
        and previous_user.identifier_key <> new_user.identifier_key

),

-- Alias pairs with both user ids among an identifier's linked user ids.
linked_alias_pairs as (

    select
        linked_a.identifier_key,
        count(*) as count_alias_pairs

    from alias_pairs
    inner join co_observed as linked_a
        on alias_pairs.user_id_key_a = linked_a.other_identifier_key
    inner join co_observed as linked_b
        on alias_pairs.user_id_key_b = linked_b.other_identifier_key
        and linked_a.identifier_key = linked_b.identifier_key
    group by linked_a.identifier_key

),

distinct_linked_counts as (

    select
        identifier_key,
        count(distinct case
            when other_identifier_type = 'user_id' then other_identifier_key
        end) as count_distinct_user_ids,
        count(distinct case
            when other_identifier_type = 'email' then other_identifier_key
        end) as count_linked_emails

    from co_observed
    group by identifier_key

),

-- Persons among the linked user ids: distinct user ids minus the alias
-- pairs among them. That is the number of alias groups when the pairs form
-- no cycle.
-- NOTE: alias pairs that form a cycle (a to b, b to c, c to a) undercount
-- the groups. The count still never drops below 1 while a user id is linked.
linked_counts as (

    select
        counts.identifier_key,
        case
            when counts.count_distinct_user_ids = 0 then 0
            when counts.count_distinct_user_ids
                - coalesce(linked_alias_pairs.count_alias_pairs, 0) < 1 then 1
            else counts.count_distinct_user_ids
                - coalesce(linked_alias_pairs.count_alias_pairs, 0)
        end as count_linked_user_ids,
        counts.count_linked_emails

    from distinct_linked_counts as counts
    left join linked_alias_pairs
        on counts.identifier_key = linked_alias_pairs.identifier_key

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
        -- An alias event can carry one value twice (anonymous_id and previous_id).
        count(distinct {{ dbt.concat(['source', "':'", 'record_key']) }}) as count_observations

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
