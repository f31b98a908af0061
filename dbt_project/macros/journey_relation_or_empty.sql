{#
    Select from relation when it exists in the warehouse, else from an empty
    row set with the given columns, a dict of column name to SQL type.
    Models use it for tables that a Dagster asset writes between dbt steps
    (see orchestration/journey), so a plain `dbt build` without Dagster still
    succeeds and has no rows from that table. At parse time, when `execute`
    is false, it renders the empty row set.
#}
{% macro journey_relation_or_empty(relation, columns) %}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=relation.database,
            schema=relation.schema,
            identifier=relation.identifier,
        ) -%}
    {%- endif -%}
    {%- if existing is not none -%}
        select
            {%- for name in columns %}
            {{ name }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ relation }}
    {%- else -%}
        select
            {%- for name, data_type in columns.items() %}
            cast(null as {{ data_type }}) as {{ name }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        where 1 = 0
    {%- endif -%}
{% endmacro %}
