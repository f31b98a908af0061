"""Copy the dbt project's source tables from the DuckDB warehouse into another engine.

The dbt models run unchanged on DuckDB, PostgreSQL and Spark (see
docs/engines.md). The ingest and Python assets write only to DuckDB, so
building on another engine starts by copying every dbt source table there.
"""
