"""Benchmark the pipeline against plain DuckDB SQL (the floor) at growing scale.

Usage::

    python -m benchmarks.run --scales 100k,1m --repetitions 3 --work-dir /tmp/rp_bench

``--source-dir`` runs the pipeline of another checkout of the project, e.g. a
``git archive`` export, with this interpreter; its dbt manifest must exist.

For each scale it generates demo landing files (365 days to ``END_DATE``) once, then
measures, each in its own process: the full pipeline (``python -m orchestration.cli
run``, every day without partitions), each stage on its own
(``benchmarks.stage``), the run of one daily partition after one more day of web and
email files lands on the full run's warehouse (``cli run --from-day`` the day after
``END_DATE``, the incremental figure), and the floor (``benchmarks.floor``).
It prints the median and range of wall time and peak RSS, the ratios
pipeline/floor and incremental/full, and writes ``results.json`` to the work dir.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.measure import Measurement, run_measured

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Customers per scale. With 365 days the generator writes about 180 web and email
# events per customer, so 550 customers give about 100k touch events. The 100m
# landing files take about 90 GB of disk (8.8 GB at 10m).
SCALES = {"100k": 550, "1m": 5_500, "10m": 55_000, "100m": 550_000}
DAYS = 365
END_DATE = date(2026, 11, 30)
STAGES = ("ingest", "dbt", "validate", "publish")


def _child_env(run_dir: Path, landing: Path, work_dir: Path) -> dict[str, str]:
    # DuckDB cannot create the warehouse in a missing folder, and the DuckDB resource
    # retries that IOException with backoff for about 100 s before it fails.
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RIGHTPATH_") or key.startswith("RIGHTPATH_DUCKDB_")
    }
    env.update(
        RIGHTPATH_DATA_DIR=str(run_dir),
        RIGHTPATH_LANDING=str(landing / "landing.yml"),
        DAGSTER_HOME=str(work_dir / "dagster_home"),
        # dagster-dbt writes each invocation's target under DBT_TARGET_PATH.
        DBT_TARGET_PATH=str(run_dir / "dbt_target"),
        GX_ANALYTICS_ENABLED="false",
    )
    env.setdefault("RIGHTPATH_DUCKDB_TEMP_DIR", str(run_dir / "duckdb_tmp"))
    return env


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def generate_landing(
    scale: str, work_dir: Path, source_dir: Path
) -> tuple[Path, Measurement | None]:
    landing = work_dir / "landing" / scale
    if (landing / "landing.yml").exists():
        return landing, None
    command = _python(
        "-m", "orchestration.demo.generate", "--out", str(landing),
        "--customers", str(SCALES[scale]), "--days", str(DAYS),
        "--end-date", END_DATE.isoformat(),
    )  # fmt: skip
    measurement = run_measured(
        f"{scale} generate", command, dict(os.environ),
        work_dir / "logs" / f"{scale}-generate.log", cwd=source_dir,
    )  # fmt: skip
    if measurement.returncode != 0:
        raise RuntimeError(f"Generating {scale} failed, see {work_dir / 'logs'}")
    return landing, measurement


def add_next_day(landing: Path, target: Path) -> None:
    """Copy ``landing`` to ``target`` (hard links) and add the day after ``END_DATE``.

    The new web and email files are the last day's files with every date moved one
    day on and every ``messageId`` prefixed, so their events are new. The CSV
    exports (orders, tickets, tweets, ads) are not daily files and stay as they are.
    """
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(landing, target, copy_function=os.link)
    last, next_day = END_DATE, END_DATE + timedelta(days=1)
    following = next_day + timedelta(days=1)
    for folder in ("web", "email"):
        source = target / folder / f"events_{last:%Y%m%d}.jsonl"
        text = source.read_text(encoding="utf-8")
        text = text.replace(next_day.isoformat(), following.isoformat())
        text = text.replace(last.isoformat(), next_day.isoformat())
        text = re.sub(r'"messageId":"', '"messageId":"next-', text)
        (target / folder / f"events_{next_day:%Y%m%d}.jsonl").write_text(text, encoding="utf-8")


def measure_scale(
    scale: str, repetitions: int, work_dir: Path, source_dir: Path, with_stages: bool = True
) -> dict[str, list[Measurement]]:
    landing, generated = generate_landing(scale, work_dir, source_dir)
    results: dict[str, list[Measurement]] = {}
    if generated is not None:
        results["generate"] = [generated]
    logs = work_dir / "logs"
    runs = work_dir / "runs" / scale

    def record(name: str, measurement: Measurement) -> None:
        results.setdefault(name, []).append(measurement)
        print(
            f"  {scale} {name}: {measurement.wall_s:.1f} s, "
            f"{measurement.peak_rss_mib:.0f} MiB, exit {measurement.returncode}",
            flush=True,
        )

    for repetition in range(1, repetitions + 1):
        # The floor runs first because it is the shortest, so a long scale that is
        # stopped early still has it.
        env = _child_env(runs / f"floor-{repetition}", landing, work_dir)
        record("floor", run_measured(
            "floor",
            _python("-m", "benchmarks.floor", str(landing),
                    str(runs / f"floor-{repetition}" / "floor_marts.duckdb")),
            env, logs / f"{scale}-floor-{repetition}.log", cwd=source_dir,
        ))  # fmt: skip

        run_dir = runs / f"full-{repetition}"
        shutil.rmtree(run_dir, ignore_errors=True)
        env = _child_env(run_dir, landing, work_dir)
        record("pipeline", run_measured(
            "pipeline", _python("-m", "orchestration.cli", "run"), env,
            logs / f"{scale}-pipeline-{repetition}.log", cwd=source_dir,
        ))  # fmt: skip

        stage_dir = runs / f"stages-{repetition}"
        shutil.rmtree(stage_dir, ignore_errors=True)
        env = _child_env(stage_dir, landing, work_dir)
        for stage in STAGES if with_stages else ():
            record(stage, run_measured(
                stage, _python("-m", "benchmarks.stage", stage), env,
                logs / f"{scale}-{stage}-{repetition}.log", cwd=source_dir,
            ))  # fmt: skip

        # One partition on the warehouse and published marts of the full run above:
        # ingest rewrites the new day and the lookback days before it, the incremental
        # staging models build that window, and every other model rebuilds.
        next_landing = work_dir / "landing" / f"{scale}-next-day"
        add_next_day(landing, next_landing)
        env = _child_env(run_dir, next_landing, work_dir)
        next_day = (END_DATE + timedelta(days=1)).isoformat()
        record("incremental", run_measured(
            "incremental", _python("-m", "orchestration.cli", "run", "--from-day", next_day),
            env, logs / f"{scale}-incremental-{repetition}.log", cwd=source_dir,
        ))  # fmt: skip

    return results


def _median(measurements: list[Measurement], field: str) -> float:
    return statistics.median(getattr(m, field) for m in measurements)


def _spread(measurements: list[Measurement], field: str) -> str:
    values = [getattr(m, field) for m in measurements]
    return f"{min(values):.1f}-{max(values):.1f}" if len(values) > 1 else "-"


def render_table(all_results: dict[str, dict[str, list[Measurement]]]) -> str:
    """Render the medians, ranges and ratios as a markdown table."""
    lines = [
        "| scale | measurement | runs | wall s (median) | wall s (range) "
        "| peak RSS MiB (median) | peak RSS MiB (range) | failed runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scale, results in all_results.items():
        for name, measurements in results.items():
            failed = sum(1 for m in measurements if m.returncode != 0)
            lines.append(
                f"| {scale} | {name} | {len(measurements)} "
                f"| {_median(measurements, 'wall_s'):.1f} | {_spread(measurements, 'wall_s')} "
                f"| {_median(measurements, 'peak_rss_mib'):.0f} "
                f"| {_spread(measurements, 'peak_rss_mib')} | {failed} |"
            )
    lines += ["", "| scale | pipeline / floor (wall) | pipeline / floor (RSS) "
              "| incremental / full (wall) |", "|---|---|---|---|"]  # fmt: skip
    for scale, results in all_results.items():
        if not {"pipeline", "floor", "incremental"} <= results.keys():
            continue
        pipeline, floor, rerun = results["pipeline"], results["floor"], results["incremental"]
        lines.append(
            f"| {scale} "
            f"| {_median(pipeline, 'wall_s') / _median(floor, 'wall_s'):.1f} "
            f"| {_median(pipeline, 'peak_rss_mib') / _median(floor, 'peak_rss_mib'):.1f} "
            f"| {_median(rerun, 'wall_s') / _median(pipeline, 'wall_s'):.2f} |"
        )
    return "\n".join(lines)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "--scales", default="100k,1m", help=f"comma-separated scales from {', '.join(SCALES)}"
    )
    parser.add_argument("--repetitions", type=int, default=3, help="runs per measurement")
    parser.add_argument(
        "--skip-stages", action="store_true",
        help="measure the floor, the full run and the incremental run, not each stage alone",
    )  # fmt: skip
    parser.add_argument(
        "--work-dir", type=Path, default=Path("/tmp/rp_bench"),
        help="folder for landing files, warehouses, logs and results.json",
    )  # fmt: skip
    parser.add_argument(
        "--source-dir", type=Path, default=PROJECT_ROOT,
        help="project folder whose pipeline runs (default: this repository)",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    scales = [scale.strip().lower() for scale in args.scales.split(",") if scale.strip()]
    unknown = [scale for scale in scales if scale not in SCALES]
    if unknown:
        print(f"Unknown scale {unknown}: expected one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    if args.repetitions < 1:
        print(f"--repetitions must be at least 1, got {args.repetitions}", file=sys.stderr)
        return 2
    # Daily partitions end at the last completed UTC day, and the incremental run
    # needs the partition of the day after END_DATE.
    last_partition = datetime.now(UTC).date() - timedelta(days=1)
    if END_DATE + timedelta(days=1) > last_partition:
        print(
            f"END_DATE {END_DATE} must be at least two days before today (UTC) so that the "
            f"partition of {END_DATE + timedelta(days=1)} exists; move END_DATE back in "
            "benchmarks/run.py",
            file=sys.stderr,
        )
        return 2
    source_dir = args.source_dir.resolve()
    manifest = source_dir / "dbt_project" / "target" / "manifest.json"
    if not manifest.exists():
        print(f"dbt manifest not found: {manifest}. Run `make manifest` first.", file=sys.stderr)
        return 2
    work_dir = args.work_dir.resolve()
    dagster_home = work_dir / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(source_dir / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")

    all_results: dict[str, dict[str, list[Measurement]]] = {}
    for scale in scales:
        print(f"Scale {scale} ({SCALES[scale]} customers, {DAYS} days)", flush=True)
        all_results[scale] = measure_scale(
            scale, args.repetitions, work_dir, source_dir, with_stages=not args.skip_stages
        )
    table = render_table(all_results)
    print(table)
    results_path = work_dir / "results.json"
    serializable = {
        scale: {name: [asdict(m) for m in ms] for name, ms in results.items()}
        for scale, results in all_results.items()
    }
    results_path.write_text(json.dumps(serializable, indent=2), encoding="utf-8")
    print(f"Results: {results_path}")
    failed = any(m.returncode != 0 for r in all_results.values() for ms in r.values() for m in ms)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
