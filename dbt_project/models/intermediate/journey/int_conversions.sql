with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

stg_shop__orders as (

    select * from {{ ref('stg_shop__orders') }}

),

orders as (

    select
        stg_shop__orders.order_id as conversion_id,
        touchpoints.customer_id,
        stg_shop__orders.ordered_at as converted_at,
        stg_shop__orders.total_amount as revenue,
        stg_shop__orders.currency

    from stg_shop__orders
    inner join touchpoints
        on touchpoints.source = 'shop'
        and stg_shop__orders.order_id = touchpoints.record_key

),

-- Orders of one customer in time order. Orders at the same timestamp are
-- ordered by conversion_id. Orders without a customer get no sequence.
sequenced as (

    select
        *,
        case
            when customer_id is not null then
                row_number() over (
                    partition by customer_id
                    order by converted_at, conversion_id
                )
        end as customer_conversion_number,
        case
            when customer_id is not null then
                lag(converted_at) over (
                    partition by customer_id
                    order by converted_at, conversion_id
                )
        end as previous_converted_at

    from orders

),

final as (

    select
        conversion_id,
        customer_id,
        converted_at,
        revenue,
        currency,
        customer_conversion_number,
        previous_converted_at,
        case when customer_conversion_number = 1 then true else false end as is_first_conversion

    from sequenced

)

select * from final
