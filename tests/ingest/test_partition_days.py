"""Ingest by day: the day boundary in the configured time zone, re-runs and too-late rows.

The web file below has four page events around the start of summer time in
Berlin (2026-03-29, clocks move from 02:00 CET to 03:00 CEST, so that day has
23 hours). Their Berlin days, worked out by hand:

- line 1, 2026-03-28T22:30Z = 23:30 CET  -> 2026-03-28
- line 2, 2026-03-28T23:30Z = 00:30 CET  -> 2026-03-29
- line 3, 2026-03-29T21:30Z = 23:30 CEST -> 2026-03-29
- line 4, 2026-03-29T22:30Z = 00:30 CEST -> 2026-03-30
"""

import json
from datetime import date

from orchestration.ingest.loader import ingest_table
from orchestration.partitions import PartitionWindow

BERLIN = "Europe/Berlin"
TIMESTAMPS = (
    "2026-03-28T22:30:00Z",
    "2026-03-28T23:30:00Z",
    "2026-03-29T21:30:00Z",
    "2026-03-29T22:30:00Z",
)
WEB_SOURCE = {"path": "web/*.jsonl", "channel": "web", "format": "segment_jsonl"}


def _page(message_id: str, timestamp: str) -> str:
    return json.dumps(
        {"type": "page", "messageId": message_id, "anonymousId": "anon-1", "timestamp": timestamp}
    )


def _web_file(*events: tuple[str, str]) -> str:
    return "".join(_page(message_id, timestamp) + "\n" for message_id, timestamp in events)


def _window(first: str, last: str, lookback_days: int = 0) -> PartitionWindow:
    return PartitionWindow(
        first_day=date.fromisoformat(first),
        last_day=date.fromisoformat(last),
        lookback_days=lookback_days,
        timezone=BERLIN,
    )


def _berlin_file(landing):
    events = [(f"e{line}", ts) for line, ts in enumerate(TIMESTAMPS, start=1)]
    return landing([WEB_SOURCE], {"web/a.jsonl": _web_file(*events)})


def test_day_boundary_follows_berlin_time(conn, landing, fetch):
    config = _berlin_file(landing)

    result = ingest_table(conn, config, "web_events", _window("2026-03-29", "2026-03-29"))

    rows = fetch("select event_id, _partition_date from raw.web_events order by _line")
    assert rows == [
        {"event_id": "e2", "_partition_date": date(2026, 3, 29)},
        {"event_id": "e3", "_partition_date": date(2026, 3, 29)},
    ]
    assert result.rows_loaded == 2
    assert result.rows_after_window == 1
    assert result.rows_too_late == 1


def test_too_late_row_quarantined_with_day(conn, landing, fetch):
    config = _berlin_file(landing)

    ingest_table(conn, config, "web_events", _window("2026-03-29", "2026-03-29"))

    [row] = fetch("select _line, reason, _partition_date from raw.quarantine")
    assert row["_line"] == 1
    assert row["_partition_date"] == date(2026, 3, 28)
    assert row["reason"].startswith("too late: event day 2026-03-28 is before 2026-03-29")


def test_rerun_of_day_replaces_rows(conn, landing, fetch):
    config = _berlin_file(landing)
    window = _window("2026-03-29", "2026-03-29")
    ingest_table(conn, config, "web_events", window)
    first = fetch("select * exclude (_loaded_at) from raw.web_events order by _line")
    first_ledger = fetch(
        "select partition_date, records_landed, rows_loaded, rows_quarantined "
        "from raw.landed_files order by partition_date"
    )

    second = ingest_table(conn, config, "web_events", window)

    assert second.rows_loaded == 2
    assert fetch("select * exclude (_loaded_at) from raw.web_events order by _line") == first
    assert fetch("select count(*) as n from raw.quarantine") == [{"n": 1}]
    ledger = fetch(
        "select partition_date, records_landed, rows_loaded, rows_quarantined "
        "from raw.landed_files order by partition_date"
    )
    assert ledger == first_ledger
    assert ledger == [
        {
            "partition_date": date(2026, 3, 28),
            "records_landed": 1,
            "rows_loaded": 0,
            "rows_quarantined": 1,
        },
        {
            "partition_date": date(2026, 3, 29),
            "records_landed": 2,
            "rows_loaded": 2,
            "rows_quarantined": 0,
        },
    ]


def test_backfill_loads_too_late_row(conn, landing, fetch):
    config = _berlin_file(landing)
    ingest_table(conn, config, "web_events", _window("2026-03-29", "2026-03-29"))

    ingest_table(conn, config, "web_events", _window("2026-03-28", "2026-03-28"))

    loaded = fetch("select event_id from raw.web_events order by _line")
    assert loaded == [{"event_id": "e1"}, {"event_id": "e2"}, {"event_id": "e3"}]
    assert fetch("select count(*) as n from raw.quarantine") == [{"n": 0}]
    totals = fetch(
        "select sum(records_landed) as landed, sum(rows_loaded) as loaded, "
        "sum(rows_quarantined) as quarantined from raw.landed_files"
    )
    assert totals == [{"landed": 3, "loaded": 3, "quarantined": 0}]


def test_late_row_within_lookback_loads(conn, landing, fetch):
    config = _berlin_file(landing)
    ingest_table(conn, config, "web_events", _window("2026-03-29", "2026-03-29"))
    # A second file lands the next day with one event of 03-29 and one of 03-28.
    late = _web_file(("late-29", "2026-03-29T10:00:00Z"), ("late-28", "2026-03-28T10:00:00Z"))
    config = landing([WEB_SOURCE], {"web/b.jsonl": late})

    result = ingest_table(
        conn, config, "web_events", _window("2026-03-30", "2026-03-30", lookback_days=1)
    )

    # The window rewrites 03-29 and 03-30: late-29 and line 4 of a.jsonl load.
    loaded = fetch("select event_id from raw.web_events order by event_id")
    assert loaded == [
        {"event_id": "e2"},
        {"event_id": "e3"},
        {"event_id": "e4"},
        {"event_id": "late-29"},
    ]
    assert result.rows_too_late == 1
    reasons = fetch("select _file, _line, _partition_date from raw.quarantine order by _file")
    assert reasons == [
        {"_file": "web/a.jsonl", "_line": 1, "_partition_date": date(2026, 3, 28)},
        {"_file": "web/b.jsonl", "_line": 2, "_partition_date": date(2026, 3, 28)},
    ]


def test_full_ingest_without_window(conn, landing, fetch):
    config = _berlin_file(landing)

    result = ingest_table(conn, config, "web_events", timezone=BERLIN)

    assert result.rows_loaded == 4
    days = fetch("select _partition_date as day from raw.web_events order by _line")
    assert [row["day"] for row in days] == [
        date(2026, 3, 28),
        date(2026, 3, 29),
        date(2026, 3, 29),
        date(2026, 3, 30),
    ]
