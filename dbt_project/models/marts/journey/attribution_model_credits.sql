{#
    Rule-based credits from dbt and Markov and Shapley credits from the
    Dagster asset side by side, with revenue credits in cents that add up to
    the conversion's revenue: each touch gets revenue * credit rounded to
    2 decimals, and the difference between the revenue and the sum of the
    rounded amounts goes to the credited touch (credit > 0) with the highest
    touch_position.
#}

with

conversions as (

    select * from {{ ref('int_conversions') }}

),

rule_credits as (

    select * from {{ ref('int_attribution_rule_credits') }}

),

algorithmic_credits as (

    {{ journey_relation_or_empty(source('journey', 'attribution_algorithmic_credits'), {
        'conversion_id': dbt.type_string(),
        'model': dbt.type_string(),
        'touchpoint_id': dbt.type_string(),
        'touch_position': 'bigint',
        'count_touches': 'bigint',
        'channel': dbt.type_string(),
        'sub_channel': dbt.type_string(),
        'touched_at': dbt.type_timestamp(),
        'credit': type_double(),
    }) }}

),

credits as (

    select * from rule_credits
    union all
    select * from algorithmic_credits

),

rounded as (

    select
        credits.*,
        conversions.customer_id,
        conversions.converted_at,
        conversions.conversion_type,
        conversions.currency,
        cast(conversions.revenue as decimal(18, 2)) as revenue,
        cast(
            round(
                cast(cast(conversions.revenue as {{ type_double() }}) * credits.credit as decimal(38, 6)),
                2
            ) as decimal(18, 2)
        ) as rounded_revenue_credit,
        row_number() over (
            partition by credits.conversion_id, credits.model
            order by
                case when credits.credit > 0 then 1 else 0 end desc,
                credits.touch_position desc
        ) as remainder_rank

    from credits
    inner join conversions
        on credits.conversion_id = conversions.conversion_id

),

with_remainder as (

    select
        *,
        revenue - sum(rounded_revenue_credit) over (
            partition by conversion_id, model
        ) as revenue_remainder

    from rounded

),

final as (

    select
        {{ dbt.concat([
            'conversion_id', "':'", 'model', "':'",
            dbt.safe_cast('touch_position', dbt.type_string()),
        ]) }} as attribution_model_credit_id,
        conversion_id,
        conversion_type,
        customer_id,
        converted_at,
        model,
        touchpoint_id,
        cast(touch_position as bigint) as touch_position,
        cast(count_touches as bigint) as count_touches,
        channel,
        sub_channel,
        touched_at,
        cast(credit as {{ type_double() }}) as credit,
        revenue,
        currency,
        cast(
            case
                when remainder_rank = 1 then rounded_revenue_credit + revenue_remainder
                else rounded_revenue_credit
            end as decimal(18, 2)
        ) as revenue_credit

    from with_remainder

)

select * from final
