"""The suite files in expectations/ against tables built from their contracts."""

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.schema import LINEAGE_COLUMNS, RAW_SCHEMA, RAW_TABLES, raw_table_ddl
from orchestration.quality.great_expectations import load_suite, validate_table
from orchestration.quality.outcome import ValidationStatus
from orchestration.quality.suite_files import discover_suites
from orchestration.settings import EXPECTATIONS_DIR

SPECS = discover_suites(EXPECTATIONS_DIR)
MART_TABLES = ["customers", "channel_daily_performance", "conversion_paths", "attribution_credits"]
# A value each raw column type accepts and every raw suite allows.
SAMPLE_BY_TYPE = {
    "VARCHAR": "x",
    "TIMESTAMP": datetime(2024, 1, 1, 12, 0),
    "DATE": datetime(2024, 1, 1).date(),
    "BIGINT": 1,
    "INTEGER": 1,
    "BOOLEAN": True,
    "DECIMAL(18,2)": 1.5,
    "DECIMAL(18,4)": 1.5,
}
SAMPLE_OVERRIDES = {("web_events", "event_type"): "page", ("email_events", "event_type"): "open"}


def suite_column_set(path: Path) -> set[str]:
    for expectation in load_suite(path).suite.expectations:
        if expectation.expectation_type == "expect_table_columns_to_match_set":
            return set(expectation.column_set)
    raise AssertionError(f"{path} has no expect_table_columns_to_match_set")


@pytest.fixture
def raw_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(f"create schema {RAW_SCHEMA}")
        for table in RAW_TABLES.values():
            conn.execute(raw_table_ddl(table))
    return path


def insert_sample_row(path: Path, table_name: str) -> None:
    table = RAW_TABLES[table_name]
    columns = table.columns + LINEAGE_COLUMNS
    values = [
        SAMPLE_OVERRIDES.get((table_name, name), SAMPLE_BY_TYPE[sql_type])
        for name, sql_type in columns
    ]
    placeholders = ", ".join("?" for _ in columns)
    with duckdb.connect(str(path)) as conn:
        conn.execute(f"insert into {RAW_SCHEMA}.{table_name} values ({placeholders})", values)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.path.name)
def test_suite_file_loads(spec):
    loaded = load_suite(spec.path)

    assert loaded.invalid_expectations == []
    assert loaded.suite.expectations
    assert loaded.name == spec.qualified_name


def test_every_raw_table_has_suite():
    raw_specs = {spec.table for spec in SPECS if spec.schema == RAW_SCHEMA}

    assert raw_specs == set(RAW_TABLES)


def test_every_planned_mart_has_suite():
    mart_specs = {spec.table for spec in SPECS if spec.schema == "marts"}

    assert mart_specs == set(MART_TABLES)


@pytest.mark.parametrize("table_name", sorted(RAW_TABLES))
def test_raw_suite_lists_contract_columns(table_name):
    table = RAW_TABLES[table_name]
    expected = set(table.column_names) | {name for name, _ in LINEAGE_COLUMNS}

    assert suite_column_set(EXPECTATIONS_DIR / f"raw.{table_name}.json") == expected


@pytest.mark.parametrize("table_name", sorted(RAW_TABLES))
def test_raw_suite_passes_valid_row(raw_warehouse: Path, table_name):
    insert_sample_row(raw_warehouse, table_name)
    loaded = load_suite(EXPECTATIONS_DIR / f"raw.{table_name}.json")

    outcome = validate_table(raw_warehouse, RAW_SCHEMA, table_name, loaded)

    assert outcome.status is ValidationStatus.PASSED, outcome.to_markdown()


def test_raw_suite_passes_empty_table(raw_warehouse: Path):
    loaded = load_suite(EXPECTATIONS_DIR / "raw.orders.json")

    outcome = validate_table(raw_warehouse, RAW_SCHEMA, "orders", loaded)

    assert outcome.status is ValidationStatus.PASSED, outcome.to_markdown()


def test_raw_web_events_rejects_bad_rows(raw_warehouse: Path):
    with duckdb.connect(str(raw_warehouse)) as conn:
        conn.execute(
            """
            insert into raw.web_events (event_id, event_type, occurred_at, _file, _line,
                _format, _loaded_at)
            values
                ('e1', 'page', timestamp '1999-12-31 23:00:00', 'f', 1, 'segment_jsonl', now()),
                ('e1', 'click', timestamp '2024-01-01 00:00:00', 'f', 2, 'segment_jsonl', now()),
                ('', 'page', timestamp '2024-01-01 00:00:00', 'f', 3, 'segment_jsonl', now())
            """
        )
    loaded = load_suite(EXPECTATIONS_DIR / "raw.web_events.json")

    outcome = validate_table(raw_warehouse, RAW_SCHEMA, "web_events", loaded)

    assert outcome.status is ValidationStatus.FAILED
    failed = {(failure.expectation_type, failure.column) for failure in outcome.failures}
    assert failed == {
        ("expect_column_values_to_be_between", "occurred_at"),
        ("expect_column_values_to_be_in_set", "event_type"),
        ("expect_column_value_lengths_to_be_between", "event_id"),
    }


MART_SQL = {
    "customers": """
        create table marts.customers as select * from (values
            ('c1', 2, 30.5, timestamp '2024-01-01', timestamp '2024-02-01'),
            ('c2', 0, 0.0, timestamp '2024-01-03', timestamp '2024-01-03'),
            ('c3', 0, 0.0, null, null)
        ) v(customer_id, count_orders, total_revenue, first_seen_at, last_seen_at)
    """,
    "channel_daily_performance": """
        create table marts.channel_daily_performance as select * from (values
            (date '2024-01-01', 'web', 0.0),
            (date '2024-01-01', 'email', 12.5),
            (date '2024-01-02', 'web', 3.0)
        ) v(activity_date, channel, spend_amount)
    """,
    "conversion_paths": """
        create table marts.conversion_paths as select * from (values
            ('o1', 'c1', 2, 'web > email'),
            ('o2', 'c2', 0, '')
        ) v(conversion_id, customer_id, count_touches, path)
    """,
    "attribution_credits": """
        create table marts.attribution_credits as select * from (values
            ('o1', 1.0, 0.0, 0.5),
            ('o1', 0.0, 1.0, 0.5)
        ) v(conversion_id, first_touch_credit, last_touch_credit, linear_credit)
    """,
}


@pytest.fixture
def mart_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema marts")
        for sql in MART_SQL.values():
            conn.execute(sql)
    return path


@pytest.mark.parametrize("table_name", MART_TABLES)
def test_mart_suite_passes_valid_table(mart_warehouse: Path, table_name):
    loaded = load_suite(EXPECTATIONS_DIR / f"marts.{table_name}.json")

    outcome = validate_table(mart_warehouse, "marts", table_name, loaded)

    assert outcome.status is ValidationStatus.PASSED, outcome.to_markdown()


def test_mart_customers_rejects_bad_rows(mart_warehouse: Path):
    with duckdb.connect(str(mart_warehouse)) as conn:
        conn.execute(
            """
            insert into marts.customers values
                ('c1', 1, 5.0, timestamp '2024-01-01', timestamp '2024-01-01'),
                ('c4', -1, 5.0, timestamp '2024-03-01', timestamp '2024-02-01')
            """
        )
    loaded = load_suite(EXPECTATIONS_DIR / "marts.customers.json")

    outcome = validate_table(mart_warehouse, "marts", "customers", loaded)

    assert outcome.status is ValidationStatus.FAILED
    failed = {(failure.expectation_type, failure.column) for failure in outcome.failures}
    assert failed == {
        ("expect_column_values_to_be_unique", "customer_id"),
        ("expect_column_values_to_be_between", "count_orders"),
        ("expect_column_pair_values_a_to_be_greater_than_b", "last_seen_at, first_seen_at"),
    }


def test_mart_channel_rejects_duplicate_day(mart_warehouse: Path):
    with duckdb.connect(str(mart_warehouse)) as conn:
        conn.execute(
            "insert into marts.channel_daily_performance values (date '2024-01-01', 'web', 1.0)"
        )
    loaded = load_suite(EXPECTATIONS_DIR / "marts.channel_daily_performance.json")

    outcome = validate_table(mart_warehouse, "marts", "channel_daily_performance", loaded)

    assert outcome.status is ValidationStatus.FAILED
    assert [failure.expectation_type for failure in outcome.failures] == [
        "expect_compound_columns_to_be_unique"
    ]
    assert outcome.failures[0].unexpected_count == 2
