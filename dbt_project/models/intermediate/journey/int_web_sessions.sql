{#
    Web and app sessions of stitched customers. Events are ordered per
    customer_id (not per cookie), so a login that links a new user id to the
    cookie mid-session keeps one session, and web and app events of one
    customer share sessions. An event more than session_timeout_minutes after
    the customer's previous event starts a new session. Sessions are not cut
    at midnight: session_date is the UTC date of the first event. An event
    without a customer is a session of its own.
#}

with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

web_events as (

    select
        touchpoint_id,
        coalesce(customer_id, touchpoint_id) as session_key,
        customer_id,
        channel,
        sub_channel,
        platform,
        touch_type,
        occurred_at

    from touchpoints
    where source = 'web'

),

gaps as (

    select
        *,
        lag(occurred_at) over (
            partition by session_key
            order by occurred_at, touchpoint_id
        ) as previous_occurred_at

    from web_events

),

session_starts as (

    select
        *,
        case
            when previous_occurred_at is null then 1
            when {{ dbt.datediff('previous_occurred_at', 'occurred_at', 'second') }}
                > {{ var('session_timeout_minutes') | int }} * 60 then 1
            else 0
        end as is_session_start

    from gaps

),

numbered as (

    select
        *,
        sum(is_session_start) over (
            partition by session_key
            order by occurred_at, touchpoint_id
            rows between unbounded preceding and current row
        ) as session_number

    from session_starts

),

-- The session's channel, campaign and platform are those of its first event.
first_events as (

    select
        session_key,
        session_number,
        touchpoint_id as first_touchpoint_id,
        channel,
        sub_channel,
        platform

    from numbered
    where is_session_start = 1

),

aggregated as (

    select
        session_key,
        session_number,
        max(customer_id) as customer_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as count_events,
        sum(case when touch_type in ('page', 'screen') then 1 else 0 end) as count_page_views

    from numbered
    group by
        session_key,
        session_number

),

final as (

    select
        {{ dbt.concat(['aggregated.session_key', "':'", dbt.safe_cast('aggregated.session_number', dbt.type_string())]) }}
            as session_id,
        aggregated.customer_id,
        cast(aggregated.session_number as bigint) as session_number,
        first_events.first_touchpoint_id,
        first_events.channel,
        first_events.sub_channel,
        first_events.platform,
        aggregated.started_at,
        aggregated.ended_at,
        cast(aggregated.started_at as date) as session_date,
        {{ dbt.datediff('aggregated.started_at', 'aggregated.ended_at', 'second') }} as duration_seconds,
        cast(aggregated.count_events as bigint) as count_events,
        cast(aggregated.count_page_views as bigint) as count_page_views

    from aggregated
    inner join first_events
        on aggregated.session_key = first_events.session_key
        and aggregated.session_number = first_events.session_number

)

select * from final
