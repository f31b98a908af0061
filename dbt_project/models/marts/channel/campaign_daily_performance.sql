{#
    Touches, sessions, attributed conversions and spend per day, channel and
    campaign. The campaign of a touch, session or credit is its sub_channel
    (utm_campaign for web), and the campaign of spend is the ad platform's
    campaign_name. NULL or empty campaigns are reported as '(none)'.
    Spend is matched to touches by the exact, case-sensitive campaign name,
    because utm_campaign is set to the platform's campaign name on the ads'
    landing URLs. Spend goes under the channel that ad-click touches of the
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

campaign_touches as (

    select
        cast(occurred_at as date) as activity_date,
        channel,
        coalesce(nullif(sub_channel, ''), {{ no_campaign }}) as campaign,
        customer_id,
        is_ad_click

    from touchpoints

),

touch_days as (

    select
        activity_date,
        channel,
        campaign,
        count(*) as count_touches,
        count(distinct customer_id) as count_reached_customers

    from campaign_touches
    group by
        activity_date,
        channel,
        campaign

),

session_days as (

    select
        session_date as activity_date,
        channel,
        coalesce(nullif(sub_channel, ''), {{ no_campaign }}) as campaign,
        count(*) as count_sessions

    from web_sessions
    group by
        session_date,
        channel,
        coalesce(nullif(sub_channel, ''), {{ no_campaign }})

),

attributed_days as (

    select
        cast(model_credits.converted_at as date) as activity_date,
        model_credits.channel,
        coalesce(nullif(model_credits.sub_channel, ''), {{ no_campaign }}) as campaign,
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
        coalesce(nullif(model_credits.sub_channel, ''), {{ no_campaign }})

),

-- Ad-click touches per campaign and channel over all days, so spend on a
-- day without clicks still finds the campaign's channel.
ad_click_channels as (

    select
        campaign,
        channel,
        count(*) as count_ad_clicks

    from campaign_touches
    where is_ad_click
        and campaign <> {{ no_campaign }}
    group by
        campaign,
        channel

),

-- The channel with the most ad-click touches of the campaign, ties broken
-- by channel name.
ranked_ad_click_channels as (

    select
        campaign,
        channel,
        row_number() over (
            partition by campaign
            order by count_ad_clicks desc nulls last, channel asc nulls last
        ) as channel_rank

    from ad_click_channels

),

spend_rows as (

    select
        ad_spend.spend_date as activity_date,
        coalesce(nullif(ad_spend.campaign_name, ''), {{ no_campaign }}) as campaign,
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
        on spend_rows.campaign = same_channel.campaign
        and spend_rows.platform_channel = same_channel.channel
    left join ranked_ad_click_channels as top_channel
        on spend_rows.campaign = top_channel.campaign
        and top_channel.channel_rank = 1

),

spend_days as (

    select
        spend_channels.activity_date,
        spend_channels.channel,
        spend_channels.campaign,
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
        spend_channels.campaign

),

active_keys as (

    select activity_date, channel, campaign from touch_days
    union
    select activity_date, channel, campaign from session_days
    union
    select activity_date, channel, campaign from attributed_days
    union
    select activity_date, channel, campaign from spend_days

),

joined as (

    select
        active_keys.activity_date,
        active_keys.channel,
        active_keys.campaign,
        coalesce(touch_days.count_touches, 0) as count_touches,
        coalesce(touch_days.count_reached_customers, 0) as count_reached_customers,
        coalesce(session_days.count_sessions, 0) as count_sessions,
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
        and active_keys.campaign = touch_days.campaign
    left join session_days
        on active_keys.activity_date = session_days.activity_date
        and active_keys.channel = session_days.channel
        and active_keys.campaign = session_days.campaign
    left join attributed_days
        on active_keys.activity_date = attributed_days.activity_date
        and active_keys.channel = attributed_days.channel
        and active_keys.campaign = attributed_days.campaign
    left join spend_days
        on active_keys.activity_date = spend_days.activity_date
        and active_keys.channel = spend_days.channel
        and active_keys.campaign = spend_days.campaign

),

final as (

    select
        {{ dbt.concat([
            dbt.safe_cast('activity_date', dbt.type_string()), "':'",
            'channel', "':'",
            'campaign',
        ]) }} as campaign_day_id,
        activity_date,
        channel,
        campaign,
        '{{ var('reporting_currency') }}' as reporting_currency,
        cast(count_touches as bigint) as count_touches,
        cast(count_reached_customers as bigint) as count_reached_customers,
        cast(count_sessions as bigint) as count_sessions,
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
        {%- for model in attribution_models %}
        cast(attributed_conversions_{{ model }} as {{ type_double() }})
            as attributed_conversions_{{ model }},
        cast(attributed_revenue_{{ model }} as decimal(38, 2))
            as attributed_revenue_{{ model }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from joined

)

select * from final
