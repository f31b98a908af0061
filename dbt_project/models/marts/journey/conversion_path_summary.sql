{#
    days_to_convert of a conversion runs from its first path touch to the
    conversion, in days with fractions. Conversions without touches have
    0 days. path_rank orders paths by count_conversions descending, then path.
#}

with

conversion_paths as (

    select * from {{ ref('conversion_paths') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

first_touches as (

    select
        conversion_id,
        min(touched_at) as first_touched_at

    from conversion_touches
    group by conversion_id

),

durations as (

    select
        conversion_paths.path,
        conversion_paths.count_touches,
        conversion_paths.revenue,
        case
            when first_touches.first_touched_at is null then cast(0 as {{ type_double() }})
            else cast(
                {{ dbt.datediff('first_touches.first_touched_at', 'conversion_paths.converted_at', 'second') }}
                as {{ type_double() }}
            ) / 86400.0
        end as days_to_convert

    from conversion_paths
    left join first_touches
        on conversion_paths.conversion_id = first_touches.conversion_id

),

aggregated as (

    select
        path,
        max(count_touches) as count_touches,
        count(*) as count_conversions,
        sum(revenue) as sum_revenue,
        {{ journey_median('days_to_convert') }} as median_days_to_convert

    from durations
    group by path

),

final as (

    select
        cast(row_number() over (order by count_conversions desc, path) as bigint) as path_rank,
        path,
        cast(count_touches as bigint) as count_touches,
        cast(count_conversions as bigint) as count_conversions,
        cast(sum_revenue as decimal(38, 2)) as sum_revenue,
        cast(median_days_to_convert as {{ type_double() }}) as median_days_to_convert

    from aggregated

)

select * from final
