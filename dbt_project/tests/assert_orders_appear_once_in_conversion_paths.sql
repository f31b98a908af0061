-- Returns one row per staged order that is missing from conversion_paths or
-- appears there more than once, and per conversion_paths row without a
-- staged order.

with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

conversion_paths as (

    select * from {{ ref('conversion_paths') }}

),

path_counts as (

    select
        conversion_id,
        count(*) as count_paths

    from conversion_paths
    group by conversion_id

),

final as (

    select
        orders.order_id,
        path_counts.conversion_id,
        coalesce(path_counts.count_paths, 0) as count_paths

    from orders
    full outer join path_counts
        on orders.order_id = path_counts.conversion_id
    where orders.order_id is null
        or path_counts.conversion_id is null
        or path_counts.count_paths <> 1

)

select * from final
