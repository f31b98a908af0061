"""The nightly schedule around daylight-saving changes, the landing sensor and the run queue.

Nothing here runs the pipeline: the schedule and the sensor are evaluated
directly, and the instance is loaded from the repository's dagster_home.
"""

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import (
    DagsterInstance,
    Definitions,
    QueuedRunCoordinator,
    RunRequest,
    build_schedule_context,
    build_sensor_context,
)
from dagster._utils.schedules import schedule_execution_time_iterator

from orchestration.definitions import build_definitions
from orchestration.jobs import WAREHOUSE_TAG
from orchestration.settings import Settings

from .support import REPOSITORY_ROOT

BERLIN = ZoneInfo("Europe/Berlin")


def _settings(work_dir: Path, timezone: str = "Europe/Berlin") -> Settings:
    return Settings(
        data_dir=work_dir,
        warehouse_path=work_dir / "warehouse.duckdb",
        landing_config=work_dir / "landing" / "landing.yml",
        publish_dir=work_dir / "published",
        timezone=timezone,
    )


@pytest.fixture
def berlin_definitions(tmp_path: Path) -> Definitions:
    previous = os.environ.get("RIGHTPATH_WAREHOUSE_PATH")
    try:
        yield build_definitions(_settings(tmp_path))
    finally:
        if previous is None:
            os.environ.pop("RIGHTPATH_WAREHOUSE_PATH", None)
        else:
            os.environ["RIGHTPATH_WAREHOUSE_PATH"] = previous


def _ticks(definitions: Definitions, start: datetime, count: int) -> list[tuple[datetime, str]]:
    """Return the schedule's next `count` tick times from `start` with the partition each runs."""
    schedule = definitions.resolve_schedule_def("nightly_schedule")
    times = schedule_execution_time_iterator(
        start.timestamp(), schedule.cron_schedule, schedule.execution_timezone
    )
    ticks = []
    for _ in range(count):
        tick = next(times)
        with DagsterInstance.ephemeral() as instance:
            context = build_schedule_context(instance=instance, scheduled_execution_time=tick)
            [request] = schedule.evaluate_tick(context).run_requests
        ticks.append((tick.astimezone(UTC), request.partition_key))
    return ticks


def test_schedule_runs_at_two_in_berlin(berlin_definitions):
    schedule = berlin_definitions.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Berlin"
    assert schedule.job_name == "pipeline_job"


def test_schedule_spring_forward(berlin_definitions):
    # 2026-03-29: 02:00 CET does not exist, so that day's run starts at 03:00 CEST.
    ticks = _ticks(berlin_definitions, datetime(2026, 3, 28, 12, tzinfo=BERLIN), 3)
    assert ticks == [
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "2026-03-28"),
        (datetime(2026, 3, 30, 0, 0, tzinfo=UTC), "2026-03-29"),
        (datetime(2026, 3, 31, 0, 0, tzinfo=UTC), "2026-03-30"),
    ]


def test_schedule_fall_back(berlin_definitions):
    # 2026-10-25: 02:00 happens twice (CEST, then CET); the run starts once.
    ticks = _ticks(berlin_definitions, datetime(2026, 10, 24, 12, tzinfo=BERLIN), 3)
    assert [key for _, key in ticks] == ["2026-10-24", "2026-10-25", "2026-10-26"]
    assert ticks[0][0] == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert ticks[1][0] == datetime(2026, 10, 26, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "hours"),
    [("2026-03-28", 24), ("2026-03-29", 23), ("2026-10-25", 25), ("2026-10-26", 24)],
)
def test_partition_day_length(berlin_definitions, day, hours):
    partitions_def = berlin_definitions.resolve_job_def("pipeline_job").partitions_def
    window = partitions_def.time_window_for_partition_key(day)
    assert window.start.astimezone(UTC) == datetime.fromisoformat(day).replace(
        tzinfo=BERLIN
    ).astimezone(UTC)
    assert window.end.astimezone(UTC) - window.start.astimezone(UTC) == timedelta(hours=hours)


# --- the landing sensor ---------------------------------------------------------


def _evaluate_sensor(definitions: Definitions, cursor: str | None):
    sensor = definitions.resolve_sensor_def("landing_sensor")
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, cursor=cursor, definitions=definitions)
        result = sensor.evaluate_tick(context)
    return result.run_requests or [], result.cursor


def test_sensor_fires_once_per_file(berlin_definitions, tmp_path):
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "landing.yml").write_text("sources: []\n")
    (landing / "web" / "day1.jsonl").write_text("{}\n")

    requests, cursor = _evaluate_sensor(berlin_definitions, None)
    assert len(requests) == 1
    first = requests[0]
    assert isinstance(first, RunRequest)
    assert first.partition_key is not None

    requests, cursor = _evaluate_sensor(berlin_definitions, cursor)
    assert requests == []

    (landing / "web" / "day2.jsonl").write_text("{}\n")
    (landing / "web" / ".day3.jsonl.part").write_text("{")
    requests, cursor = _evaluate_sensor(berlin_definitions, cursor)
    assert len(requests) == 1
    assert requests[0].run_key != first.run_key
    assert requests[0].tags["rightpath/landed_files"] == "1"

    requests, cursor = _evaluate_sensor(berlin_definitions, cursor)
    assert requests == []


def test_sensor_fires_again_for_changed_file(berlin_definitions, tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "landing.yml").write_text("sources: []\n")
    _, cursor = _evaluate_sensor(berlin_definitions, None)

    path = landing / "landing.yml"
    path.write_text("sources: []\n# a new source follows\n")
    requests, _ = _evaluate_sensor(berlin_definitions, cursor)

    assert len(requests) == 1


def test_sensor_skips_missing_folder(berlin_definitions):
    requests, cursor = _evaluate_sensor(berlin_definitions, None)
    assert requests == []
    assert cursor is None


# --- one run per warehouse ---------------------------------------------------------


def test_job_tags_runs_with_warehouse(berlin_definitions, tmp_path):
    job = berlin_definitions.resolve_job_def("pipeline_job")
    assert job.tags[WAREHOUSE_TAG] == str(tmp_path / "warehouse.duckdb")


def test_instance_queues_one_run_per_warehouse(tmp_path):
    # A copy of the repository's instance settings, so the instance's storage
    # folders are created under tmp_path.
    shutil.copy(REPOSITORY_ROOT / "dagster_home" / "dagster.yaml", tmp_path / "dagster.yaml")
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        queue = instance.get_concurrency_config().run_queue_config
        limits = queue.tag_concurrency_limits
    assert queue.max_concurrent_runs == 1
    assert limits == [
        {"key": WAREHOUSE_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1}
    ]
