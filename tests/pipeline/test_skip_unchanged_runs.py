"""A one-day run after a full run skips the landing files dated outside its window.

Both warehouses start from one full run (no partitions) of the tiny landing set.
Warehouse "skipping" then runs partition 2025-03-07 with a 1-day lookback, so
ingest rewrites 2025-03-06 and 2025-03-07. Warehouse "parsing" is a copy of it
whose ``raw.parsed_files`` is emptied first, as in a warehouse from before that
table, so the same run parses every file. Three job runs, about a minute on a
2-core machine.

Days of each landing file (UTC), from the landing files in support.py, and
whether the one-day run skips it:

- web/events.jsonl: 03-03 and an undated truncated line -> skipped;
- web/events_late.jsonl: 03-03 -> skipped;
- email/iterable_events.jsonl: 03-04 to 03-11 -> parsed;
- social/twcs.csv: 03-05 -> skipped;
- support/ticket_data.csv: 03-06 and 03-07 -> parsed;
- orders/orders_export.csv into raw.orders: 03-03 to 03-12 -> parsed;
- orders/orders_export.csv into raw.order_lines: undated only -> skipped;
- ads/campaign_stats_data.csv: 03-03 and 03-04 -> skipped.
"""

from dataclasses import replace

import duckdb
import pytest
from dagster import DagsterInstance

from orchestration.ingest.schema import RAW_TABLES

from .support import (
    MART_TABLE_NAMES,
    TINY_LANDING_FILES,
    TINY_LANDING_SOURCES,
    PipelineRun,
    copy_work_dir,
    run_pipeline,
    settings_for,
    write_landing,
)
from .test_partitioned_runs import _marts

DAY = "2025-03-07"
EXPECTED_SKIPPED = {
    "web_events": 2,
    "email_events": 0,
    "social_posts": 1,
    "support_tickets": 0,
    "orders": 0,
    "order_lines": 1,
    "ad_spend": 1,
}


def _run(settings, tags=None) -> tuple[PipelineRun, DagsterInstance]:
    instance = DagsterInstance.ephemeral()
    result = run_pipeline(settings, tags=tags, instance=instance)
    run = PipelineRun(work_dir=settings.data_dir, settings=settings, result=result)
    run.require_success()
    return run, instance


def _files_skipped(run: PipelineRun) -> dict[str, int]:
    return {
        event.asset_key.path[1]: event.materialization.metadata["files_skipped"].value
        for event in run.result.get_asset_materialization_events()
        if event.asset_key.path[0] == "raw" and event.asset_key.path[1] in EXPECTED_SKIPPED
    }


def _raw_rows(settings) -> dict[str, list[tuple]]:
    """Return the raw tables, quarantine and landed_files without ``_loaded_at``, sorted.

    A parse of a file without records in the window adds a landed_files row of
    no day and zero counts, which a skip does not, so zero rows are left out.
    """
    queries = {
        table: f"select * exclude (_loaded_at) from raw.{table}"
        for table in [*RAW_TABLES, "quarantine"]
    }
    queries["landed_files"] = (
        "select * exclude (_loaded_at) from raw.landed_files where records_landed > 0"
    )
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return {
            table: sorted(conn.execute(sql).fetchall(), key=repr) for table, sql in queries.items()
        }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Return the one-day run of each warehouse, and the skipping run's Dagster instance."""
    root = tmp_path_factory.mktemp("skip")
    config = write_landing(root / "landing", TINY_LANDING_FILES, TINY_LANDING_SOURCES)
    # DuckDB creates the warehouse file but not its folder.
    (root / "skipping").mkdir()
    skipping = replace(settings_for(root / "skipping", config), lookback_days=1)
    _run(skipping)
    copy_work_dir(root / "skipping", root / "parsing")
    parsing = replace(settings_for(root / "parsing", config), lookback_days=1)
    with duckdb.connect(str(parsing.warehouse_path)) as conn:
        conn.execute("delete from raw.parsed_files")

    tags = {"dagster/partition": DAY}
    skipping_run, skipping_instance = _run(skipping, tags)
    parsing_run, _ = _run(parsing, tags)
    return {
        "skipping": (skipping_run, skipping_instance),
        "parsing": (parsing_run, None),
    }


def test_one_day_run_skips_hand_counted(runs):
    skipping_run, _ = runs["skipping"]
    parsing_run, _ = runs["parsing"]

    assert _files_skipped(skipping_run) == EXPECTED_SKIPPED
    assert _files_skipped(parsing_run) == {table: 0 for table in EXPECTED_SKIPPED}


def test_skipping_keeps_marts_and_raw(runs):
    skipping_run, _ = runs["skipping"]
    parsing_run, _ = runs["parsing"]

    skipped_marts = _marts(skipping_run.settings)
    parsed_marts = _marts(parsing_run.settings)
    for table in MART_TABLE_NAMES:
        assert skipped_marts[table] == parsed_marts[table], f"marts.{table} differs"
    skipped_raw = _raw_rows(skipping_run.settings)
    parsed_raw = _raw_rows(parsing_run.settings)
    for table, rows in parsed_raw.items():
        assert skipped_raw[table] == rows, f"raw.{table} differs"


def test_skipping_run_checks_pass(runs):
    skipping_run, _ = runs["skipping"]

    failed = [
        (key.to_user_string(), name)
        for (key, name), evaluation in skipping_run.check_evaluations().items()
        if not evaluation.passed
    ]
    assert failed == []


def test_skips_logged_in_one_line(runs):
    skipping_run, instance = runs["skipping"]

    messages = [
        entry.user_message
        for entry in instance.all_logs(skipping_run.result.run_id)
        if "landing files: unchanged since their last parse" in entry.user_message
    ]
    web = [message for message in messages if "Skipped 2 of 2 landing files" in message]
    assert len(messages) == 4
    assert len(web) == 1
