with

stg_web__events as (

    select * from {{ ref('stg_web__events') }}

),

stg_email__events as (

    select * from {{ ref('stg_email__events') }}

),

stg_social__posts as (

    select * from {{ ref('stg_social__posts') }}

),

stg_support__tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

stg_shop__orders as (

    select * from {{ ref('stg_shop__orders') }}

),

record_customers as (

    select * from {{ ref('int_record_customers') }}

),

channel_groupings as (

    select * from {{ ref('channel_groupings') }}

),

web_interactions as (

    select
        *,
        case
            when utm_source is not null
                or utm_medium is not null
                or utm_campaign is not null
                then true
            else false
        end as has_campaign,
        case
            when referrer_host is not null
                and (page_host is null or referrer_host <> page_host)
                then true
            else false
        end as has_external_referrer

    from stg_web__events
    where event_type in ('page', 'screen', 'track')

),

-- Lookup key into channel_groupings: the campaign parameters when present,
-- else the external referrer host with medium 'referral', else none (direct).
web_lookup_keys as (

    select
        *,
        case
            when has_campaign then coalesce(utm_source, '')
            when has_external_referrer then referrer_host
        end as lookup_source,
        case
            when has_campaign then coalesce(utm_medium, '')
            when has_external_referrer then 'referral'
        end as lookup_medium

    from web_interactions

),

web_touches as (

    select
        {{ dbt.concat(["'web:'", 'web_lookup_keys.event_id']) }} as touchpoint_id,
        'web' as source,
        web_lookup_keys.event_id as record_key,
        web_lookup_keys.event_type as touch_type,
        coalesce(
            exact_match.channel,
            any_source_match.channel,
            any_medium_match.channel,
            case when web_lookup_keys.lookup_source is null then 'direct' else 'other' end
        ) as channel,
        web_lookup_keys.utm_campaign as sub_channel,
        web_lookup_keys.utm_source,
        web_lookup_keys.utm_medium,
        web_lookup_keys.platform,
        web_lookup_keys.event_name,
        web_lookup_keys.occurred_at,
        case
            when web_lookup_keys.event_type in ('page', 'screen') then true
            else false
        end as is_page_view,
        case
            when web_lookup_keys.event_type in ('page', 'screen')
                and (web_lookup_keys.has_campaign or web_lookup_keys.has_external_referrer)
                then true
            else false
        end as is_sourced_page_view

    from web_lookup_keys
    left join channel_groupings as exact_match
        on web_lookup_keys.lookup_source = exact_match.utm_source
        and web_lookup_keys.lookup_medium = exact_match.utm_medium
    left join channel_groupings as any_source_match
        on any_source_match.utm_source = '*'
        and web_lookup_keys.lookup_medium = any_source_match.utm_medium
    left join channel_groupings as any_medium_match
        on web_lookup_keys.lookup_source = any_medium_match.utm_source
        and any_medium_match.utm_medium = '*'

),

email_touches as (

    select
        {{ dbt.concat(["'email:'", 'event_id']) }} as touchpoint_id,
        'email' as source,
        event_id as record_key,
        event_type as touch_type,
        'email' as channel,
        coalesce(campaign_name, campaign_id) as sub_channel,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as platform,
        cast(null as {{ dbt.type_string() }}) as event_name,
        occurred_at,
        false as is_page_view,
        false as is_sourced_page_view

    from stg_email__events
    where event_type in ('send', 'open', 'click', 'bounce', 'unsubscribe')

),

social_touches as (

    select
        {{ dbt.concat(["'social:'", 'post_id']) }} as touchpoint_id,
        'social' as source,
        post_id as record_key,
        case when in_reply_to_post_id is null then 'mention' else 'reply' end as touch_type,
        'social' as channel,
        cast(null as {{ dbt.type_string() }}) as sub_channel,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as platform,
        cast(null as {{ dbt.type_string() }}) as event_name,
        posted_at as occurred_at,
        false as is_page_view,
        false as is_sourced_page_view

    from stg_social__posts
    where is_inbound

),

support_touches as (

    select
        {{ dbt.concat(["'support:'", 'ticket_id']) }} as touchpoint_id,
        'support' as source,
        ticket_id as record_key,
        'ticket' as touch_type,
        'support' as channel,
        via_channel as sub_channel,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as platform,
        cast(null as {{ dbt.type_string() }}) as event_name,
        created_at as occurred_at,
        false as is_page_view,
        false as is_sourced_page_view

    from stg_support__tickets

),

order_touches as (

    select
        {{ dbt.concat(["'order:'", 'order_id']) }} as touchpoint_id,
        'shop' as source,
        order_id as record_key,
        'order' as touch_type,
        'store' as channel,
        source_name as sub_channel,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as platform,
        cast(null as {{ dbt.type_string() }}) as event_name,
        ordered_at as occurred_at,
        false as is_page_view,
        false as is_sourced_page_view

    from stg_shop__orders

),

touches as (

    select * from web_touches
    union all
    select * from email_touches
    union all
    select * from social_touches
    union all
    select * from support_touches
    union all
    select * from order_touches

),

touches_with_customer as (

    select
        touches.*,
        record_customers.customer_id,
        cast(touches.occurred_at as date) as activity_date

    from touches
    left join record_customers
        on touches.source = record_customers.source
        and touches.record_key = record_customers.record_key

),

-- Customer-level context for the stage and attribution rules. Touches
-- without a customer get NULL here.
touches_in_customer_context as (

    select
        *,
        case
            when customer_id is not null then
                min(case when touch_type = 'order' then occurred_at end) over (
                    partition by customer_id
                )
        end as customer_first_order_at,
        case
            when customer_id is not null then
                row_number() over (
                    partition by customer_id
                    order by occurred_at, touchpoint_id
                )
        end as customer_touch_number,
        case
            when customer_id is not null and is_page_view then
                row_number() over (
                    partition by customer_id, activity_date, is_page_view
                    order by occurred_at, touchpoint_id
                )
        end as customer_day_page_view_number

    from touches_with_customer

),

final as (

    select
        touchpoint_id,
        customer_id,
        source,
        record_key,
        touch_type,
        channel,
        sub_channel,
        utm_source,
        utm_medium,
        platform,
        event_name,
        case
            when source = 'web'
                and channel in ('paid_search', 'paid_social', 'display', 'affiliate')
                and touch_type in ('page', 'screen')
                then true
            else false
        end as is_ad_click,
        occurred_at,
        case
            when touch_type = 'ticket' then 'support'
            when touch_type = 'order' then 'purchase'
            when occurred_at > customer_first_order_at then 'post_purchase'
            when customer_touch_number = 1 then 'awareness'
            when channel in ('paid_search', 'paid_social', 'display') then 'awareness'
            when touch_type in ('send', 'mention') then 'awareness'
            else 'consideration'
        end as journey_stage,
        case
            when is_sourced_page_view then true
            when customer_day_page_view_number = 1 then true
            when touch_type in ('open', 'click') then true
            when source = 'social' then true
            else false
        end as is_attributable

    from touches_in_customer_context

)

select * from final
