"""SIGKILL a real pipeline process in ingest, in dbt and in publish, then rerun it.

One work folder goes through: an uninterrupted run (version 1), three runs
killed at different steps, and a final run. After every kill the published
files must still be version 1 and self-consistent, and the final run must
publish the same rows as the uninterrupted one.
"""

from pathlib import Path

import pytest

from tests.reliability.landing_set import write_landing
from tests.reliability.runs import (
    finish_run,
    kill_run,
    published_snapshot,
    start_run,
    wait_for_output,
)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    work_dir = tmp_path_factory.mktemp("crash")
    write_landing(work_dir / "landing")
    process = start_run(work_dir)
    output = finish_run(process)
    assert process.returncode == 0, output[-3000:]
    return work_dir, published_snapshot(work_dir / "published")


def test_first_run_publishes_version_one(first_run):
    _, snapshot = first_run

    assert snapshot["version"] == 1
    assert len(snapshot["rows"]["customers"]) > 0


@pytest.mark.parametrize(
    ("step", "marker", "extra_env"),
    [
        ("ingest", "Ingesting raw.", {}),
        ("dbt", "Running dbt command", {}),
        ("publish", "pausing", {"RIGHTPATH_PUBLISH_PAUSE_SECONDS": "60"}),
    ],
)
def test_kill_keeps_previous_version(first_run, step, marker, extra_env):
    work_dir, snapshot = first_run
    process = start_run(work_dir, **extra_env)

    wait_for_output(process, marker)
    if step == "publish":
        # The new version folder is complete and only the switch is left.
        assert (work_dir / "published" / "parquet" / "2" / "manifest.json").exists()
    kill_run(process)

    after_kill = published_snapshot(work_dir / "published")
    assert after_kill["version"] == 1
    assert after_kill["rows"] == snapshot["rows"]


def test_rerun_after_kills_matches_first_run(first_run):
    work_dir, snapshot = first_run
    process = start_run(work_dir)

    output = finish_run(process)

    assert process.returncode == 0, output[-3000:]
    rerun = published_snapshot(work_dir / "published")
    assert rerun["version"] >= 2
    assert rerun["rows"] == snapshot["rows"]
    leftovers = [p.name for p in (work_dir / "published").rglob("*") if "tmp" in p.name]
    assert leftovers == []
