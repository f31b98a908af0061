{#
    Incremental staging models rebuild only the rows of the days a run
    reprocesses. Dagster passes the run's partitions as vars: min_date and
    max_date (days in the configured time zone), reprocessing_lookback_days,
    and window_start_at / window_end_at, the UTC bounds of those days with the
    lookback included. Run by hand with only min_date and max_date, the days
    are read as UTC days. Without min_date, or on a first or full-refresh
    build, the filter is true and every row is built.
#}

{% macro incremental_window_filter(column, column_type='timestamp') -%}
    {%- set min_date = var('min_date', none) -%}
    {%- set max_date = var('max_date', min_date) -%}
    {%- set lookback = var('reprocessing_lookback_days') | int -%}
    {%- if not is_incremental() or min_date is none -%}
        1 = 1
    {%- elif column_type == 'date' -%}
        {{ column }} >= cast({{ dbt.dateadd('day', -lookback, "cast('" ~ min_date ~ "' as date)") }} as date)
        and {{ column }} <= cast('{{ max_date }}' as date)
    {%- else -%}
        {%- set start_at = var('window_start_at', none) -%}
        {%- set end_at = var('window_end_at', none) -%}
        {%- if start_at is none -%}
            {%- set start_sql = dbt.dateadd('day', -lookback, "cast('" ~ min_date ~ "' as timestamp)") -%}
        {%- else -%}
            {%- set start_sql = "cast('" ~ start_at ~ "' as timestamp)" -%}
        {%- endif -%}
        {%- if end_at is none -%}
            {%- set end_sql = dbt.dateadd('day', 1, "cast('" ~ max_date ~ "' as timestamp)") -%}
        {%- else -%}
            {%- set end_sql = "cast('" ~ end_at ~ "' as timestamp)" -%}
        {%- endif -%}
        {{ column }} >= {{ start_sql }} and {{ column }} < {{ end_sql }}
    {%- endif -%}
{%- endmacro %}

{#
    Post-hook of the incremental staging models: delete rows whose raw row is
    gone (an erased person, a file no longer listed, a day rewritten under new
    lines). Every raw row keeps the _file, _line and _loaded_at of its last
    write, so a staging row whose triple is no longer in raw is stale.
    NOTE: Spark has no delete+insert strategy and Delta's DELETE may not take a
    correlated NOT EXISTS; a Spark port needs insert_overwrite by day and
    another way to drop stale rows.
#}

{% macro delete_rows_gone_from_source(source_name, table_name) -%}
    delete from {{ this }}
    where not exists (
        select 1
        from {{ source(source_name, table_name) }} as raw_rows
        where raw_rows._file = {{ this }}._file
            and raw_rows._line = {{ this }}._line
            and raw_rows._loaded_at = {{ this }}._loaded_at
    )
{%- endmacro %}
