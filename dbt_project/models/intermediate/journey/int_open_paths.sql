{#
    Journeys that have not converted, the null paths of the Markov model.
    One row per customer with attributable touches after the customer's last
    conversion (all touches for a customer without conversions), limited to
    the lookback_days before the last of those touches, as the path window of
    a conversion would be at that time.
#}

with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

conversions as (

    select * from {{ ref('int_conversions') }}

),

last_conversions as (

    select
        customer_id,
        max(converted_at) as last_converted_at

    from conversions
    where customer_id is not null
    group by customer_id

),

open_touches as (

    select
        touchpoints.customer_id,
        touchpoints.touchpoint_id,
        touchpoints.channel,
        touchpoints.occurred_at,
        max(touchpoints.occurred_at) over (
            partition by touchpoints.customer_id
        ) as last_touched_at

    from touchpoints
    left join last_conversions
        on touchpoints.customer_id = last_conversions.customer_id
    where touchpoints.is_attributable
        and touchpoints.customer_id is not null
        and (
            last_conversions.last_converted_at is null
            or touchpoints.occurred_at > last_conversions.last_converted_at
        )

),

windowed as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by occurred_at, touchpoint_id
        ) as touch_position

    from open_touches
    where occurred_at
        >= {{ dbt.dateadd('day', -1 * var('lookback_days') | int, 'last_touched_at') }}

),

final as (

    select
        customer_id,
        cast(count(*) as bigint) as count_touches,
        {{ ordered_string_agg('channel', ' > ', ['touch_position']) }} as path,
        min(occurred_at) as first_touched_at,
        max(occurred_at) as last_touched_at

    from windowed
    group by customer_id

)

select * from final
