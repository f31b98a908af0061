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
        identifier_a.identifier_column as identifier_column_a,
        identifier_b.identifier_key as identifier_key_b,
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
-- Both groupings use the keys alone, and the type and value of each key are
-- joined afterwards, so the grouped rows stay narrow.
record_links as (

    select
        identifier_key_a,
        identifier_key_b,
        link_rule,
        record_key,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at

    from pair_rules
    group by
        identifier_key_a,
        identifier_key_b,
        link_rule,
        record_key

),

linked as (

    select
        identifier_key_a,
        identifier_key_b,
        link_rule,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) as count_records

    from record_links
    group by
        identifier_key_a,
        identifier_key_b,
        link_rule

),

-- identifier_key is identifier_type and identifier_value joined with ':', so
-- each key has one type and one value.
identifier_names as (

    select
        identifier_key,
        min(identifier_type) as identifier_type,
        min(identifier_value) as identifier_value

    from identifiers
    group by identifier_key

),

final as (

    select
        {{ dbt.hash(dbt.concat(['linked.identifier_key_a', "'|'", 'linked.identifier_key_b', "'|'", 'linked.link_rule'])) }}
            as identity_link_id,
        linked.identifier_key_a,
        names_a.identifier_type as identifier_type_a,
        names_a.identifier_value as identifier_value_a,
        linked.identifier_key_b,
        names_b.identifier_type as identifier_type_b,
        names_b.identifier_value as identifier_value_b,
        linked.link_rule,
        {{ identity_link_rule_priority('linked.link_rule') }} as link_rule_priority,
        linked.first_seen_at,
        linked.last_seen_at,
        linked.count_records

    from linked
    inner join identifier_names as names_a
        on linked.identifier_key_a = names_a.identifier_key
    inner join identifier_names as names_b
        on linked.identifier_key_b = names_b.identifier_key

)

select * from final
