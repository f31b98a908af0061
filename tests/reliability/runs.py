"""Helpers that run ``python -m orchestration.cli run`` as a real process on temporary folders."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
TEST_SALT = "reliability-test-salt-0123456789"


def run_env(work_dir: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a CLI run that keeps data and Dagster state in `work_dir`."""
    dagster_home = work_dir / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPOSITORY_ROOT / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RIGHTPATH_") and key != "DAGSTER_HOME"
    }
    env.update(
        RIGHTPATH_DATA_DIR=str(work_dir),
        RIGHTPATH_LANDING=str(work_dir / "landing" / "landing.yml"),
        DAGSTER_HOME=str(dagster_home),
        RIGHTPATH_PII_SALT=TEST_SALT,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start_run(work_dir: Path, **extra: str) -> subprocess.Popen:
    """Start a pipeline run in its own process group, with stdout and stderr merged."""
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "run"],
        cwd=REPOSITORY_ROOT,
        env=run_env(work_dir, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for_output(process: subprocess.Popen, marker: str, timeout: float = 300) -> list[str]:
    """Read the run's output until a line contains `marker`; return the lines read."""
    deadline = time.monotonic() + timeout
    lines = []
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            return lines
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"run output never contained {marker!r}; last lines: {lines[-20:]}")


def kill_run(process: subprocess.Popen) -> None:
    """SIGKILL the run and every process it started (dbt runs as a child process)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()


def finish_run(process: subprocess.Popen, timeout: float = 600) -> str:
    output, _ = process.communicate(timeout=timeout)
    return output


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_snapshot(publish_dir: Path) -> dict:
    """Check that the published files form one version and return its version and rows.

    Asserts that the manifest's sha256 is that of ``marts.duckdb``, that
    ``parquet/current`` is the manifest's version, and that every Parquet file
    holds the same rows as its table in ``marts.duckdb``.
    """
    manifest = json.loads((publish_dir / "manifest.json").read_text())
    assert manifest["database_sha256"] == sha256(publish_dir / "marts.duckdb")
    current = publish_dir / "parquet" / "current"
    assert os.readlink(current) == str(manifest["version"])
    rows = {}
    with duckdb.connect(str(publish_dir / "marts.duckdb"), read_only=True) as conn:
        for table in manifest["tables"]:
            name = table["table"]
            database_rows = sorted(map(repr, conn.execute(f'select * from "{name}"').fetchall()))
            parquet = str(current / f"{name}.parquet")
            parquet_rows = sorted(
                map(repr, conn.execute("select * from read_parquet(?)", [parquet]).fetchall())
            )
            assert database_rows == parquet_rows, name
            assert len(database_rows) == table["row_count"], name
            rows[name] = database_rows
    return {"version": manifest["version"], "rows": rows}
