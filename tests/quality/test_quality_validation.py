"""validate_table against real DuckDB files and real Great Expectations runs."""

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.quality.great_expectations import (
    load_suite,
    suite_from_dict,
    validate_suite_file,
    validate_table,
)
from orchestration.quality.outcome import ValidationStatus
from orchestration.quality.suite_files import SuiteFileError, SuiteSpec, discover_suites

EVENTS_SQL = """
create schema raw;
create table raw.events as select * from (values
    ('e1', 'page',  timestamp '2024-01-01 10:00:00', 10.0),
    ('e2', 'track', timestamp '2024-01-02 11:00:00', 0.0),
    ('e3', 'bogus', timestamp '2024-01-03 12:00:00', 5.0),
    ('e4', 'oops',  timestamp '2024-01-04 13:00:00', 7.5),
    ('e5', 'page',  timestamp '2024-01-05 14:00:00', 1.0)
) as v(event_id, event_type, occurred_at, amount);
"""


def expectation(expectation_type: str, **kwargs) -> dict:
    return {"type": expectation_type, "kwargs": kwargs, "meta": {}}


def write_suite(path: Path, name: str, expectations: list[dict]) -> Path:
    path.write_text(json.dumps({"name": name, "expectations": expectations, "meta": {}}))
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(EVENTS_SQL)
    return path


PASSING = [
    expectation("expect_column_values_to_not_be_null", column="event_id"),
    expectation("expect_column_values_to_be_unique", column="event_id"),
    expectation(
        "expect_column_values_to_be_between",
        column="occurred_at",
        min_value="2000-01-01T00:00:00",
        max_value="2100-01-01T00:00:00",
    ),
    expectation("expect_column_values_to_be_between", column="amount", min_value=0),
    expectation(
        "expect_table_columns_to_match_set",
        column_set=["event_id", "event_type"],
        exact_match=False,
    ),
]

EVENT_TYPES = expectation(
    "expect_column_values_to_be_in_set", column="event_type", value_set=["page", "track"]
)


def test_validate_table_passing_suite(warehouse: Path):
    outcome = validate_table(
        warehouse, "raw", "events", suite_from_dict({"name": "ok", "expectations": PASSING})
    )

    assert outcome.status is ValidationStatus.PASSED
    assert outcome.passed
    assert outcome.row_count == 5
    assert outcome.evaluated_expectations == len(PASSING)
    assert outcome.successful_expectations == len(PASSING)
    assert outcome.failures == []
    assert outcome.errors == []


def test_validate_table_failing_suite(warehouse: Path):
    suite = suite_from_dict({"name": "types", "expectations": [*PASSING, EVENT_TYPES]})

    outcome = validate_table(warehouse, "raw", "events", suite)

    assert outcome.status is ValidationStatus.FAILED
    assert not outcome.passed
    assert outcome.errors == []
    assert len(outcome.failures) == 1
    failure = outcome.failures[0]
    assert failure.expectation_type == "expect_column_values_to_be_in_set"
    assert failure.column == "event_type"
    assert failure.unexpected_count == 2
    assert failure.unexpected_percent == pytest.approx(40.0)
    assert sorted(failure.sample_unexpected_values) == ["bogus", "oops"]
    assert sorted(row["event_id"] for row in failure.sample_unexpected_rows) == ["e3", "e4"]
    assert outcome.successful_expectations == len(PASSING)


def test_validate_table_accepts_open_connection(warehouse: Path):
    suite = suite_from_dict({"name": "types", "expectations": [EVENT_TYPES]})

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        outcome = validate_table(conn, "raw", "events", suite)
        # The connection stays usable for the caller.
        assert conn.execute("select count(*) from raw.events").fetchone()[0] == 5

    assert outcome.status is ValidationStatus.FAILED


def test_samples_capped_at_ten(tmp_path: Path):
    path = tmp_path / "big.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create table main.numbers as select range - 50 as n from range(100)")
    suite = suite_from_dict(
        {
            "name": "numbers",
            "expectations": [
                expectation("expect_column_values_to_be_between", column="n", min_value=0)
            ],
        }
    )

    failure = validate_table(path, "main", "numbers", suite).failures[0]

    assert failure.unexpected_count == 50
    assert len(failure.sample_unexpected_values) == 10
    assert len(failure.sample_unexpected_rows) == 10


def test_file_named_like_schema(tmp_path: Path):
    # DuckDB names the catalog "marts" after the file, the same as the schema.
    path = tmp_path / "marts.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema marts.marts")
        conn.execute("create table marts.marts.customers as select 'c1' as customer_id")
    suite = suite_from_dict(
        {
            "name": "customers",
            "expectations": [
                expectation("expect_column_values_to_not_be_null", column="customer_id")
            ],
        }
    )

    outcome = validate_table(path, "marts", "customers", suite)

    assert outcome.status is ValidationStatus.PASSED, outcome.to_markdown()


def test_missing_column_is_error(warehouse: Path):
    suite = suite_from_dict(
        {
            "name": "missing",
            "expectations": [
                *PASSING,
                expectation("expect_column_values_to_not_be_null", column="no_such_column"),
            ],
        }
    )

    outcome = validate_table(warehouse, "raw", "events", suite)

    assert outcome.status is ValidationStatus.ERROR
    assert not outcome.passed
    assert outcome.failures == []
    assert len(outcome.errors) == 1
    assert outcome.errors[0].column == "no_such_column"
    assert "does not exist" in outcome.errors[0].message


def test_bogus_kwarg_is_error(warehouse: Path, tmp_path: Path):
    path = write_suite(
        tmp_path / "raw.events.json",
        "raw.events",
        [
            *PASSING,
            expectation("expect_column_values_to_not_be_null", column="event_id", bogus=1),
        ],
    )

    loaded = load_suite(path)
    outcome = validate_table(warehouse, "raw", "events", loaded)

    assert len(loaded.invalid_expectations) == 1
    assert loaded.invalid_expectations[0].index == len(PASSING)
    assert len(loaded.suite.expectations) == len(PASSING)
    assert outcome.status is ValidationStatus.ERROR
    assert outcome.failures == []
    assert "bogus" in outcome.errors[0].message
    # The valid expectations still ran.
    assert outcome.successful_expectations == len(PASSING)


def test_unknown_expectation_type_is_error(warehouse: Path):
    suite = suite_from_dict(
        {
            "name": "unknown",
            "expectations": [expectation("expect_column_to_be_wonderful", column="event_id")],
        }
    )

    outcome = validate_table(warehouse, "raw", "events", suite)

    assert outcome.status is ValidationStatus.ERROR
    assert "expect_column_to_be_wonderful" in outcome.errors[0].message


def test_error_outranks_failure(warehouse: Path):
    suite = suite_from_dict(
        {
            "name": "both",
            "expectations": [
                EVENT_TYPES,
                expectation("expect_column_values_to_be_unique", column="no_such_column"),
            ],
        }
    )

    outcome = validate_table(warehouse, "raw", "events", suite)

    assert outcome.status is ValidationStatus.ERROR
    assert len(outcome.failures) == 1
    assert len(outcome.errors) == 1


def test_missing_table_is_error(warehouse: Path):
    suite = suite_from_dict({"name": "ok", "expectations": PASSING})

    outcome = validate_table(warehouse, "raw", "no_such_table", suite)

    assert outcome.status is ValidationStatus.ERROR
    assert outcome.row_count is None
    assert "no_such_table" in outcome.errors[0].message


def test_missing_database_file_is_error(tmp_path: Path):
    suite = suite_from_dict({"name": "ok", "expectations": PASSING})
    path = tmp_path / "absent.duckdb"

    outcome = validate_table(path, "raw", "events", suite)

    assert outcome.status is ValidationStatus.ERROR
    assert not path.exists()


def test_empty_suite_is_error(warehouse: Path):
    outcome = validate_table(
        warehouse, "raw", "events", suite_from_dict({"name": "empty", "expectations": []})
    )

    assert outcome.status is ValidationStatus.ERROR
    assert "no expectations" in outcome.errors[0].message


def test_unparsable_suite_file_is_error(warehouse: Path, tmp_path: Path):
    path = tmp_path / "raw.events.json"
    path.write_text("{not json")

    with pytest.raises(SuiteFileError):
        load_suite(path)
    outcome = validate_suite_file(warehouse, SuiteSpec.from_path(path))

    assert outcome.status is ValidationStatus.ERROR
    assert "not valid JSON" in outcome.errors[0].message


def test_metadata_of_failure(warehouse: Path):
    suite = suite_from_dict({"name": "types", "expectations": [*PASSING, EVENT_TYPES]})

    metadata = validate_table(warehouse, "raw", "events", suite).to_metadata()

    assert metadata["status"] == "failed"
    assert metadata["row_count"] == 5
    assert metadata["failed_expectations"] == 1
    assert metadata["errored_expectations"] == 0
    failures = metadata["failures"].value
    assert failures[0]["column"] == "event_type"
    assert failures[0]["unexpected_count"] == 2
    assert sorted(failures[0]["sample_unexpected_values"]) == ["bogus", "oops"]
    json.dumps(failures)
    assert "expect_column_values_to_be_in_set" in metadata["report"].value


def test_metadata_of_error(warehouse: Path):
    suite = suite_from_dict(
        {
            "name": "missing",
            "expectations": [expectation("expect_column_values_to_not_be_null", column="nope")],
        }
    )

    metadata = validate_table(warehouse, "raw", "events", suite).to_metadata()

    assert metadata["status"] == "error"
    assert "does not exist" in metadata["error"]
    assert metadata["errors"].value[0]["column"] == "nope"


def test_discover_suites_reads_file_names(tmp_path: Path):
    write_suite(tmp_path / "raw.events.json", "raw.events", PASSING)
    write_suite(tmp_path / "marts.customers.json", "marts.customers", PASSING)
    (tmp_path / "notes.txt").write_text("not a suite")

    specs = discover_suites(tmp_path)

    assert [(spec.schema, spec.table) for spec in specs] == [
        ("marts", "customers"),
        ("raw", "events"),
    ]


def test_discover_suites_rejects_bad_name(tmp_path: Path):
    write_suite(tmp_path / "events.json", "events", PASSING)

    with pytest.raises(SuiteFileError, match="events.json"):
        discover_suites(tmp_path)
