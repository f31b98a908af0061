"""Suite checks in real in-process Dagster runs against a DuckDB file."""

import json
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Definitions,
    asset,
    build_asset_check_context,
    materialize,
)
from dagster_duckdb import DuckDBResource

from orchestration.quality.checks import build_suite_checks, check_name
from orchestration.quality.suite_files import discover_suites
from orchestration.settings import EXPECTATIONS_DIR

EVENT_TYPES = ["page", "track"]


def build_assets(event_types: list[str]):
    """Build raw.events with one row per event type, and a downstream mart."""

    @asset(key=AssetKey(["raw", "events"]))
    def raw_events(context: AssetExecutionContext, duckdb: DuckDBResource) -> None:
        with duckdb.get_connection() as conn:
            conn.execute("create schema if not exists raw")
            conn.execute(
                "create or replace table raw.events (event_id varchar, event_type varchar)"
            )
            for index, event_type in enumerate(event_types):
                conn.execute("insert into raw.events values (?, ?)", [f"e{index}", event_type])

    @asset(key=AssetKey(["marts", "summary"]), deps=[AssetKey(["raw", "events"])])
    def summary(context: AssetExecutionContext, duckdb: DuckDBResource) -> None:
        with duckdb.get_connection() as conn:
            conn.execute("create schema if not exists marts")
            conn.execute(
                "create or replace table marts.summary as select count(*) n from raw.events"
            )

    return raw_events, summary


def write_suite(folder: Path, column: str) -> None:
    folder.mkdir(exist_ok=True)
    suite = {
        "name": "raw.events",
        "expectations": [
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": column, "value_set": EVENT_TYPES},
                "meta": {},
            }
        ],
        "meta": {},
    }
    (folder / "raw.events.json").write_text(json.dumps(suite))


def run_pipeline(tmp_path: Path, event_types: list[str], suite_column: str = "event_type"):
    expectations_dir = tmp_path / "expectations"
    write_suite(expectations_dir, suite_column)
    checks = build_suite_checks(discover_suites(expectations_dir))
    raw_events, summary = build_assets(event_types)
    resources = {"duckdb": DuckDBResource(database=str(tmp_path / "warehouse.duckdb"))}
    result = materialize([raw_events, summary, *checks], resources=resources, raise_on_error=False)
    return result, checks


def materialized_keys(result) -> set[AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def test_suite_checks_build_one_per_file(tmp_path: Path):
    write_suite(tmp_path, "event_type")

    checks = build_suite_checks(discover_suites(tmp_path))

    assert len(checks) == 1
    keys = list(checks[0].check_keys)
    assert keys[0].asset_key == AssetKey(["raw", "events"])
    assert keys[0].name == "events_expectations"
    assert all(spec.blocking for spec in checks[0].check_specs)
    # The definitions load with the checks and the assets they target.
    Definitions(
        assets=list(build_assets(EVENT_TYPES)),
        asset_checks=checks,
        resources={"duckdb": DuckDBResource(database=str(tmp_path / "w.duckdb"))},
    ).resolve_asset_graph()


def test_check_passes_and_downstream_runs(tmp_path: Path):
    result, _ = run_pipeline(tmp_path, ["page", "track"])

    evaluations = result.get_asset_check_evaluations()
    assert result.success
    assert len(evaluations) == 1
    assert evaluations[0].passed
    assert evaluations[0].metadata["status"].value == "passed"
    assert AssetKey(["marts", "summary"]) in materialized_keys(result)


def test_failed_check_blocks_downstream(tmp_path: Path):
    result, _ = run_pipeline(tmp_path, ["page", "bogus", "oops"])

    evaluations = result.get_asset_check_evaluations()
    assert not result.success
    assert len(evaluations) == 1
    evaluation = evaluations[0]
    assert evaluation.check_name == "events_expectations"
    assert not evaluation.passed
    assert evaluation.metadata["status"].value == "failed"
    failures = evaluation.metadata["failures"].value
    assert failures[0]["unexpected_count"] == 2
    assert sorted(failures[0]["sample_unexpected_values"]) == ["bogus", "oops"]
    assert AssetKey(["raw", "events"]) in materialized_keys(result)
    assert AssetKey(["marts", "summary"]) not in materialized_keys(result)


def test_errored_check_fails_and_blocks(tmp_path: Path):
    result, _ = run_pipeline(tmp_path, ["page"], suite_column="no_such_column")

    evaluation = result.get_asset_check_evaluations()[0]
    assert not evaluation.passed
    assert evaluation.metadata["status"].value == "error"
    assert "no_such_column" in evaluation.metadata["error"].value
    assert AssetKey(["marts", "summary"]) not in materialized_keys(result)


def test_check_without_warehouse_errors(tmp_path: Path):
    write_suite(tmp_path / "expectations", "event_type")
    check = build_suite_checks(discover_suites(tmp_path / "expectations"))[0]
    resource = DuckDBResource(database=str(tmp_path / "absent.duckdb"))

    result = check(build_asset_check_context(resources={"duckdb": resource}))

    assert not result.passed
    assert result.metadata["status"].value == "error"
    assert "not found" in result.metadata["error"].value
    assert not (tmp_path / "absent.duckdb").exists()


def test_repository_suite_checks():
    from orchestration.quality.suites import suite_checks

    specs = discover_suites(EXPECTATIONS_DIR)
    keys = {key for check in suite_checks for key in check.check_keys}

    assert len(suite_checks) == len(specs)
    assert {(tuple(key.asset_key.path), key.name) for key in keys} == {
        ((spec.schema, spec.table), check_name(spec)) for spec in specs
    }
