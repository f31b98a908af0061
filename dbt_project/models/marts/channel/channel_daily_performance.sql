{#
    Conversions, revenue and new customers are counted on the conversion's
    date under its last-touch channel, not on the date of that touch.
    The date spine is built from a cross join of digits instead of an
    engine's generate_series, and covers 10^spine_digits days from the first
    activity date.
#}
{%- set spine_digits = 5 -%}

with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

conversion_paths as (

    select * from {{ ref('conversion_paths') }}

),

ad_spend as (

    select * from {{ ref('stg_ads__spend') }}

),

ad_platform_channels as (

    select * from {{ ref('ad_platform_channels') }}

),

touch_days as (

    select
        cast(occurred_at as date) as activity_date,
        channel,
        count(*) as count_touches,
        count(distinct customer_id) as count_reached_customers

    from touchpoints
    group by
        cast(occurred_at as date),
        channel

),

conversion_days as (

    select
        cast(converted_at as date) as activity_date,
        last_touch_channel as channel,
        count(*) as count_conversions,
        sum(revenue) as sum_revenue,
        sum(case when is_first_conversion then 1 else 0 end) as count_new_customers

    from conversion_paths
    group by
        cast(converted_at as date),
        last_touch_channel

),

-- Spend of a platform missing from ad_platform_channels is reported as 'other'.
spend_days as (

    select
        ad_spend.spend_date as activity_date,
        coalesce(ad_platform_channels.channel, 'other') as channel,
        sum(ad_spend.spend_amount) as spend_amount

    from ad_spend
    left join ad_platform_channels
        on ad_spend.platform = ad_platform_channels.platform
    group by
        ad_spend.spend_date,
        coalesce(ad_platform_channels.channel, 'other')

),

active_days as (

    select activity_date, channel from touch_days
    union
    select activity_date, channel from conversion_days
    union
    select activity_date, channel from spend_days

),

channels as (

    select distinct channel from active_days

),

date_bounds as (

    select
        min(activity_date) as first_date,
        max(activity_date) as last_date

    from active_days

),

digits as (

    {% for digit in range(10) %}
    select {{ digit }} as digit
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

day_offsets as (

    select
        {% for place in range(spine_digits) %}
        digits_{{ place }}.digit * {{ 10 ** place }}
        {%- if not loop.last %} +{% endif %}
        {% endfor %} as day_offset

    from digits as digits_0
    {% for place in range(1, spine_digits) %}
    cross join digits as digits_{{ place }}
    {% endfor %}

),

date_spine as (

    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'date_bounds.first_date') }} as date)
            as activity_date

    from day_offsets
    cross join date_bounds
    where day_offsets.day_offset
        <= {{ dbt.datediff('date_bounds.first_date', 'date_bounds.last_date', 'day') }}

),

grid as (

    select
        date_spine.activity_date,
        channels.channel

    from date_spine
    cross join channels

),

joined as (

    select
        grid.activity_date,
        grid.channel,
        coalesce(touch_days.count_touches, 0) as count_touches,
        coalesce(touch_days.count_reached_customers, 0) as count_reached_customers,
        coalesce(conversion_days.count_conversions, 0) as count_conversions,
        coalesce(conversion_days.sum_revenue, 0) as sum_revenue,
        coalesce(conversion_days.count_new_customers, 0) as count_new_customers,
        coalesce(spend_days.spend_amount, 0) as spend_amount

    from grid
    left join touch_days
        on grid.activity_date = touch_days.activity_date
        and grid.channel = touch_days.channel
    left join conversion_days
        on grid.activity_date = conversion_days.activity_date
        and grid.channel = conversion_days.channel
    left join spend_days
        on grid.activity_date = spend_days.activity_date
        and grid.channel = spend_days.channel

),

final as (

    select
        {{ dbt.concat([dbt.safe_cast('activity_date', dbt.type_string()), "':'", 'channel']) }}
            as channel_day_id,
        activity_date,
        channel,
        cast(count_touches as bigint) as count_touches,
        cast(count_reached_customers as bigint) as count_reached_customers,
        cast(count_conversions as bigint) as count_conversions,
        cast(sum_revenue as decimal(38, 2)) as sum_revenue,
        cast(spend_amount as decimal(38, 4)) as spend_amount,
        case
            when spend_amount = 0 then null
            else cast(sum_revenue as {{ type_double() }}) / cast(spend_amount as {{ type_double() }})
        end as roas,
        case
            when count_new_customers = 0 then null
            else cast(spend_amount / count_new_customers as decimal(38, 4))
        end as cac,
        cast(count_new_customers as bigint) as count_new_customers

    from joined

)

select * from final
