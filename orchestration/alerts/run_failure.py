"""Alerts for failed runs: the log, a JSON line in the run's folder, and a webhook.

An alert names the run, the job, the failed steps, the asset checks that
failed, and the first line of the first error. A blocking asset check that
fails with ERROR severity fails its step, so it appears both as a failed step
and as a failed check. Alerts of run ``<run_id>`` are appended to
``<runs dir>/<run_id>/alerts.jsonl``, one JSON object per line.
"""

import json
import logging
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from dagster import DagsterEvent, DagsterEventType, DagsterInstance, DagsterRun

from orchestration.alerts.webhook import post_json, webhook_url_from_env

logger = logging.getLogger(__name__)

ALERTS_FILE_NAME = "alerts.jsonl"
MAX_ERROR_CHARS = 300
# Module path before an exception class name, as in "dagster._core.errors.X: ...".
EXCEPTION_MODULE_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*: )")


@dataclass(frozen=True)
class RunFailureAlert:
    """Content of the alert for one failed run."""

    run_id: str
    job_name: str
    failed_steps: list[str]
    # "<asset key> <check name> (<severity>)" of every failed asset check.
    failed_checks: list[str]
    # First line of the first step error, or the run failure message.
    error: str
    created_at: str  # ISO 8601, UTC

    @property
    def text(self) -> str:
        """The message a person reads: one line per fact."""
        lines = [f"rightpath run {self.run_id} of job {self.job_name} failed."]
        if self.failed_steps:
            lines.append(f"Failed steps: {', '.join(self.failed_steps)}")
        if self.failed_checks:
            lines.append(f"Failed checks: {', '.join(self.failed_checks)}")
        lines.append(f"Error: {self.error}")
        return "\n".join(lines)

    def to_record(self) -> dict:
        return {"kind": "run_failure", **asdict(self), "text": self.text}


def alerts_path(runs_dir: Path, run_id: str) -> Path:
    return runs_dir / run_id / ALERTS_FILE_NAME


def build_run_failure_alert(
    instance: DagsterInstance, run: DagsterRun, failure_event: DagsterEvent | None
) -> RunFailureAlert:
    """Collect the failed steps, failed checks and first error of `run` from its event log."""
    step_failures = _events_of_type(instance, run.run_id, DagsterEventType.STEP_FAILURE)
    check_evaluations = _events_of_type(
        instance, run.run_id, DagsterEventType.ASSET_CHECK_EVALUATION
    )
    failed_checks = []
    for event in check_evaluations:
        evaluation = event.event_specific_data
        if not evaluation.passed:
            failed_checks.append(
                f"{evaluation.asset_key.to_user_string()} {evaluation.check_name} "
                f"({evaluation.severity.value})"
            )

    if step_failures:
        error_data = step_failures[0].event_specific_data.error
        error = error_data.message if error_data else ""
    elif failure_event is not None and failure_event.message:
        error = failure_event.message
    else:
        error = "the run failed outside any step; see the run's event log"
    return RunFailureAlert(
        run_id=run.run_id,
        job_name=run.job_name,
        failed_steps=[event.step_key for event in step_failures if event.step_key],
        failed_checks=failed_checks,
        error=_first_line(error),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def send_run_failure_alert(alert: RunFailureAlert, runs_dir: Path) -> bool:
    """Log `alert`, append it to the run's alerts file and post it to the webhook, if set.

    Returns whether the webhook accepted the post; False also when no webhook
    is configured. A webhook failure is logged and never raised.
    """
    logger.error("Run failure alert: %s", alert.text)
    path = alerts_path(runs_dir, alert.run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as alerts_file:
        alerts_file.write(json.dumps(alert.to_record()) + "\n")
    logger.info("Wrote the alert of run %s to %s", alert.run_id, path)

    url = webhook_url_from_env()
    if url is None:
        logger.info("No alert webhook configured, so the alert went to the log and file only")
        return False
    return post_json(url, {"text": alert.text})


def run_already_alerted(runs_dir: Path, run_id: str) -> bool:
    """Return whether a run failure alert of `run_id` is already in its alerts file."""
    path = alerts_path(runs_dir, run_id)
    if not path.exists():
        return False
    with path.open(encoding="utf-8") as alerts_file:
        records = [json.loads(line) for line in alerts_file if line.strip()]
    return any(record.get("kind") == "run_failure" for record in records)


def _events_of_type(
    instance: DagsterInstance, run_id: str, event_type: DagsterEventType
) -> list[DagsterEvent]:
    records = instance.get_records_for_run(run_id=run_id, of_type=event_type).records
    return [record.event_log_entry.dagster_event for record in records]


def _first_line(message: str) -> str:
    lines = message.strip().splitlines()
    first = EXCEPTION_MODULE_PREFIX.sub("", lines[0]) if lines else ""
    if len(first) > MAX_ERROR_CHARS:
        return first[: MAX_ERROR_CHARS - 3] + "..."
    return first
