"""Loader behaviour shared by all formats: quarantine, file errors, re-ingest, reconciliation."""

import json
import logging
from datetime import date

from orchestration.ingest.loader import ingest_table, remove_unlisted_files

TWCS_HEADER = (
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
)


def _tweet(tweet_id: int, text: str = "hi") -> str:
    return f"{tweet_id},105834,True,Wed Oct 11 06:55:44 +0000 2017,{text},,\n"


def _twcs_config(landing, files):
    return landing(
        [{"path": "social/*.csv", "channel": "social", "format": "twcs_csv"}],
        {f"social/{name}": text for name, text in files.items()},
    )


def test_csv_bad_row_quarantined_with_line(conn, landing, fetch):
    text = (
        TWCS_HEADER
        + _tweet(1)
        + _tweet(2, '"two\nlines"')
        + "3,105834,True\n"
        + _tweet(4)
        + '5,105834,True,Wed Oct 11 06:55:44 +0000 2017,"bad"quote,,\n'
        + _tweet(6)
    )
    config = _twcs_config(landing, {"a.csv": text})

    result = ingest_table(conn, config, "social_posts")

    assert result.rows_loaded == 4
    assert result.rows_quarantined == 2
    loaded = fetch("select post_id, _line, text from raw.social_posts order by _line")
    assert [(row["post_id"], row["_line"]) for row in loaded] == [
        ("1", 1),
        ("2", 2),
        ("4", 4),
        ("6", 6),
    ]
    assert loaded[1]["text"] == "two\nlines"
    quarantined = fetch("select * from raw.quarantine order by _line")
    assert [row["_line"] for row in quarantined] == [3, 5]
    assert quarantined[0]["raw_record"] == "3,105834,True"
    assert quarantined[0]["reason"].startswith("CSV row rejected by DuckDB (MISSING COLUMNS)")
    assert quarantined[0]["_format"] == "twcs_csv"
    assert quarantined[1]["reason"].startswith("CSV row rejected by DuckDB (UNQUOTED VALUE)")


def test_csv_crlf_and_bom_read(conn, landing, fetch):
    text = "\ufeff" + (TWCS_HEADER + _tweet(1) + _tweet(2, '"a\nb"')).replace("\n", "\r\n")
    config = _twcs_config(landing, {"a.csv": text})
    result = ingest_table(conn, config, "social_posts")
    assert result.rows_loaded == 2
    rows = fetch("select post_id, text, _line from raw.social_posts order by _line")
    assert rows == [
        {"post_id": "1", "text": "hi", "_line": 1},
        {"post_id": "2", "text": "a\r\nb", "_line": 2},
    ]


def test_csv_parsed_row_keeps_raw_record(conn, landing, fetch):
    config = _twcs_config(landing, {"a.csv": TWCS_HEADER + "7,,True,not a date,x,,\n"})
    ingest_table(conn, config, "social_posts")
    (quarantined,) = fetch("select reason, raw_record from raw.quarantine")
    assert quarantined["reason"] == (
        "author_handle is missing or empty; created_at: invalid timestamp 'not a date'"
    )
    assert json.loads(quarantined["raw_record"])["tweet_id"] == "7"
    assert json.loads(quarantined["raw_record"])["created_at"] == "not a date"


def test_missing_header_column_skips_file(conn, landing, fetch, caplog):
    config = _twcs_config(
        landing,
        {
            "a_good.csv": TWCS_HEADER + _tweet(1),
            "b_bad.csv": "tweet_id,author_id,inbound,text\n1,2,True,x\n",
        },
    )
    with caplog.at_level(logging.ERROR, logger="orchestration.ingest.loader"):
        result = ingest_table(conn, config, "social_posts")

    assert result.files_read == 1
    assert result.rows_loaded == 1
    (error,) = result.errors
    assert "b_bad.csv" in error
    assert "required column(s) 'created_at' missing from the header" in error
    assert "b_bad.csv" in caplog.text
    landed = fetch("select _file from raw.landed_files")
    assert landed == [{"_file": "social/a_good.csv"}]


def test_unreadable_files_reported(conn, landing, fetch):
    config = landing(
        [
            {"path": "web/*.json", "channel": "web", "format": "segment_jsonl"},
            {"path": "social/empty.csv", "channel": "social", "format": "twcs_csv"},
        ],
        {
            "web/broken.json": '[{"type": "page", "messageId": "m"},',
            "social/empty.csv": "",
        },
    )
    web = ingest_table(conn, config, "web_events")
    social = ingest_table(conn, config, "social_posts")

    assert "is not a valid JSON array" in web.errors[0]
    assert "web/broken.json" in web.errors[0]
    assert "the file is empty" in social.errors[0]
    assert fetch("select count(*) as n from raw.landed_files") == [{"n": 0}]


def test_missing_companion_file_reported(conn, landing):
    config = landing(
        [
            {
                "path": "support/tickets.csv",
                "channel": "support",
                "format": "zendesk_fivetran",
                "options": {"users": "support/users.csv"},
            }
        ],
        {"support/tickets.csv": "id,created_at\n1,2020-01-01 00:00:00\n"},
    )
    result = ingest_table(conn, config, "support_tickets")
    (error,) = result.errors
    assert "companion file for option 'users' not found" in error


def test_reingest_replaces_rows(conn, landing, fetch):
    text = TWCS_HEADER + _tweet(1) + _tweet(1) + "3,105834\n"
    config = _twcs_config(landing, {"a.csv": text})

    first = ingest_table(conn, config, "social_posts")
    second = ingest_table(conn, config, "social_posts")

    assert first.rows_loaded == second.rows_loaded == 2
    # Exact duplicates are loaded as they are; dbt removes them.
    assert fetch("select count(*) as n from raw.social_posts") == [{"n": 2}]
    assert fetch("select count(*) as n from raw.quarantine") == [{"n": 1}]
    # One ledger row per file and day: the tweets' day, and none for the
    # record without a timestamp.
    ledger = fetch(
        "select partition_date, records_landed from raw.landed_files order by 1 nulls last"
    )
    assert ledger == [
        {"partition_date": date(2017, 10, 11), "records_landed": 2},
        {"partition_date": None, "records_landed": 1},
    ]

    config = _twcs_config(landing, {"a.csv": TWCS_HEADER + _tweet(9)})
    ingest_table(conn, config, "social_posts")
    assert fetch("select post_id from raw.social_posts") == [{"post_id": "9"}]
    assert fetch("select count(*) as n from raw.quarantine") == [{"n": 0}]


def test_landed_files_reconcile(conn, landing, fetch):
    text = TWCS_HEADER + _tweet(1) + "2,x\n" + _tweet(3) + "4,105834,True,soon,x,,\n"
    config = _twcs_config(landing, {"a.csv": text, "b.csv": TWCS_HEADER + _tweet(5)})
    ingest_table(conn, config, "social_posts")

    # The ledger has one row per file and day; sum each file's days.
    landed = fetch(
        """
        select _file, sum(records_landed) as records_landed, sum(rows_loaded) as rows_loaded,
            sum(rows_quarantined) as rows_quarantined, any_value(sha256) as sha256,
            any_value(_format) as _format, any_value(target_table) as target_table
        from raw.landed_files group by _file order by _file
        """
    )
    assert [row["_file"] for row in landed] == ["social/a.csv", "social/b.csv"]
    assert [row["records_landed"] for row in landed] == [4, 1]
    assert [row["rows_loaded"] for row in landed] == [2, 1]
    assert [row["rows_quarantined"] for row in landed] == [2, 0]
    for row in landed:
        assert row["records_landed"] == row["rows_loaded"] + row["rows_quarantined"]
        assert len(row["sha256"]) == 64
        assert row["_format"] == "twcs_csv"
        assert row["target_table"] == "social_posts"
    per_file = fetch(
        "select _file, count(*) as n from raw.social_posts group by _file order by _file"
    )
    assert per_file == [{"_file": "social/a.csv", "n": 2}, {"_file": "social/b.csv", "n": 1}]


def test_remove_unlisted_files(conn, landing, fetch):
    config = _twcs_config(landing, {"a.csv": TWCS_HEADER + _tweet(1) + "2,x\n"})
    ingest_table(conn, config, "social_posts")
    (conn_path,) = [entry.files[0] for entry in config.entries]
    conn_path.unlink()
    config = _twcs_config(landing, {"b.csv": TWCS_HEADER + _tweet(5)})
    ingest_table(conn, config, "social_posts")

    removed = remove_unlisted_files(conn, config, "social_posts")

    assert removed == 1
    assert fetch("select _file from raw.social_posts") == [{"_file": "social/b.csv"}]
    assert fetch("select count(*) as n from raw.quarantine") == [{"n": 0}]
    assert fetch("select _file from raw.landed_files") == [{"_file": "social/b.csv"}]


def test_invalid_number_quarantined(conn, landing, fetch):
    text = (
        "Name,Created at,Total,Lineitem quantity,Lineitem price\n"
        "#1,2025-12-06 10:37:30 -0500,abc,one,5\n"
    )
    config = landing(
        [{"path": "orders.csv", "channel": "orders", "format": "shopify_orders_csv"}],
        {"orders.csv": text},
    )
    ingest_table(conn, config, "orders")
    ingest_table(conn, config, "order_lines")
    reasons = fetch("select target_table, reason from raw.quarantine order by target_table")
    assert reasons == [
        {"target_table": "order_lines", "reason": "quantity: invalid INTEGER value 'one'"},
        {"target_table": "orders", "reason": "total_amount: invalid DECIMAL(18,2) value 'abc'"},
    ]


def test_table_without_entries(conn, landing):
    config = _twcs_config(landing, {"a.csv": TWCS_HEADER})
    result = ingest_table(conn, config, "ad_spend")
    assert result.files == ()
    assert conn.execute("select count(*) from raw.ad_spend").fetchone() == (0,)
