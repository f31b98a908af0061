"""publish_marts with real DuckDB files, Parquet files and a reader process."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import materialize

from orchestration.publish.assets import PUBLISHED_TABLES, PublishResource, published_marts
from orchestration.publish.publisher import publish_marts

TABLES = [("marts", "customers"), ("marts", "conversion_paths")]

# Opens the published file read-only, prints the row count, then on each line of
# stdin queries the same connection again and prints the count.
READER_SCRIPT = """
import sys
import duckdb

conn = duckdb.connect(sys.argv[1], read_only=True)
print(conn.execute("select count(*) from customers").fetchone()[0], flush=True)
for _ in sys.stdin:
    print(conn.execute("select count(*) from customers").fetchone()[0], flush=True)
conn.close()
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_warehouse(path: Path, customers: int) -> None:
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute(
            "create or replace table marts.customers as "
            "select 'c' || range as customer_id, 'c' || range || '@example.com' as primary_email, "
            "NULL::varchar as primary_phone, NULL::varchar as primary_handle, "
            "range as count_orders from range(?)",
            [customers],
        )
        conn.execute(
            "create or replace table marts.conversion_paths as "
            "select 'o1' as conversion_id, 'web > email' as path"
        )


def temp_files(publish_dir: Path) -> list[Path]:
    return [path for path in publish_dir.rglob("*") if "tmp" in path.name]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    write_warehouse(path, customers=3)
    return path


def test_first_publish_layout(warehouse: Path, tmp_path: Path):
    publish_dir = tmp_path / "published"

    result = publish_marts(warehouse, publish_dir, TABLES)

    manifest = json.loads((publish_dir / "manifest.json").read_text())
    assert result.version == 1
    assert manifest["version"] == 1
    assert manifest["database"] == "marts.duckdb"
    assert manifest["database_sha256"] == sha256(publish_dir / "marts.duckdb")
    assert manifest["parquet_dir"] == "parquet/1"
    assert [(t["table"], t["row_count"]) for t in manifest["tables"]] == [
        ("customers", 3),
        ("conversion_paths", 1),
    ]
    assert (publish_dir / "parquet" / "current").is_symlink()
    assert (publish_dir / "parquet" / "current").resolve() == publish_dir / "parquet" / "1"
    assert temp_files(publish_dir) == []


def test_published_tables_resolve_by_short_names(warehouse: Path, tmp_path: Path):
    publish_marts(warehouse, tmp_path / "published", TABLES)

    with duckdb.connect(str(tmp_path / "published" / "marts.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from customers").fetchone()[0] == 3
        assert conn.execute("select count(*) from marts.customers").fetchone()[0] == 3


def test_second_publish_is_version_two(warehouse: Path, tmp_path: Path):
    publish_dir = tmp_path / "published"
    publish_marts(warehouse, publish_dir, TABLES)
    write_warehouse(warehouse, customers=5)

    result = publish_marts(warehouse, publish_dir, TABLES)

    manifest = json.loads((publish_dir / "manifest.json").read_text())
    assert result.version == 2
    assert manifest["version"] == 2
    assert manifest["tables"][0]["row_count"] == 5
    current = pd.read_parquet(publish_dir / "parquet" / "current" / "customers.parquet")
    assert len(current) == 5
    previous = pd.read_parquet(publish_dir / "parquet" / "1" / "customers.parquet")
    assert len(previous) == 3
    assert manifest["database_sha256"] == sha256(publish_dir / "marts.duckdb")


def test_keeps_last_three_versions(warehouse: Path, tmp_path: Path):
    publish_dir = tmp_path / "published"

    results = [publish_marts(warehouse, publish_dir, TABLES) for _ in range(5)]

    versions = sorted(p.name for p in (publish_dir / "parquet").iterdir() if p.name.isdigit())
    assert versions == ["3", "4", "5"]
    assert results[3].removed_versions == [1]
    assert results[4].removed_versions == [2]
    assert (publish_dir / "parquet" / "current").resolve().name == "5"


def test_failed_publish_leaves_previous_files(warehouse: Path, tmp_path: Path):
    publish_dir = tmp_path / "published"
    publish_marts(warehouse, publish_dir, TABLES)
    database_sha = sha256(publish_dir / "marts.duckdb")
    manifest_sha = sha256(publish_dir / "manifest.json")
    before = sorted(str(p.relative_to(publish_dir)) for p in publish_dir.rglob("*"))

    with pytest.raises(duckdb.CatalogException, match="no_such_mart"):
        publish_marts(warehouse, publish_dir, [*TABLES, ("marts", "no_such_mart")])

    after = sorted(str(p.relative_to(publish_dir)) for p in publish_dir.rglob("*"))
    assert sha256(publish_dir / "marts.duckdb") == database_sha
    assert sha256(publish_dir / "manifest.json") == manifest_sha
    assert after == before
    assert temp_files(publish_dir) == []
    assert (publish_dir / "parquet" / "current").resolve().name == "1"


def test_publish_after_failure_continues_numbering(warehouse: Path, tmp_path: Path):
    publish_dir = tmp_path / "published"
    publish_marts(warehouse, publish_dir, TABLES)
    with pytest.raises(duckdb.CatalogException):
        publish_marts(warehouse, publish_dir, [("marts", "no_such_mart")])

    result = publish_marts(warehouse, publish_dir, TABLES)

    assert result.version == 2


def test_stale_temp_files_removed(warehouse: Path, tmp_path: Path):
    publish_dir = tmp_path / "published"
    (publish_dir / "parquet" / ".tmp-7-abc").mkdir(parents=True)
    (publish_dir / "parquet" / ".tmp-7-abc" / "customers.parquet").write_bytes(b"partial")
    (publish_dir / "marts.duckdb.tmp-7-abc").write_bytes(b"partial")

    publish_marts(warehouse, publish_dir, TABLES)

    assert temp_files(publish_dir) == []


def test_reader_keeps_old_file_during_publish(warehouse: Path, tmp_path: Path):
    publish_dir = tmp_path / "published"
    publish_marts(warehouse, publish_dir, TABLES)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_SCRIPT, str(publish_dir / "marts.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "3"
        write_warehouse(warehouse, customers=7)

        result = publish_marts(warehouse, publish_dir, TABLES)

        reader.stdin.write("again\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"
        with duckdb.connect(str(publish_dir / "marts.duckdb"), read_only=True) as conn:
            assert conn.execute("select count(*) from customers").fetchone()[0] == 7
        assert result.version == 2
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    assert reader.returncode == 0, reader.stderr.read()


@pytest.mark.parametrize(
    "tables",
    [
        [],
        [("marts", "customers"), ("other", "customers")],
        [("marts", "customers; drop table x")],
        [("marts",)],
    ],
    ids=["empty", "duplicate-name", "bad-identifier", "not-a-pair"],
)
def test_invalid_table_list_rejected(warehouse: Path, tmp_path: Path, tables):
    with pytest.raises(ValueError):
        publish_marts(warehouse, tmp_path / "published", tables)

    assert not (tmp_path / "published").exists()


def test_missing_warehouse_rejected(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="absent.duckdb"):
        publish_marts(tmp_path / "absent.duckdb", tmp_path / "published", TABLES)

    assert not (tmp_path / "absent.duckdb").exists()


def test_published_marts_asset(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema marts")
        for _, table in PUBLISHED_TABLES:
            conn.execute(f"create table marts.{table} as select 1 as id")
        conn.execute(
            "alter table marts.customers add column primary_email varchar default 'a@example.com'"
        )
        conn.execute("alter table marts.customers add column primary_phone varchar")
        conn.execute("alter table marts.customers add column primary_handle varchar")
        for side in ("a", "b"):
            for column in (f"identifier_key_{side}", f"identifier_value_{side}"):
                conn.execute(f"alter table marts.identity_links add column {column} varchar")
    resource = PublishResource(
        warehouse_path=str(warehouse), publish_dir=str(tmp_path / "published")
    )

    result = materialize([published_marts], resources={"publish": resource})

    event = result.get_asset_materialization_events()[0]
    metadata = event.materialization.metadata
    assert metadata["version"].value == 1
    assert metadata["row_counts"].value == {f"marts.{t}": 1 for _, t in PUBLISHED_TABLES}
