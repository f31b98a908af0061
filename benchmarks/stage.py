"""Run one pipeline stage in this process, with paths from the RIGHTPATH_* environment.

Usage: ``python -m benchmarks.stage {ingest,dbt,validate,publish}``.

``ingest``, ``dbt`` and ``publish`` execute the assets of that stage from the
product's ``pipeline_job`` without a partition, as ``cli run`` does, and without the
Great Expectations checks. ``validate`` runs every
suite of ``expectations/`` on the warehouse with ``validate_suite_file``, the
function the blocking checks call, without Dagster.
"""

from __future__ import annotations

import sys

from dagster import AssetKey, DagsterInstance


def _run_assets(select) -> int:
    from orchestration.definitions import defs

    job = defs.resolve_job_def("pipeline_job")
    graph = job.asset_layer.asset_graph
    keys = {key for key in graph.get_all_asset_keys() if select(key)}
    # A subset must keep the checks that an asset's own definition yields, such as
    # ingest's reconciliation. The Great Expectations checks are separate definitions.
    checks = {
        check_key
        for key in keys
        for check_key in graph.assets_def_for_key(key).check_keys
        if check_key.asset_key in keys
    }
    subset = job.get_subset(asset_selection=keys, asset_check_selection=checks)
    with DagsterInstance.get() as instance:
        result = subset.execute_in_process(instance=instance, raise_on_error=False)
    return 0 if result.success else 1


def _validate() -> int:
    from orchestration.quality.great_expectations import validate_suite_file
    from orchestration.quality.suite_files import discover_suites
    from orchestration.settings import EXPECTATIONS_DIR, Settings

    settings = Settings.from_env()
    failed = 0
    for spec in discover_suites(EXPECTATIONS_DIR):
        outcome = validate_suite_file(settings.warehouse_path, spec)
        print(outcome.summary())
        failed += not outcome.passed
    return 0 if failed == 0 else 1


def main(argv: list[str]) -> int:
    stage = argv[0] if argv else ""
    if stage == "ingest":
        return _run_assets(lambda key: key.path[0] == "raw")
    if stage == "dbt":
        return _run_assets(lambda key: key.path[0] not in ("raw", "published"))
    if stage == "publish":
        return _run_assets(lambda key: key == AssetKey(["published", "marts"]))
    if stage == "validate":
        return _validate()
    print(f"Unknown stage {stage!r}: expected ingest, dbt, validate or publish", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
