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
        identifier_a.identifier_column as identifier_column_a,
        identifier_b.identifier_key as identifier_key_b,
        identifier_b.identifier_type as identifier_type_b,
        identifier_b.identifier_value as identifier_value_b,
        identifier_b.identifier_column as identifier_column_b

    from identifiers as identifier_a
    inner join identifiers as identifier_b
        on identifier_a.source = identifier_b.source
        and identifier_a.record_key = identifier_b.record_key
        and identifier_a.identifier_key < identifier_b.identifier_key

),

-- The rule: an alias event states that previous_id and user_id are one
-- person (alias_previous_id). Any other pair appears on one record of the
-- kind that the same_* rule names.
pair_rules as (

    select
        record_pairs.*,
        case
            when source = 'web'
                and (
                    (identifier_column_a = 'previous_id' and identifier_column_b = 'user_id')
                    or (identifier_column_a = 'user_id' and identifier_column_b = 'previous_id')
                )
                then 'alias_previous_id'
            when source = 'web' then 'same_web_event'
            when source = 'email' then 'same_email_event'
            when source = 'social' then 'same_social_post'
            when source = 'support' then 'same_support_ticket'
            when source = 'shop' then 'same_shop_order'
        end as link_rule

    from record_pairs

),

-- A pair can occur twice on one record when the alias event's previous_id
-- repeats its anonymous_id, so records are counted once: one row per record
-- first, then count(*). DuckDB can spill a plain grouping to disk, but a grouped
-- count(distinct) needs nearly all its input in memory (duckdb/duckdb#18826).
record_links as (

    select
        identifier_key_a,
        identifier_type_a,
        identifier_value_a,
        identifier_key_b,
        identifier_type_b,
        identifier_value_b,
        link_rule,
        record_key,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at

    from pair_rules
    group by
        identifier_key_a,
        identifier_type_a,
        identifier_value_a,
        identifier_key_b,
        identifier_type_b,
        identifier_value_b,
        link_rule,
        record_key

),

linked as (

    select
        identifier_key_a,
        identifier_type_a,
        identifier_value_a,
        identifier_key_b,
        identifier_type_b,
        identifier_value_b,
        link_rule,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) as count_records

    from record_links
    group by
        identifier_key_a,
        identifier_type_a,
        identifier_value_a,
        identifier_key_b,
        identifier_type_b,
        identifier_value_b,
        link_rule

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
        {{ identity_link_rule_priority('link_rule') }} as link_rule_priority,
        first_seen_at,
        last_seen_at,
        count_records

    from linked

)

select * from final
