"""Salted hashing of personal identifiers in the published marts, and erasure of a person."""

import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.privacy.pii import PII_SALT_ENV, PiiSaltError
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
