{#
    Credit rules per conversion with n touches in its path window:
    first touch gives 1 to touch_position 1, last touch gives 1 to
    touch_position n, linear gives 1/n to every touch. A conversion without
    touches gets one 'direct' row with every credit 1.
#}

with

conversion_paths as (

    select * from {{ ref('conversion_paths') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

touched as (

    select
        conversion_touches.conversion_id,
        conversion_touches.touchpoint_id,
        conversion_touches.touch_position,
        conversion_touches.count_touches,
        conversion_touches.channel,
        conversion_touches.touched_at

    from conversion_touches

),

untouched as (

    select
        conversion_id,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        cast(1 as bigint) as touch_position,
        cast(1 as bigint) as count_touches,
        'direct' as channel,
        cast(null as {{ dbt.type_timestamp() }}) as touched_at

    from conversion_paths
    where count_touches = 0

),

credited_touches as (

    select * from touched
    union all
    select * from untouched

),

credits as (

    select
        conversion_paths.conversion_id,
        conversion_paths.customer_id,
        conversion_paths.converted_at,
        conversion_paths.revenue,
        credited_touches.touchpoint_id,
        credited_touches.touch_position,
        credited_touches.channel,
        credited_touches.touched_at,
        cast(
            case when credited_touches.touch_position = 1 then 1 else 0 end
            as {{ type_double() }}
        ) as first_touch_credit,
        cast(
            case when credited_touches.touch_position = credited_touches.count_touches then 1 else 0 end
            as {{ type_double() }}
        ) as last_touch_credit,
        cast(1 as {{ type_double() }})
            / cast(credited_touches.count_touches as {{ type_double() }}) as linear_credit

    from credited_touches
    inner join conversion_paths
        on credited_touches.conversion_id = conversion_paths.conversion_id

),

final as (

    select
        {{ dbt.concat(['conversion_id', "':'", dbt.safe_cast('touch_position', dbt.type_string())]) }}
            as attribution_credit_id,
        conversion_id,
        customer_id,
        converted_at,
        touchpoint_id,
        cast(touch_position as bigint) as touch_position,
        channel,
        touched_at,
        first_touch_credit,
        last_touch_credit,
        linear_credit,
        cast(cast(revenue as {{ type_double() }}) * first_touch_credit as decimal(38, 6))
            as first_touch_revenue,
        cast(cast(revenue as {{ type_double() }}) * last_touch_credit as decimal(38, 6))
            as last_touch_revenue,
        cast(cast(revenue as {{ type_double() }}) * linear_credit as decimal(38, 6))
            as linear_revenue

    from credits

)

select * from final
