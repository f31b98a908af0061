{#
    The observations that take part in stitching: identifiers that
    int_identifiers_screened marks linkable. Blocked and over-limit
    identifiers belong to no customer, so a record keeps the customer of its
    other identifiers.
#}

with

observations as (

    select * from {{ ref('int_identifier_observations') }}

),

screened as (

    select * from {{ ref('int_identifiers_screened') }}

),

stg_shop__orders as (

    select * from {{ ref('stg_shop__orders') }}

),

linkable_observations as (

    select
        observations.identifier_observation_id,
        observations.source,
        observations.record_key,
        observations.observed_at,
        observations.identifier_type,
        observations.identifier_column,
        observations.identifier_value,
        observations.identifier_value_raw,
        observations.identifier_key,
        observations.identifier_priority

    from observations
    inner join screened
        on observations.identifier_key = screened.identifier_key
    where screened.is_linkable

),

orders_with_identifier as (

    select distinct record_key
    from linkable_observations
    where source = 'shop'

),

-- An order with no linkable identifier (a walk-in sale, or only a
-- placeholder email) is its own identifier, so every order still belongs to
-- a customer.
order_fallbacks as (

    select
        {{ dbt.concat(["'shop:'", 'stg_shop__orders.order_id', "':order_id'"]) }}
            as identifier_observation_id,
        'shop' as source,
        stg_shop__orders.order_id as record_key,
        stg_shop__orders.ordered_at as observed_at,
        'shop_order' as identifier_type,
        'order_id' as identifier_column,
        stg_shop__orders.order_id as identifier_value,
        stg_shop__orders.order_id as identifier_value_raw,
        {{ dbt.concat(["'shop_order:'", 'stg_shop__orders.order_id']) }} as identifier_key,
        {{ identity_priority("'shop_order'") }} as identifier_priority

    from stg_shop__orders
    left join orders_with_identifier
        on stg_shop__orders.order_id = orders_with_identifier.record_key
    where orders_with_identifier.record_key is null

),

final as (

    select * from linkable_observations
    union all
    select * from order_fallbacks

)

select * from final
