-- A table of its own rather than a CTE of int_touchpoints_unioned. At 10M
-- records, joining the touches to this grouping computed inline ran out of a
-- 2 GB DuckDB memory_limit. Joining them to this table stayed within it.
with

identifiers as (

    select * from {{ ref('int_identifiers_unioned') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

-- All identifiers of one record belong to one customer because the record
-- links them, so min() only picks that one value.
final as (

    select
        identifiers.source,
        identifiers.record_key,
        min(identities.customer_id) as customer_id

    from identifiers
    inner join identities
        on identifiers.identifier_key = identities.identifier_key
    group by
        identifiers.source,
        identifiers.record_key

)

select * from final
