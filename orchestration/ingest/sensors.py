"""The landing sensor: starts a pipeline run when files land in the landing folder."""

import hashlib
import json
from pathlib import Path

from dagster import (
    DailyPartitionsDefinition,
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

# Seconds between two looks at the landing folder.
SENSOR_INTERVAL_SECONDS = 60


def landing_snapshot(folder: Path) -> dict[str, str]:
    """Return ``{path relative to folder: "size:mtime_ns"}`` for every file under `folder`.

    Files and folders whose name starts with a dot are left out, so a writer
    can copy into ``.name`` and rename when the file is complete.
    """
    snapshot = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        stat = path.stat()
        snapshot[relative.as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return snapshot


def build_landing_sensor(
    job, landing_config: Path, partitions_def: DailyPartitionsDefinition
) -> SensorDefinition:
    """Return the sensor that runs `job` on the latest partition when landing files change.

    The cursor stores the size and modification time of every file seen, so a
    file starts one run, and again only when its size or time changes. The run
    key is derived from the same values, so Dagster also drops a repeated
    request. The run covers the latest complete day, and the ingest lookback
    picks up events of the days before it. Events of the current day load in
    the run of that day.
    """
    folder = landing_config.parent

    @sensor(
        name="landing_sensor",
        job=job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"Runs the pipeline when files are added or changed under {folder}.",
    )
    def landing_sensor(context: SensorEvaluationContext):
        if not folder.is_dir():
            return SkipReason(
                f"Landing folder {folder} not found; create it or set RIGHTPATH_LANDING."
            )
        known = json.loads(context.cursor) if context.cursor else {}
        current = landing_snapshot(folder)
        changed = [path for path, stamp in current.items() if known.get(path) != stamp]
        if not changed:
            context.update_cursor(json.dumps(current))
            return SkipReason(f"No new or changed files under {folder}.")
        partition_key = partitions_def.get_last_partition_key()
        if partition_key is None:
            return SkipReason("No partition has ended yet; check RIGHTPATH_PARTITIONS_START.")
        stamps = "\n".join(f"{path}|{current[path]}" for path in changed)
        context.log.info(
            f"{len(changed)} new or changed landing file(s): {', '.join(changed[:10])}"
        )
        context.update_cursor(json.dumps(current))
        return RunRequest(
            run_key=hashlib.sha256(stamps.encode()).hexdigest(),
            partition_key=partition_key,
            tags={"rightpath/landed_files": str(len(changed))},
        )

    return landing_sensor
