with

identifiers as (

    select * from {{ ref('int_identifiers_unioned') }}

),

-- Every pair of different identifiers on one record, each pair once: the
-- smaller identifier_key is side a.
record_pairs as (

    select
        identifier_a.source,
        identifier_a.record_key,
        identifier_a.observed_at,
        identifier_a.identifier_key as identifier_key_a,
        identifier_a.identifier_type as identifier_type_a,
        identifier_a.identifier_value as identifier_value_a,
        identifier_b.identifier_key as identifier_key_b,
        identifier_b.identifier_type as identifier_type_b,
        identifier_b.identifier_value as identifier_value_b

    from identifiers as identifier_a
    inner join identifiers as identifier_b
        on identifier_a.source = identifier_b.source
        and identifier_a.record_key = identifier_b.record_key
        and identifier_a.identifier_key < identifier_b.identifier_key

),

linked as (

    select
        identifier_key_a,
        identifier_type_a,
        identifier_value_a,
        identifier_key_b,
        identifier_type_b,
        identifier_value_b,
        -- The rule: both identifiers appear on one record of this kind.
        case source
            when 'web' then 'same_web_event'
            when 'email' then 'same_email_event'
            when 'social' then 'same_social_post'
            when 'support' then 'same_support_ticket'
            when 'shop' then 'same_shop_order'
        end as link_rule,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        count(*) as count_records

    from record_pairs
    group by
        identifier_key_a,
        identifier_type_a,
        identifier_value_a,
        identifier_key_b,
        identifier_type_b,
        identifier_value_b,
        source

),

final as (

    select
        {{ dbt.hash(dbt.concat(['identifier_key_a', "'|'", 'identifier_key_b', "'|'", 'link_rule'])) }}
            as identity_link_id,
        identifier_key_a,
        identifier_type_a,
        identifier_value_a,
        identifier_key_b,
        identifier_type_b,
        identifier_value_b,
        link_rule,
        first_seen_at,
        last_seen_at,
        count_records

    from linked

)

select * from final
