"""Blocking Dagster asset checks that run the expectation suites.

One check per suite file ``<schema>.<table>.json`` targets the asset
``AssetKey([schema, table])``. A failed check blocks the assets downstream of that
asset in the same run.
"""

import time
from collections.abc import Iterable
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.quality.duckdb_config import connection_config
from orchestration.quality.suite_files import SuiteSpec

# Attempts, and the first wait in seconds, doubled after each attempt, to open the
# warehouse while another process holds DuckDB's write lock on it.
CONNECT_ATTEMPTS = 5
CONNECT_FIRST_WAIT_SECONDS = 0.5


def check_name(spec: SuiteSpec) -> str:
    """Return the name of the check that runs the suite of ``spec``."""
    return f"{spec.table}_expectations"


def build_suite_checks(specs: Iterable[SuiteSpec]) -> list[AssetChecksDefinition]:
    """Build one blocking asset check per suite file.

    Each check needs the ``duckdb`` resource (a ``DuckDBResource`` on the
    warehouse) and opens the warehouse read-only with that resource's
    ``connection_config``. The check passes only when the suite status is PASSED.
    A suite that raised (status ERROR) returns ``passed=False`` with metadata
    ``status: error`` and ``error`` holding the first exception message, instead of
    failing the step, so the message shows on the check in the UI.
    """
    return [_build_suite_check(spec) for spec in specs]


def _build_suite_check(spec: SuiteSpec) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey([spec.schema, spec.table]),
        name=check_name(spec),
        blocking=True,
        description=f"Great Expectations suite {spec.path.name} on {spec.qualified_name}.",
    )
    # The parameter name is the resource key, so it hides the duckdb module in here.
    def _suite_check(context: AssetCheckExecutionContext, duckdb: DuckDBResource):
        # Imported here because importing great_expectations 1.24.1 takes about 4 s,
        # and the code location imports this module at every load.
        from orchestration.quality.great_expectations import validate_suite_file

        context.log.info(f"Validating {spec.qualified_name} with {spec.path}")
        try:
            conn = _connect_read_only(duckdb, context)
        except Exception as error:
            message = f"Opening the warehouse {duckdb.database} read-only failed: {error}"
            context.log.error(message)
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                description=message,
                metadata={"status": "error", "suite": spec.qualified_name, "error": message},
            )
        try:
            outcome = validate_suite_file(conn, spec)
        finally:
            conn.close()

        for error in outcome.errors:
            context.log.error(
                f"{error.expectation_type or 'suite'} on column {error.column} raised an error: "
                f"{error.message}"
            )
        for failure in outcome.failures:
            context.log.warning(
                f"{failure.expectation_type} failed on column {failure.column}: "
                f"{failure.unexpected_count} unexpected, samples "
                f"{failure.sample_unexpected_values}"
            )
        if outcome.passed:
            context.log.info(outcome.summary())
        else:
            context.log.error(outcome.summary())
        return AssetCheckResult(
            passed=outcome.passed,
            severity=AssetCheckSeverity.ERROR,
            description=outcome.summary(),
            metadata=outcome.to_metadata(),
        )

    return _suite_check


def _connect_read_only(resource: DuckDBResource, context: AssetCheckExecutionContext):
    """Open the resource's database read-only, retrying while a writer holds the lock.

    ``DuckDBResource.get_connection`` always opens read-write (dagster-duckdb 0.29),
    so this opens the file directly with the resource's ``connection_config``, on
    top of the memory limit and temp directory of ``duckdb_config``. In one
    process, DuckDB rejects this while a read-write connection to the same file is
    still open.
    """
    if not Path(resource.database).is_file():
        raise FileNotFoundError(f"DuckDB file not found: {resource.database}")
    config = {**connection_config(), **resource.connection_config}
    config.pop("access_mode", None)
    wait = CONNECT_FIRST_WAIT_SECONDS
    attempt = 1
    while True:
        try:
            return duckdb.connect(resource.database, read_only=True, config=config)
        except duckdb.IOException as error:
            if attempt == CONNECT_ATTEMPTS:
                raise
            context.log.warning(
                f"Opening {resource.database} read-only failed (attempt {attempt} of "
                f"{CONNECT_ATTEMPTS}), retrying in {wait:.1f}s: {error}"
            )
        time.sleep(wait)
        wait *= 2
        attempt += 1
