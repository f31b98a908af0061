{#
    One row per day, for MetricFlow's metric_time and cumulative metrics. The
    range covers the demo data and real data up to 2035. Widen it when marts
    hold dates outside it, because metrics that join to the time spine
    (cumulative metrics, join_to_timespine) cover only the dates in it.
#}
{{ config(materialized='table', schema='semantic') }}

select cast(date_day as date) as date_day
from (
    {{ dbt.date_spine("day", "cast('2020-01-01' as date)", "cast('2036-01-01' as date)") }}
) as days
