{#
    Touches, sessions, conversions, new customers, attributed conversions and
    spend per day, channel and campaign. The campaign of a touch, session or credit is its sub_channel
    (utm_campaign for web), and the campaign of spend is the ad platform's
    campaign_name. Campaigns are grouped and matched on campaign_key, the
    trimmed name in lower case (macros/campaign_key.sql), because
    utm_campaign is typed by hand from the platform's campaign name and its
    case drifts. NULL or blank campaigns are '(none)'. Each key is shown
    under one display name from int_campaign_names.
    Conversions and new customers are counted on the conversion's date
    under the channel and campaign of its last touch, as
    channel_daily_performance counts them under the last-touch channel. A
    new customer is a conversion that is the customer's first order, and a
    conversion without touches is 'direct' with campaign '(none)'.
    Spend goes under the channel that ad-click touches of the
    same campaign have, so a Google Ads display campaign lands under
    'display' instead of the platform's channel. Spend of a campaign without
    ad-click touches keeps the ad_platform_channels channel and is its own
    row. Amounts are converted into var('reporting_currency') with the
    currency_rates row of the amount's date, as in channel_daily_performance.
    Only days with activity have rows: a spine over every date, channel and
    campaign would mostly hold zeros.
#}
{%- set attribution_models = [
    'first_touch', 'last_touch', 'last_non_direct', 'linear',
    'time_decay', 'position_based', 'markov', 'shapley',
] -%}
{%- set no_campaign = "'(none)'" -%}

with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

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

conversion_paths as (

    select * from {{ ref('conversion_paths') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

campaign_names as (

    select * from {{ ref('int_campaign_names') }}

),

campaign_touches as (

    select
        cast(occurred_at as date) as activity_date,
        channel,
        {{ campaign_key('sub_channel') }} as campaign_key,
        customer_id,
        is_ad_click

    from touchpoints

),

touch_days as (

    select
        activity_date,
        channel,
        campaign_key,
        count(*) as count_touches,
        count(distinct customer_id) as count_reached_customers

    from campaign_touches
    group by
        activity_date,
        channel,
        campaign_key

),

session_days as (

    select
        session_date as activity_date,
        channel,
        {{ campaign_key('sub_channel') }} as campaign_key,
        count(*) as count_sessions

    from web_sessions
    group by
        session_date,
        channel,
        {{ campaign_key('sub_channel') }}

),

attributed_days as (

    select
        cast(model_credits.converted_at as date) as activity_date,
        model_credits.channel,
        {{ campaign_key('model_credits.sub_channel') }} as campaign_key,
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
        model_credits.channel,
        {{ campaign_key('model_credits.sub_channel') }}

),

-- Ad-click touches per campaign and channel over all days, so spend on a
-- day without clicks still finds the campaign's channel.
ad_click_channels as (

    select
        campaign_key,
        channel,
        count(*) as count_ad_clicks

    from campaign_touches
    where is_ad_click
        and campaign_key <> {{ no_campaign }}
    group by
        campaign_key,
        channel

),

-- The channel with the most ad-click touches of the campaign, ties broken
-- by channel name.
ranked_ad_click_channels as (

    select
        campaign_key,
        channel,
        row_number() over (
            partition by campaign_key
            order by count_ad_clicks desc nulls last, channel asc nulls last
        ) as channel_rank

    from ad_click_channels

),

spend_rows as (

    select
        ad_spend.spend_date as activity_date,
        {{ campaign_key('ad_spend.campaign_name') }} as campaign_key,
        coalesce(ad_platform_channels.channel, 'other') as platform_channel,
        ad_spend.spend_amount,
        ad_spend.currency,
        ad_spend.impressions,
        ad_spend.clicks

    from ad_spend
    left join ad_platform_channels
        on ad_spend.platform = ad_platform_channels.platform

),

-- Spend keeps the platform's channel when the campaign has ad-click touches
-- under it, so a campaign name used on two platforms stays split. Otherwise
-- it takes the campaign's top ad-click channel, or keeps the platform's
-- channel when the campaign has no ad-click touch.
spend_channels as (

    select
        spend_rows.*,
        coalesce(
            same_channel.channel,
            top_channel.channel,
            spend_rows.platform_channel
        ) as channel

    from spend_rows
    left join ad_click_channels as same_channel
        on spend_rows.campaign_key = same_channel.campaign_key
        and spend_rows.platform_channel = same_channel.channel
    left join ranked_ad_click_channels as top_channel
        on spend_rows.campaign_key = top_channel.campaign_key
        and top_channel.channel_rank = 1

),

spend_days as (

    select
        spend_channels.activity_date,
        spend_channels.channel,
        spend_channels.campaign_key,
        sum(spend_channels.spend_amount * rate_ranges.rate) as spend_amount,
        sum(spend_channels.impressions) as count_impressions,
        sum(spend_channels.clicks) as count_clicks

    from spend_channels
    left join rate_ranges
        on spend_channels.currency = rate_ranges.currency
        and rate_ranges.valid_from <= spend_channels.activity_date
        and (
            rate_ranges.valid_to is null
            or spend_channels.activity_date < rate_ranges.valid_to
        )
    group by
        spend_channels.activity_date,
        spend_channels.channel,
        spend_channels.campaign_key

),

-- The last touch of each conversion's path. int_conversion_touches numbers
-- the touches from 1 to count_touches.
last_touches as (

    select
        conversion_id,
        channel,
        sub_channel

    from conversion_touches
    where touch_position = count_touches

),

conversion_days as (

    select
        cast(conversion_paths.converted_at as date) as activity_date,
        conversion_paths.last_touch_channel as channel,
        {{ campaign_key('last_touches.sub_channel') }} as campaign_key,
        count(*) as count_conversions,
        sum(case when conversion_paths.is_first_order then 1 else 0 end) as count_new_customers

    from conversion_paths
    left join last_touches
        on conversion_paths.conversion_id = last_touches.conversion_id
    group by
        cast(conversion_paths.converted_at as date),
        conversion_paths.last_touch_channel,
        {{ campaign_key('last_touches.sub_channel') }}

),

active_keys as (

    select activity_date, channel, campaign_key from touch_days
    union
    select activity_date, channel, campaign_key from session_days
    union
    select activity_date, channel, campaign_key from attributed_days
    union
    select activity_date, channel, campaign_key from spend_days
    union
    select activity_date, channel, campaign_key from conversion_days

),

joined as (

    select
        active_keys.activity_date,
        active_keys.channel,
        active_keys.campaign_key,
        coalesce(campaign_names.campaign, active_keys.campaign_key) as campaign,
        coalesce(touch_days.count_touches, 0) as count_touches,
        coalesce(touch_days.count_reached_customers, 0) as count_reached_customers,
        coalesce(session_days.count_sessions, 0) as count_sessions,
        coalesce(conversion_days.count_conversions, 0) as count_conversions,
        coalesce(conversion_days.count_new_customers, 0) as count_new_customers,
        case when spend_days.activity_date is null then 0 else spend_days.spend_amount end
            as spend_amount,
        spend_days.count_impressions,
        spend_days.count_clicks,
        {%- for model in attribution_models %}
        coalesce(attributed_days.attributed_conversions_{{ model }}, 0)
            as attributed_conversions_{{ model }},
        case
            when attributed_days.activity_date is null then 0
            else attributed_days.attributed_revenue_{{ model }}
        end as attributed_revenue_{{ model }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from active_keys
    left join touch_days
        on active_keys.activity_date = touch_days.activity_date
        and active_keys.channel = touch_days.channel
        and active_keys.campaign_key = touch_days.campaign_key
    left join session_days
        on active_keys.activity_date = session_days.activity_date
        and active_keys.channel = session_days.channel
        and active_keys.campaign_key = session_days.campaign_key
    left join attributed_days
        on active_keys.activity_date = attributed_days.activity_date
        and active_keys.channel = attributed_days.channel
        and active_keys.campaign_key = attributed_days.campaign_key
    left join spend_days
        on active_keys.activity_date = spend_days.activity_date
        and active_keys.channel = spend_days.channel
        and active_keys.campaign_key = spend_days.campaign_key
    left join conversion_days
        on active_keys.activity_date = conversion_days.activity_date
        and active_keys.channel = conversion_days.channel
        and active_keys.campaign_key = conversion_days.campaign_key
    left join campaign_names
        on active_keys.campaign_key = campaign_names.campaign_key

),

final as (

    select
        {{ dbt.concat([
            dbt.safe_cast('activity_date', dbt.type_string()), "':'",
            'channel', "':'",
            'campaign_key',
        ]) }} as campaign_day_id,
        activity_date,
        channel,
        campaign,
        campaign_key,
        '{{ var('reporting_currency') }}' as reporting_currency,
        cast(count_touches as bigint) as count_touches,
        cast(count_reached_customers as bigint) as count_reached_customers,
        cast(count_sessions as bigint) as count_sessions,
        cast(count_conversions as bigint) as count_conversions,
        cast(count_new_customers as bigint) as count_new_customers,
        cast(spend_amount as decimal(38, 4)) as spend_amount,
        cast(count_impressions as bigint) as count_impressions,
        cast(count_clicks as bigint) as count_clicks,
        case
            when count_impressions is null or count_impressions = 0 then null
            else cast(count_clicks as {{ type_double() }})
                / cast(count_impressions as {{ type_double() }})
        end as ctr,
        case
            when spend_amount = 0 then null
            else cast(attributed_revenue_last_touch as {{ type_double() }})
                / cast(spend_amount as {{ type_double() }})
        end as roas,
        case
            when attributed_conversions_last_touch = 0 then null
            else cast(
                cast(spend_amount as {{ type_double() }}) / attributed_conversions_last_touch
                as decimal(38, 4)
            )
        end as cpa,
        case
            when count_new_customers = 0 then null
            else cast(spend_amount / count_new_customers as decimal(38, 4))
        end as cac,
        case
            when count_sessions = 0 then null
            else cast(count_conversions as {{ type_double() }})
                / cast(count_sessions as {{ type_double() }})
        end as conversion_rate,
        {%- for model in attribution_models %}
        cast(attributed_conversions_{{ model }} as {{ type_double() }})
            as attributed_conversions_{{ model }},
        cast(attributed_revenue_{{ model }} as decimal(38, 2))
            as attributed_revenue_{{ model }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from joined

)

select * from final
