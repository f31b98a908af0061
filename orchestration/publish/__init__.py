"""Publishing the marts for BI tools as a DuckDB file and Parquet files."""
