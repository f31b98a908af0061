"""The insights report asset on real DuckDB files, a real publish and Dagster runs.

The warehouse holds four small hand-built marts. The expected findings are
worked out by hand in the comments next to the rows.
"""

import html
import shutil
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import (
    AssetCheckResult,
    AssetKey,
    DagsterInstance,
    asset,
    asset_check,
    materialize,
)
from dagster_dbt import DbtCliResource

from orchestration.dbt.project import rightpath_dbt_project
from orchestration.publish.assets import PublishResource
from orchestration.publish.publisher import publish_marts
from orchestration.report import sections
from orchestration.report.assets import INSIGHTS_REPORT_KEY, insights_report
from orchestration.report.data import PublishedData

WAREHOUSE_SQL = """
create schema marts;

-- paid_search: 300 of 400 revenue (75.0%), 60 of 100 touches (60.0%),
-- 300 revenue on 150 spend (ROAS 2.00) and 3 new customers (CAC 50.00).
create table marts.channel_daily_performance as
select * from (values
    (date '2025-03-03', 'email', 30, 1, 100.00, 0.00, 1),
    (date '2025-03-03', 'paid_search', 50, 2, 200.00, 100.00, 2),
    (date '2025-03-04', 'email', 10, 0, 0.00, 0.00, 0),
    (date '2025-03-04', 'paid_search', 10, 1, 100.00, 50.00, 1)
) as t(activity_date, channel, count_touches, count_conversions, sum_revenue,
       spend_amount, count_new_customers);

-- 'email > paid_search' is 2 of 4 paths (50.0%), and 2 of 4 have 2+ touches.
create table marts.conversion_paths as
select * from (values
    ('o1', 'a', 'direct', 0),
    ('o2', 'b', 'email > paid_search', 2),
    ('o3', 'd', 'paid_search', 1),
    ('o4', 'b', 'email > paid_search', 2)
) as t(conversion_id, customer_id, path, count_touches);

-- Revenue o1 40, o2 100, o3 60, o4 200. first_touch: direct 40, email 300,
-- paid_search 60 (shares 10%, 75%, 15%). last_touch: direct 40, email 0,
-- paid_search 360 (10%, 0%, 90%). email has no last_touch revenue, direct the
-- same share everywhere, so paid_search's 90.0% vs 15.0% (6.0x) is the finding.
create table marts.attribution_credits as
select * from (values
    ('o1', 'direct', 1, 1.0, 1.0, 1.0, 40.0, 40.0, 40.0),
    ('o2', 'email', 1, 1.0, 0.0, 0.5, 100.0, 0.0, 50.0),
    ('o2', 'paid_search', 2, 0.0, 1.0, 0.5, 0.0, 100.0, 50.0),
    ('o3', 'paid_search', 1, 1.0, 1.0, 1.0, 60.0, 60.0, 60.0),
    ('o4', 'email', 1, 1.0, 0.0, 0.5, 200.0, 0.0, 100.0),
    ('o4', 'paid_search', 2, 0.0, 1.0, 0.5, 0.0, 200.0, 100.0)
) as t(conversion_id, channel, touch_position, first_touch_credit, last_touch_credit,
       linear_credit, first_touch_revenue, last_touch_revenue, linear_revenue);

-- Funnel 4 customers, 3 with a touch, 3 with an order, 1 with 2+ orders: the
-- drop from 3 to 1 (33.3%) is the largest, and 1 of 4 (25.0%) reach the end.
create table marts.customers as
select * from (values
    ('a', 'a@example.com', null, null, 'email', 1, 100.00, 'champions'),
    ('b', 'b@example.com', '+15550100002', '@bee', 'email,paid_search', 2, 300.00, 'champions'),
    ('c', null, null, null, null, 0, 0.00, 'new'),
    ('d', null, null, null, 'paid_search', 1, 60.00, 'at_risk')
) as t(customer_id, primary_email, primary_phone, primary_handle, channels_used, count_orders,
       total_revenue, rfm_segment);

-- A long-format attribution table with a model the wide table does not have.
create table marts.attribution_model_credits as
select * from (values
    ('o2', 'position_based', 'email', 0.5, 50.0),
    ('o2', 'position_based', 'paid_search', 0.5, 50.0)
) as t(conversion_id, model, channel, credit, attributed_revenue);

-- social: week of 03-03 mean (-0.6 + 0.8) / 2 = +0.10, week of 03-10 +0.50.
create table marts.social_sentiment as
select * from (values
    (timestamp '2025-03-03 09:00', 'social', 'AliceTweets', '@BrandSupport my order is late', -0.6),
    (timestamp '2025-03-04 09:00', 'social', 'BobT', 'love it, mail me at bob@example.com', 0.8),
    (timestamp '2025-03-11 09:00', 'social', 'AliceTweets', 'thanks @BrandSupport', 0.5),
    (timestamp '2025-03-11 10:00', 'support', 'eve', 'invoice copy please', 0.0)
) as t(posted_at, source, author_id, text, sentiment_score);

-- Days: 03-03 has 3 scored posts summing to -0.6 + 0.4 + 0.8 = 0.6 (mean +0.20),
-- 03-05 has 2 scored posts summing to -0.9 (mean -0.45). 2 of 5 scored posts are
-- negative (40.0%). No segment has the 5 scored posts needed to be named.
-- The examples are p4 (-0.90), then p1 (-0.60). p4's phone number is not masked
-- here, so the report has to mask it.
create table marts.social_sentiment_daily as
select * from (values
    (date '2025-03-03', 'champion', 2, 2, 1, 1, -0.2, -0.1, 0.5, 'p1', -0.6,
     'late again @[handle]'),
    (date '2025-03-03', 'prospect', 1, 1, 0, 1, 0.8, 0.8, 0.0, null, null, null),
    (date '2025-03-05', 'champion', 1, 1, 1, 0, -0.9, -0.9, 1.0, 'p4', -0.9,
     'refund now, call 555 010 0199'),
    (date '2025-03-05', 'prospect', 2, 1, 0, 0, 0.0, 0.0, 0.0, null, null, null)
) as t(post_date, customer_segment, count_inbound_posts, count_scored_posts,
       count_negative_posts, count_positive_posts, sum_sentiment_compound,
       mean_sentiment_compound, share_negative, example_post_id,
       example_sentiment_compound, example_post_text);
"""


def escaped(sentence: str) -> str:
    """Return ``sentence`` as the report's HTML writes it."""
    return html.escape(sentence)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(WAREHOUSE_SQL)
    return path


@pytest.fixture
def dbt(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> DbtCliResource:
    """The project's dbt, with the profile pointed at the hand-built warehouse."""
    monkeypatch.setenv("RIGHTPATH_WAREHOUSE_PATH", str(warehouse))
    return DbtCliResource(
        project_dir=rightpath_dbt_project,
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )


@pytest.fixture
def failing_dbt() -> DbtCliResource:
    """A dbt resource whose executable exits with status 1, so docs generation fails fast."""
    return DbtCliResource(project_dir=rightpath_dbt_project, dbt_executable=shutil.which("false"))


# The four marts of the hand-built warehouse, published by a stand-in for the
# published/marts asset so the test does not depend on the list of published marts.
BASE_TABLES = [
    ("marts", "customers"),
    ("marts", "channel_daily_performance"),
    ("marts", "conversion_paths"),
    ("marts", "attribution_credits"),
]


@asset(key=AssetKey(["published", "marts"]))
def published_base_marts(publish: PublishResource) -> None:
    publish.publish(BASE_TABLES)


@asset_check(asset=AssetKey(["published", "marts"]), name="published_marts_rows", blocking=True)
def published_rows_check() -> AssetCheckResult:
    return AssetCheckResult(passed=True, metadata={"row_count": 18})


def test_report_after_publish(warehouse: Path, tmp_path: Path, dbt: DbtCliResource):
    publish_dir = tmp_path / "published"
    resource = PublishResource(warehouse_path=str(warehouse), publish_dir=str(publish_dir))
    result = materialize(
        [published_base_marts, insights_report, published_rows_check],
        resources={"publish": resource, "dbt": dbt},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success

    report_path = publish_dir / "report" / "index.html"
    page = report_path.read_text(encoding="utf-8")
    # plotly.js is inline in the head. The library contains URLs for map and geo
    # traces, which the report does not use, so only the body is checked for URLs.
    head, body = page.split("</head>", 1)
    assert "<script src=" not in page
    assert "<link" not in page
    assert "https://" not in body
    assert "http://" not in body
    assert len(head) > 1_000_000
    assert "Plotly.newPlot" in body

    expected_findings = [
        "paid_search brought 75.0% of last-touch revenue from 60.0% of touches.",
        "Fewer than two complete weeks are published, so there is no trend to report.",
        "paid_search's share of last_touch revenue is 6.0x its share of first_touch revenue "
        "(90.0% vs 15.0%).",
        "The largest drop is from 'with an order' to 'with 2+ orders': 33.3% (1 of 3) go on. "
        "25.0% of 'stitched customers' reach 'with 2+ orders'.",
        "The most frequent path is 'email > paid_search' (2 of 4 conversions, 50.0%); 50.0% "
        "of conversions had two or more touches.",
        "Only paid_search has spend: ROAS 2.00 (300.00 revenue on 150.00 spend). "
        "CAC was 50.00 for paid_search.",
        # 4 + 4 + 6 + 4 published rows, and the test's check passed.
        "All 0 expectation suites and 1 other checks passed, and 4 tables with 18 rows are "
        "published.",
    ]
    for sentence in expected_findings:
        assert escaped(sentence) in page

    # The published customers table has rfm_segment, but no table has sentiment.
    assert escaped("The champions segment is 50.0% of customers") in page
    assert "No published mart has a numeric sentiment column" in page

    materializations = [
        event.materialization
        for event in result.get_asset_materialization_events()
        if event.asset_key == INSIGHTS_REPORT_KEY
    ]
    assert len(materializations) == 1
    metadata = materializations[0].metadata
    assert metadata["path"].value == str(report_path)
    assert metadata["publish_version"].value == 1
    assert metadata["checks_evaluated"].value == 1
    assert metadata["checks_failed"].value == 0
    assert "paid_search brought 75.0% of last-touch revenue" in metadata["summary"].value

    # The header links both pages, which sit beside index.html.
    assert '<a href="data_quality.html">' in page
    assert '<a href="dbt_docs.html">' in page

    quality_page = (publish_dir / "report" / "data_quality.html").read_text(encoding="utf-8")
    assert "published_marts_rows" in quality_page
    assert escaped("All 0 expectation suites and 1 other checks passed") in quality_page
    assert "Plotly" not in quality_page
    assert metadata["data_quality_path"].value == str(publish_dir / "report" / "data_quality.html")

    # dbt's static page embeds the manifest and the catalog, which reads the
    # hand-built warehouse: marts.customers is there, with its rfm_segment column.
    docs_page = (publish_dir / "report" / "dbt_docs.html").read_text(encoding="utf-8")
    assert metadata["dbt_docs_generated"].value is True
    assert metadata["dbt_docs_seconds"].value > 0
    assert "model.rightpath.social_sentiment_daily" in docs_page
    assert "model.rightpath.customers" in docs_page
    assert "rfm_segment" in docs_page
    assert "were not generated" not in docs_page
    # dbt wrote into a temporary target folder, not beside the report.
    assert sorted(path.name for path in (publish_dir / "report").iterdir()) == [
        "data_quality.html",
        "dbt_docs.html",
        "index.html",
    ]


def test_report_reads_new_marts(warehouse: Path, tmp_path: Path, failing_dbt: DbtCliResource):
    publish_dir = tmp_path / "published"
    tables = [
        *BASE_TABLES,
        ("marts", "attribution_model_credits"),
        ("marts", "social_sentiment"),
    ]
    publish_marts(warehouse, publish_dir, tables)
    resource = PublishResource(warehouse_path=str(warehouse), publish_dir=str(publish_dir))
    result = materialize(
        [insights_report],
        resources={"publish": resource, "dbt": failing_dbt},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    page = (publish_dir / "report" / "index.html").read_text(encoding="utf-8")

    assert "Models from attribution_model_credits: position_based." in page
    # champions: 2 of 4 customers, 400 of 460 revenue, 200.00 per customer.
    assert (
        escaped(
            "The champions segment is 50.0% of customers and brings 87.0% of revenue "
            "(200.00 per customer)."
        )
        in page
    )
    assert (
        escaped(
            "Mean social sentiment went from +0.10 in the week of 2025-03-03 to +0.50 in the "
            "week of 2025-03-10."
        )
        in page
    )
    # Example posts are pseudonymized.
    assert "person 1" in page
    assert "AliceTweets" not in page
    assert "BrandSupport" not in page
    assert "bob@example.com" not in page
    # This run evaluated no checks, and the report says so.
    assert "evaluated no asset checks" in page
    assert escaped("No check results were recorded in this run") in page


def test_report_without_publish_fails(tmp_path: Path, failing_dbt: DbtCliResource):
    resource = PublishResource(
        warehouse_path=str(tmp_path / "missing.duckdb"), publish_dir=str(tmp_path / "empty")
    )
    result = materialize(
        [insights_report],
        resources={"publish": resource, "dbt": failing_dbt},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert not (tmp_path / "empty" / "report").exists()


def test_report_daily_sentiment(warehouse: Path, tmp_path: Path, failing_dbt: DbtCliResource):
    publish_dir = tmp_path / "published"
    tables = [*BASE_TABLES, ("marts", "social_sentiment"), ("marts", "social_sentiment_daily")]
    publish_marts(warehouse, publish_dir, tables)
    resource = PublishResource(warehouse_path=str(warehouse), publish_dir=str(publish_dir))
    result = materialize(
        [insights_report],
        resources={"publish": resource, "dbt": failing_dbt},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    page = (publish_dir / "report" / "index.html").read_text(encoding="utf-8")

    # social_sentiment_daily is used although social_sentiment also has scores.
    assert "Social sentiment over time" in page
    assert "Mean social sentiment went from" not in page
    expected = (
        "Mean sentiment of inbound posts went from +0.20 on 2025-03-03 (3 posts) to -0.45 "
        "on 2025-03-05 (2 posts), and 40.0% of 5 scored posts were negative."
    )
    assert escaped(expected) in page
    assert escaped("refund now, call [phone]") in page
    assert escaped("late again @[handle]") in page
    assert "555 010 0199" not in page
    assert page.index("refund now") < page.index("late again")


def test_dbt_docs_failure_keeps_report(
    warehouse: Path, tmp_path: Path, failing_dbt: DbtCliResource
):
    publish_dir = tmp_path / "published"
    publish_marts(warehouse, publish_dir, BASE_TABLES)
    resource = PublishResource(warehouse_path=str(warehouse), publish_dir=str(publish_dir))
    result = materialize(
        [insights_report],
        resources={"publish": resource, "dbt": failing_dbt},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    assert (publish_dir / "report" / "index.html").is_file()
    docs_page = (publish_dir / "report" / "dbt_docs.html").read_text(encoding="utf-8")
    assert "dbt docs were not generated for this publish" in docs_page
    assert "exit code 1" in docs_page
    metadata = result.asset_materializations_for_node("published__insights_report")[0].metadata
    assert metadata["dbt_docs_generated"].value is False


def test_sentiment_skips_customers_mart():
    # customers has a mean score per customer and a *_at column, but no post times.
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "first_seen_at": pd.to_datetime(["2025-03-03", "2025-03-10"]),
            "mean_social_sentiment": [-0.5, 0.5],
        }
    )
    data = PublishedData(
        publish_dir=Path("unused"),
        manifest={"version": 1, "tables": []},
        tables={"customers": customers},
        checksum_matches=True,
    )
    section = sections.build_sentiment(data)
    assert section.figures == []
    assert section.finding is None
    assert "No published mart has a numeric sentiment column" in section.notes[0]


def test_efficiency_section_cac_by_campaign():
    # paid_search: 300 revenue on 150 spend, 3 new customers. By campaign:
    # spring 100 spend and 2 new customers, brand 50 spend and 1 new customer,
    # both CAC 50.00, so the tie goes to brand by name. preview's 30 spend
    # acquired no new customer.
    channel_days = pd.DataFrame(
        {
            "channel": ["paid_search"],
            "sum_revenue": [300.0],
            "spend_amount": [150.0],
            "count_new_customers": [3],
        }
    )
    campaign_days = pd.DataFrame(
        {
            "campaign": ["spring", "brand", "preview"],
            "attributed_revenue_last_touch": [200.0, 100.0, 0.0],
            "attributed_conversions_last_touch": [2.0, 1.0, 0.0],
            "count_new_customers": [2, 1, 0],
            "spend_amount": [100.0, 50.0, 30.0],
        }
    )
    data = PublishedData(
        publish_dir=Path("unused"),
        manifest={"version": 1, "tables": []},
        tables={
            "channel_daily_performance": channel_days,
            "campaign_daily_performance": campaign_days,
        },
        checksum_matches=True,
    )
    section = sections.build_efficiency(data)
    assert section.finding.endswith(
        "By campaign: brand had the lowest CAC, 50.00 per new customer (1 on 50.00 spend), "
        "and spring the highest, 50.00. 1 of 3 campaigns with spend acquired no new "
        "customer (30.00 spent)."
    )
    # One chart per channel and one of CAC per campaign, without preview.
    assert len(section.figures) == 2
    assert list(section.figures[1].data[0].y) == ["brand", "spring"]
    assert '<th class="num">cac</th>' in section.table_html
