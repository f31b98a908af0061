"""Freshness checks on hand-built landing data, run by Dagster in process.

Web events are written with timestamps relative to the test's start, so the
expected ages are known: 2 h is within a 24 h limit and 30 h is not. The
Shopify file's modification time is set to 50 h ago for ``order_lines``,
whose age comes from its landing file.
"""

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.assets import LandingResource, raw_assets
from orchestration.ingest.freshness import (
    FRESHNESS_CHECK,
    FreshnessLimit,
    freshness_checks,
    load_freshness_limits,
)
from orchestration.ingest.landing import LandingConfigError
from orchestration.partitions import PartitioningResource

WEB_KEY = AssetKey(["raw", "web_events"])
ORDER_LINES_KEY = AssetKey(["raw", "order_lines"])
ORDERS_KEY = AssetKey(["raw", "orders"])
SHOPIFY_CSV = """\
Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Lineitem name,\
Lineitem price,Lineitem sku,Phone,Source
#1,a@example.com,paid,USD,10.00,2025-03-03 11:00:00 +0000,1,Pen,10.00,PEN-1,,web
"""


def web_event_line(message_id: str, occurred_at: datetime) -> str:
    timestamp = occurred_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return (
        f'{{"type": "page", "messageId": "{message_id}", "anonymousId": "anon-1",'
        f' "timestamp": "{timestamp}"}}\n'
    )


def write_landing(folder: Path, newest_event_age_h: float, freshness: dict[str, Any]) -> Path:
    """Write two web events, the newer `newest_event_age_h` hours old, and one Shopify order."""
    now = datetime.now(UTC)
    (folder / "web").mkdir(parents=True)
    (folder / "web" / "events.jsonl").write_text(
        web_event_line("m-old", now - timedelta(hours=newest_event_age_h + 48))
        + web_event_line("m-new", now - timedelta(hours=newest_event_age_h))
    )
    (folder / "orders").mkdir()
    orders_file = folder / "orders" / "orders.csv"
    orders_file.write_text(SHOPIFY_CSV)
    fifty_hours_ago = time.time() - 50 * 3600
    os.utime(orders_file, (fifty_hours_ago, fifty_hours_ago))
    sources = [
        {"path": "web/events.jsonl", "channel": "web", "format": "segment_jsonl"},
        {"path": "orders/orders.csv", "channel": "orders", "format": "shopify_orders_csv"},
    ]
    config_path = folder / "landing.yml"
    config_path.write_text(yaml.safe_dump({"sources": sources, "freshness": freshness}))
    return config_path


def run_with_checks(tmp_path: Path, config_path: Path) -> ExecuteInProcessResult:
    keys = {WEB_KEY, ORDERS_KEY, ORDER_LINES_KEY}
    assets = [asset for asset in raw_assets if keys & set(asset.keys)]
    checks = [
        check
        for check in freshness_checks
        if {check_key.asset_key for check_key in check.check_keys} & {WEB_KEY, ORDER_LINES_KEY}
    ]
    return materialize(
        [*assets, *checks],
        resources={
            "duckdb": DuckDBResource(database=str(tmp_path / "warehouse.duckdb")),
            "landing": LandingResource(config_path=str(config_path)),
            "partitioning": PartitioningResource(timezone="UTC", lookback_days=3),
        },
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def freshness_evaluation(result: ExecuteInProcessResult, key: AssetKey):
    evaluations = [
        evaluation
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.asset_key == key and evaluation.check_name == FRESHNESS_CHECK
    ]
    assert len(evaluations) == 1
    return evaluations[0]


def test_fresh_events_pass(tmp_path):
    config = write_landing(tmp_path / "landing", 2, {"web_events": {"max_age_hours": 24}})
    result = run_with_checks(tmp_path, config)

    assert result.success
    evaluation = freshness_evaluation(result, WEB_KEY)
    assert evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.WARN
    age_hours = evaluation.metadata["age_hours"].value
    assert 2.0 <= age_hours < 2.1
    assert evaluation.metadata["max_age_hours"].value == 24.0
    assert evaluation.metadata["basis"].value == "newest occurred_at in raw.web_events"


def test_stale_events_warn(tmp_path):
    config = write_landing(tmp_path / "landing", 30, {"web_events": {"max_age_hours": 24}})
    result = run_with_checks(tmp_path, config)

    # A warning does not fail the run.
    assert result.success
    evaluation = freshness_evaluation(result, WEB_KEY)
    assert not evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.WARN
    age_hours = evaluation.metadata["age_hours"].value
    assert 30.0 <= age_hours < 30.1
    assert evaluation.metadata["max_age_hours"].value == 24.0
    assert evaluation.metadata["blocking"].value is False
    assert "older than the limit of 24 h" in evaluation.description


def test_stale_blocking_fails_run(tmp_path):
    freshness = {"web_events": {"max_age_hours": 24, "blocking": True}}
    config = write_landing(tmp_path / "landing", 30, freshness)
    result = run_with_checks(tmp_path, config)

    assert not result.success
    evaluation = freshness_evaluation(result, WEB_KEY)
    assert not evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.ERROR
    assert evaluation.metadata["blocking"].value is True


def test_order_lines_use_file_time(tmp_path):
    config = write_landing(tmp_path / "landing", 2, {"order_lines": {"max_age_hours": 48}})
    result = run_with_checks(tmp_path, config)

    evaluation = freshness_evaluation(result, ORDER_LINES_KEY)
    assert not evaluation.passed
    age_hours = evaluation.metadata["age_hours"].value
    assert 50.0 <= age_hours < 50.1
    basis = evaluation.metadata["basis"].value
    assert basis == "modification time of the newest landing file"


def test_unconfigured_table_passes(tmp_path):
    config = write_landing(tmp_path / "landing", 30, {})
    result = run_with_checks(tmp_path, config)

    evaluation = freshness_evaluation(result, WEB_KEY)
    assert evaluation.passed
    assert 30.0 <= evaluation.metadata["age_hours"].value < 30.1
    assert evaluation.description == "No freshness limit is configured for this table."


def test_limits_parsed(tmp_path):
    config = tmp_path / "landing.yml"
    config.write_text(
        "sources: []\nfreshness:\n  web_events: {max_age_hours: 26}\n"
        "  ad_spend: {max_age_hours: 50, blocking: true}\n"
    )
    assert load_freshness_limits(config) == {
        "web_events": FreshnessLimit(max_age_hours=26.0, blocking=False),
        "ad_spend": FreshnessLimit(max_age_hours=50.0, blocking=True),
    }


@pytest.mark.parametrize(
    ("freshness", "message"),
    [
        ("{web_event: {max_age_hours: 26}}", "unknown raw table 'web_event'"),
        ("{web_events: {max_age_hours: 0}}", "max_age_hours is 0; set a positive number"),
        ("{web_events: {max_age_hours: '26h'}}", "max_age_hours is '26h'"),
        ("{web_events: {max_age: 26}}", "unknown key(s) max_age"),
        ("{web_events: {max_age_hours: 26, blocking: 'yes'}}", "blocking is 'yes'"),
        ("[web_events]", "'freshness' must map raw table names to limits"),
    ],
)
def test_invalid_limits_rejected(tmp_path, freshness, message):
    config = tmp_path / "landing.yml"
    config.write_text(f"sources: []\nfreshness: {freshness}\n")
    with pytest.raises(LandingConfigError) as raised:
        load_freshness_limits(config)
    assert message in str(raised.value)
    assert str(config) in str(raised.value)
