{#
    A customer counts as reaching a stage when they have a touch in that
    stage or in any later one, so the counts never grow down the funnel.
    Rates divide a stage's count by the previous stage's count.
#}

with

journey_stages as (

    select * from {{ ref('customer_journey_stages') }}

),

reached as (

    select
        first_touch_channel,
        case
            when first_awareness_at is not null
                or first_consideration_at is not null
                or first_purchase_at is not null
                or first_post_purchase_at is not null
                then 1
            else 0
        end as reached_awareness,
        case
            when first_consideration_at is not null
                or first_purchase_at is not null
                or first_post_purchase_at is not null
                then 1
            else 0
        end as reached_consideration,
        case
            when first_purchase_at is not null or first_post_purchase_at is not null then 1
            else 0
        end as reached_purchase,
        case when first_post_purchase_at is not null then 1 else 0 end as reached_post_purchase

    from journey_stages

),

counted as (

    select
        first_touch_channel,
        count(*) as count_customers,
        sum(reached_awareness) as count_awareness,
        sum(reached_consideration) as count_consideration,
        sum(reached_purchase) as count_purchase,
        sum(reached_post_purchase) as count_post_purchase

    from reached
    group by first_touch_channel

),

final as (

    select
        first_touch_channel,
        cast(count_customers as bigint) as count_customers,
        cast(count_awareness as bigint) as count_awareness,
        cast(count_consideration as bigint) as count_consideration,
        cast(count_purchase as bigint) as count_purchase,
        cast(count_post_purchase as bigint) as count_post_purchase,
        case
            when count_awareness = 0 then null
            else cast(count_consideration as {{ type_double() }}) / count_awareness
        end as awareness_to_consideration_rate,
        case
            when count_consideration = 0 then null
            else cast(count_purchase as {{ type_double() }}) / count_consideration
        end as consideration_to_purchase_rate,
        case
            when count_purchase = 0 then null
            else cast(count_post_purchase as {{ type_double() }}) / count_purchase
        end as purchase_to_post_purchase_rate

    from counted

)

select * from final
