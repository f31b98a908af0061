{%- set identifier_types = ['user_id', 'cookie', 'email', 'phone', 'handle', 'shop_customer', 'requester_id'] -%}
{%- set primary_columns = [
    ('user_id', 'primary_user_id'),
    ('email', 'primary_email'),
    ('phone', 'primary_phone'),
    ('handle', 'primary_handle'),
] -%}
{%- set stage_ranks = [('awareness', 1), ('consideration', 2), ('purchase', 3), ('post_purchase', 4)] -%}

with

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_unioned') }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

conversions as (

    select * from {{ ref('int_conversions') }}

),

stg_support__tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

social_post_sentiment as (

    select * from {{ identity_optional_source('intermediate_python', 'social_post_sentiment', [
        ('post_id', dbt.type_string()),
        ('sentiment_compound', type_double()),
    ]) }}

),

customer_value as (

    select * from {{ identity_optional_source('marts_python', 'customer_value', [
        ('customer_id', dbt.type_string()),
        ('probability_alive', type_double()),
        ('expected_orders_365d', type_double()),
        ('clv_365d', type_double()),
        ('estimate_status', dbt.type_string()),
    ]) }}

),

identifier_counts as (

    select
        customer_id,
        count(*) as count_identifiers,
        {%- for identifier_type in identifier_types %}
        sum(case when identifier_type = '{{ identifier_type }}' then 1 else 0 end)
            as count_{{ identifier_type }}s{{ "," if not loop.last }}
        {%- endfor %}

    from identities
    group by customer_id

),

observations as (

    select
        identities.customer_id,
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.observed_at

    from identifiers
    inner join identities
        on identifiers.identifier_key = identities.identifier_key

),

seen as (

    select
        customer_id,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at

    from observations
    group by customer_id

),

-- The primary user id, email, phone and handle are the values observed most
-- recently. Among values observed at the same time, the smallest wins.
ranked_contact_values as (

    select
        customer_id,
        identifier_type,
        identifier_value,
        row_number() over (
            partition by customer_id, identifier_type
            order by observed_at desc nulls last, identifier_value
        ) as recency_rank

    from observations
    where identifier_type in ('user_id', 'email', 'phone', 'handle')

),

primary_contacts as (

    select
        customer_id,
        {%- for identifier_type, column_name in primary_columns %}
        max(case when identifier_type = '{{ identifier_type }}' then identifier_value end)
            as {{ column_name }}{{ "," if not loop.last }}
        {%- endfor %}

    from ranked_contact_values
    where recency_rank = 1
    group by customer_id

),

customer_touches as (

    select * from touchpoints
    where customer_id is not null

),

-- Touches the customer started: every touch except the email events the
-- brand sends (send, bounce). Channel affinity and the preferred channel
-- are computed on these.
initiated_touches as (

    select * from customer_touches
    where touch_type not in ('send', 'bounce')

),

channel_counts as (

    select
        customer_id,
        channel,
        count(*) as count_channel_touches,
        max(occurred_at) as last_channel_touch_at

    from initiated_touches
    group by
        customer_id,
        channel

),

channel_totals as (

    select
        customer_id,
        sum(count_channel_touches) as count_initiated_touches

    from channel_counts
    group by customer_id

),

channel_shares as (

    select
        channel_counts.customer_id,
        channel_counts.channel,
        channel_counts.count_channel_touches,
        cast(channel_counts.count_channel_touches as {{ type_double() }})
            / channel_totals.count_initiated_touches as channel_share,
        row_number() over (
            partition by channel_counts.customer_id
            order by
                channel_counts.count_channel_touches desc,
                channel_counts.last_channel_touch_at desc nulls last,
                channel_counts.channel
        ) as preference_rank

    from channel_counts
    inner join channel_totals
        on channel_counts.customer_id = channel_totals.customer_id

),

channel_affinity as (

    select
        customer_id,
        {{ ordered_string_agg(
            dbt.concat(['channel', "':'", 'cast(count_channel_touches as ' ~ dbt.type_string() ~ ')']),
            ',',
            ['channel']
        ) }} as channel_touch_counts,
        {{ ordered_string_agg(
            dbt.concat(['channel', "':'", rightpath.rounded_text('channel_share', 4)]),
            ',',
            ['channel']
        ) }} as channel_affinity,
        max(case when preference_rank = 1 then channel end) as preferred_channel,
        max(case when preference_rank = 1 then channel_share end) as preferred_channel_share

    from channel_shares
    group by customer_id

),

customer_channels as (

    select distinct
        customer_id,
        channel

    from customer_touches

),

channels_used as (

    select
        customer_id,
        {{ ordered_string_agg('channel', ',', ['channel']) }} as channels_used,
        count(*) as count_channels

    from customer_channels
    group by customer_id

),

touch_counts as (

    select
        customer_id,
        count(*) as count_touches,
        sum(case when touch_type = 'ticket' then 1 else 0 end) as count_support_tickets,
        max(case journey_stage
            {%- for stage, rank in stage_ranks %}
            when '{{ stage }}' then {{ rank }}
            {%- endfor %}
        end) as journey_stage_rank

    from customer_touches
    group by customer_id

),

customer_tickets as (

    select
        customer_touches.customer_id,
        stg_support__tickets.ticket_id,
        case
            when coalesce(stg_support__tickets.status, 'open') in ('solved', 'closed')
                then true
            else false
        end as is_resolved,
        stg_support__tickets.created_at,
        stg_support__tickets.solved_at,
        stg_support__tickets.satisfaction_rating

    from customer_touches
    inner join stg_support__tickets
        on customer_touches.touch_type = 'ticket'
        and customer_touches.record_key = stg_support__tickets.ticket_id

),

-- Resolution time counts tickets that are solved or closed now. A ticket
-- reopened after a solve has a solved_at but is not resolved. Satisfaction
-- counts answered surveys only (good or bad), not offered ones.
support_stats as (

    select
        customer_id,
        sum(case when is_resolved then 0 else 1 end) as count_open_support_tickets,
        {{ journey_median(
            'case when is_resolved and solved_at >= created_at then '
            ~ dbt.datediff('created_at', 'solved_at', 'second')
            ~ ' / 3600.0 end'
        ) }} as median_resolution_hours,
        sum(case when satisfaction_rating in ('good', 'bad') then 1 else 0 end)
            as count_rated_support_tickets,
        sum(case when satisfaction_rating = 'good' then 1 else 0 end)
            as count_good_support_ratings

    from customer_tickets
    group by customer_id

),

social_sentiment as (

    select
        customer_touches.customer_id,
        customer_touches.occurred_at,
        customer_touches.record_key,
        social_post_sentiment.sentiment_compound,
        row_number() over (
            partition by customer_touches.customer_id
            order by customer_touches.occurred_at desc, customer_touches.record_key desc
        ) as recency_rank

    from customer_touches
    inner join social_post_sentiment
        on customer_touches.source = 'social'
        and customer_touches.record_key = social_post_sentiment.post_id

),

sentiment_stats as (

    select
        customer_id,
        count(*) as count_scored_social_posts,
        avg(sentiment_compound) as mean_social_sentiment,
        max(case when recency_rank = 1 then sentiment_compound end) as latest_social_sentiment

    from social_sentiment
    group by customer_id

),

order_stats as (

    select
        customer_id,
        count(*) as count_orders,
        sum(revenue) as total_revenue,
        min(converted_at) as first_order_at,
        max(converted_at) as last_order_at

    from conversions
    where customer_id is not null
    group by customer_id

),

-- RFM is scored as of the latest touch in the data, so a rerun on the same
-- data gives the same scores.
as_of as (

    select max(occurred_at) as as_of_at
    from touchpoints

),

rfm_inputs as (

    select
        order_stats.customer_id,
        {{ dbt.datediff('order_stats.last_order_at', 'as_of.as_of_at', 'day') }} as recency_days,
        order_stats.count_orders,
        order_stats.total_revenue

    from order_stats
    cross join as_of

),

-- Quintiles among customers with orders, 5 best. Ties are split by
-- customer_id so the scores are deterministic.
rfm_scores as (

    select
        customer_id,
        recency_days,
        ntile(5) over (order by recency_days desc, customer_id) as recency_score,
        ntile(5) over (order by count_orders, customer_id) as frequency_score,
        ntile(5) over (order by total_revenue, customer_id) as monetary_score

    from rfm_inputs

),

final as (

    select
        identifier_counts.customer_id,
        primary_contacts.primary_user_id,
        primary_contacts.primary_email,
        primary_contacts.primary_phone,
        primary_contacts.primary_handle,
        cast(identifier_counts.count_identifiers as bigint) as count_identifiers,
        {%- for identifier_type in identifier_types %}
        cast(identifier_counts.count_{{ identifier_type }}s as bigint) as count_{{ identifier_type }}s,
        {%- endfor %}
        seen.first_seen_at,
        seen.last_seen_at,
        channels_used.channels_used,
        cast(coalesce(channels_used.count_channels, 0) as bigint) as count_channels,
        channel_affinity.channel_touch_counts,
        channel_affinity.channel_affinity,
        channel_affinity.preferred_channel,
        cast(channel_affinity.preferred_channel_share as {{ type_double() }})
            as preferred_channel_share,
        cast(coalesce(touch_counts.count_touches, 0) as bigint) as count_touches,
        case touch_counts.journey_stage_rank
            {%- for stage, rank in stage_ranks %}
            when {{ rank }} then '{{ stage }}'
            {%- endfor %}
        end as journey_stage_reached,
        cast(coalesce(order_stats.count_orders, 0) as bigint) as count_orders,
        cast(coalesce(order_stats.total_revenue, 0) as decimal(38, 2)) as total_revenue,
        cast(
            order_stats.total_revenue / order_stats.count_orders as decimal(38, 2)
        ) as average_order_value,
        order_stats.first_order_at,
        order_stats.last_order_at,
        cast(rfm_scores.recency_days as bigint) as recency_days,
        cast(rfm_scores.recency_score as integer) as recency_score,
        cast(rfm_scores.frequency_score as integer) as frequency_score,
        cast(rfm_scores.monetary_score as integer) as monetary_score,
        case
            when rfm_scores.customer_id is null then 'prospect'
            when rfm_scores.recency_score >= 4 and rfm_scores.frequency_score >= 4
                then 'champion'
            when rfm_scores.recency_score >= 4 and order_stats.count_orders = 1 then 'new'
            when rfm_scores.recency_score >= 3 and rfm_scores.frequency_score >= 3 then 'loyal'
            when rfm_scores.recency_score <= 2 and rfm_scores.frequency_score >= 3 then 'at_risk'
            when rfm_scores.recency_score <= 2 then 'hibernating'
            else 'needs_attention'
        end as rfm_segment,
        cast(customer_value.probability_alive as {{ type_double() }}) as probability_alive,
        cast(customer_value.expected_orders_365d as {{ type_double() }}) as expected_orders_365d,
        cast(customer_value.clv_365d as decimal(38, 2)) as clv_365d,
        customer_value.estimate_status as clv_estimate_status,
        cast(coalesce(touch_counts.count_support_tickets, 0) as bigint) as count_support_tickets,
        cast(coalesce(support_stats.count_open_support_tickets, 0) as bigint)
            as count_open_support_tickets,
        cast(support_stats.median_resolution_hours as {{ type_double() }})
            as median_resolution_hours,
        cast(coalesce(support_stats.count_rated_support_tickets, 0) as bigint)
            as count_rated_support_tickets,
        cast(support_stats.count_good_support_ratings as {{ type_double() }})
            / nullif(support_stats.count_rated_support_tickets, 0) as satisfaction_share_good,
        cast(coalesce(sentiment_stats.count_scored_social_posts, 0) as bigint)
            as count_scored_social_posts,
        cast(sentiment_stats.mean_social_sentiment as {{ type_double() }})
            as mean_social_sentiment,
        cast(sentiment_stats.latest_social_sentiment as {{ type_double() }})
            as latest_social_sentiment

    from identifier_counts
    left join seen
        on identifier_counts.customer_id = seen.customer_id
    left join primary_contacts
        on identifier_counts.customer_id = primary_contacts.customer_id
    left join channels_used
        on identifier_counts.customer_id = channels_used.customer_id
    left join channel_affinity
        on identifier_counts.customer_id = channel_affinity.customer_id
    left join touch_counts
        on identifier_counts.customer_id = touch_counts.customer_id
    left join support_stats
        on identifier_counts.customer_id = support_stats.customer_id
    left join sentiment_stats
        on identifier_counts.customer_id = sentiment_stats.customer_id
    left join order_stats
        on identifier_counts.customer_id = order_stats.customer_id
    left join rfm_scores
        on identifier_counts.customer_id = rfm_scores.customer_id
    left join customer_value
        on identifier_counts.customer_id = customer_value.customer_id

)

select * from final
