"""Great Expectations data docs from real validations of a DuckDB table.

raw.events has 4 rows. amount is NULL in e4, and e3's amount -2.0 is the one
value below 0.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.quality.data_docs import (
    SuiteValidation,
    suite_validation_from_metadata,
    write_data_docs,
)
from orchestration.quality.great_expectations import suite_from_dict, validate_table

EVENTS_SQL = """
create schema raw;
create table raw.events as select * from (values
    ('e1', 'page',  10.0),
    ('e2', 'track', 0.0),
    ('e3', 'bogus', -2.0),
    ('e4', 'page',  null)
) as v(event_id, event_type, amount);
"""

RUN_TIME = datetime(2025, 3, 8, 6, 0, 0, tzinfo=UTC)


def expectation(expectation_type: str, **kwargs) -> dict:
    return {"type": expectation_type, "kwargs": kwargs, "meta": {}}


# Pushdown runs the first three as SQL, and GE runs the regex one on a DataFrame.
FAILING_SUITE = {
    "name": "raw.events",
    "expectations": [
        expectation("expect_table_columns_to_match_set", column_set=["event_id", "event_type"]),
        expectation("expect_column_values_to_be_between", column="amount", min_value=0),
        expectation("expect_column_values_to_not_be_null", column="event_id"),
        expectation("expect_column_values_to_match_regex", column="event_id", regex="^e[0-9]$"),
    ],
}
PASSING_SUITE = {
    "name": "raw.events_ids",
    "expectations": [
        expectation("expect_column_values_to_be_unique", column="event_id"),
    ],
}


@pytest.fixture(scope="module")
def validations(tmp_path_factory: pytest.TempPathFactory) -> list[SuiteValidation]:
    path = tmp_path_factory.mktemp("data_docs") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(EVENTS_SQL)
    outcomes = [
        validate_table(path, "raw", "events", suite_from_dict(suite))
        for suite in (FAILING_SUITE, PASSING_SUITE)
    ]
    return [
        suite_validation_from_metadata(
            {name: getattr(value, "value", value) for name, value in outcome.to_metadata().items()}
        )
        for outcome in outcomes
    ]


def stored_result(validations_dir: Path, suite_name: str) -> dict:
    schema, table = suite_name.split(".")
    paths = sorted((validations_dir / schema / table).rglob("*.json"))
    assert len(paths) == 1, f"expected one stored result for {suite_name}, found {paths}"
    return json.loads(paths[0].read_text(encoding="utf-8"))


def test_metadata_to_suite_validation(validations):
    failing, passing = validations
    assert failing.suite_name == "raw.events"
    assert failing.table == "raw.events"
    assert failing.passed is False
    assert failing.row_count == 4
    assert len(failing.expectation_results) == 4
    assert passing.passed is True


def test_data_docs_store_pushdown_results(validations, tmp_path: Path):
    docs = write_data_docs(tmp_path, validations, "run-1", RUN_TIME)

    stored = stored_result(docs.validations_dir, "raw.events")
    assert stored["success"] is False
    assert stored["statistics"]["evaluated_expectations"] == 4
    assert stored["statistics"]["successful_expectations"] == 2
    columns, between, not_null, regex = stored["results"]
    # The table has a column the exact set does not list.
    assert columns["success"] is False
    assert columns["result"]["observed_value"] == ["amount", "event_id", "event_type"]
    assert columns["result"]["details"]["mismatched"] == {"unexpected": ["amount"]}
    # e3 only. e4's NULL is missing, not unexpected: 1 of 3 non-NULL values.
    assert between["success"] is False
    assert between["expectation_config"]["type"] == "expect_column_values_to_be_between"
    assert between["result"]["element_count"] == 4
    assert between["result"]["unexpected_count"] == 1
    assert between["result"]["missing_count"] == 1
    assert between["result"]["unexpected_percent"] == pytest.approx(100 / 3)
    assert between["result"]["partial_unexpected_list"] == [-2.0]
    assert not_null["success"] is True
    assert not_null["result"]["unexpected_count"] == 0
    # Validated by GE, not by SQL.
    assert regex["success"] is True
    assert regex["result"]["element_count"] == 4

    assert stored_result(docs.validations_dir, "raw.events_ids")["success"] is True


def test_data_docs_index_lists_suites(validations, tmp_path: Path):
    docs = write_data_docs(tmp_path, validations, "run-1", RUN_TIME)

    assert docs.index_path == tmp_path / "gx/uncommitted/data_docs/local_site/index.html"
    index = docs.index_path.read_text(encoding="utf-8")
    assert "raw.events" in index
    assert "raw.events_ids" in index
    assert docs.suite_names == ["raw.events", "raw.events_ids"]
    pages = sorted((docs.index_path.parent / "validations").rglob("*.html"))
    assert len(pages) == 2
    failing_page = next(page for page in pages if "events_ids" not in page.as_posix())
    text = failing_page.read_text(encoding="utf-8")
    assert "Failed" in text
    assert "raw.events" in text


def test_data_docs_rebuild_replaces_site(validations, tmp_path: Path):
    write_data_docs(tmp_path, validations, "run-1", RUN_TIME)
    docs = write_data_docs(tmp_path, validations[1:], "run-2", RUN_TIME)

    # Only the second build's suite is left, and no temporary folder remains.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gx"]
    assert not (docs.validations_dir / "raw" / "events").exists()
    assert stored_result(docs.validations_dir, "raw.events_ids")["success"] is True


def test_data_docs_need_validations(tmp_path: Path):
    with pytest.raises(ValueError, match="No suite validations"):
        write_data_docs(tmp_path, [], "run-1", RUN_TIME)


def test_metadata_without_suite():
    assert suite_validation_from_metadata({"row_count": 18}) is None


def test_metadata_of_unreadable_warehouse():
    # The check writes only these keys when it cannot open the warehouse.
    validation = suite_validation_from_metadata(
        {"status": "error", "suite": "raw.events", "error": "Opening the warehouse failed"}
    )
    assert validation.passed is False
    assert validation.table == "raw.events"
    assert validation.expectation_results == []
    assert validation.errors == ["Opening the warehouse failed"]


def test_data_docs_of_errored_suite(tmp_path: Path):
    # A suite that could not read its table has no expectation results.
    validation = suite_validation_from_metadata(
        {"status": "error", "suite": "raw.events", "error": "Opening the warehouse failed"}
    )
    docs = write_data_docs(tmp_path, [validation], "run-1", RUN_TIME)

    stored = stored_result(docs.validations_dir, "raw.events")
    assert stored["success"] is False
    assert stored["results"] == []
    assert stored["meta"]["errors"] == ["Opening the warehouse failed"]
    assert docs.index_path.is_file()


def test_data_docs_remove_stale_folders(validations, tmp_path: Path):
    # A build killed before its cleanup leaves these behind.
    (tmp_path / ".gx.tmp-abc" / "gx").mkdir(parents=True)
    (tmp_path / ".gx.old-def").mkdir()
    write_data_docs(tmp_path, validations, "run-1", RUN_TIME)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gx"]
