"""The suite files in expectations/ against tables built from their contracts."""

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.schema import LINEAGE_COLUMNS, RAW_SCHEMA, RAW_TABLES, raw_table_ddl
from orchestration.publish.assets import PUBLISHED_TABLES
from orchestration.quality.great_expectations import load_suite, validate_table
from orchestration.quality.outcome import ValidationStatus
from orchestration.quality.suite_files import discover_suites
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR

SPECS = discover_suites(EXPECTATIONS_DIR)
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
SAMPLE_OVERRIDES = {
    ("web_events", "event_type"): "page",
    ("email_events", "event_type"): "open",
    ("support_tickets", "satisfaction_rating"): "good",
}


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


def manifest_models() -> dict[str, dict]:
    """Return the dbt manifest's models by name; ``make test`` builds the manifest first."""
    manifest_path = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest_path.exists():
        pytest.skip(f"{manifest_path} is missing: run 'make manifest' first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def suite_columns(path: Path) -> set[str]:
    """Return every column an expectation of the suite names."""
    columns: set[str] = set()
    for expectation in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
        kwargs = expectation["kwargs"]
        for key in ("column", "column_A", "column_B"):
            if key in kwargs:
                columns.add(kwargs[key])
        for key in ("column_list", "column_set"):
            columns.update(kwargs.get(key, []))
    return columns


def test_every_mart_suite_is_published():
    published = {table for schema, table in PUBLISHED_TABLES if schema == "marts"}
    mart_specs = {spec.table for spec in SPECS if spec.schema == "marts"}

    assert mart_specs <= published


@pytest.mark.parametrize(
    "spec", [spec for spec in SPECS if spec.schema == "marts"], ids=lambda spec: spec.table
)
def test_mart_suite_columns_in_contract(spec):
    model = manifest_models()[spec.table]
    contract_columns = set(model["columns"])

    assert model["config"]["contract"]["enforced"]
    assert suite_columns(spec.path) <= contract_columns
