{#
    Concatenate expr over the rows of a group, in the order of order_by, with
    delimiter between values. order_by is a list of SQL expressions sorted
    ascending, or a single expression as a string. NULL values of
    expr are skipped on every adapter.
#}
{% macro ordered_string_agg(expr, delimiter, order_by) %}
    {{ return(adapter.dispatch('ordered_string_agg', 'rightpath')(expr, delimiter, order_by)) }}
{% endmacro %}

{% macro _order_by_list(order_by) %}
    {%- if order_by is string -%}
        {{ return([order_by]) }}
    {%- else -%}
        {{ return(order_by) }}
    {%- endif -%}
{% endmacro %}

{# DuckDB and PostgreSQL accept an order by clause inside string_agg. #}
{% macro default__ordered_string_agg(expr, delimiter, order_by) -%}
    string_agg(
        {{ expr }},
        '{{ delimiter }}'
        order by {{ rightpath._order_by_list(order_by) | join(', ') }}
    )
{%- endmacro %}

{#
    Spark has no ordered string aggregate: collect structs whose leading fields
    are the sort keys, sort the array (structs compare field by field) and join
    the value field.
#}
{% macro spark__ordered_string_agg(expr, delimiter, order_by) -%}
    {%- set sort_keys = rightpath._order_by_list(order_by) -%}
    array_join(
        transform(
            array_sort(
                collect_list(
                    named_struct(
                        {%- for sort_key in sort_keys %}
                        'sort_key_{{ loop.index }}', {{ sort_key }},
                        {%- endfor %}
                        'value', {{ expr }}
                    )
                )
            ),
            collected -> collected.value
        ),
        '{{ delimiter }}'
    )
{%- endmacro %}
