"""Publishing under a BI reader that holds the file open, and onto a disk that fills up."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.publisher import publish_marts
from tests.reliability.runs import published_snapshot

TABLES = [("marts", "customers")]

# Opens the published file read-only, prints "ready", runs a query that takes
# seconds and prints its result.
LONG_READER = """
import sys
import duckdb

conn = duckdb.connect(sys.argv[1], read_only=True)
print("ready", flush=True)
total = conn.execute(
    "select count(*) from customers, range(40000000) where range % 7 = 0"
).fetchone()[0]
print(total, flush=True)
print(conn.execute("select count(*) from customers").fetchone()[0], flush=True)
"""


def write_warehouse(path: Path, customers: int, text_bytes: int = 8) -> None:
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute(
            "create or replace table marts.customers as select 'c' || range as customer_id, "
            "NULL::varchar as primary_email, NULL::varchar as primary_phone, "
            "NULL::varchar as primary_handle, "
            "repeat(md5(range::varchar), ?) as notes from range(?)",
            [max(1, text_bytes // 32), customers],
        )


def test_reader_keeps_working_during_publish(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    publish_dir = tmp_path / "published"
    write_warehouse(warehouse, customers=3)
    publish_marts(warehouse, publish_dir, TABLES)
    write_warehouse(warehouse, customers=5)
    reader = subprocess.Popen(
        [sys.executable, "-c", LONG_READER, str(publish_dir / "marts.duckdb")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "ready"

    result = publish_marts(warehouse, publish_dir, TABLES)
    still_running = reader.poll() is None
    output, errors = reader.communicate(timeout=300)

    assert still_running, "the reader's query ended before the publish; make it longer"
    assert reader.returncode == 0, errors
    long_count, count = output.split()
    assert int(long_count) == 3 * len(range(0, 40_000_000, 7))
    assert int(count) == 3
    assert result.version == 2
    with duckdb.connect(str(publish_dir / "marts.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from customers").fetchone()[0] == 5


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    completed = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {completed.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_full_disk_keeps_published_version(tmp_path, small_disk):
    warehouse = tmp_path / "warehouse.duckdb"
    publish_dir = small_disk / "published"
    write_warehouse(warehouse, customers=100)
    publish_marts(warehouse, publish_dir, TABLES)
    before = published_snapshot(publish_dir)
    write_warehouse(warehouse, customers=200_000, text_bytes=256)

    with pytest.raises((OSError, duckdb.Error)):
        publish_marts(warehouse, publish_dir, TABLES)

    after = published_snapshot(publish_dir)
    assert after == before
    leftovers = [p.name for p in publish_dir.rglob("*") if "tmp" in p.name]
    assert leftovers == []
    assert sorted(os.listdir(publish_dir / "parquet")) == ["1", "current"]
    write_warehouse(warehouse, customers=50)
    assert publish_marts(warehouse, publish_dir, TABLES).version == 2
