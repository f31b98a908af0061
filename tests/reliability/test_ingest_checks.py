"""The ingest asset's metadata and its blocking reconciliation check, run through Dagster."""

import hashlib
from pathlib import Path

import duckdb
import yaml
from dagster import AssetKey, materialize
from dagster_duckdb import DuckDBResource

from orchestration.ingest.assets import RECONCILIATION_CHECK, LandingResource, build_raw_asset
from orchestration.ingest.loader import FAULT_LOSE_RECORD_ENV
from orchestration.ingest.schema import RAW_TABLES
from orchestration.partitions import PartitioningResource
from orchestration.privacy.pii import PII_SALT_ENV
from orchestration.publish.publisher import publish_marts
from tests.pipeline.support import PUBLISHED_MARTS_KEY, run_pipeline, settings_for
from tests.reliability.landing_set import write_landing
from tests.reliability.runs import TEST_SALT

WEB_EVENTS_KEY = AssetKey(["raw", "web_events"])


def test_asset_metadata_lists_unmapped_columns(tmp_path, caplog):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "t.csv").write_text(
        "tweet_id,author_id,inbound,created_at,text,sentiment,lang\n"
        "1,ann,True,2025-03-05T15:00:00Z,hi,positive,en\n"
    )
    config = landing / "landing.yml"
    source = {"path": "t.csv", "channel": "social", "format": "twcs_csv"}
    config.write_text(yaml.safe_dump({"sources": [source]}))

    result = materialize(
        [build_raw_asset(RAW_TABLES["social_posts"])],
        resources={
            "duckdb": DuckDBResource(database=str(tmp_path / "warehouse.duckdb")),
            "landing": LandingResource(config_path=str(config)),
            "partitioning": PartitioningResource(timezone="UTC", lookback_days=3),
        },
    )

    assert result.success
    [materialization] = result.asset_materializations_for_node("raw__social_posts")
    assert materialization.metadata["unmapped_columns"].value == {"t.csv": ["sentiment", "lang"]}
    assert materialization.metadata["rows_loaded"].value == 1
    warning = (
        "t.csv has column(s) that twcs_csv does not map, so they are not loaded: sentiment, lang"
    )
    assert warning in caplog.text


def test_unreconciled_ingest_blocks_publish(tmp_path, monkeypatch):
    """A record lost between landing and loading fails the run before anything is published."""
    monkeypatch.setenv(PII_SALT_ENV, TEST_SALT)
    work_dir = tmp_path / "run"
    config = write_landing(work_dir / "landing")
    settings = settings_for(work_dir, config)

    # The earlier published version is built from a small warehouse of its own,
    # so this test needs one pipeline run only.
    earlier_warehouse = tmp_path / "earlier.duckdb"
    with duckdb.connect(str(earlier_warehouse)) as conn:
        conn.execute("create schema marts")
        conn.execute(
            "create table marts.customers as select 'c1' as customer_id, "
            "'ann@example.com' as primary_email, NULL as primary_phone, "
            "NULL as primary_handle"
        )
    publish_marts(earlier_warehouse, settings.publish_dir, [("marts", "customers")])
    before = {
        path.relative_to(settings.publish_dir): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(settings.publish_dir.rglob("*"))
        if path.is_file()
    }
    assert Path("manifest.json") in before

    monkeypatch.setenv(FAULT_LOSE_RECORD_ENV, "web_events")
    result = run_pipeline(settings)

    assert not result.success
    failed_steps = [event.step_key for event in result.get_step_failure_events()]
    assert failed_steps == ["raw__web_events"]
    [evaluation] = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == WEB_EVENTS_KEY and e.check_name == RECONCILIATION_CHECK
    ]
    assert not evaluation.passed
    unreconciled = evaluation.metadata["unreconciled_files"].value
    # Files load in name order, so events-copy.jsonl loads and events.jsonl is its copy.
    # events-copy.jsonl: 4 records, of the 3 valid ones 1 is lost, line 4 is quarantined.
    # replay.jsonl: 2 records, 1 lost. The quoted name: 1 record, 1 lost.
    assert {
        row["file"]: (row["landed"], row["loaded"], row["quarantined"]) for row in unreconciled
    } == {
        "web/events-copy.jsonl": (4, 2, 1),
        "web/replay.jsonl": (2, 1, 0),
        "web/it's; drop table raw.web_events;--.jsonl": (1, 0, 0),
    }
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert PUBLISHED_MARTS_KEY not in materialized
    after = {
        path.relative_to(settings.publish_dir): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(settings.publish_dir.rglob("*"))
        if path.is_file()
    }
    assert after == before
