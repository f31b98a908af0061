"""A real failed run of ``pipeline_job`` sends one alert through the run failure sensor.

The landing set is the tiny set of tests/pipeline with one negative Google Ads
spend row, which the blocking ``ad_spend_expectations`` check rejects
(spend_amount must be >= 0). The run goes to an ephemeral Dagster instance,
and the sensor is evaluated on that failed run with a webhook served on
127.0.0.1.
"""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult, build_run_status_sensor_context

from orchestration.alerts.sensors import AlertResource, run_failure_alert_sensor
from orchestration.alerts.webhook import WEBHOOK_URL_ENV_VAR
from tests.pipeline.support import (
    TINY_LANDING_FILES,
    TINY_LANDING_SOURCES,
    run_pipeline,
    settings_for,
    write_landing,
)

from .webhook_server import ReceivedPost, webhook_server

NEGATIVE_SPEND_ROW = "1234567890,2025-03-05,111,TABLET,SEARCH,10,1,-5000000\n"
FAILED_CHECK = "raw/ad_spend ad_spend_expectations (ERROR)"
ERROR_LINE = "DagsterAssetCheckFailedError: 1 blocking asset check failed with ERROR severity:"


@dataclass(frozen=True)
class AlertedRun:
    result: ExecuteInProcessResult
    alerts_file: Path
    posts: list[ReceivedPost]


@pytest.fixture(scope="module")
def alerted_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertedRun]:
    work_dir = tmp_path_factory.mktemp("alerted_run")
    files = dict(TINY_LANDING_FILES)
    files["ads/campaign_stats_data.csv"] += NEGATIVE_SPEND_ROW
    landing_config = write_landing(work_dir / "landing", files, TINY_LANDING_SOURCES)
    settings = settings_for(work_dir, landing_config)
    instance = DagsterInstance.ephemeral()
    result = run_pipeline(settings, instance=instance)

    previous_url = os.environ.get(WEBHOOK_URL_ENV_VAR)
    with webhook_server() as server:
        os.environ[WEBHOOK_URL_ENV_VAR] = server.url
        try:
            # Evaluated twice, as a daemon may: the second evaluation finds the
            # alert already written and sends nothing.
            for _ in range(2):
                context = build_run_status_sensor_context(
                    sensor_name=run_failure_alert_sensor.name,
                    dagster_event=result.get_run_failure_event(),
                    dagster_instance=instance,
                    dagster_run=result.dagster_run,
                    resources={"alerts": AlertResource(runs_dir=str(settings.runs_dir))},
                ).for_run_failure()
                run_failure_alert_sensor(context)
        finally:
            if previous_url is None:
                os.environ.pop(WEBHOOK_URL_ENV_VAR, None)
            else:
                os.environ[WEBHOOK_URL_ENV_VAR] = previous_url
    yield AlertedRun(
        result=result,
        alerts_file=work_dir / "runs" / result.run_id / "alerts.jsonl",
        posts=list(server.posts),
    )


def test_run_failed_on_check(alerted_run):
    assert not alerted_run.result.success
    failed_steps = [event.step_key for event in alerted_run.result.get_step_failure_events()]
    assert failed_steps == ["raw__ad_spend_ad_spend_expectations"]


def test_alerts_file_has_one_alert(alerted_run):
    lines = alerted_run.alerts_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    alert = json.loads(lines[0])
    assert alert["kind"] == "run_failure"
    assert alert["run_id"] == alerted_run.result.run_id
    assert alert["job_name"] == "pipeline_job"
    assert alert["failed_steps"] == ["raw__ad_spend_ad_spend_expectations"]
    assert alert["failed_checks"] == [FAILED_CHECK]
    assert alert["error"] == ERROR_LINE
    assert alert["created_at"].endswith("+00:00")


def test_webhook_received_one_post(alerted_run):
    assert len(alerted_run.posts) == 1
    post = alerted_run.posts[0]
    assert post.content_type == "application/json"
    assert post.path == "/services/T000/B000/secret-token-123"
    assert list(post.body) == ["text"]


def test_webhook_text_fields(alerted_run):
    lines = alerted_run.posts[0].body["text"].splitlines()
    run_id = alerted_run.result.run_id
    assert lines[0] == f"rightpath run {run_id} of job pipeline_job failed."
    assert lines[1] == "Failed steps: raw__ad_spend_ad_spend_expectations"
    assert lines[2] == f"Failed checks: {FAILED_CHECK}"
    assert lines[3] == f"Error: {ERROR_LINE}"
    assert len(lines) == 4
