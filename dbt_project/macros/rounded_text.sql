{#
    Text of a double rounded to `digits` decimal places, written as DuckDB
    and Spark cast a double to text: without trailing zeros but with at least
    one decimal digit ('0.5', '1.0', '0.3333').
#}
{% macro rounded_text(expr, digits) %}
    {{ return(adapter.dispatch('rounded_text', 'rightpath')(expr, digits)) }}
{% endmacro %}

{% macro default__rounded_text(expr, digits) -%}
    cast(round({{ expr }}, {{ digits }}) as {{ dbt.type_string() }})
{%- endmacro %}

{#
    PostgreSQL rounds only numeric, not double precision, and writes a whole
    double without a decimal point ('1'), so the text comes from the numeric
    with its trailing zeros trimmed.
#}
{% macro postgres__rounded_text(expr, digits) -%}
    {%- set trimmed = 'cast(trim_scale(round(cast(' ~ expr ~ ' as numeric), ' ~ digits ~ ')) as text)' -%}
    case
        when position('.' in {{ trimmed }}) = 0 then {{ trimmed }} || '.0'
        else {{ trimmed }}
    end
{%- endmacro %}
