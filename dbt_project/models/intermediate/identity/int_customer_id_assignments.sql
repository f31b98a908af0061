{#
    Every customer_id each identifier has had, kept across runs: the
    incremental model appends the (identifier_key, customer_id) pairs of
    int_identities_stitched that it does not hold yet. `dbt build
    --full-refresh` clears this history.
#}
{{ config(materialized='incremental') }}

with

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

final as (

    select
        identities.identifier_key,
        identities.customer_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
            as first_assigned_at

    from identities
    {% if is_incremental() %}
    left join {{ this }} as previous_assignments
        on identities.identifier_key = previous_assignments.identifier_key
        and identities.customer_id = previous_assignments.customer_id
    where previous_assignments.identifier_key is null
    {% endif %}

)

select * from final
