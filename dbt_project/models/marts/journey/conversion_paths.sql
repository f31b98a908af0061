with

conversions as (

    select * from {{ ref('int_conversions') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

paths as (

    select
        conversion_id,
        count(*) as count_touches,
        {{ ordered_string_agg('channel', ' > ', ['touch_position']) }} as path,
        max(case when touch_position = 1 then channel end) as first_touch_channel,
        max(case when touch_position = count_touches then channel end) as last_touch_channel

    from conversion_touches
    group by conversion_id

),

-- A conversion without an attributable touch in its window counts as direct.
final as (

    select
        conversions.conversion_id,
        conversions.conversion_type,
        conversions.conversion_name,
        conversions.customer_id,
        conversions.converted_at,
        cast(conversions.revenue as decimal(18, 2)) as revenue,
        conversions.currency,
        conversions.is_first_conversion,
        conversions.is_first_order,
        cast(coalesce(paths.count_touches, 0) as bigint) as count_touches,
        coalesce(paths.path, 'direct') as path,
        coalesce(paths.first_touch_channel, 'direct') as first_touch_channel,
        coalesce(paths.last_touch_channel, 'direct') as last_touch_channel

    from conversions
    left join paths
        on conversions.conversion_id = paths.conversion_id

)

select * from final
