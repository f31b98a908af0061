-- The four marts computed by plain DuckDB SQL from the landing files: the floor the
-- pipeline is compared with. benchmarks/floor.py replaces {landing} with the
-- landing folder and runs the statements in one connection.
--
-- It follows the dbt models' logic (identifier normalization, deduplication by
-- event id, identity stitching by 10 rounds of min-label propagation, touchpoints,
-- 30-day conversion windows, first/last/linear credits) with fewer steps. It skips
-- what the pipeline adds around that logic: quarantine and lineage columns,
-- parsing of every timestamp format, the date spine of channel_daily_performance,
-- dbt tests and the Great Expectations suites. Its row counts are therefore close
-- to the pipeline's, not equal; benchmarks/run.py prints both.

create schema floor;

create table floor.web as
with lines as (
    select json as j from read_ndjson_objects('{landing}/web/*.jsonl', ignore_errors = true)
),
parsed as (
    select
        j ->> '$.messageId' as event_id,
        lower(j ->> '$.type') as event_type,
        try_cast(coalesce(j ->> '$.timestamp', j ->> '$.originalTimestamp') as timestamptz)
            at time zone 'UTC' as occurred_at,
        nullif(trim(j ->> '$.anonymousId'), '') as anonymous_id,
        nullif(trim(j ->> '$.userId'), '') as user_id,
        nullif(lower(trim(coalesce(j ->> '$.traits.email', j ->> '$.context.traits.email'))), '')
            as email,
        nullif(regexp_replace(coalesce(j ->> '$.traits.phone', j ->> '$.context.traits.phone'),
            '[^0-9+]', '', 'g'), '') as phone,
        coalesce(j ->> '$.context.page.url', j ->> '$.properties.url') as page_url,
        nullif(coalesce(nullif(j ->> '$.context.page.referrer', ''),
            j ->> '$.properties.referrer'), '') as referrer,
        nullif(lower(trim(j ->> '$.context.campaign.source')), '') as utm_source,
        nullif(lower(trim(j ->> '$.context.campaign.medium')), '') as utm_medium,
        nullif(trim(j ->> '$.context.campaign.name'), '') as utm_campaign,
        j ->> '$.properties.order_id' as order_id
    from lines
    where j ->> '$.type' in ('page', 'track', 'identify', 'screen')
)
select * exclude (copy_number) from (
    select *, row_number() over (partition by event_id order by occurred_at) as copy_number
    from parsed
    where event_id is not null and occurred_at is not null
)
where copy_number = 1;

create table floor.email as
select * exclude (copy_number) from (
    select
        *, row_number() over (partition by event_id order by occurred_at) as copy_number
    from (
        select
            (json ->> '$.dataFields.messageId') || ':' || (json ->> '$.eventName') as event_id,
            case json ->> '$.eventName'
                when 'emailSend' then 'send' when 'emailOpen' then 'open'
                when 'emailClick' then 'click' when 'emailBounce' then 'bounce'
                when 'emailUnSubscribe' then 'unsubscribe' else 'other'
            end as event_type,
            strptime(json ->> '$.dataFields.createdAt', '%Y-%m-%d %H:%M:%S %z')
                at time zone 'UTC' as occurred_at,
            nullif(lower(trim(json ->> '$.email')), '') as email,
            coalesce(json ->> '$.dataFields.campaignName', json ->> '$.dataFields.campaignId')
                as campaign
        from read_ndjson_objects('{landing}/email/*.jsonl', ignore_errors = true)
    )
)
where copy_number = 1;

create table floor.orders as
select
    cast("Id" as varchar) as order_id,
    strptime("Created at", '%Y-%m-%d %H:%M:%S %z') at time zone 'UTC' as ordered_at,
    nullif(lower(trim("Email")), '') as email,
    nullif(regexp_replace(coalesce("Phone", "Billing Phone"), '[^0-9+]', '', 'g'), '') as phone,
    cast(null as varchar) as shop_customer_id,
    cast("Total" as decimal(18, 2)) as total_amount,
    "Currency" as currency,
    "Source" as source_name
from read_csv('{landing}/orders/*.csv', all_varchar = true, header = true)
where "Total" is not null and "Total" <> ''
qualify row_number() over (partition by "Id" order by "Name") = 1;

create table floor.social as
select
    cast(tweet_id as varchar) as post_id,
    nullif(lower(trim(author_id)), '') as author_handle,
    strptime(created_at, '%a %b %d %H:%M:%S %z %Y') at time zone 'UTC' as posted_at,
    in_response_to_tweet_id
from read_csv('{landing}/social/tweets.csv', all_varchar = true, header = true)
where lower(inbound) = 'true';

create table floor.tickets as
select
    cast(t.id as varchar) as ticket_id,
    cast(t.requester_id as varchar) as requester_id,
    nullif(lower(trim(u.email)), '') as email,
    nullif(regexp_replace(u.phone, '[^0-9+]', '', 'g'), '') as phone,
    cast(t.created_at as timestamp) as created_at,
    t.via_channel
from read_csv('{landing}/support/ticket_data.csv', all_varchar = true, header = true) as t
left join read_csv('{landing}/support/user_data.csv', all_varchar = true, header = true) as u
    on t.requester_id = u.id;

create table floor.spend as
select cast("date" as date) as spend_date, 'paid_search' as channel,
    cast(cost_micros as double) / 1e6 as spend_amount
from read_csv('{landing}/ads/campaign_stats_data.csv', all_varchar = true, header = true)
union all
select cast("date" as date), 'paid_social', cast(spend as double)
from read_csv('{landing}/ads/facebook_ads_basic_ad_data.csv', all_varchar = true, header = true);

create table floor.identifiers as
select source, record_key, observed_at, identifier_type || ':' || identifier_value as identifier_key
from (
    select 'web' as source, event_id as record_key, occurred_at as observed_at,
        unnest(['cookie', 'user_id', 'email', 'phone']) as identifier_type,
        unnest([anonymous_id, user_id, email, phone]) as identifier_value
    from floor.web
    union all
    select 'email', event_id, occurred_at, 'email', email from floor.email
    union all
    select 'social', post_id, posted_at, 'handle', author_handle from floor.social
    union all
    select 'support', ticket_id, created_at,
        unnest(['requester_id', 'email', 'phone']), unnest([requester_id, email, phone])
    from floor.tickets
    union all
    select 'shop', order_id, ordered_at,
        unnest(['email', 'phone', 'shop_order']),
        unnest([email, phone, case when email is null and phone is null then order_id end])
    from floor.orders
    union all
    -- The web "Order Completed" event carries the order id, which links a guest's
    -- cookie to the order.
    select 'web', event_id, occurred_at, 'shop_order_ref', order_id
    from floor.web where order_id is not null
)
where identifier_value is not null;

create table floor.edges as
select distinct a.identifier_key as node, b.identifier_key as neighbour
from floor.identifiers as a
inner join floor.identifiers as b
    on a.source = b.source and a.record_key = b.record_key
union
select identifier_key, identifier_key from floor.identifiers;

create table floor.labels as select distinct node, node as label from floor.edges;
-- Ten rounds of min-label propagation, as identity_max_iterations in dbt_project.yml.
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;
create or replace table floor.labels as select e.node, min(l.label) as label from floor.edges e join floor.labels l on e.neighbour = l.node group by e.node;

create table floor.record_customers as
select i.source, i.record_key, min(md5(l.label)) as customer_id
from floor.identifiers as i
inner join floor.labels as l on i.identifier_key = l.node
group by i.source, i.record_key;

create table floor.touchpoints as
with touches as (
    select 'web:' || event_id as touchpoint_id, 'web' as source, event_id as record_key,
        event_type as touch_type,
        case
            when utm_medium in ('cpc', 'ppc', 'paid_search') then 'paid_search'
            when utm_medium in ('paid_social', 'social_paid') then 'paid_social'
            when utm_medium = 'email' then 'email'
            when utm_source is not null or utm_medium is not null then 'other'
            when referrer is not null and referrer not like '%rightpath.example%' then 'referral'
            else 'direct'
        end as channel,
        occurred_at,
        event_type in ('page', 'screen') as is_page_view,
        event_type in ('page', 'screen')
            and (utm_source is not null or utm_medium is not null or utm_campaign is not null
                 or (referrer is not null and referrer not like '%rightpath.example%'))
            as is_sourced_page_view
    from floor.web where event_type in ('page', 'screen', 'track')
    union all
    select 'email:' || event_id, 'email', event_id, event_type, 'email', occurred_at, false, false
    from floor.email where event_type <> 'other'
    union all
    select 'social:' || post_id, 'social', post_id,
        case when in_response_to_tweet_id is null then 'mention' else 'reply' end,
        'social', posted_at, false, false
    from floor.social
    union all
    select 'support:' || ticket_id, 'support', ticket_id, 'ticket', 'support', created_at,
        false, false
    from floor.tickets
    union all
    select 'order:' || order_id, 'shop', order_id, 'order', 'store', ordered_at, false, false
    from floor.orders
)
select
    t.*,
    r.customer_id,
    cast(t.occurred_at as date) as activity_date,
    t.is_sourced_page_view
        or t.touch_type in ('open', 'click')
        or t.source = 'social'
        or (t.is_page_view and r.customer_id is not null and row_number() over (
            partition by r.customer_id, cast(t.occurred_at as date), t.is_page_view
            order by t.occurred_at, t.touchpoint_id) = 1)
        as is_attributable
from touches as t
left join floor.record_customers as r on t.source = r.source and t.record_key = r.record_key;

create table floor.conversions as
select
    o.order_id as conversion_id, t.customer_id, o.ordered_at as converted_at,
    o.total_amount as revenue, o.currency,
    lag(o.ordered_at) over (partition by t.customer_id order by o.ordered_at, o.order_id)
        as previous_converted_at,
    row_number() over (partition by t.customer_id order by o.ordered_at, o.order_id) = 1
        as is_first_conversion
from floor.orders as o
inner join floor.touchpoints as t on t.source = 'shop' and t.record_key = o.order_id;

create table floor.conversion_touches as
select
    c.conversion_id, t.touchpoint_id, t.channel, t.occurred_at as touched_at,
    row_number() over (partition by c.conversion_id order by t.occurred_at, t.touchpoint_id)
        as touch_position,
    count(*) over (partition by c.conversion_id) as count_touches
from floor.conversions as c
inner join floor.touchpoints as t
    on t.is_attributable
    and c.customer_id = t.customer_id
    and t.occurred_at <= c.converted_at
    and t.occurred_at >= c.converted_at - interval 30 day
    and (c.previous_converted_at is null or t.occurred_at > c.previous_converted_at);

create schema marts;

create table marts.conversion_paths as
select
    c.conversion_id, c.customer_id, c.converted_at, c.revenue, c.currency,
    c.is_first_conversion,
    coalesce(p.count_touches, 0) as count_touches,
    coalesce(p.path, 'direct') as path
from floor.conversions as c
left join (
    select conversion_id, count(*) as count_touches,
        string_agg(channel, ' > ' order by touch_position) as path
    from floor.conversion_touches group by conversion_id
) as p on c.conversion_id = p.conversion_id;

create table marts.attribution_credits as
select
    p.conversion_id, p.customer_id, t.touchpoint_id, coalesce(t.touch_position, 1) as touch_position,
    coalesce(t.channel, 'direct') as channel,
    case when coalesce(t.touch_position, 1) = 1 then 1.0 else 0.0 end as first_touch_credit,
    case when coalesce(t.touch_position, 1) = coalesce(t.count_touches, 1) then 1.0 else 0.0 end
        as last_touch_credit,
    1.0 / coalesce(t.count_touches, 1) as linear_credit,
    cast(p.revenue as double) / coalesce(t.count_touches, 1) as linear_revenue
from marts.conversion_paths as p
left join floor.conversion_touches as t on p.conversion_id = t.conversion_id;

create table marts.customers as
select
    l.customer_id, l.count_identifiers, s.first_seen_at, s.last_seen_at,
    coalesce(o.count_orders, 0) as count_orders, coalesce(o.total_revenue, 0) as total_revenue
from (select md5(label) as customer_id, count(*) as count_identifiers
      from floor.labels group by label) as l
left join (
    select r.customer_id, min(i.observed_at) as first_seen_at, max(i.observed_at) as last_seen_at
    from floor.identifiers as i
    inner join floor.record_customers as r on i.source = r.source and i.record_key = r.record_key
    group by r.customer_id
) as s on l.customer_id = s.customer_id
left join (
    select customer_id, count(*) as count_orders, sum(revenue) as total_revenue
    from floor.conversions group by customer_id
) as o on l.customer_id = o.customer_id;

create table marts.channel_daily_performance as
with touch_days as (
    select activity_date, channel, count(*) as count_touches,
        count(distinct customer_id) as count_reached_customers
    from floor.touchpoints group by all
),
conversion_days as (
    select cast(converted_at as date) as activity_date, split_part(path, ' > ', -1) as channel,
        count(*) as count_conversions, sum(revenue) as sum_revenue,
        count(*) filter (where is_first_conversion) as count_new_customers
    from marts.conversion_paths group by all
),
spend_days as (
    select spend_date as activity_date, channel, sum(spend_amount) as spend_amount
    from floor.spend group by all
)
select *
from touch_days
full join conversion_days using (activity_date, channel)
full join spend_days using (activity_date, channel);
