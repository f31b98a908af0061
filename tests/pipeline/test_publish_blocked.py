"""A failed Great Expectations check blocks the publish and leaves the published files alone.

The good run is the session's run on the tiny landing set: its folder,
including the published marts, is copied, a negative spend row is added to
the Google Ads file, and the job runs again on the copy.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey

from orchestration.quality.data_docs import suite_validation_from_metadata, write_data_docs

from .support import (
    MART_TABLE_NAMES,
    PUBLISHED_MARTS_KEY,
    PipelineRun,
    copy_work_dir,
    run_pipeline,
    settings_for,
)

# cost_micros -5000000 is a spend of -5.00, which raw.ad_spend.json rejects
# (expect_column_values_to_be_between spend_amount, min_value 0).
NEGATIVE_SPEND_ROW = "1234567890,2025-03-05,111,TABLET,SEARCH,10,1,-5000000\n"
ADS_FILE = Path("landing") / "ads" / "campaign_stats_data.csv"
AD_SPEND_CHECK = (AssetKey(["raw", "ad_spend"]), "ad_spend_expectations")


def snapshot_publish_dir(publish_dir: Path) -> dict[str, str]:
    """Return the sha256 of every regular file and the target of every symlink, by path."""
    snapshot = {}
    for path in sorted(publish_dir.rglob("*")):
        relative = path.relative_to(publish_dir).as_posix()
        if path.is_symlink():
            snapshot[relative] = f"symlink to {os.readlink(path)}"
        elif path.is_file():
            snapshot[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snapshot


@dataclass(frozen=True)
class BlockedRun:
    run: PipelineRun
    # Publish folder snapshots of the good run, and after the failing run.
    published_before: dict[str, str]
    published_after: dict[str, str]


@pytest.fixture(scope="module")
def blocked_run(tiny_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> BlockedRun:
    # Without a good publish there is nothing to protect.
    tiny_run.require_success()
    work_dir = tmp_path_factory.mktemp("blocked_run") / "work"
    copy_work_dir(tiny_run.work_dir, work_dir)
    settings = settings_for(work_dir, work_dir / "landing" / "landing.yml")
    published_before = snapshot_publish_dir(settings.publish_dir)

    with (work_dir / ADS_FILE).open("a", encoding="utf-8") as ads_file:
        ads_file.write(NEGATIVE_SPEND_ROW)
    result = run_pipeline(settings)

    return BlockedRun(
        run=PipelineRun(work_dir=work_dir, settings=settings, result=result),
        published_before=published_before,
        published_after=snapshot_publish_dir(settings.publish_dir),
    )


def test_good_run_published_files(blocked_run):
    before = blocked_run.published_before
    assert "marts.duckdb" in before
    assert "manifest.json" in before
    assert before["parquet/current"] == "symlink to 1"
    for table in MART_TABLE_NAMES:
        assert f"parquet/1/{table}.parquet" in before


def test_run_failed(blocked_run):
    assert not blocked_run.run.result.success


def test_ad_spend_check_failed(blocked_run):
    evaluation = blocked_run.run.check_evaluations()[AD_SPEND_CHECK]
    assert not evaluation.passed
    assert evaluation.metadata["status"].value == "failed"
    assert evaluation.metadata["failed_expectations"].value == 1


def test_failure_names_expectation_and_samples(blocked_run):
    evaluation = blocked_run.run.check_evaluations()[AD_SPEND_CHECK]
    failures = evaluation.metadata["failures"].value
    assert len(failures) == 1
    failure = failures[0]
    assert failure["expectation_type"] == "expect_column_values_to_be_between"
    assert failure["column"] == "spend_amount"
    assert failure["unexpected_count"] == 1
    assert failure["sample_unexpected_values"] == [-5.0]
    report = evaluation.metadata["report"].value
    assert "expect_column_values_to_be_between" in report
    assert "-5.0" in report


def test_other_checks_passed(blocked_run):
    failed = [
        key
        for key, evaluation in blocked_run.run.check_evaluations().items()
        if not evaluation.passed
    ]
    assert failed == [AD_SPEND_CHECK]


def test_new_spend_was_ingested(blocked_run):
    # The raw asset ran on the changed file, so the check saw the new row.
    assert AssetKey(["raw", "ad_spend"]) in blocked_run.run.materialized_keys()
    with blocked_run.run.connect_warehouse() as warehouse:
        (min_spend,) = warehouse.execute("select min(spend_amount) from raw.ad_spend").fetchone()
    assert float(min_spend) == -5.0


def test_publish_not_materialized(blocked_run):
    materialized = blocked_run.run.materialized_keys()
    assert PUBLISHED_MARTS_KEY not in materialized
    assert [key for key in materialized if key.path[0] == "published"] == []
    for table in MART_TABLE_NAMES:
        assert AssetKey(["marts", table]) not in materialized


def test_published_files_unchanged(blocked_run):
    assert blocked_run.published_after == blocked_run.published_before


def test_manifest_still_describes_good_run(blocked_run):
    publish_dir = blocked_run.run.settings.publish_dir
    manifest = json.loads((publish_dir / "manifest.json").read_text())
    assert manifest["version"] == 1
    # marts.duckdb is a symlink into the current version folder.
    assert manifest["database_sha256"] == blocked_run.published_before["parquet/1/marts.duckdb"]


def test_published_spend_not_negative(blocked_run):
    database = blocked_run.run.settings.publish_dir / "marts.duckdb"
    with duckdb.connect(str(database), read_only=True) as published:
        (min_spend,) = published.execute(
            "select min(spend_amount) from channel_daily_performance"
        ).fetchone()
    assert min_spend >= 0


def test_failed_expectation_stored_for_data_docs(blocked_run, tmp_path: Path):
    evaluation = blocked_run.run.check_evaluations()[AD_SPEND_CHECK]
    # The check's metadata keeps the result of each expectation in GE form.
    results = evaluation.metadata["expectation_results"].value
    failed = [result for result in results if not result["success"]]
    assert len(failed) == 1
    assert failed[0]["expectation_config"]["kwargs"]["column"] == "spend_amount"
    assert failed[0]["result"]["partial_unexpected_list"] == [-5.0]

    # The blocked run published nothing, so its data docs are built here from the
    # same check metadata that the report asset reads after a publish.
    validations = [
        suite_validation_from_metadata(
            {name: value.value for name, value in check.metadata.items()}
        )
        for check in blocked_run.run.check_evaluations().values()
    ]
    validations = [validation for validation in validations if validation is not None]
    docs = write_data_docs(tmp_path, validations, "blocked", datetime(2025, 3, 8, tzinfo=UTC))

    (stored_path,) = (docs.validations_dir / "raw" / "ad_spend").rglob("*.json")
    stored = json.loads(stored_path.read_text(encoding="utf-8"))
    assert stored["success"] is False
    stored_failed = [result for result in stored["results"] if not result["success"]]
    assert len(stored_failed) == 1
    between = stored_failed[0]
    assert between["expectation_config"]["type"] == "expect_column_values_to_be_between"
    assert between["result"]["unexpected_count"] == 1
    assert between["result"]["partial_unexpected_list"] == [-5.0]
    assert "raw.ad_spend" in docs.index_path.read_text(encoding="utf-8")
