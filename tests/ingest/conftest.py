"""Fixtures for the ingest tests: a DuckDB warehouse file and landing folders written per test."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from orchestration.ingest.landing import LandingConfig, load_landing_config


@pytest.fixture
def conn(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


@pytest.fixture
def landing(tmp_path: Path) -> Callable[..., LandingConfig]:
    """Return a function that writes landing files and a landing.yml, then loads the config.

    `files` maps paths relative to the landing folder to their text; `sources`
    is the `sources` list of the landing.yml.
    """
    folder = tmp_path / "landing"

    def write(sources: list[dict[str, Any]], files: dict[str, str]) -> LandingConfig:
        for relative_path, text in files.items():
            path = folder / relative_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        folder.mkdir(parents=True, exist_ok=True)
        config_path = folder / "landing.yml"
        config_path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
        return load_landing_config(config_path)

    return write


@pytest.fixture
def fetch(conn: duckdb.DuckDBPyConnection) -> Callable[..., list[dict[str, Any]]]:
    """Return a function that runs a query and returns its rows as dicts."""

    def run(sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = conn.execute(sql, parameters or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    return run
