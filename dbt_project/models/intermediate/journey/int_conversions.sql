{#
    Conversions: every staged order, and every web or app track event whose
    event_name is in the conversion_events var (none by default). Event
    conversions have revenue 0 and no currency. Orders and events share one
    sequence per customer, so any conversion closes the path window of the
    next one.
#}
{%- set conversion_events = var('conversion_events') -%}

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
        'order' as conversion_type,
        'order' as conversion_name,
        touchpoints.customer_id,
        stg_shop__orders.ordered_at as converted_at,
        stg_shop__orders.total_amount as revenue,
        stg_shop__orders.currency

    from stg_shop__orders
    inner join touchpoints
        on touchpoints.source = 'shop'
        and stg_shop__orders.order_id = touchpoints.record_key

),

events as (

    select
        touchpoint_id as conversion_id,
        'event' as conversion_type,
        event_name as conversion_name,
        customer_id,
        occurred_at as converted_at,
        cast(0 as decimal(18, 2)) as revenue,
        cast(null as {{ dbt.type_string() }}) as currency

    from touchpoints
    where touch_type = 'track'
    {%- if conversion_events | length > 0 %}
        and event_name in (
            {%- for event_name in conversion_events %}
            '{{ event_name | replace("'", "''") }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
    {%- else %}
        and 1 = 0
    {%- endif %}

),

unioned as (

    select * from orders
    union all
    select * from events

),

-- Conversions of one customer in time order. Conversions at the same
-- timestamp are ordered by conversion_id. Conversions without a customer get
-- no sequence.
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
        end as previous_converted_at,
        case
            when customer_id is not null and conversion_type = 'order' then
                row_number() over (
                    partition by customer_id, conversion_type
                    order by converted_at, conversion_id
                )
        end as customer_order_number

    from unioned

),

final as (

    select
        conversion_id,
        conversion_type,
        conversion_name,
        customer_id,
        converted_at,
        revenue,
        currency,
        customer_conversion_number,
        previous_converted_at,
        case when customer_conversion_number = 1 then true else false end as is_first_conversion,
        case when customer_order_number = 1 then true else false end as is_first_order

    from sequenced

)

select * from final
