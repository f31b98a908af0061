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

identifier_counts as (

    select
        customer_id,
        count(*) as count_identifiers

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

-- The primary email, phone and handle are the values observed most recently.
-- Among values observed at the same time, the smallest wins.
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
    where identifier_type in ('email', 'phone', 'handle')

),

primary_contacts as (

    select
        customer_id,
        max(case when identifier_type = 'email' then identifier_value end) as primary_email,
        max(case when identifier_type = 'phone' then identifier_value end) as primary_phone,
        max(case when identifier_type = 'handle' then identifier_value end) as primary_handle

    from ranked_contact_values
    where recency_rank = 1
    group by customer_id

),

customer_channels as (

    select distinct
        customer_id,
        channel

    from touchpoints
    where customer_id is not null

),

channels_used as (

    select
        customer_id,
        {{ ordered_string_agg('channel', ',', ['channel']) }} as channels_used

    from customer_channels
    group by customer_id

),

touch_counts as (

    select
        customer_id,
        count(*) as count_touches,
        sum(case when touch_type = 'ticket' then 1 else 0 end) as count_support_tickets

    from touchpoints
    where customer_id is not null
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

final as (

    select
        identifier_counts.customer_id,
        primary_contacts.primary_email,
        primary_contacts.primary_phone,
        primary_contacts.primary_handle,
        cast(identifier_counts.count_identifiers as bigint) as count_identifiers,
        seen.first_seen_at,
        seen.last_seen_at,
        channels_used.channels_used,
        cast(coalesce(touch_counts.count_touches, 0) as bigint) as count_touches,
        cast(coalesce(order_stats.count_orders, 0) as bigint) as count_orders,
        cast(coalesce(order_stats.total_revenue, 0) as decimal(38, 2)) as total_revenue,
        order_stats.first_order_at,
        order_stats.last_order_at,
        cast(coalesce(touch_counts.count_support_tickets, 0) as bigint) as count_support_tickets

    from identifier_counts
    left join seen
        on identifier_counts.customer_id = seen.customer_id
    left join primary_contacts
        on identifier_counts.customer_id = primary_contacts.customer_id
    left join channels_used
        on identifier_counts.customer_id = channels_used.customer_id
    left join touch_counts
        on identifier_counts.customer_id = touch_counts.customer_id
    left join order_stats
        on identifier_counts.customer_id = order_stats.customer_id

)

select * from final
