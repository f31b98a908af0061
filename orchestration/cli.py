"""Command-line entry point: ``rightpath run`` and ``rightpath demo``."""

import argparse
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path

logger = logging.getLogger("rightpath")


def _ensure_manifest() -> None:
    """Build the dbt manifest when it is missing, because the dbt assets load it at import."""
    from dagster_dbt import DbtCliResource

    from orchestration.dbt.project import rightpath_dbt_project

    if rightpath_dbt_project.manifest_path.exists():
        return
    logger.info("Building the dbt manifest with dbt parse")
    DbtCliResource(project_dir=rightpath_dbt_project).cli(["parse"]).wait()


def _ensure_demo_data(landing_config: Path, customers: int, days: int) -> None:
    if landing_config.exists():
        return
    from orchestration.demo.generate import generate

    logger.info("Generating demo landing files in %s", landing_config.parent)
    generate(landing_config.parent, customers=customers, days=days)


def _print_summary(result, settings, elapsed_s: float) -> None:
    from orchestration.publish.publisher import read_manifest
    from orchestration.report.paths import report_path

    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed]
    print()
    print(
        f"Run {result.run_id}: {'succeeded' if result.success else 'FAILED'} in {elapsed_s:.0f} s"
    )
    print(f"Checks: {len(checks) - len(failed)} passed, {len(failed)} failed")
    for check in failed:
        print(f"  failed: {check.asset_key.to_user_string()} {check.check_name}")
    manifest = read_manifest(settings.publish_dir)
    if manifest is None:
        print("Nothing has been published yet.")
        return
    state = "published by this run" if result.success else "left as previously published"
    print(f"Marts {state} (version {manifest['version']}, {manifest['published_at']}):")
    for table in manifest["tables"]:
        print(f"  {table['source']:<36} {table['row_count']:>9} rows")
    db_path = settings.publish_dir / "marts.duckdb"
    print(f"DuckDB file: {db_path}")
    print(f"Parquet:     {settings.publish_dir / 'parquet' / 'current'}")
    report = report_path(settings.publish_dir)
    if report.exists():
        print(f"Report:      {report}")
    print("Example query:")
    print(
        f'  .venv/bin/python -c "import duckdb; '
        f"con = duckdb.connect('{db_path}', read_only=True); "
        "con.sql('select channel, sum(sum_revenue) as revenue "
        "from channel_daily_performance group by channel order by revenue desc').show()\""
    )


def _send_failure_alert(instance, result, settings) -> None:
    """Send the alert of a failed in-process run, because no daemon runs the sensor here."""
    from orchestration.alerts.run_failure import build_run_failure_alert, send_run_failure_alert

    alert = build_run_failure_alert(instance, result.dagster_run, result.get_run_failure_event())
    send_run_failure_alert(alert, settings.runs_dir)


def _day_range(from_day: str | None, to_day: str | None) -> tuple[date, date]:
    """Return the first and last day of ``--from-day`` and ``--to-day``; one alone is one day."""
    first_text, last_text = from_day or to_day, to_day or from_day
    try:
        first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
    except ValueError as error:
        raise ValueError(
            f"--from-day and --to-day take ISO dates such as 2024-01-31; got {first_text!r} "
            f"and {last_text!r}"
        ) from error
    if first > last:
        raise ValueError(f"--from-day {first} is after --to-day {last}; swap them")
    return first, last


def _check_partitions_exist(partitions_def, first: date, last: date) -> None:
    """Raise ValueError when `first` to `last` is not inside the daily partitions."""
    first_key = partitions_def.get_first_partition_key()
    last_key = partitions_def.get_last_partition_key()
    if first_key is None or last_key is None:
        raise ValueError("no daily partition has ended yet; check RIGHTPATH_PARTITIONS_START")
    if first < date.fromisoformat(first_key) or last > date.fromisoformat(last_key):
        raise ValueError(
            f"the daily partitions run from {first_key} to {last_key} (the last full day); "
            f"{first} to {last} is outside them. Set RIGHTPATH_PARTITIONS_START for earlier days."
        )


def run(args: argparse.Namespace) -> int:
    if args.landing:
        landing = Path(args.landing).expanduser().resolve()
        if landing.is_dir():
            landing = landing / "landing.yml"
        if not landing.exists():
            print(f"Landing config not found: {landing}. Pass a landing.yml or its folder.")
            return 2
        os.environ["RIGHTPATH_LANDING"] = str(landing)

    from orchestration.settings import Settings

    settings = Settings.from_env()
    default_landing = Settings.from_env().data_dir / "landing" / "demo" / "landing.yml"
    if settings.landing_config == default_landing:
        _ensure_demo_data(settings.landing_config, args.customers, args.days)
    _ensure_manifest()

    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions, defs
    from orchestration.partitions import daily_partitions, range_tags

    tags = {}
    if args.from_day or args.to_day:
        try:
            first_day, last_day = _day_range(args.from_day, args.to_day)
            _check_partitions_exist(daily_partitions(settings), first_day, last_day)
            tags = range_tags(first_day, last_day)
        except ValueError as error:
            print(f"Cannot run: {error}")
            return 2
        logger.info(
            "Running partitions %s to %s (%s) as one run", first_day, last_day, settings.timezone
        )
    else:
        logger.info("Running every day of the landing data, without partitions")
        defs = build_definitions(settings, partitioned=False)
    job = defs.resolve_job_def("pipeline_job")
    started = time.monotonic()
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=tags,
            run_config={"loggers": {"console": {"config": {"log_level": args.log_level}}}},
        )
        if not result.success:
            _send_failure_alert(instance, result, settings)
    _print_summary(result, settings, time.monotonic() - started)
    return 0 if result.success else 1


def demo(args: argparse.Namespace) -> int:
    from orchestration.demo.generate import generate

    counts = generate(Path(args.out), customers=args.customers, days=args.days)
    print(f"Wrote {sum(counts.values())} records in {len(counts)} files to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    # The project's modules log through Dagster's managed loggers during a run
    # (dagster_home/dagster.yaml), so only the CLI's own logger gets a handler.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    parser = argparse.ArgumentParser(prog="rightpath")
    commands = parser.add_subparsers(dest="command", required=True)

    run_parser = commands.add_parser(
        "run",
        help=(
            "Run the whole pipeline once, in process: over every day in the landing data, "
            "or over the daily partitions --from-day to --to-day."
        ),
    )
    run_parser.add_argument(
        "--from-day",
        help="first daily partition (ISO date) of the run; alone, the run covers that day",
    )
    run_parser.add_argument(
        "--to-day", help="last daily partition (ISO date) of the run; defaults to --from-day"
    )
    run_parser.add_argument(
        "--landing", help="landing.yml (or its folder) to read instead of the demo data"
    )
    run_parser.add_argument(
        "--customers", type=int, default=2000, help="demo customers to generate"
    )
    run_parser.add_argument("--days", type=int, default=90, help="days of demo data to generate")
    run_parser.add_argument(
        "--log-level", default="INFO", help="Dagster console log level (DEBUG shows every event)"
    )
    run_parser.set_defaults(func=run)

    demo_parser = commands.add_parser("demo", help="Generate demo landing files.")
    demo_parser.add_argument("--out", required=True, help="folder to write landing files into")
    demo_parser.add_argument("--customers", type=int, default=2000, help="people to generate")
    demo_parser.add_argument("--days", type=int, default=90, help="days of activity")
    demo_parser.set_defaults(func=demo)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
