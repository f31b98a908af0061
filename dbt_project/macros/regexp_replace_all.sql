{# Replace every match of the regular expression pattern in expr. #}
{% macro regexp_replace_all(expr, pattern, replacement) %}
    {{ return(adapter.dispatch('regexp_replace_all', 'rightpath')(expr, pattern, replacement)) }}
{% endmacro %}

{# DuckDB and PostgreSQL replace only the first match unless given the 'g' flag. #}
{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{# Spark's regexp_replace always replaces every match. #}
{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}
