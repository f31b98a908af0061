"""Partitioned ingest skips landing files that are unchanged and dated outside its window.

Days are UTC. The files, with the days of their page events worked out by hand:

- ``web/a.jsonl``: 2026-03-01 (line 1) and 2026-03-02 (line 2);
- ``web/b.jsonl``: 2026-03-05 (line 1);
- ``web/gap.jsonl`` (some tests only): 2026-03-01 (line 1) and 2026-03-05 (line 2).

A window of 2026-03-05 with a 1-day lookback rewrites 2026-03-04 and 2026-03-05,
so after a full ingest it skips ``a.jsonl`` (last day 03-02) and parses
``b.jsonl``.
"""

import json
import os
from datetime import date

from orchestration.ingest.loader import ingest_table, remove_unlisted_files
from orchestration.partitions import PartitionWindow

WEB_SOURCE = {"path": "web/*.jsonl", "channel": "web", "format": "segment_jsonl"}


def _page(message_id: str, day: str) -> str:
    record = {
        "type": "page",
        "messageId": message_id,
        "anonymousId": "anon-1",
        "timestamp": f"{day}T12:00:00Z",
    }
    return json.dumps(record) + "\n"


FILES = {
    "web/a.jsonl": _page("a1", "2026-03-01") + _page("a2", "2026-03-02"),
    "web/b.jsonl": _page("b1", "2026-03-05"),
}
GAP_FILE = {"web/gap.jsonl": _page("g1", "2026-03-01") + _page("g2", "2026-03-05")}


def _window(day: str, lookback_days: int = 0) -> PartitionWindow:
    return PartitionWindow(
        first_day=date.fromisoformat(day),
        last_day=date.fromisoformat(day),
        lookback_days=lookback_days,
        timezone="UTC",
    )


def _by_file(result) -> dict:
    return {file.file: file for file in result.files}


def _loaded_at(fetch) -> list[tuple]:
    rows = fetch("select event_id, _loaded_at from raw.web_events order by event_id")
    return [(row["event_id"], row["_loaded_at"]) for row in rows]


def test_one_day_run_skips_outside_files(conn, landing, fetch):
    config = landing([WEB_SOURCE], FILES)
    ingest_table(conn, config, "web_events")
    before = _loaded_at(fetch)

    result = ingest_table(conn, config, "web_events", _window("2026-03-05", lookback_days=1))

    files = _by_file(result)
    assert files["web/a.jsonl"].skipped
    assert not files["web/b.jsonl"].skipped
    assert result.files_skipped == 1
    assert result.files_read == 1
    assert files["web/b.jsonl"].rows_loaded == 1
    after = dict(_loaded_at(fetch))
    assert [(event, after[event]) for event, _ in before[:2]] == before[:2]
    assert after["b1"] > dict(before)["b1"]
    [reconciled] = fetch(
        "select sum(records_landed) = sum(rows_loaded) + sum(rows_quarantined) as ok "
        "from raw.landed_files where _file = 'web/a.jsonl'"
    )
    assert reconciled["ok"]


def test_ledger_records_days_of_file(conn, landing, fetch):
    config = landing([WEB_SOURCE], FILES)
    landing_dir = config.path.parent

    ingest_table(conn, config, "web_events", _window("2026-03-01"))

    [row] = fetch(
        "select first_day, last_day, records_dated, records_undated, pending_from, "
        "size_bytes, mtime_ns from raw.parsed_files where _file = 'web/a.jsonl'"
    )
    stat = (landing_dir / "web/a.jsonl").stat()
    assert row["first_day"] == date(2026, 3, 1)
    assert row["last_day"] == date(2026, 3, 2)
    assert row["records_dated"] == 2
    assert row["records_undated"] == 0
    # Line 2 (03-02) is after the 03-01 window, so it has not been written yet.
    assert row["pending_from"] == date(2026, 3, 2)
    assert row["size_bytes"] == stat.st_size
    assert row["mtime_ns"] == stat.st_mtime_ns


def test_run_without_window_parses_all(conn, landing):
    config = landing([WEB_SOURCE], FILES)
    ingest_table(conn, config, "web_events")

    result = ingest_table(conn, config, "web_events")

    assert result.files_skipped == 0
    assert result.files_read == 2


def test_touched_file_is_hashed_not_parsed(conn, landing, fetch):
    config = landing([WEB_SOURCE], FILES)
    path = config.path.parent / "web/a.jsonl"
    ingest_table(conn, config, "web_events")
    before = _loaded_at(fetch)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    result = ingest_table(conn, config, "web_events", _window("2026-03-05", lookback_days=1))

    assert _by_file(result)["web/a.jsonl"].skipped
    assert _loaded_at(fetch)[:2] == before[:2]
    [row] = fetch("select mtime_ns from raw.parsed_files where _file = 'web/a.jsonl'")
    assert row["mtime_ns"] == stat.st_mtime_ns + 5_000_000_000


def test_changed_file_parses_until_full_run(conn, landing, fetch):
    config = landing([WEB_SOURCE], FILES)
    path = config.path.parent / "web/a.jsonl"
    ingest_table(conn, config, "web_events")
    path.write_text(_page("a1", "2026-03-01") + _page("a2-new", "2026-03-02"), encoding="utf-8")
    window = _window("2026-03-05", lookback_days=1)

    first = ingest_table(conn, config, "web_events", window)
    second = ingest_table(conn, config, "web_events", window)
    ingest_table(conn, config, "web_events")
    third = ingest_table(conn, config, "web_events", window)

    # Its rows of 03-01 and 03-02 are outside the window, so the parse writes none,
    # but it must run: another content's rows may remain until a run without a window.
    assert not _by_file(first)["web/a.jsonl"].skipped
    assert not _by_file(second)["web/a.jsonl"].skipped
    assert _by_file(third)["web/a.jsonl"].skipped
    events = [row["event_id"] for row in fetch("select event_id from raw.web_events order by 1")]
    assert events == ["a1", "a2-new", "b1"]


def test_pending_rows_block_skip(conn, landing, fetch):
    config = landing([WEB_SOURCE], GAP_FILE)

    first = ingest_table(conn, config, "web_events", _window("2026-03-01"))
    late = ingest_table(conn, config, "web_events", _window("2026-03-07"))
    after = ingest_table(conn, config, "web_events", _window("2026-03-08"))

    assert first.rows_after_window == 1
    # Line 2 (03-05) waited for its day. The 03-07 run comes after that day, so it
    # must parse the file and quarantine the line as too late instead of skipping it.
    assert not _by_file(late)["web/gap.jsonl"].skipped
    assert late.rows_too_late == 1
    assert _by_file(after)["web/gap.jsonl"].skipped
    [row] = fetch("select _line, _partition_date from raw.quarantine")
    assert row == {"_line": 2, "_partition_date": date(2026, 3, 5)}


def test_later_window_loads_pending_rows(conn, landing, fetch):
    config = landing([WEB_SOURCE], GAP_FILE)

    ingest_table(conn, config, "web_events", _window("2026-03-01"))
    covering = ingest_table(conn, config, "web_events", _window("2026-03-05"))

    assert not _by_file(covering)["web/gap.jsonl"].skipped
    assert covering.rows_loaded == 1
    events = [row["event_id"] for row in fetch("select event_id from raw.web_events order by 1")]
    assert events == ["g1", "g2"]


def test_file_after_window_reports_pending(conn, landing):
    config = landing([WEB_SOURCE], FILES)
    ingest_table(conn, config, "web_events")

    result = ingest_table(conn, config, "web_events", _window("2026-03-03"))

    # b.jsonl (03-05) is after the window, so skipping it still reports its 1 row.
    assert _by_file(result)["web/b.jsonl"].skipped
    assert result.rows_after_window == 1


def test_older_warehouse_without_ledger(conn, landing, fetch):
    config = landing([WEB_SOURCE], FILES)
    ingest_table(conn, config, "web_events")
    conn.execute("drop table raw.parsed_files")
    window = _window("2026-03-05", lookback_days=1)

    first = ingest_table(conn, config, "web_events", window)
    second = ingest_table(conn, config, "web_events", window)

    assert first.files_skipped == 0
    assert _by_file(second)["web/a.jsonl"].skipped
    [(count,)] = conn.execute("select count(*) from raw.parsed_files").fetchall()
    assert count == 2


def test_copy_is_never_skipped(conn, landing):
    config = landing([WEB_SOURCE], {**FILES, "web/c.jsonl": FILES["web/a.jsonl"]})
    ingest_table(conn, config, "web_events")

    result = ingest_table(conn, config, "web_events", _window("2026-03-05", lookback_days=1))

    copy = _by_file(result)["web/c.jsonl"]
    assert copy.duplicate_of == "web/a.jsonl"
    assert not copy.skipped


def test_unlisted_file_leaves_ledger(conn, landing, fetch):
    config = landing([WEB_SOURCE], FILES)
    ingest_table(conn, config, "web_events")
    (config.path.parent / "web/a.jsonl").unlink()
    config = landing([WEB_SOURCE], {})

    remove_unlisted_files(conn, config, "web_events")

    files = [row["_file"] for row in fetch("select _file from raw.parsed_files")]
    assert files == ["web/b.jsonl"]


def test_new_erasure_parses_again(conn, landing, monkeypatch):
    monkeypatch.setenv("RIGHTPATH_PII_SALT", "skip-test-salt-0123456789")
    config = landing([WEB_SOURCE], FILES)
    ingest_table(conn, config, "web_events")
    conn.execute("create schema privacy")
    conn.execute("create table privacy.erasure_requests (erased_keys varchar[])")
    conn.execute("insert into privacy.erasure_requests values (['0000'])")

    result = ingest_table(conn, config, "web_events", _window("2026-03-05", lookback_days=1))

    assert result.files_skipped == 0


SUPPORT_SOURCE = {
    "path": "support/ticket_data.csv",
    "channel": "support",
    "format": "zendesk_fivetran",
    "options": {"users": "support/user_data.csv"},
}
SUPPORT_FILES = {
    "support/ticket_data.csv": (
        "id,created_at,updated_at,requester_id,status,via_channel,via_source_from_address,"
        "subject,priority\n"
        "501,2026-03-01 10:00:00,2026-03-01 12:00:00,9001,open,email,,Invoice,low\n"
    ),
    "support/user_data.csv": (
        "id,email,phone,name,updated_at\n9001,ann@example.com,,Ann,2026-03-01 10:00:00\n"
    ),
}


def test_changed_companion_file_parses_again(conn, landing, fetch):
    config = landing([SUPPORT_SOURCE], SUPPORT_FILES)
    users = config.path.parent / "support/user_data.csv"
    window = _window("2026-03-05", lookback_days=1)
    ingest_table(conn, config, "support_tickets")

    unchanged = ingest_table(conn, config, "support_tickets", window)
    users.write_text(
        "id,email,phone,name,updated_at\n9001,ann@example.org,,Ann,2026-03-02 10:00:00\n",
        encoding="utf-8",
    )
    changed = ingest_table(conn, config, "support_tickets", window)

    # The ticket file itself is unchanged, but its rows take the email from users.
    assert unchanged.files_skipped == 1
    assert changed.files_skipped == 0
