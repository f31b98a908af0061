"""Build Great Expectations data docs from the suite results of a run.

Most expectations run as DuckDB SQL outside Great Expectations (``pushdown.py``),
so the results of every suite are turned back into GE
``ExpectationSuiteValidationResult`` objects here. They are stored in the
validation results store of a GE file data context, and GE renders its data docs
site from that store with ``build_data_docs()``.

Layout under the target folder (great-expectations 1.24.1)::

    gx/great_expectations.yml
    gx/expectations/<schema>/<table>.json               the suites
    gx/uncommitted/validations/<schema>/<table>/...json  the stored results
    gx/uncommitted/data_docs/local_site/index.html       the data docs site

NOTE: GE's data docs pages load Bootstrap, jQuery and fonts from CDNs
(unpkg.com, cdnjs.cloudflare.com, cdn.jsdelivr.net, code.jquery.com). Offline,
the pages open with their tables and results but without styles and scripts.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

# Great Expectations sends usage analytics unless GX_ANALYTICS_ENABLED is false.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from great_expectations.core import (  # noqa: E402
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402
from great_expectations.data_context.data_context.context_factory import (  # noqa: E402
    project_manager,
)
from great_expectations.data_context.types.resource_identifiers import (  # noqa: E402
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.exceptions import DataContextRequiredError  # noqa: E402
from great_expectations.expectations.expectation_configuration import (  # noqa: E402
    ExpectationConfiguration,
)

logger = logging.getLogger(__name__)

# Folder of the GE file data context inside the target folder.
CONTEXT_DIR_NAME = "gx"
SITE_NAME = "local_site"
# The data docs index, relative to the target folder.
INDEX_RELATIVE_PATH = Path(CONTEXT_DIR_NAME, "uncommitted", "data_docs", SITE_NAME, "index.html")
VALIDATIONS_RELATIVE_PATH = Path(CONTEXT_DIR_NAME, "uncommitted", "validations")


@dataclass(frozen=True)
class SuiteValidation:
    """One suite's validation of one table in a run, as the suite check's metadata stores it.

    ``expectation_results`` are JSON documents in the form of GE
    ``ExpectationValidationResult`` (``great_expectations.expectation_result_document``).
    ``errors`` are the messages of every error of the validation, including those
    that no expectation result shows, such as a table that is not found.
    """

    suite_name: str
    table: str
    passed: bool
    row_count: int | None
    expectation_results: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DataDocsResult:
    """The index, results folder, suites and build time of one data docs build."""

    index_path: Path
    validations_dir: Path
    suite_names: list[str]
    seconds: float


def suite_validation_from_metadata(metadata: Mapping[str, Any]) -> SuiteValidation | None:
    """Rebuild a ``SuiteValidation`` from the metadata values of a suite check.

    ``metadata`` maps names to plain values, as ``ValidationOutcome.to_metadata``
    writes them. Returns None for the metadata of a check that ran no suite.
    """
    suite_name = metadata.get("suite")
    status = metadata.get("status")
    if not isinstance(suite_name, str) or not isinstance(status, str):
        return None
    errors = [
        str(error.get("message"))
        for error in metadata.get("errors") or []
        if isinstance(error, dict)
    ]
    if not errors and metadata.get("error"):
        errors = [str(metadata["error"])]
    return SuiteValidation(
        suite_name=suite_name,
        table=str(metadata.get("table") or suite_name),
        passed=status == "passed",
        row_count=metadata.get("row_count"),
        expectation_results=list(metadata.get("expectation_results") or []),
        errors=errors,
    )


def suite_validation_result(
    validation: SuiteValidation, run_id: RunIdentifier
) -> ExpectationSuiteValidationResult:
    """Convert one suite validation into a GE ``ExpectationSuiteValidationResult``."""
    results = [_expectation_result(document) for document in validation.expectation_results]
    evaluated = len(results)
    successful = sum(1 for result in results if result.success)
    statistics = {
        "evaluated_expectations": evaluated,
        "successful_expectations": successful,
        "unsuccessful_expectations": evaluated - successful,
        "success_percent": 100.0 * successful / evaluated if evaluated else None,
    }
    meta = {
        "great_expectations_version": gx.__version__,
        "run_id": run_id,
        "validation_time": run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ"),
        # The validation page shows batch_spec's data_asset_name as the data asset.
        "batch_spec": {"data_asset_name": validation.table},
        "row_count": validation.row_count,
        "errors": list(validation.errors),
    }
    return ExpectationSuiteValidationResult(
        success=validation.passed,
        results=results,
        suite_name=validation.suite_name,
        statistics=statistics,
        meta=meta,
        batch_id=_batch_identifier(validation.table),
    )


def write_data_docs(
    target_dir: str | os.PathLike[str],
    validations: Sequence[SuiteValidation],
    run_name: str,
    run_time: datetime,
) -> DataDocsResult:
    """Store every suite validation in a GE file data context and build its data docs.

    The context is built in a temporary folder inside ``target_dir`` and then
    renamed to ``target_dir/gx``, replacing the folder of an earlier build, so a
    failed build leaves the earlier data docs in place. Raises ``ValueError``
    without validations, and lets GE's errors through.
    """
    if not validations:
        raise ValueError("No suite validations to store, so there are no data docs to build")
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    _remove_stale_folders(target)
    started = time.monotonic()
    staging = Path(tempfile.mkdtemp(prefix=f".{CONTEXT_DIR_NAME}.tmp-", dir=target))
    previous_dir = target / f".{CONTEXT_DIR_NAME}.old-{uuid.uuid4().hex[:12]}"
    previous_context = _current_project()
    try:
        context = gx.get_context(mode="file", project_root_dir=str(staging))
        run_id = RunIdentifier(run_name=run_name, run_time=run_time)
        for validation in validations:
            _add_suite(context, validation)
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=validation.suite_name),
                run_id=run_id,
                batch_identifier=_batch_identifier(validation.table),
            )
            context.validation_results_store.set(key, suite_validation_result(validation, run_id))
        context.build_data_docs(site_names=[SITE_NAME])

        final_dir = target / CONTEXT_DIR_NAME
        if final_dir.exists():
            os.replace(final_dir, previous_dir)
        try:
            os.replace(staging / CONTEXT_DIR_NAME, final_dir)
        except OSError:
            if previous_dir.exists():
                os.replace(previous_dir, final_dir)
            raise
    finally:
        # get_context makes the new context GE's current project, and the
        # validations in great_expectations.py must not see this folder.
        project_manager.set_project(previous_context)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(previous_dir, ignore_errors=True)
    seconds = time.monotonic() - started
    logger.info(
        "Built Great Expectations data docs for %d suites in %s in %.1f s",
        len(validations),
        target / CONTEXT_DIR_NAME,
        seconds,
    )
    return DataDocsResult(
        index_path=target / INDEX_RELATIVE_PATH,
        validations_dir=target / VALIDATIONS_RELATIVE_PATH,
        suite_names=sorted(validation.suite_name for validation in validations),
        seconds=seconds,
    )


def _remove_stale_folders(target: Path) -> None:
    """Remove temporary folders that a build killed before its cleanup left behind."""
    for pattern in (f".{CONTEXT_DIR_NAME}.tmp-*", f".{CONTEXT_DIR_NAME}.old-*"):
        for path in target.glob(pattern):
            logger.warning("Removing %s, left by an earlier data docs build", path)
            shutil.rmtree(path, ignore_errors=True)


def _expectation_result(document: dict[str, Any]) -> ExpectationValidationResult:
    config = document.get("expectation_config") or {}
    return ExpectationValidationResult(
        success=bool(document.get("success")),
        expectation_config=ExpectationConfiguration(
            type=config["type"], kwargs=config.get("kwargs") or {}, meta=config.get("meta")
        ),
        result=document.get("result") or {},
        exception_info=document.get("exception_info"),
    )


def _add_suite(context: Any, validation: SuiteValidation) -> None:
    """Store the suite, rebuilt from the expectations that ran, for its data docs page."""
    expectations = [
        _expectation_result(document).expectation_config.to_domain_obj()
        for document in validation.expectation_results
    ]
    context.suites.add_or_update(
        gx.ExpectationSuite(name=validation.suite_name, expectations=expectations)
    )


def _batch_identifier(table: str) -> str:
    # GE splits store keys at dots, so a dot in the batch identifier would make
    # the stored result unreadable (great-expectations 1.24.1).
    return table.replace(".", "__")


def _current_project() -> Any:
    try:
        return project_manager.get_current_project()
    except DataContextRequiredError:
        return None
