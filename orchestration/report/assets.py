"""The Dagster asset that writes the insights report after each publish."""

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
from orchestration.report.data import load_published
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
        "beside it. See docs/report.md."
    ),
)
def insights_report(
    context: AssetExecutionContext, publish: PublishResource, dbt: DbtCliResource
) -> MaterializeResult:
    data = load_published(publish.publish_dir)
    checks = run_check_outcomes(context)
    checks_note = None
    if not checks:
        checks_note = (
            f"Run {context.run.run_id} evaluated no asset checks, for example because it "
            "materialized only the report. The checks that gated this publish ran in "
            "the run that published it."
        )

    summary = write_report(data, checks, checks_note)
    context.log.info(
        f"Wrote the insights report for publish version {summary.version} to {summary.path} "
        f"({summary.size_bytes} bytes)"
    )

    quality_path = write_data_quality_page(data, checks, checks_note)
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
            "summary": MetadataValue.md(summary.to_markdown()),
        }
    )


def run_check_outcomes(context: AssetExecutionContext) -> list[CheckOutcome]:
    """Read this run's asset check evaluations from the Dagster instance's event log."""
    records = context.instance.get_records_for_run(
        run_id=context.run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    outcomes = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        row_count = evaluation.metadata.get("row_count")
        outcomes.append(
            CheckOutcome(
                asset=evaluation.asset_key.to_user_string(),
                check_name=evaluation.check_name,
                passed=evaluation.passed,
                row_count=None if row_count is None else row_count.value,
                description=evaluation.description,
            )
        )
    return outcomes
