"""The Dagster asset that writes the insights report after each publish."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    DagsterEventType,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_dbt import DbtCliResource

from orchestration.publish.assets import PublishResource
from orchestration.report.data import PublishedData, load_published
from orchestration.report.dbt_docs import write_dbt_docs
from orchestration.report.findings import CheckOutcome
from orchestration.report.render import write_data_quality_page, write_report

INSIGHTS_REPORT_KEY = AssetKey(["published", "insights_report"])


@asset(
    key=INSIGHTS_REPORT_KEY,
    deps=[AssetKey(["published", "marts"])],
    group_name="publish",
    description=(
        "report/index.html in the publish folder: charts and findings from the published "
        "marts, and the run's check results, with data_quality.html and dbt_docs.html "
        "beside it, and Great Expectations data docs of the run's suites in the published "
        "version folder. See docs/report.md."
    ),
)
def insights_report(
    context: AssetExecutionContext, publish: PublishResource, dbt: DbtCliResource
) -> MaterializeResult:
    data = load_published(publish.publish_dir)
    evaluations = run_check_evaluations(context)
    checks = [check_outcome(evaluation) for evaluation in evaluations]
    checks_note = None
    if not checks:
        checks_note = (
            f"Run {context.run.run_id} evaluated no asset checks, for example because it "
            "materialized only the report. The checks that gated this publish ran in "
            "the run that published it."
        )

    data_docs_metadata = write_ge_data_docs(context, data, evaluations)
    data_docs_href = ge_data_docs_href(data)

    summary = write_report(data, checks, checks_note, data_docs_href)
    context.log.info(
        f"Wrote the insights report for publish version {summary.version} to {summary.path} "
        f"({summary.size_bytes} bytes)"
    )

    quality_path = write_data_quality_page(data, checks, checks_note, data_docs_href)
    context.log.info(f"Wrote the data-quality page to {quality_path}")

    # A failed dbt docs run leaves a page that shows the error and does not fail the
    # asset, because the report and the publish are already complete.
    docs = write_dbt_docs(publish.publish_dir, dbt)
    if docs.error is None:
        context.log.info(f"Wrote the dbt docs page to {docs.path} in {docs.seconds:.1f} s")
    else:
        context.log.warning(f"{docs.error}\nWrote a page that shows this error to {docs.path}")

    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(summary.path)),
            "publish_version": summary.version,
            "size_bytes": summary.size_bytes,
            "checks_evaluated": len(checks),
            "checks_failed": sum(not check.passed for check in checks),
            "data_quality_path": MetadataValue.path(str(quality_path)),
            "dbt_docs_path": MetadataValue.path(str(docs.path)),
            "dbt_docs_seconds": round(docs.seconds, 2),
            "dbt_docs_generated": docs.error is None,
            **data_docs_metadata,
            "summary": MetadataValue.md(summary.to_markdown()),
        }
    )


def run_check_evaluations(context: AssetExecutionContext) -> list[Any]:
    """Read this run's asset check evaluations from the Dagster instance's event log."""
    records = context.instance.get_records_for_run(
        run_id=context.run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    return [record.event_log_entry.dagster_event.event_specific_data for record in records]


def check_outcome(evaluation: Any) -> CheckOutcome:
    """Describe one ``AssetCheckEvaluation`` as the report shows it."""
    row_count = evaluation.metadata.get("row_count")
    return CheckOutcome(
        asset=evaluation.asset_key.to_user_string(),
        check_name=evaluation.check_name,
        passed=evaluation.passed,
        row_count=None if row_count is None else row_count.value,
        description=evaluation.description,
    )


def published_version_dir(data: PublishedData) -> Path:
    """Return the version folder of the publish that ``data`` was read from."""
    return data.publish_dir / data.manifest["parquet_dir"]


def ge_data_docs_href(data: PublishedData) -> str | None:
    """Return the data docs index of the published version, relative to ``report/``.

    Returns None when the version folder has no data docs.
    """
    # Imported here because importing great_expectations takes seconds.
    from orchestration.quality.data_docs import INDEX_RELATIVE_PATH

    index = published_version_dir(data) / INDEX_RELATIVE_PATH
    if not index.is_file():
        return None
    return Path("..", index.relative_to(data.publish_dir)).as_posix()


def write_ge_data_docs(
    context: AssetExecutionContext, data: PublishedData, evaluations: list[Any]
) -> dict[str, Any]:
    """Build Great Expectations data docs of the run's suite checks into the version folder.

    Returns the asset metadata that describes the build. A run without suite
    checks leaves the version's data docs as they are. A failed build is logged
    and does not fail the asset, because the report and the publish are complete.
    """
    from orchestration.quality.data_docs import suite_validation_from_metadata, write_data_docs

    validations = []
    for evaluation in evaluations:
        values = {name: value.value for name, value in evaluation.metadata.items()}
        validation = suite_validation_from_metadata(values)
        if validation is not None:
            validations.append(validation)
    if not validations:
        context.log.info(
            f"Run {context.run.run_id} evaluated no expectation suites, so the data docs of "
            f"publish version {data.version} are left as they are"
        )
        return {"ge_data_docs_built": False}

    version_dir = published_version_dir(data)
    try:
        docs = write_data_docs(
            version_dir, validations, run_name=context.run.run_id, run_time=datetime.now(UTC)
        )
    except Exception as error:  # GE raises many types, and the publish is already done
        context.log.warning(
            f"Building Great Expectations data docs in {version_dir} failed: "
            f"{type(error).__name__}: {error}"
        )
        return {"ge_data_docs_built": False, "ge_data_docs_error": f"{error}"}
    context.log.info(
        f"Wrote Great Expectations data docs of {len(docs.suite_names)} suites to "
        f"{docs.index_path} in {docs.seconds:.1f} s"
    )
    return {
        "ge_data_docs_built": True,
        "ge_data_docs_path": MetadataValue.path(str(docs.index_path)),
        "ge_data_docs_suites": docs.suite_names,
        "ge_data_docs_seconds": round(docs.seconds, 2),
    }
