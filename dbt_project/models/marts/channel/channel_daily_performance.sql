{#
    Conversions, revenue and new customers are counted on the conversion's
    date under its last-touch channel, not on the date of that touch.
    Attributed conversions and revenue per model are counted on the
    conversion's date under the credited touch's channel. Amounts are
    converted into var('reporting_currency') with the currency_rates row of
    the amount's date.
    The date spine is built from a cross join of digits instead of an
    engine's generate_series, and covers 10^spine_digits days from the first
    activity date.
#}
{%- set spine_digits = 5 -%}
{%- set attribution_models = [
    'first_touch', 'last_touch', 'last_non_direct', 'linear',
    'time_decay', 'position_based', 'markov', 'shapley',
] -%}

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

web_sessions as (

    select * from {{ ref('int_web_sessions') }}

),

model_credits as (

    select * from {{ ref('attribution_model_credits') }}

),

rate_ranges as (

    select * from {{ ref('int_currency_rate_ranges') }}

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
        cast(conversion_paths.converted_at as date) as activity_date,
        conversion_paths.last_touch_channel as channel,
        count(*) as count_conversions,
        -- Conversions without revenue (events) may have no currency. Revenue
        -- without a rate makes the sum NULL instead of leaving it out.
        case
            when max(
                case when conversion_paths.revenue <> 0 and rate_ranges.rate is null then 1 else 0 end
            ) = 1 then null
            else sum(
                case
                    when conversion_paths.revenue = 0 then 0
                    else conversion_paths.revenue * rate_ranges.rate
                end
            )
        end as sum_revenue,
        sum(case when conversion_paths.is_first_order then 1 else 0 end) as count_new_customers

    from conversion_paths
    left join rate_ranges
        on conversion_paths.currency = rate_ranges.currency
        and rate_ranges.valid_from <= cast(conversion_paths.converted_at as date)
        and (
            rate_ranges.valid_to is null
            or cast(conversion_paths.converted_at as date) < rate_ranges.valid_to
        )
    group by
        cast(conversion_paths.converted_at as date),
        conversion_paths.last_touch_channel

),

attributed_days as (

    select
        cast(model_credits.converted_at as date) as activity_date,
        model_credits.channel,
        {%- for model in attribution_models %}
        sum(case when model_credits.model = '{{ model }}' then model_credits.credit else 0 end)
            as attributed_conversions_{{ model }},
        case
            when max(
                case
                    when model_credits.revenue_credit <> 0 and rate_ranges.rate is null then 1
                    else 0
                end
            ) = 1 then null
            else sum(
                case
                    when model_credits.model <> '{{ model }}' then 0
                    when model_credits.revenue_credit = 0 then 0
                    else model_credits.revenue_credit * rate_ranges.rate
                end
            )
        end as attributed_revenue_{{ model }},
        {%- endfor %}
        count(*) as count_credit_rows

    from model_credits
    left join rate_ranges
        on model_credits.currency = rate_ranges.currency
        and rate_ranges.valid_from <= cast(model_credits.converted_at as date)
        and (
            rate_ranges.valid_to is null
            or cast(model_credits.converted_at as date) < rate_ranges.valid_to
        )
    group by
        cast(model_credits.converted_at as date),
        model_credits.channel

),

session_days as (

    select
        session_date as activity_date,
        channel,
        count(*) as count_sessions

    from web_sessions
    group by
        session_date,
        channel

),

-- Spend of a platform missing from ad_platform_channels is reported as 'other'.
spend_days as (

    select
        ad_spend.spend_date as activity_date,
        coalesce(ad_platform_channels.channel, 'other') as channel,
        sum(ad_spend.spend_amount * rate_ranges.rate) as spend_amount,
        sum(ad_spend.impressions) as count_impressions,
        sum(ad_spend.clicks) as count_clicks

    from ad_spend
    left join ad_platform_channels
        on ad_spend.platform = ad_platform_channels.platform
    left join rate_ranges
        on ad_spend.currency = rate_ranges.currency
        and rate_ranges.valid_from <= ad_spend.spend_date
        and (rate_ranges.valid_to is null or ad_spend.spend_date < rate_ranges.valid_to)
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
    union
    select activity_date, channel from attributed_days
    union
    select activity_date, channel from session_days

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
        coalesce(conversion_days.count_new_customers, 0) as count_new_customers,
        case when spend_days.activity_date is null then 0 else spend_days.spend_amount end
            as spend_amount,
        spend_days.count_impressions,
        spend_days.count_clicks,
        coalesce(session_days.count_sessions, 0) as count_sessions,
        {%- for model in attribution_models %}
        coalesce(attributed_days.attributed_conversions_{{ model }}, 0)
            as attributed_conversions_{{ model }},
        case
            when attributed_days.activity_date is null then 0
            else attributed_days.attributed_revenue_{{ model }}
        end as attributed_revenue_{{ model }},
        {%- endfor %}
        case when conversion_days.activity_date is null then 0 else conversion_days.sum_revenue end
            as sum_revenue_converted

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
    left join session_days
        on grid.activity_date = session_days.activity_date
        and grid.channel = session_days.channel
    left join attributed_days
        on grid.activity_date = attributed_days.activity_date
        and grid.channel = attributed_days.channel

),

final as (

    select
        {{ dbt.concat([dbt.safe_cast('activity_date', dbt.type_string()), "':'", 'channel']) }}
            as channel_day_id,
        activity_date,
        channel,
        '{{ var('reporting_currency') }}' as reporting_currency,
        cast(count_touches as bigint) as count_touches,
        cast(count_reached_customers as bigint) as count_reached_customers,
        cast(count_sessions as bigint) as count_sessions,
        cast(count_conversions as bigint) as count_conversions,
        cast(sum_revenue_converted as decimal(38, 2)) as sum_revenue,
        cast(spend_amount as decimal(38, 4)) as spend_amount,
        case
            when spend_amount = 0 then null
            else cast(sum_revenue_converted as {{ type_double() }})
                / cast(spend_amount as {{ type_double() }})
        end as roas,
        case
            when count_new_customers = 0 then null
            else cast(spend_amount / count_new_customers as decimal(38, 4))
        end as cac,
        cast(count_new_customers as bigint) as count_new_customers,
        case
            when count_conversions = 0 then null
            else cast(spend_amount / count_conversions as decimal(38, 4))
        end as cpa,
        case
            when count_sessions = 0 then null
            else cast(count_conversions as {{ type_double() }})
                / cast(count_sessions as {{ type_double() }})
        end as conversion_rate,
        cast(count_impressions as bigint) as count_impressions,
        cast(count_clicks as bigint) as count_clicks,
        case
            when count_impressions is null or count_impressions = 0 then null
            else cast(count_clicks as {{ type_double() }})
                / cast(count_impressions as {{ type_double() }})
        end as ctr,
        {%- for model in attribution_models %}
        cast(attributed_conversions_{{ model }} as {{ type_double() }})
            as attributed_conversions_{{ model }},
        cast(attributed_revenue_{{ model }} as decimal(38, 2))
            as attributed_revenue_{{ model }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from joined

)

select * from final
