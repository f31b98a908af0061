"""Partitioned runs of the whole job on the tiny landing set (2025-03-03 to 2025-03-12, UTC).

One warehouse is built one day at a time (03-03, 03-04, 03-05, 03-06) with a
lookback of 1 day, and another by one run over the same four days. Their
marts must match row for row. The first warehouse then re-runs 03-05 (nothing may
change) and, after a late file lands, re-runs 03-06. A third warehouse runs a
7-day backfill (03-03 to 03-09) as one run. About eight job runs, 3 to 5
minutes on a 2-core machine.

Rows of 03-03 to 03-06, worked out from the landing files in support.py:

- web: events.jsonl has lines 1, 2, 3 and 5 on 03-03 and a truncated line 4;
  events_late.jsonl repeats line 1. So 5 raw rows, 3 distinct event ids.
- orders: #1005 (03-03 16:00Z, 120.00), #1002 (03-05 14:00Z, 40.00), #1001
  (03-06 12:00Z, 90.00), #1004 (03-06 15:30Z, 25.00); 275.00 in all. #1003 is
  dated 03-12, after the window.
- ad spend: 60.00 on 03-03, 36.15 + 23.85 on 03-04; 120.00 in all.
- email: send and click of 03-04 and the open of 03-05 (3 rows); the open of
  03-11 is after the window.
"""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, BackfillPolicy

from orchestration.definitions import build_definitions
from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG, range_tags

from .support import (
    MART_TABLE_NAMES,
    TINY_LANDING_FILES,
    TINY_LANDING_SOURCES,
    PipelineRun,
    run_pipeline,
    settings_for,
    write_landing,
)

DAYS = ("2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06")
RAW_TABLES_COUNTED = ("web_events", "email_events", "orders", "ad_spend", "quarantine")
LATE_FILE = "web/late.jsonl"


def _partition_run(settings, day: str) -> PipelineRun:
    result = run_pipeline(settings, tags={"dagster/partition": day})
    run = PipelineRun(work_dir=settings.data_dir, settings=settings, result=result)
    run.require_success()
    return run


def _marts(settings) -> dict[str, list[tuple]]:
    """Return every mart's rows, sorted, so two warehouses compare row for row."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return {
            table: sorted(
                conn.execute(f"select * from marts.{table}").fetchall(),
                key=lambda row: json.dumps(row, default=str),
            )
            for table in MART_TABLE_NAMES
        }


def _raw_counts(settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return {
            table: conn.execute(f"select count(*) from raw.{table}").fetchone()[0]
            for table in RAW_TABLES_COUNTED
        }


def _query(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def daily_settings(tmp_path_factory):
    """Settings of the warehouse built one day at a time, after its four daily runs."""
    work_dir = tmp_path_factory.mktemp("daily")
    config = write_landing(work_dir / "landing", TINY_LANDING_FILES, TINY_LANDING_SOURCES)
    settings = replace(settings_for(work_dir, config), lookback_days=1)
    for day in DAYS:
        _partition_run(settings, day)
    return settings


@pytest.fixture(scope="module")
def daily_marts(daily_settings):
    return _marts(daily_settings)


@pytest.fixture(scope="module")
def full_settings(tmp_path_factory):
    """Settings of the warehouse built by one run over the same four days."""
    work_dir = tmp_path_factory.mktemp("full")
    config = write_landing(work_dir / "landing", TINY_LANDING_FILES, TINY_LANDING_SOURCES)
    settings = replace(settings_for(work_dir, config), lookback_days=1)
    result = run_pipeline(settings, tags=range_tags(date(2025, 3, 3), date(2025, 3, 6)))
    PipelineRun(work_dir=work_dir, settings=settings, result=result).require_success()
    return settings


def test_daily_runs_load_hand_counts(daily_settings):
    assert _raw_counts(daily_settings) == {
        "web_events": 5,
        "email_events": 3,
        "orders": 4,
        "ad_spend": 3,
        "quarantine": 1,
    }
    [(revenue,)] = _query(daily_settings, "select sum(total_amount) from raw.orders")
    assert revenue == Decimal("275.00")
    [(spend,)] = _query(daily_settings, "select sum(spend_amount) from staging.stg_ads__spend")
    assert spend == Decimal("120.0000")
    [(events,)] = _query(daily_settings, "select count(*) from staging.stg_web__events")
    assert events == 3


def test_incremental_equals_full_build(daily_marts, full_settings):
    full = _marts(full_settings)
    for table in MART_TABLE_NAMES:
        # The id history keeps the ids each run assigned, so a warehouse built
        # in four runs can list merges that one run over the same days never saw.
        if table == "customer_id_history":
            continue
        assert daily_marts[table] == full[table], f"marts.{table} differs"


def test_incremental_staging_is_table(daily_settings):
    rows = _query(
        daily_settings,
        "select table_name, table_type from information_schema.tables "
        "where table_schema = 'staging' and table_name = 'stg_web__events'",
    )
    assert rows == [("stg_web__events", "BASE TABLE")]


def test_rerun_of_day_changes_nothing(daily_settings, daily_marts):
    counts = _raw_counts(daily_settings)

    _partition_run(daily_settings, "2025-03-05")

    assert _raw_counts(daily_settings) == counts
    marts = _marts(daily_settings)
    for table in MART_TABLE_NAMES:
        assert marts[table] == daily_marts[table], f"marts.{table} changed on a re-run"
    orders = _query(
        daily_settings, "select order_id, total_amount from staging.stg_shop__orders order by 1"
    )
    assert orders == [
        ("#1001", Decimal("90.00")),
        ("#1002", Decimal("40.00")),
        ("#1004", Decimal("25.00")),
        ("#1005", Decimal("120.00")),
    ]


def test_late_event_within_lookback(daily_settings):
    # Runs after the re-run test in file order; lands two late events, then
    # re-runs 03-06, whose window with the 1-day lookback starts on 03-05.
    landing = daily_settings.landing_config.parent
    (landing / LATE_FILE).write_text(
        '{"type": "page", "messageId": "msg-late-05", "anonymousId": "anon-late",'
        ' "timestamp": "2025-03-05T18:00:00.000Z"}\n'
        '{"type": "page", "messageId": "msg-late-03", "anonymousId": "anon-late",'
        ' "timestamp": "2025-03-03T18:00:00.000Z"}\n'
    )

    run = _partition_run(daily_settings, "2025-03-06")

    staged = _query(
        daily_settings,
        "select event_id from staging.stg_web__events where event_id like 'msg-late%'",
    )
    assert staged == [("msg-late-05",)]
    touches = _query(
        daily_settings,
        "select touchpoint_id from intermediate.int_touchpoints_unioned "
        "where touchpoint_id like 'web:msg-late%'",
    )
    assert touches == [("web:msg-late-05",)]
    [quarantined] = _query(
        daily_settings,
        f"select _line, _partition_date, reason from raw.quarantine where _file = '{LATE_FILE}'",
    )
    assert quarantined[0] == 2
    assert quarantined[1] == date(2025, 3, 3)
    assert quarantined[2].startswith("too late: event day 2025-03-03 is before 2025-03-05")

    evaluation = run.check_evaluations()[(AssetKey(["raw", "web_events"]), "no_rows_too_late")]
    assert not evaluation.passed
    assert evaluation.severity.value == "WARN"
    assert evaluation.metadata["rows_too_late"].value == 1
    assert evaluation.metadata["sample_rows"].value == [
        {"file": LATE_FILE, "line": 2, "partition_date": "2025-03-03"}
    ]
    reconciled = run.check_evaluations()[
        (AssetKey(["raw", "web_events"]), "landed_rows_reconciled")
    ]
    assert reconciled.passed


def test_backfill_of_seven_days_is_one_run(tmp_path: Path, monkeypatch):
    config = write_landing(tmp_path / "landing", TINY_LANDING_FILES, TINY_LANDING_SOURCES)
    settings = settings_for(tmp_path, config)
    # build_definitions exports the warehouse path; monkeypatch restores it afterwards.
    monkeypatch.setenv("RIGHTPATH_WAREHOUSE_PATH", str(settings.warehouse_path))
    definitions = build_definitions(settings)
    raw_orders = AssetKey(["raw", "orders"])
    assert definitions.resolve_assets_def(raw_orders).backfill_policy == (
        BackfillPolicy.single_run()
    )

    result = run_pipeline(settings, tags=range_tags(date(2025, 3, 3), date(2025, 3, 9)))

    run = PipelineRun(work_dir=tmp_path, settings=settings, result=result)
    run.require_success()
    materializations = [
        event
        for event in result.get_asset_materialization_events()
        if event.asset_key == raw_orders
    ]
    assert {event.partition for event in materializations} == {
        f"2025-03-0{day}" for day in range(3, 10)
    }
    # One run covered the range: its tags name the first and the last day.
    assert result.dagster_run.tags[RANGE_START_TAG] == "2025-03-03"
    assert result.dagster_run.tags[RANGE_END_TAG] == "2025-03-09"
    tickets = _query(settings, "select ticket_id from raw.support_tickets order by 1")
    assert tickets == [("501",), ("502",)]
    orders = _query(settings, "select order_id from raw.orders order by 1")
    assert orders == [("#1001",), ("#1002",), ("#1004",), ("#1005",)]
    metadata = materializations[0].materialization.metadata
    assert metadata["rows_after_window"].value == 1
