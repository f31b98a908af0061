{#
    Rule-based attribution credits. One row per conversion, touch in its
    path window and model, for the models first_touch, last_touch,
    last_non_direct, linear, time_decay and position_based. Every touch gets
    a row under every model, with credit 0 where the model gives it nothing.
    A conversion without touches has one touch row with channel 'direct',
    NULL touchpoint_id and touch_position 1, which gets credit 1 under every
    model. Credits of a conversion and model sum to 1. The rules for n
    touches at positions 1..n:

    - first_touch: 1 to position 1.
    - last_touch: 1 to position n.
    - last_non_direct: 1 to the highest position whose channel is not
      'direct', or to position n when every touch is 'direct'.
    - linear: 1/n to each touch.
    - time_decay: weight 0.5 ^ (age_days / time_decay_half_life_days), with
      age_days the time from the touch to the conversion in days, divided by
      the weights' sum. Touches at the same time get equal credit.
    - position_based: n = 1 gives 1, n = 2 gives 1/2 each. For n >= 3
      position 1 gets position_based_first_share, position n gets
      position_based_last_share and positions 2..n-1 share the rest equally.
#}
{%- set half_life_days = var('time_decay_half_life_days') | float -%}
{%- set first_share = var('position_based_first_share') | float -%}
{%- set last_share = var('position_based_last_share') | float -%}

with

conversions as (

    select * from {{ ref('int_conversions') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

touched as (

    select
        conversion_id,
        touchpoint_id,
        touch_position,
        count_touches,
        channel,
        sub_channel,
        touched_at

    from conversion_touches

),

untouched as (

    select
        conversions.conversion_id,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        cast(1 as bigint) as touch_position,
        cast(1 as bigint) as count_touches,
        'direct' as channel,
        cast(null as {{ dbt.type_string() }}) as sub_channel,
        cast(null as {{ dbt.type_timestamp() }}) as touched_at

    from conversions
    left join conversion_touches
        on conversions.conversion_id = conversion_touches.conversion_id
    where conversion_touches.conversion_id is null

),

credited_touches as (

    select * from touched
    union all
    select * from untouched

),

with_conversion as (

    select
        credited_touches.*,
        conversions.converted_at,
        case
            when credited_touches.touched_at is null then 0
            else {{ dbt.datediff('credited_touches.touched_at', 'conversions.converted_at', 'second') }}
        end as age_seconds

    from credited_touches
    inner join conversions
        on credited_touches.conversion_id = conversions.conversion_id

),

path_facts as (

    select
        *,
        max(case when channel <> 'direct' then touch_position end) over (
            partition by conversion_id
        ) as last_non_direct_position,
        power(
            cast(0.5 as {{ type_double() }}),
            cast(age_seconds as {{ type_double() }}) / {{ 86400.0 * half_life_days }}
        ) as decay_weight

    from with_conversion

),

with_weight_sums as (

    select
        *,
        sum(decay_weight) over (partition by conversion_id) as sum_decay_weight

    from path_facts

),

credits as (

    select
        *,
        case when touch_position = 1 then 1.0 else 0.0 end as first_touch,
        case when touch_position = count_touches then 1.0 else 0.0 end as last_touch,
        case
            when touch_position = coalesce(last_non_direct_position, count_touches) then 1.0
            else 0.0
        end as last_non_direct,
        1.0 / cast(count_touches as {{ type_double() }}) as linear,
        decay_weight / sum_decay_weight as time_decay,
        case
            when count_touches = 1 then 1.0
            when count_touches = 2 then 0.5
            when touch_position = 1 then {{ first_share }}
            when touch_position = count_touches then {{ last_share }}
            else {{ 1.0 - first_share - last_share }}
                / cast(count_touches - 2 as {{ type_double() }})
        end as position_based

    from with_weight_sums

),

{%- set models = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based'] %}

final as (

    {% for model in models %}
    select
        conversion_id,
        '{{ model }}' as model,
        touchpoint_id,
        cast(touch_position as bigint) as touch_position,
        cast(count_touches as bigint) as count_touches,
        channel,
        sub_channel,
        touched_at,
        cast({{ model }} as {{ type_double() }}) as credit

    from credits
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
