{#
    Median of expr as an aggregate over a group. DuckDB and PostgreSQL use the
    ordered-set aggregate percentile_cont, Spark its percentile aggregate.
    Both interpolate between the two middle values of an even count.
#}
{% macro journey_median(expr) %}
    {{ return(adapter.dispatch('journey_median', 'rightpath')(expr)) }}
{% endmacro %}

{% macro default__journey_median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro spark__journey_median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}
