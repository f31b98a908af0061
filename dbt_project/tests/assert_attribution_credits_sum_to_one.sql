-- Returns one row per conversion whose first-touch, last-touch or linear
-- credits do not sum to 1, or whose credited revenue does not sum to the
-- conversion's revenue (allowing 0.000001 of rounding per credited row).

with

attribution_credits as (

    select * from {{ ref('attribution_credits') }}

),

conversion_paths as (

    select * from {{ ref('conversion_paths') }}

),

sums as (

    select
        conversion_id,
        count(*) as count_rows,
        sum(first_touch_credit) as sum_first_touch_credit,
        sum(last_touch_credit) as sum_last_touch_credit,
        sum(linear_credit) as sum_linear_credit,
        sum(first_touch_revenue) as sum_first_touch_revenue,
        sum(last_touch_revenue) as sum_last_touch_revenue,
        sum(linear_revenue) as sum_linear_revenue

    from attribution_credits
    group by conversion_id

),

final as (

    select
        conversion_paths.conversion_id,
        conversion_paths.revenue,
        sums.count_rows,
        sums.sum_first_touch_credit,
        sums.sum_last_touch_credit,
        sums.sum_linear_credit,
        sums.sum_first_touch_revenue,
        sums.sum_last_touch_revenue,
        sums.sum_linear_revenue

    from conversion_paths
    left join sums
        on conversion_paths.conversion_id = sums.conversion_id
    where sums.conversion_id is null
        or abs(sums.sum_first_touch_credit - 1) > 0.000000001
        or abs(sums.sum_last_touch_credit - 1) > 0.000000001
        or abs(sums.sum_linear_credit - 1) > 0.000000001
        or abs(sums.sum_first_touch_revenue - conversion_paths.revenue) > 0.000001 * sums.count_rows
        or abs(sums.sum_last_touch_revenue - conversion_paths.revenue) > 0.000001 * sums.count_rows
        or abs(sums.sum_linear_revenue - conversion_paths.revenue) > 0.000001 * sums.count_rows

)

select * from final
