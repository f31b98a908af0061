"""Salted hashing of personal identifiers in the published marts, and erasure of a person."""

import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.ingest.landing import load_landing_config
from orchestration.ingest.loader import ingest_table
from orchestration.privacy.pii import PII_SALT_ENV, PiiSaltError
from orchestration.privacy.suppression import erased_key_hashes
from orchestration.publish.publisher import publish_marts
from tests.reliability.landing_set import (
    ALICE_EMAIL,
    ALICE_HANDLE,
    ALICE_PHONE,
    ALICE_PHONE_NORMALIZED,
    ALICE_TWEET,
    write_landing,
)
from tests.reliability.runs import REPOSITORY_ROOT, TEST_SALT, finish_run, run_env, start_run

TABLES = [("marts", "customers")]
SALT = "unit-test-salt-abcdefghijklmnop"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema marts")
        conn.execute(
            "create table marts.customers as select 'c1' as customer_id, "
            "'ann@example.com' as primary_email, '+15550001' as primary_phone, "
            "'ann_h' as primary_handle, 3 as count_orders"
        )
    return path


def published_text(publish_dir: Path) -> str:
    """Return every value of every published table and Parquet file, as one string."""
    parts = []
    with duckdb.connect(str(publish_dir / "marts.duckdb"), read_only=True) as conn:
        for (table,) in conn.execute("select table_name from duckdb_tables()").fetchall():
            parts.append(repr(conn.execute(f'select * from "{table}"').fetchall()))
        for parquet in publish_dir.rglob("*.parquet"):
            parts.append(
                repr(conn.execute("select * from read_parquet(?)", [str(parquet)]).fetchall())
            )
    return "\n".join(parts)


def test_pii_columns_published_as_salted_hashes(warehouse, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(PII_SALT_ENV, SALT)
    caplog.set_level(logging.DEBUG)

    publish_marts(warehouse, tmp_path / "published", TABLES)

    with duckdb.connect(str(tmp_path / "published" / "marts.duckdb"), read_only=True) as conn:
        row = conn.execute(
            "select customer_id, primary_email, primary_phone, primary_handle, count_orders "
            "from customers"
        ).fetchone()
    expected = [
        hashlib.sha256((SALT + v).encode()).hexdigest()
        for v in ("ann@example.com", "+15550001", "ann_h")
    ]
    assert row == ("c1", *expected, 3)
    text = published_text(tmp_path / "published")
    for value in ("ann@example.com", "+15550001", "ann_h"):
        assert value not in text
    manifest_text = (tmp_path / "published" / "manifest.json").read_text()
    assert json.loads(manifest_text)["pii_columns"]["customers"]["primary_email"] == "sha256_salted"
    assert SALT not in manifest_text
    assert SALT not in caplog.text


def test_pii_withheld_without_salt(warehouse, tmp_path, monkeypatch, caplog):
    monkeypatch.delenv(PII_SALT_ENV, raising=False)

    publish_marts(warehouse, tmp_path / "published", TABLES)

    with duckdb.connect(str(tmp_path / "published" / "marts.duckdb"), read_only=True) as conn:
        row = conn.execute(
            "select primary_email, primary_phone, primary_handle from customers"
        ).fetchone()
    assert row == (None, None, None)
    manifest = json.loads((tmp_path / "published" / "manifest.json").read_text())
    assert manifest["pii_columns"]["customers"]["primary_phone"] == "withheld"
    assert f"{PII_SALT_ENV} is not set" in caplog.text


def test_short_salt_rejected_before_publishing(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv(PII_SALT_ENV, "short")

    with pytest.raises(PiiSaltError, match="at least 16") as raised:
        publish_marts(warehouse, tmp_path / "published", TABLES)

    assert "short" not in str(raised.value)
    assert not (tmp_path / "published" / "manifest.json").exists()


def test_missing_pii_column_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv(PII_SALT_ENV, SALT)
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.customers as select 'x@example.com' as email_address")

    with pytest.raises(RuntimeError, match="primary_email"):
        publish_marts(warehouse, tmp_path / "published", TABLES)

    assert not (tmp_path / "published" / "marts.duckdb").exists()


def record_erasure(conn: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    """Store an erasure request for `keys` the way the erase command stores it."""
    conn.execute("create schema privacy")
    conn.execute(
        "create table privacy.erasure_requests (identifier_type varchar, "
        "identifier_sha256 varchar, requested_at timestamp, rows_removed bigint, "
        "erased_keys varchar[])"
    )
    conn.execute(
        "insert into privacy.erasure_requests values ('handle', 'x', now(), 1, ?)",
        [erased_key_hashes(SALT, keys)],
    )


def test_erased_person_quarantined_at_ingest(tmp_path, monkeypatch):
    monkeypatch.setenv(PII_SALT_ENV, SALT)
    (tmp_path / "t.csv").write_text(
        "tweet_id,author_id,inbound,created_at,text,in_response_to_tweet_id\n"
        "1, @AnnTweets ,True,2025-03-05T15:00:00Z,where is my order,\n"
        "2,Brand,False,2025-03-05T15:10:00Z,@anntweets sorry,\n"
        "3,Brand,False,2025-03-05T15:20:00Z,on its way,1\n"
        "4,bob,True,2025-03-05T16:00:00Z,@Brand thanks,\n"
    )
    config = tmp_path / "landing.yml"
    source = {"path": "t.csv", "channel": "social", "format": "twcs_csv"}
    config.write_text(yaml.safe_dump({"sources": [source]}))

    with duckdb.connect(":memory:") as conn:
        record_erasure(conn, ["handle:anntweets", "record:social:1"])
        result = ingest_table(conn, load_landing_config(config), "social_posts")
        loaded = conn.execute("select post_id from raw.social_posts").fetchall()
        quarantined = conn.execute(
            "select _line, reason, raw_record from raw.quarantine order by _line"
        ).fetchall()
        landed = conn.execute(
            "select records_landed, rows_loaded, rows_quarantined from raw.landed_files"
        ).fetchall()

    # Post 1 by the handle (with '@' and spaces), 2 mentions it, 3 replies to post 1.
    assert loaded == [("4",)]
    assert quarantined == [(1, "erased", None), (2, "erased", None), (3, "erased", None)]
    assert landed == [(4, 1, 3)]
    assert result.rows_erased == 3


def test_erased_previous_id_quarantined(tmp_path, monkeypatch):
    monkeypatch.setenv(PII_SALT_ENV, SALT)
    events = [
        {"type": "alias", "messageId": "m-1", "previousId": " u-ann ", "userId": "u-new",
         "timestamp": "2025-03-05T15:00:00Z"},
        {"type": "alias", "messageId": "m-2", "previousId": "u-bob", "userId": "u-bob2",
         "timestamp": "2025-03-05T15:00:00Z"},
    ]  # fmt: skip
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(event) + "\n" for event in events))
    config = tmp_path / "landing.yml"
    source = {"path": "events.jsonl", "channel": "web", "format": "segment_jsonl"}
    config.write_text(yaml.safe_dump({"sources": [source]}))

    with duckdb.connect(":memory:") as conn:
        record_erasure(conn, ["user_id:u-ann"])
        ingest_table(conn, load_landing_config(config), "web_events")
        loaded = conn.execute("select event_id from raw.web_events").fetchall()
        quarantined = conn.execute("select _line, reason from raw.quarantine").fetchall()

    # m-1 names the erased user id only as previousId, with spaces around it.
    assert loaded == [("m-2",)]
    assert quarantined == [(1, "erased")]


def test_erasure_without_salt_stops_ingest(tmp_path, monkeypatch):
    monkeypatch.delenv(PII_SALT_ENV, raising=False)
    (tmp_path / "t.csv").write_text(
        "tweet_id,author_id,inbound,created_at\n1,AnnTweets,True,2025-03-05T15:00:00Z\n"
    )
    config = tmp_path / "landing.yml"
    source = {"path": "t.csv", "channel": "social", "format": "twcs_csv"}
    config.write_text(yaml.safe_dump({"sources": [source]}))

    with duckdb.connect(":memory:") as conn:
        record_erasure(conn, ["handle:anntweets"])
        with pytest.raises(RuntimeError, match=f"{PII_SALT_ENV} is not set"):
            ingest_table(conn, load_landing_config(config), "social_posts")
        loaded = conn.execute("select count(*) from raw.social_posts").fetchone()[0]

    assert loaded == 0


def all_text_values(conn: duckdb.DuckDBPyConnection) -> str:
    """Return every text-like value of every table and view in the connection's database."""
    parts = []
    relations = conn.execute(
        "select schema_name, table_name from duckdb_tables() "
        "union all select schema_name, view_name from duckdb_views() where not internal"
    ).fetchall()
    for schema, name in relations:
        parts.append(repr(conn.execute(f'select * from "{schema}"."{name}"').fetchall()))
    return "\n".join(parts)


def test_erasure_leaves_no_trace(tmp_path):
    work_dir = tmp_path / "erase"
    write_landing(work_dir / "landing")
    process = start_run(work_dir)
    output = finish_run(process)
    assert process.returncode == 0, output[-3000:]
    needles = [
        ALICE_EMAIL,
        ALICE_PHONE,
        ALICE_PHONE_NORMALIZED,
        ALICE_HANDLE.lower(),
        "alice_tweets",
        ALICE_TWEET,
    ]
    with duckdb.connect(str(work_dir / "warehouse.duckdb"), read_only=True) as conn:
        before = all_text_values(conn).lower()
    assert ALICE_EMAIL in before

    erase = subprocess.run(
        [sys.executable, "-m", "orchestration.privacy.erase", "--email", "Alice@Example.com"],
        cwd=REPOSITORY_ROOT,
        env=run_env(work_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert erase.returncode == 0, erase.stderr[-3000:]
    assert ALICE_EMAIL not in erase.stdout.lower() + erase.stderr.lower()
    with duckdb.connect(str(work_dir / "warehouse.duckdb"), read_only=True) as conn:
        after = all_text_values(conn).lower()
        requests = conn.execute(
            "select identifier_type, identifier_sha256 from privacy.erasure_requests"
        ).fetchall()
        unreconciled = conn.execute(
            "select count(*) from raw.landed_files "
            "where records_landed <> rows_loaded + rows_quarantined"
        ).fetchone()[0]
        bob = conn.execute(
            "select count(*) from raw.orders where email = 'bob@example.com'"
        ).fetchone()[0]
    for needle in needles:
        assert needle.lower() not in after, needle
    assert "anon-alice" not in after
    assert requests == [
        ("email", hashlib.sha256((TEST_SALT + "Alice@Example.com").encode()).hexdigest())
    ]
    assert unreconciled == 0
    assert bob == 1
    published = published_text(work_dir / "published").lower()
    for needle in needles:
        assert needle.lower() not in published, needle
    versions = [p.name for p in (work_dir / "published" / "parquet").iterdir() if p.name.isdigit()]
    assert versions == ["2"]
    assert "landing files" in erase.stdout

    # The landing files still contain alice; the next run must not load her again.
    rerun = start_run(work_dir)
    rerun_output = finish_run(rerun)
    assert rerun.returncode == 0, rerun_output[-3000:]
    with duckdb.connect(str(work_dir / "warehouse.duckdb"), read_only=True) as conn:
        after_rerun = all_text_values(conn).lower()
        erased = conn.execute(
            "select target_table, count(*), count(raw_record) from raw.quarantine "
            "where reason = 'erased' group by 1 order by 1"
        ).fetchall()
        unreconciled = conn.execute(
            "select count(*) from raw.landed_files "
            "where records_landed <> rows_loaded + rows_quarantined"
        ).fetchone()[0]
        bob_after = conn.execute(
            "select count(*) from raw.orders where email = 'bob@example.com'"
        ).fetchone()[0]
        customers = conn.execute("select count(*) from marts.customers").fetchone()[0]
    for needle in [*needles, "anon-alice", "u-alice", "canvas tote"]:
        assert needle.lower() not in after_rerun, needle
    # Alice's records in the files that load. Web: msg-a1 and msg-a2 in events-copy.jsonl
    # and msg-a1 in replay.jsonl. Email: the Iterable send and click. Orders: #1001 and
    # its line. Social: tweet 101 and the reply 102. Support: Zendesk ticket 501.
    assert erased == [
        ("email_events", 2, 0),
        ("order_lines", 1, 0),
        ("orders", 1, 0),
        ("social_posts", 2, 0),
        ("support_tickets", 1, 0),
        ("web_events", 3, 0),
    ]
    assert unreconciled == 0
    assert bob_after == 1
    assert customers >= 1
    published_rerun = published_text(work_dir / "published").lower()
    for needle in [*needles, "anon-alice", "u-alice"]:
        assert needle.lower() not in published_rerun, needle
