-- Emails, @handles and phone numbers are masked in the example text. The
-- patterns use no backslashes, so the literals read the same in DuckDB,
-- PostgreSQL and Spark SQL. DuckDB and PostgreSQL replace only the first
-- match unless given the 'g' flag, and Spark replaces every match and takes
-- no flag.
-- NOTE: only the DuckDB branch has been run. The PostgreSQL and Spark forms
-- follow their documented regexp_replace signatures.
{%- set mask_rules = [
    ('[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)+', '[email]'),
    ('@[A-Za-z0-9_]+', '@[handle]'),
    ('[+]?[0-9][0-9 ().-]{5,}[0-9]', '[phone]'),
] -%}
{%- set example_text_length = 140 -%}

{%- set masked_text = namespace(sql='post_text') -%}
{%- for pattern, replacement in mask_rules -%}
    {%- if target.type in ('spark', 'databricks') -%}
        {%- set masked_text.sql = "regexp_replace(" ~ masked_text.sql ~ ", '" ~ pattern ~ "', '" ~ replacement ~ "')" -%}
    {%- else -%}
        {%- set masked_text.sql = "regexp_replace(" ~ masked_text.sql ~ ", '" ~ pattern ~ "', '" ~ replacement ~ "', 'g')" -%}
    {%- endif -%}
{%- endfor %}

with

stg_social__posts as (

    select * from {{ ref('stg_social__posts') }}

),

social_post_sentiment as (

    select * from {{ identity_optional_source('intermediate_python', 'social_post_sentiment', [
        ('post_id', dbt.type_string()),
        ('sentiment_compound', type_double()),
    ]) }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

customers as (

    select * from {{ ref('customers') }}

),

inbound_posts as (

    select
        stg_social__posts.post_id,
        stg_social__posts.post_text,
        cast(stg_social__posts.posted_at as date) as post_date,
        coalesce(customers.rfm_segment, 'unmatched') as customer_segment,
        social_post_sentiment.sentiment_compound

    from stg_social__posts
    left join social_post_sentiment
        on stg_social__posts.post_id = social_post_sentiment.post_id
    left join touchpoints
        on touchpoints.source = 'social'
        and stg_social__posts.post_id = touchpoints.record_key
    left join customers
        on touchpoints.customer_id = customers.customer_id
    where stg_social__posts.is_inbound
        and stg_social__posts.posted_at is not null

),

ranked_posts as (

    select
        *,
        row_number() over (
            partition by post_date, customer_segment
            order by
                case when sentiment_compound is null then 1 else 0 end,
                sentiment_compound,
                post_id
        ) as negativity_rank

    from inbound_posts

),

-- VADER's usual cut-offs: compound <= -0.05 is negative, >= 0.05 positive.
daily as (

    select
        post_date,
        customer_segment,
        count(*) as count_inbound_posts,
        count(sentiment_compound) as count_scored_posts,
        sum(case when sentiment_compound <= -0.05 then 1 else 0 end) as count_negative_posts,
        sum(case when sentiment_compound >= 0.05 then 1 else 0 end) as count_positive_posts,
        sum(sentiment_compound) as sum_sentiment_compound,
        avg(sentiment_compound) as mean_sentiment_compound,
        min(sentiment_compound) as min_sentiment_compound

    from ranked_posts
    group by
        post_date,
        customer_segment

),

most_negative_posts as (

    select
        post_date,
        customer_segment,
        post_id as example_post_id,
        sentiment_compound as example_sentiment_compound,
        substring({{ masked_text.sql }}, 1, {{ example_text_length }}) as example_post_text

    from ranked_posts
    where negativity_rank = 1
        and sentiment_compound <= -0.05

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'cast(daily.post_date as ' ~ dbt.type_string() ~ ')',
            "'|'",
            'daily.customer_segment',
        ])) }} as social_sentiment_daily_id,
        daily.post_date,
        daily.customer_segment,
        cast(daily.count_inbound_posts as bigint) as count_inbound_posts,
        cast(daily.count_scored_posts as bigint) as count_scored_posts,
        cast(daily.count_negative_posts as bigint) as count_negative_posts,
        cast(daily.count_positive_posts as bigint) as count_positive_posts,
        cast(daily.sum_sentiment_compound as {{ type_double() }}) as sum_sentiment_compound,
        cast(daily.mean_sentiment_compound as {{ type_double() }}) as mean_sentiment_compound,
        cast(
            case
                when daily.count_scored_posts > 0
                    then cast(daily.count_negative_posts as {{ type_double() }})
                        / daily.count_scored_posts
            end as {{ type_double() }}
        ) as share_negative,
        most_negative_posts.example_post_id,
        cast(most_negative_posts.example_sentiment_compound as {{ type_double() }})
            as example_sentiment_compound,
        most_negative_posts.example_post_text

    from daily
    left join most_negative_posts
        on daily.post_date = most_negative_posts.post_date
        and daily.customer_segment = most_negative_posts.customer_segment

)

select * from final
