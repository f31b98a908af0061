{#
    Path window of a conversion: the customer's attributable touches with
        converted_at - lookback_days <= occurred_at <= converted_at
    and occurred_at > previous_converted_at (the customer's previous
    conversion, when there is one). A touch at the conversion's own timestamp
    is in the window, but a touch at the previous conversion's timestamp is not.
    touch_position numbers the window's touches by occurred_at, then
    touchpoint_id for touches at the same timestamp. Two conversions of one
    customer in the same second are ordered by conversion_id, and the second
    one's window is empty because it starts after the first one's timestamp.
#}

with

conversions as (

    select * from {{ ref('int_conversions') }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

attributable_touches as (

    select * from touchpoints
    where is_attributable

),

windowed as (

    select
        conversions.conversion_id,
        conversions.customer_id,
        conversions.converted_at,
        attributable_touches.touchpoint_id,
        attributable_touches.channel,
        attributable_touches.sub_channel,
        attributable_touches.touch_type,
        attributable_touches.occurred_at as touched_at

    from conversions
    inner join attributable_touches
        on conversions.customer_id = attributable_touches.customer_id
        and attributable_touches.occurred_at <= conversions.converted_at
        and attributable_touches.occurred_at
            >= {{ dbt.dateadd('day', -1 * var('lookback_days') | int, 'conversions.converted_at') }}
        and (
            conversions.previous_converted_at is null
            or attributable_touches.occurred_at > conversions.previous_converted_at
        )

),

final as (

    select
        {{ dbt.concat(['conversion_id', "':'", 'touchpoint_id']) }} as conversion_touch_id,
        conversion_id,
        customer_id,
        converted_at,
        touchpoint_id,
        channel,
        sub_channel,
        touch_type,
        touched_at,
        row_number() over (
            partition by conversion_id
            order by touched_at, touchpoint_id
        ) as touch_position,
        count(*) over (partition by conversion_id) as count_touches

    from windowed

)

select * from final
