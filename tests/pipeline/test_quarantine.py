"""A truncated JSON line is quarantined while the good lines of its file load.

Reads the session's run on the tiny landing set, whose ``web/events.jsonl``
has a truncated object on line 4 among four good lines.
"""

from collections.abc import Iterator
from datetime import date

import duckdb
import pytest
from dagster import AssetKey

from .support import MALFORMED_WEB_LINE, PipelineRun, fetch_dicts

WEB_FILE = "web/events.jsonl"


@pytest.fixture(scope="module")
def warehouse(tiny_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    tiny_run.require_success()
    connection = tiny_run.connect_warehouse()
    yield connection
    connection.close()


def test_malformed_line_quarantined(warehouse):
    rows = fetch_dicts(warehouse, "select * from raw.quarantine where _file = ?", [WEB_FILE])
    assert len(rows) == 1
    quarantined = rows[0]
    assert quarantined["target_table"] == "web_events"
    assert quarantined["_line"] == MALFORMED_WEB_LINE
    assert quarantined["_format"] == "segment_jsonl"
    assert quarantined["reason"].startswith("invalid JSON")
    assert '"messageId": "msg-x1"' in quarantined["raw_record"]


def test_quarantine_contains_only_that_line(warehouse):
    (count,) = warehouse.execute("select count(*) from raw.quarantine").fetchone()
    assert count == 1


def test_good_lines_loaded(warehouse):
    rows = warehouse.execute(
        "select _line, event_id from raw.web_events where _file = ? order by _line", [WEB_FILE]
    ).fetchall()
    assert rows == [(1, "msg-a1"), (2, "msg-a1"), (3, "msg-a2"), (5, "msg-d1")]


def test_landed_files_reconciled(warehouse):
    rows = fetch_dicts(
        warehouse,
        "select partition_date, records_landed, rows_loaded, rows_quarantined "
        "from raw.landed_files where _file = ? and target_table = 'web_events' "
        "order by partition_date nulls last",
        [WEB_FILE],
    )
    # Lines 1-3 and 5 are events of 2025-03-03. The truncated line 4 has no
    # event time, so its ledger row has no day.
    assert rows == [
        {
            "partition_date": date(2025, 3, 3),
            "records_landed": 4,
            "rows_loaded": 4,
            "rows_quarantined": 0,
        },
        {"partition_date": None, "records_landed": 1, "rows_loaded": 0, "rows_quarantined": 1},
    ]


def test_reconciliation_check_passed(tiny_run):
    evaluations = tiny_run.check_evaluations()
    evaluation = evaluations[(AssetKey(["raw", "web_events"]), "landed_rows_reconciled")]
    assert evaluation.passed
    # Both web files: 5 + 1 landed, 4 + 1 loaded, 1 quarantined.
    assert evaluation.metadata["records_landed"].value == 6
    assert evaluation.metadata["rows_loaded"].value == 5
    assert evaluation.metadata["rows_quarantined"].value == 1


def test_web_events_suite_passed(tiny_run):
    evaluations = tiny_run.check_evaluations()
    assert evaluations[(AssetKey(["raw", "web_events"]), "web_events_expectations")].passed


def test_marts_unaffected(warehouse):
    # The truncated line names cookie anon-x and event msg-x1: neither reaches dbt.
    (staged,) = warehouse.execute(
        "select count(*) from staging.stg_web__events"
        " where event_id = 'msg-x1' or anonymous_id = 'anon-x'"
    ).fetchone()
    (touches,) = warehouse.execute(
        "select count(*) from intermediate.int_touchpoints_unioned"
        " where touchpoint_id = 'web:msg-x1'"
    ).fetchone()
    (web_touches,) = warehouse.execute(
        "select count(*) from intermediate.int_touchpoints_unioned where source = 'web'"
    ).fetchone()
    (customers,) = warehouse.execute("select count(*) from marts.customers").fetchone()
    assert staged == 0
    assert touches == 0
    # msg-a1 and msg-d1. The identify call msg-a2 is no touch.
    assert web_touches == 2
    # alice, bob, carol, dave and eve, as without the truncated line.
    assert customers == 5
