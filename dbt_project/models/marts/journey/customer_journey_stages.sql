{#
    Funnel stages in order: awareness, consideration, purchase,
    post_purchase. A customer who reached a later stage without a touch in
    an earlier one (for example an order without any web visit) has NULL for
    the earlier stage's first_*_at. seconds_in_<stage> runs from the first
    touch of the stage to the first touch of the next later stage reached,
    or is NULL when no later stage was reached.
#}
{%- set stages = ['awareness', 'consideration', 'purchase', 'post_purchase'] -%}

with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

customer_touches as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by occurred_at desc, touchpoint_id desc
        ) as reverse_touch_number,
        row_number() over (
            partition by customer_id
            order by occurred_at, touchpoint_id
        ) as touch_number

    from touchpoints
    where customer_id is not null

),

stage_firsts as (

    select
        customer_id,
        {%- for stage in stages + ['support'] %}
        min(case when journey_stage = '{{ stage }}' then occurred_at end) as first_{{ stage }}_at,
        {%- endfor %}
        max(case when touch_number = 1 then channel end) as first_touch_channel,
        max(case when reverse_touch_number = 1 then journey_stage end) as last_stage,
        max(occurred_at) as last_touched_at

    from customer_touches
    group by customer_id

),

-- First time each customer reached any stage after the given one.
next_stages as (

    select
        *,
        {%- for stage in stages[:-1] %}
        {%- set later = stages[loop.index:] %}
        case
            {%- for next_stage in later %}
            when first_{{ next_stage }}_at is not null then first_{{ next_stage }}_at
            {%- endfor %}
        end as after_{{ stage }}_at{% if not loop.last %},{% endif %}
        {%- endfor %}

    from stage_firsts

),

final as (

    select
        customer_id,
        first_touch_channel,
        {%- for stage in stages + ['support'] %}
        first_{{ stage }}_at,
        {%- endfor %}
        {%- for stage in stages[:-1] %}
        case
            when first_{{ stage }}_at is null or after_{{ stage }}_at is null then null
            {#- PostgreSQL's datediff returns a double. #}
            else cast(
                {{ dbt.datediff('first_' ~ stage ~ '_at', 'after_' ~ stage ~ '_at', 'second') }}
                as {{ dbt.type_bigint() }}
            )
        end as seconds_in_{{ stage }},
        {%- endfor %}
        last_stage,
        last_touched_at

    from next_stages

)

select * from final
