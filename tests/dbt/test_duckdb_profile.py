"""Tests for the DuckDB output of dbt_project/profiles.yml."""

import duckdb
import pytest
import yaml

from orchestration.quality.duckdb_config import connection_config
from orchestration.settings import DBT_PROJECT_DIR


def _duckdb_output() -> dict:
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    return profiles["rightpath"]["outputs"]["duckdb"]


def test_spill_settings_set_at_connect() -> None:
    output = _duckdb_output()
    # dbt-duckdb runs SET for each `settings` entry on every cursor, which fails for
    # temp_directory once a query has spilled (see the test below).
    assert set(output["config_options"]) == {"memory_limit", "temp_directory"}
    assert "temp_directory" not in output.get("settings", {})
    assert "memory_limit" not in output.get("settings", {})


def test_duckdb_rejects_temp_directory_reset_after_spill(tmp_path) -> None:
    temp_dir = tmp_path / "spill"
    config = {"memory_limit": "64MB", "temp_directory": str(temp_dir), "threads": 1}
    with duckdb.connect(str(tmp_path / "w.duckdb"), config=config) as conn:
        conn.execute(
            "create table numbers as select range as n, hash(range) as h from range(4000000)"
        )
        conn.execute("create table sorted as select * from numbers order by h")
        assert temp_dir.exists(), "the sort did not spill; raise the row count"
        with pytest.raises(duckdb.Error, match="Cannot switch temporary directory"):
            conn.execute(f"set temp_directory = '{temp_dir}'")


def test_profile_memory_default_matches_connections(monkeypatch) -> None:
    monkeypatch.delenv("RIGHTPATH_DUCKDB_MEMORY_LIMIT", raising=False)
    memory_limit = _duckdb_output()["config_options"]["memory_limit"]
    assert "'RIGHTPATH_DUCKDB_MEMORY_LIMIT', '2GB'" in memory_limit
    assert connection_config()["memory_limit"] == "2GB"
