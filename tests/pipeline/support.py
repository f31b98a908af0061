"""The tiny landing set and the helpers that run the whole Dagster job in process.

The tiny landing set below is written in the real export formats. Its
customers, all on UTC timestamps in March 2025:

- alice: web cookie ``anon-alice`` on a paid search landing page (03-03
  09:00), then an identify call that adds user ``u-alice`` and email
  ``Alice@Example.com``. Iterable email send (03-04 08:00) and click (03-04
  10:00). Tweet 101 from ``AliceTweets`` (03-05 15:00). Shopify order #1001
  with email `` ALICE@example.com `` and phone ``+1 (555) 010-0001`` (03-06
  12:00, 90.00). Zendesk twitter ticket 501 of requester 9001 with that phone
  and handle ``@AliceTweets`` (03-07 10:00). Email open (03-11 09:00) and
  order #1003 (03-12 14:00, 45.50).
- bob: email open for ``BOB@Example.com`` (03-05 09:00) and order #1002 with
  email `` bob@example.COM `` (03-05 14:00, 40.00).
- carol: order #1004 (03-06 15:30, 25.00) and nothing else.
- dave: paid search landing page with cookie ``anon-dave`` and email
  ``dave@example.com`` in its context traits (03-03 10:00), order #1005
  (03-03 16:00, 120.00).
- eve: Zendesk email ticket 502 of requester 9002, ``eve@example.com``
  (03-06 09:00).

Google Ads spend of campaign 111: 60.00 on 03-03 (one stats row), and
36.15 + 23.85 on 03-04 (two device rows of the same campaign and day).

The web events file also contains the page event ``msg-a1`` twice and, on
line 4, a truncated JSON object that the ingest step must quarantine. A
second web file repeats ``msg-a1`` once more.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult

from orchestration.definitions import build_definitions
from orchestration.settings import Settings

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
REAL_SAMPLES_DIR = REPOSITORY_ROOT.parent / "shared" / "data" / "real"
REAL_SAMPLES_CONFIG = REPOSITORY_ROOT / "config" / "real_samples.yml"

# The mart tables that the publish asset copies.
MART_TABLE_NAMES = (
    "customers",
    "channel_daily_performance",
    "campaign_daily_performance",
    "conversion_paths",
    "attribution_credits",
    "attribution_model_credits",
    "conversion_path_summary",
    "customer_journey_stages",
    "journey_stage_funnel",
    "identity_links",
    "customer_id_history",
    "customer_value",
    "social_sentiment_daily",
)
PUBLISHED_MARTS_KEY = AssetKey(["published", "marts"])


# --- the tiny landing set ---------------------------------------------------

WEB_EVENTS_JSONL = "\n".join(
    [
        # Line 1: alice lands from a Google cpc ad, a paid_search touch.
        '{"type": "page", "messageId": "msg-a1", "anonymousId": "anon-alice",'
        ' "timestamp": "2025-03-03T09:00:00.000Z", "name": "Spring landing",'
        ' "context": {"page": {"url": "https://shop.example.com/spring?utm_source=google'
        '&utm_medium=cpc&utm_campaign=spring_search", "referrer": "https://www.google.com/"}}}',
        # Line 2: the same event delivered twice.
        '{"type": "page", "messageId": "msg-a1", "anonymousId": "anon-alice",'
        ' "timestamp": "2025-03-03T09:00:00.000Z", "name": "Spring landing",'
        ' "context": {"page": {"url": "https://shop.example.com/spring?utm_source=google'
        '&utm_medium=cpc&utm_campaign=spring_search", "referrer": "https://www.google.com/"}}}',
        # Line 3: alice logs in, which links cookie, user id and email.
        '{"type": "identify", "messageId": "msg-a2", "anonymousId": "anon-alice",'
        ' "userId": "u-alice", "timestamp": "2025-03-03T09:05:00.000Z",'
        ' "traits": {"email": "Alice@Example.com"}}',
        # Line 4: a truncated object, which the ingest step quarantines.
        '{"type": "page", "messageId": "msg-x1", "anonymousId": "anon-x",'
        ' "timestamp": "2025-03-03T09:',
        # Line 5: dave lands from the same ad with his email in the context traits.
        '{"type": "page", "messageId": "msg-d1", "anonymousId": "anon-dave",'
        ' "timestamp": "2025-03-03T10:00:00.000Z",'
        ' "context": {"page": {"url": "https://shop.example.com/?utm_source=google'
        '&utm_medium=cpc&utm_campaign=spring_search"}, "traits": {"email": "dave@example.com"}}}',
    ]
)
MALFORMED_WEB_LINE = 4

ITERABLE_EVENTS_JSONL = "\n".join(
    [
        '{"email": "alice@example.com", "eventName": "emailSend", "dataFields":'
        ' {"createdAt": "2025-03-04 08:00:00 +00:00", "campaignId": 5001,'
        ' "campaignName": "Spring sale", "messageId": "it-1"}}',
        '{"email": "alice@example.com", "eventName": "emailClick", "dataFields":'
        ' {"createdAt": "2025-03-04 10:00:00 +00:00", "campaignId": 5001,'
        ' "campaignName": "Spring sale", "messageId": "it-1",'
        ' "url": "https://shop.example.com/spring"}}',
        '{"email": "BOB@Example.com", "eventName": "emailOpen", "dataFields":'
        ' {"createdAt": "2025-03-05 09:00:00 +00:00", "campaignId": 5001,'
        ' "campaignName": "Spring sale", "messageId": "it-2"}}',
        '{"email": "alice@example.com", "eventName": "emailOpen", "dataFields":'
        ' {"createdAt": "2025-03-11 09:00:00 +00:00", "campaignId": 5002,'
        ' "campaignName": "Restock", "messageId": "it-3"}}',
    ]
)

TWCS_CSV = """\
tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
101,AliceTweets,True,Wed Mar 05 15:00:00 +0000 2025,@BrandSupport my order has not shipped yet,102,
102,BrandSupport,False,Wed Mar 05 15:30:00 +0000 2025,"@AliceTweets Sorry, please DM us.",,101
"""

ZENDESK_TICKETS_CSV = """\
id,created_at,updated_at,requester_id,status,via_channel,via_source_from_address,subject,priority
501,2025-03-07 10:00:00,2025-03-07 12:00:00,9001,open,twitter,@AliceTweets,Order not shipped,normal
502,2025-03-06 09:00:00,2025-03-06 09:30:00,9002,solved,email,eve@example.com,Invoice copy,low
"""

ZENDESK_USERS_CSV = """\
id,email,phone,name,updated_at
9001,,+1 555 010 0001,Alice Example,2025-03-07 10:00:00
9002,eve@example.com,,Eve Example,2025-03-06 09:00:00
"""

# Order-level columns are filled on each order's first row only, as in Shopify's export.
SHOPIFY_ORDERS_CSV = """\
Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Lineitem name,\
Lineitem price,Lineitem sku,Phone,Source
#1005,dave@example.com,paid,USD,120.00,2025-03-03 11:00:00 -0500,1,Rain jacket,120.00,JKT-1,,web
#1002, bob@example.COM ,paid,USD,40.00,2025-03-05 09:00:00 -0500,2,Notebook,20.00,NTB-1,,web
#1001, ALICE@example.com ,paid,USD,90.00,2025-03-06 07:00:00 -0500,1,Canvas tote,40.00,TOTE-1,\
+1 (555) 010-0001,web
#1001, ALICE@example.com ,,,,2025-03-06 07:00:00 -0500,2,Mug,25.00,MUG-1,,
#1004,carol@example.com,paid,USD,25.00,2025-03-06 10:30:00 -0500,1,Pen set,25.00,PEN-1,,web
#1003,alice@example.com,paid,USD,45.50,2025-03-12 10:00:00 -0400,1,Candle,45.50,CND-1,,web
"""

GOOGLE_ADS_STATS_CSV = """\
customer_id,date,id,device,ad_network_type,impressions,clicks,cost_micros
1234567890,2025-03-03,111,DESKTOP,SEARCH,1500,60,60000000
1234567890,2025-03-04,111,DESKTOP,SEARCH,1000,40,36150000
1234567890,2025-03-04,111,MOBILE,SEARCH,800,25,23850000
"""

GOOGLE_ADS_CAMPAIGNS_CSV = """\
id,updated_at,name,customer_id
111,2025-02-01 00:00:00,Spring search draft,1234567890
111,2025-03-01 00:00:00,Spring search,1234567890
"""

GOOGLE_ADS_ACCOUNTS_CSV = """\
id,updated_at,currency_code,descriptive_name
1234567890,2025-01-01 00:00:00,USD,Example shop
"""

# The next day's file delivers page msg-a1 a third time, so the same event
# arrives in two files.
WEB_EVENTS_LATE_JSONL = WEB_EVENTS_JSONL.split("\n")[0] + "\n"

TINY_LANDING_FILES: dict[str, str] = {
    "web/events.jsonl": WEB_EVENTS_JSONL + "\n",
    "web/events_late.jsonl": WEB_EVENTS_LATE_JSONL,
    "email/iterable_events.jsonl": ITERABLE_EVENTS_JSONL + "\n",
    "social/twcs.csv": TWCS_CSV,
    "support/ticket_data.csv": ZENDESK_TICKETS_CSV,
    "support/user_data.csv": ZENDESK_USERS_CSV,
    "orders/orders_export.csv": SHOPIFY_ORDERS_CSV,
    "ads/campaign_stats_data.csv": GOOGLE_ADS_STATS_CSV,
    "ads/campaign_history_data.csv": GOOGLE_ADS_CAMPAIGNS_CSV,
    "ads/account_history_data.csv": GOOGLE_ADS_ACCOUNTS_CSV,
}

TINY_LANDING_SOURCES: list[dict[str, Any]] = [
    {"path": "web/*.jsonl", "channel": "web", "format": "segment_jsonl"},
    {"path": "email/iterable_events.jsonl", "channel": "email", "format": "iterable_webhook"},
    {"path": "social/twcs.csv", "channel": "social", "format": "twcs_csv"},
    {
        "path": "support/ticket_data.csv",
        "channel": "support",
        "format": "zendesk_fivetran",
        "options": {"users": "support/user_data.csv"},
    },
    {"path": "orders/orders_export.csv", "channel": "orders", "format": "shopify_orders_csv"},
    {
        "path": "ads/campaign_stats_data.csv",
        "channel": "ads",
        "format": "google_ads_fivetran",
        "options": {
            "campaigns": "ads/campaign_history_data.csv",
            "accounts": "ads/account_history_data.csv",
        },
    },
]


def write_landing(folder: Path, files: dict[str, str], sources: list[dict[str, Any]]) -> Path:
    """Write landing files and a landing.yml into `folder` and return the landing.yml path."""
    for relative_path, text in files.items():
        path = folder / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config_path = folder / "landing.yml"
    config_path.write_text(yaml.safe_dump({"sources": sources}, sort_keys=False))
    return config_path


# --- running the job ----------------------------------------------------------


def settings_for(work_dir: Path, landing_config: Path) -> Settings:
    """Return settings whose warehouse and publish folder are inside `work_dir`."""
    return Settings(
        data_dir=work_dir,
        warehouse_path=work_dir / "warehouse.duckdb",
        landing_config=landing_config,
        publish_dir=work_dir / "published",
        timezone="UTC",
    )


def run_pipeline(
    settings: Settings,
    tags: dict[str, str] | None = None,
    instance: DagsterInstance | None = None,
) -> ExecuteInProcessResult:
    """Run ``pipeline_job`` in process on `settings` and return the result.

    Without `tags` the run uses the definitions without partitions and covers
    every day of the landing data, as ``make run`` does; `tags` can name a
    partition or a range.

    ``build_definitions`` exports the warehouse path to ``RIGHTPATH_WAREHOUSE_PATH``
    for dbt, so the definitions are built right before the run, and the
    variable's earlier value is restored afterwards.
    """
    previous = os.environ.get("RIGHTPATH_WAREHOUSE_PATH")
    try:
        definitions = build_definitions(settings, partitioned=bool(tags))
        job = definitions.resolve_job_def("pipeline_job")
        return job.execute_in_process(
            instance=instance or DagsterInstance.ephemeral(),
            raise_on_error=False,
            tags=tags or {},
        )
    finally:
        if previous is None:
            os.environ.pop("RIGHTPATH_WAREHOUSE_PATH", None)
        else:
            os.environ["RIGHTPATH_WAREHOUSE_PATH"] = previous


@dataclass(frozen=True)
class PipelineRun:
    """A finished job run and the folders it worked on."""

    work_dir: Path
    settings: Settings
    result: ExecuteInProcessResult

    @property
    def published_database(self) -> Path:
        return self.settings.publish_dir / "marts.duckdb"

    @property
    def manifest_path(self) -> Path:
        return self.settings.publish_dir / "manifest.json"

    def step_failures(self) -> list[str]:
        """Return one line per failed step: the step key and the first line of its error."""
        failures = []
        for event in self.result.get_step_failure_events():
            message = event.event_specific_data.error.message.strip().splitlines()
            failures.append(f"{event.step_key}: {message[0] if message else ''}")
        return failures

    def require_success(self) -> None:
        """Fail the calling test with the failed steps unless the run succeeded.

        A failed step can leave the warehouse locked by this process, so tests
        that read it call this first to report the cause instead of the lock.
        """
        if not self.result.success:
            pytest.fail(f"the pipeline run failed: {self.step_failures()}")

    def connect_warehouse(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.settings.warehouse_path), read_only=True)

    def materialized_keys(self) -> set[AssetKey]:
        return {event.asset_key for event in self.result.get_asset_materialization_events()}

    def check_evaluations(self) -> dict[tuple[AssetKey, str], Any]:
        """Return the run's asset check evaluations by (asset key, check name)."""
        return {
            (evaluation.asset_key, evaluation.check_name): evaluation
            for evaluation in self.result.get_asset_check_evaluations()
        }


def fetch_dicts(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any] | None = None
) -> list[dict[str, Any]]:
    cursor = connection.execute(sql, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def copy_work_dir(source: Path, target: Path) -> None:
    """Copy a run's folder, keeping the publish folder's ``current`` symlink a symlink."""
    shutil.copytree(source, target, symlinks=True)
