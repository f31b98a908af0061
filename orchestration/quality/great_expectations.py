"""Validate DuckDB tables with Great Expectations suites.

Suites are loaded and their expectations built by Great Expectations. The common
expectation types run as DuckDB SQL (``pushdown.py``). The rest run through a
pandas datasource in an ephemeral context, on the whole table or on a sample of
``GE_SAMPLE_ROWS`` rows. GE's SQL datasource is not used: with
great-expectations 1.24.1 over a DuckDB file (through duckdb-engine) it reports
every expectation as unsuccessful with observed value None, because the result is
fetched after the connection has closed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Great Expectations sends usage analytics unless GX_ANALYTICS_ENABLED is false.
# The pipeline sends no usage data, so it is turned off before the import reads it.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import duckdb  # noqa: E402
import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration  # noqa: E402

from orchestration.quality.duckdb_config import connect_read_only  # noqa: E402
from orchestration.quality.outcome import (  # noqa: E402
    MAX_SAMPLES,
    ExpectationError,
    ExpectationFailure,
    ValidationOutcome,
    json_safe,
)
from orchestration.quality.pushdown import (  # noqa: E402
    PushdownResult,
    TableQueries,
    pushdown_reason,
    quote_identifier,
)
from orchestration.quality.suite_files import SuiteFileError, SuiteSpec  # noqa: E402

logger = logging.getLogger(__name__)

RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": MAX_SAMPLES,
    "include_unexpected_rows": True,
}

# Rows that Great Expectations validates, as a DataFrame, for the expectation types
# that pushdown.py does not translate to SQL. A table with more rows is sampled.
GE_SAMPLE_ROWS = 200_000
GE_SAMPLE_SEED = 42

_context_lock = threading.Lock()
_batch_definition = None


@dataclass(frozen=True)
class InvalidExpectation:
    """An expectation in a suite file that Great Expectations could not build."""

    index: int
    expectation_type: str
    kwargs: dict[str, Any]
    message: str


@dataclass(frozen=True)
class LoadedSuite:
    """A suite read from a file.

    ``suite`` contains the expectations that Great Expectations accepted. The rest are
    in ``invalid_expectations`` and make every validation of the suite an error.
    """

    suite: gx.ExpectationSuite
    path: Path | None = None
    invalid_expectations: list[InvalidExpectation] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.suite.name


def load_suite(path: str | Path) -> LoadedSuite:
    """Read an ExpectationSuite JSON file.

    Each expectation is built on its own. ``gx.ExpectationSuite(expectations=...)``
    logs and drops an expectation it cannot build (great-expectations 1.24.1), which
    would let a typo in a suite pass, so invalid ones are kept in
    ``invalid_expectations`` instead. Raises ``SuiteFileError`` when the file is not
    JSON or has no ``name`` or ``expectations`` list.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SuiteFileError(f"Suite file {path} is not valid JSON: {error}") from error
    return suite_from_dict(document, path=path)


def suite_from_dict(document: Any, path: Path | None = None) -> LoadedSuite:
    """Build a ``LoadedSuite`` from the parsed JSON of a suite file."""
    source = str(path) if path else "suite"
    if not isinstance(document, dict):
        raise SuiteFileError(f"{source}: expected a JSON object, got {type(document).__name__}")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise SuiteFileError(f"{source}: missing 'name' (a non-empty string)")
    items = document.get("expectations")
    if not isinstance(items, list):
        raise SuiteFileError(f"{source}: missing 'expectations' (a list)")

    expectations = []
    invalid: list[InvalidExpectation] = []
    for index, item in enumerate(items):
        try:
            expectations.append(_build_expectation(item))
        except Exception as error:  # GE raises pydantic, GE and type errors here
            invalid.append(_invalid_expectation(index, item, error))
            logger.warning("Invalid expectation %d in %s: %s", index, source, invalid[-1].message)
    # Built Expectation objects are added as they are, without the drop described above.
    suite = gx.ExpectationSuite(
        name=name, expectations=expectations, meta=document.get("meta") or None
    )
    return LoadedSuite(suite=suite, path=path, invalid_expectations=invalid)


def _build_expectation(item: Any):
    if not isinstance(item, dict):
        raise TypeError(f"expected a JSON object, got {type(item).__name__}")
    config = ExpectationConfiguration(
        type=item["type"],
        kwargs=item.get("kwargs") or {},
        meta=item.get("meta"),
        notes=item.get("notes"),
        description=item.get("description"),
        severity=item.get("severity", "critical"),
    )
    return config.to_domain_obj()


def _invalid_expectation(index: int, item: Any, error: Exception) -> InvalidExpectation:
    item = item if isinstance(item, dict) else {}
    kwargs = item.get("kwargs")
    message = f"{type(error).__name__}: {error}"
    if isinstance(error, KeyError):
        message = f"missing key {error}"
    return InvalidExpectation(
        index=index,
        expectation_type=str(item.get("type", "")),
        kwargs=kwargs if isinstance(kwargs, dict) else {},
        message=message,
    )


def validate_table(
    conn_or_db_path: duckdb.DuckDBPyConnection | str | os.PathLike[str],
    schema: str,
    table: str,
    suite: LoadedSuite | gx.ExpectationSuite,
) -> ValidationOutcome:
    """Validate the DuckDB table ``<schema>.<table>`` against ``suite``.

    ``conn_or_db_path`` is an open connection, which stays open, or the path of a
    DuckDB file, which is opened read-only with ``duckdb_config.connection_config()``
    and closed again. Bad data and broken expectations do not raise. A missing
    table, an expectation that raises and an invalid expectation in the suite file
    all give an outcome with status ERROR.

    Expectations that ``pushdown.pushdown_reason`` accepts run as DuckDB SQL, so
    the table is never loaded into Python for them. The others run through Great
    Expectations on a DataFrame of the whole table when it has at most
    ``GE_SAMPLE_ROWS`` rows, else on a reservoir sample of that many rows.
    """
    loaded = suite if isinstance(suite, LoadedSuite) else LoadedSuite(suite=suite)
    errors = [_invalid_expectation_error(invalid) for invalid in loaded.invalid_expectations]
    qualified = f"{schema}.{table}"

    def error_outcome(message: str, row_count: int | None = None) -> ValidationOutcome:
        logger.error("Suite %s on %s raised an error: %s", loaded.name, qualified, message)
        suite_error = ExpectationError(expectation_type="", column=None, kwargs={}, message=message)
        return ValidationOutcome(
            suite_name=loaded.name,
            schema=schema,
            table=table,
            row_count=row_count,
            evaluated_expectations=0,
            successful_expectations=0,
            errors=[*errors, suite_error],
        )

    if not loaded.suite.expectations and not errors:
        return error_outcome(f"Suite {loaded.name} contains no expectations, so it checks nothing")
    try:
        with _open(conn_or_db_path) as conn:
            queries = TableQueries(conn, _relation_name(conn, schema, table))
            results = _evaluate(queries, loaded, qualified)
    except duckdb.Error as error:
        return error_outcome(f"Reading table {qualified} failed: {error}")
    except _GreatExpectationsError as error:
        return error_outcome(str(error), row_count=error.row_count)

    failures: list[ExpectationFailure] = []
    successful = 0
    expectation_results = [
        expectation_result_document(expectation, result)
        for expectation, result in zip(loaded.suite.expectations, results, strict=True)
    ]
    for result in results:
        if result.error is not None:
            errors.append(result.error)
        elif result.success:
            successful += 1
        elif result.failure is not None:
            failures.append(result.failure)

    outcome = ValidationOutcome(
        suite_name=loaded.name,
        schema=schema,
        table=table,
        row_count=queries.row_count,
        evaluated_expectations=len(results),
        successful_expectations=successful,
        failures=failures,
        errors=errors,
        expectation_results=expectation_results,
    )
    if outcome.errors:
        for error in outcome.errors:
            logger.error(
                "Suite %s on %s: %s on column %s raised an error: %s",
                loaded.name,
                qualified,
                error.expectation_type,
                error.column,
                error.message,
            )
    log_level = logging.INFO if outcome.passed else logging.WARNING
    logger.log(log_level, outcome.summary())
    return outcome


class _GreatExpectationsError(Exception):
    """Great Expectations raised while validating the expectations SQL does not cover."""

    def __init__(self, message: str, row_count: int | None) -> None:
        super().__init__(message)
        self.row_count = row_count


def _evaluate(queries: TableQueries, loaded: LoadedSuite, qualified: str) -> list[PushdownResult]:
    """Evaluate every expectation of the suite and return the results in suite order."""
    results: dict[int, PushdownResult] = {}
    fallback: list[tuple[int, Any]] = []
    for index, expectation in enumerate(loaded.suite.expectations):
        expectation_type = expectation.expectation_type
        kwargs = _kwargs_of(expectation)
        reason = pushdown_reason(expectation_type, kwargs)
        if reason is None:
            results[index] = queries.evaluate(expectation_type, kwargs)
        else:
            logger.debug("Validating %s with Great Expectations: %s", qualified, reason)
            fallback.append((index, expectation))
    if fallback:
        frame = _read_frame(queries, qualified)
        subsuite = gx.ExpectationSuite(
            name=loaded.name, expectations=[expectation for _, expectation in fallback]
        )
        try:
            validation = _validate_frame(frame, subsuite)
        except Exception as error:  # any GE failure must become an ERROR outcome
            logger.exception("Great Expectations raised while validating %s", qualified)
            raise _GreatExpectationsError(
                f"Great Expectations raised {type(error).__name__}: {error}", queries.row_count
            ) from error
        for (index, _), expectation_result in zip(fallback, validation.results, strict=True):
            results[index] = _result_of(expectation_result)
    return [results[index] for index in sorted(results)]


def _read_frame(queries: TableQueries, qualified: str) -> pd.DataFrame:
    if queries.row_count <= GE_SAMPLE_ROWS:
        return queries.conn.execute(f"select * from {queries.relation}").df()
    # NOTE: a sample can show that data is bad, never that all of it is good, so
    # these expectations can pass on tables with bad rows outside the sample.
    logger.warning(
        "Validating %s (%d rows) with Great Expectations on a sample of %d rows",
        qualified,
        queries.row_count,
        GE_SAMPLE_ROWS,
    )
    return queries.conn.execute(
        f"select * from {queries.relation} "
        f"using sample reservoir({GE_SAMPLE_ROWS} rows) repeatable ({GE_SAMPLE_SEED})"
    ).df()


def _kwargs_of(expectation: Any) -> dict[str, Any]:
    kwargs = dict(expectation.configuration.kwargs)
    return {k: v for k, v in kwargs.items() if k != "batch_id"}


def _result_of(expectation_result: Any) -> PushdownResult:
    """Convert one GE ``ExpectationValidationResult`` to a ``PushdownResult``."""
    document = expectation_result.to_json_dict()
    config = document.get("expectation_config") or {}
    expectation_type = str(config.get("type", ""))
    kwargs = {k: v for k, v in (config.get("kwargs") or {}).items() if k != "batch_id"}
    column = _column_of(kwargs)
    exception = _raised_exception(document.get("exception_info"))
    result = _trimmed_result(document.get("result"))
    if exception is not None:
        message, traceback = exception
        error = ExpectationError(expectation_type, column, kwargs, message, traceback)
        return PushdownResult(success=False, error=error, result=result)
    if document.get("success"):
        return PushdownResult(success=True, result=result)
    failure = _failure(expectation_type, column, kwargs, document.get("result"))
    return PushdownResult(success=False, failure=failure, result=result)


def _trimmed_result(result: Any) -> dict[str, Any]:
    """Return a GE result dict with at most ``MAX_SAMPLES`` items in each sample list.

    GE lists every unexpected row under ``unexpected_rows`` when
    ``include_unexpected_rows`` is set, so the lists are cut before they are stored.
    """
    if not isinstance(result, dict):
        return {}
    return {
        key: value[:MAX_SAMPLES] if isinstance(value, list) and key != "observed_value" else value
        for key, value in result.items()
    }


def expectation_result_document(expectation: Any, result: PushdownResult) -> dict[str, Any]:
    """Describe one expectation's result as the JSON of a GE ``ExpectationValidationResult``.

    The same form serves results from SQL pushdown and from GE, so both can be
    turned back into GE objects for the data docs (``data_docs.py``).
    """
    error = result.error
    return json_safe(
        {
            "success": result.success and error is None,
            "expectation_config": {
                "type": expectation.expectation_type,
                "kwargs": _kwargs_of(expectation),
                "meta": dict(expectation.meta or {}),
            },
            "result": result.result,
            "exception_info": {
                "raised_exception": error is not None,
                "exception_message": error.message if error else None,
                "exception_traceback": error.traceback if error else None,
            },
        }
    )


def validate_suite_file(
    conn_or_db_path: duckdb.DuckDBPyConnection | str | os.PathLike[str], spec: SuiteSpec
) -> ValidationOutcome:
    """Load the suite file of ``spec`` and validate the table it names.

    A suite file that cannot be read or parsed gives an outcome with status ERROR.
    """
    try:
        loaded = load_suite(spec.path)
    except (OSError, SuiteFileError) as error:
        message = f"Loading suite file {spec.path} failed: {error}"
        logger.error("%s", message)
        return ValidationOutcome(
            suite_name=spec.qualified_name,
            schema=spec.schema,
            table=spec.table,
            row_count=None,
            evaluated_expectations=0,
            successful_expectations=0,
            errors=[ExpectationError(expectation_type="", column=None, kwargs={}, message=message)],
        )
    return validate_table(conn_or_db_path, spec.schema, spec.table, loaded)


def read_table(
    conn_or_db_path: duckdb.DuckDBPyConnection | str | os.PathLike[str], schema: str, table: str
) -> pd.DataFrame:
    """Read a whole DuckDB table into a DataFrame."""
    with _open(conn_or_db_path) as conn:
        return conn.execute(f"select * from {_relation_name(conn, schema, table)}").df()


@contextmanager
def _open(
    conn_or_db_path: duckdb.DuckDBPyConnection | str | os.PathLike[str],
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield the given connection, or open the file read-only and close it afterwards."""
    if isinstance(conn_or_db_path, duckdb.DuckDBPyConnection):
        yield conn_or_db_path
        return
    with connect_read_only(conn_or_db_path) as conn:
        yield conn


def _relation_name(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    # The catalog is named after the file, so "marts"."customers" is ambiguous in a
    # file named marts.duckdb that has a schema marts. A three-part name is not.
    catalog = conn.execute("select current_database()").fetchone()[0]
    return ".".join(quote_identifier(part) for part in (catalog, schema, table))


def _validate_frame(frame: pd.DataFrame, suite: gx.ExpectationSuite):
    with _context_lock:
        batch = _get_batch_definition().get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(suite, result_format=RESULT_FORMAT)


def _get_batch_definition():
    """Return the whole-DataFrame batch definition of the shared ephemeral context.

    One context serves every validation in the process. The caller holds
    ``_context_lock``.
    """
    global _batch_definition
    if _batch_definition is None:
        context = gx.get_context(mode="ephemeral")
        # The metric progress bars write to stderr on every validation.
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        datasource = context.data_sources.add_pandas("rightpath_tables")
        asset = datasource.add_dataframe_asset("table")
        _batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    return _batch_definition


def _raised_exception(exception_info: Any) -> tuple[str, str | None] | None:
    """Return the message and traceback of the first exception an expectation raised.

    ``exception_info`` is either one ``{"raised_exception": ..., "exception_message":
    ..., "exception_traceback": ...}`` dict, or a dict of such dicts keyed by metric
    when a metric raised (great-expectations 1.24.1).
    """
    if not isinstance(exception_info, dict):
        return None
    candidates = [exception_info] if "raised_exception" in exception_info else []
    candidates += [value for value in exception_info.values() if isinstance(value, dict)]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            message = candidate.get("exception_message") or "exception without a message"
            return str(message), candidate.get("exception_traceback")
    return None


def _column_of(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_A" in kwargs and "column_B" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if isinstance(kwargs.get("column_list"), list):
        return ", ".join(str(column) for column in kwargs["column_list"])
    return None


def _failure(
    expectation_type: str, column: str | None, kwargs: dict[str, Any], result: Any
) -> ExpectationFailure:
    result = result if isinstance(result, dict) else {}
    observed = result.get("observed_value")
    details = result.get("details")
    if details is not None:
        observed = {"observed_value": observed, "details": details}
    return ExpectationFailure(
        expectation_type=expectation_type,
        column=column,
        kwargs=kwargs,
        observed_value=observed,
        unexpected_count=result.get("unexpected_count"),
        unexpected_percent=result.get("unexpected_percent"),
        sample_unexpected_values=list(result.get("partial_unexpected_list") or [])[:MAX_SAMPLES],
        sample_unexpected_rows=list(result.get("unexpected_rows") or [])[:MAX_SAMPLES],
    )


def _invalid_expectation_error(invalid: InvalidExpectation) -> ExpectationError:
    return ExpectationError(
        expectation_type=invalid.expectation_type,
        column=_column_of(invalid.kwargs),
        kwargs=invalid.kwargs,
        message=f"Invalid expectation {invalid.index} in the suite file: {invalid.message}",
    )
