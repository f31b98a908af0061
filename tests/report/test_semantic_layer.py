"""The dbt semantic models and metrics: ``dbt parse`` and MetricFlow's ``mf query``.

MetricFlow 0.15 reads ``target/semantic_manifest.json`` under the dbt project
directory and has no option for another target path, so the tests copy the dbt
project into a temporary folder and parse it there. The marts in the warehouse
are small hand-built tables, and the expected metric values are worked out by
hand next to the rows.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPOSITORY_ROOT / "dbt_project"
BIN_DIR = Path(sys.executable).parent
PROJECT_ENTRIES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")

EXPECTED_METRICS = {
    "revenue",
    "conversions",
    "active_customers",
    "ad_spend",
    "last_touch_channel_revenue",
    "new_customers",
    "roas",
    "cac",
    "stitched_customers",
    "buying_customers",
    "conversion_rate",
    "first_touch_revenue",
    "last_touch_revenue",
    "linear_revenue",
    "campaign_ad_spend",
    "campaign_new_customers",
    "campaign_cac",
}

MARTS_SQL = """
create schema marts;

-- March: c1 90.00 + c2 40.00 = 130.00 from 2 conversions of 2 customers.
-- April: c3 45.50 from 1 conversion of customer a.
create table marts.conversion_paths as
select * from (values
    ('c1', 'a', timestamp '2025-03-03 10:00', 90.00, 'USD', true, 'paid_search', 'paid_search'),
    ('c2', 'b', timestamp '2025-03-20 12:00', 40.00, 'USD', true, 'email', 'email'),
    ('c3', 'a', timestamp '2025-04-02 09:00', 45.50, 'USD', false, 'email', 'email')
) as t(conversion_id, customer_id, converted_at, revenue, currency, is_first_conversion,
       first_touch_channel, last_touch_channel);

-- paid_search: 90 revenue on 60 + 60 spend, ROAS 0.75, one new customer, CAC 120.
-- email: no spend, one new customer, CAC 0.
create table marts.channel_daily_performance as
select * from (values
    ('2025-03-03:paid_search', date '2025-03-03', 'paid_search', 90.00, 60.00, 1, 3),
    ('2025-03-04:paid_search', date '2025-03-04', 'paid_search', 0.00, 60.00, 0, 2),
    ('2025-03-20:email', date '2025-03-20', 'email', 40.00, 0.00, 1, 4)
) as t(channel_day_id, activity_date, channel, sum_revenue, spend_amount,
       count_new_customers, count_touches);

-- spring_sale: 30 + 20 spend, 2 new customers, CAC 25.
-- summer_preview: 15 spend, no new customer, CAC NULL.
-- june_news: no spend, one new customer, CAC 0.
create table marts.campaign_daily_performance as
select * from (values
    ('2025-03-03:paid_search:spring_sale', date '2025-03-03', 'paid_search', 'Spring_Sale',
     'spring_sale', 30.00, 1),
    ('2025-03-04:paid_search:spring_sale', date '2025-03-04', 'paid_search', 'Spring_Sale',
     'spring_sale', 20.00, 1),
    ('2025-03-04:paid_search:summer_preview', date '2025-03-04', 'paid_search',
     'summer_preview', 'summer_preview', 15.00, 0),
    ('2025-03-20:email:june_news', date '2025-03-20', 'email', 'june_news', 'june_news',
     0.00, 1)
) as t(campaign_day_id, activity_date, channel, campaign, campaign_key, spend_amount,
       count_new_customers);
"""


@dataclass(frozen=True)
class ParsedProject:
    project_dir: Path
    environment: dict[str, str]


def run(command: list[str], project: ParsedProject) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        command,
        cwd=project.project_dir,
        env=project.environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


@pytest.fixture(scope="module")
def parsed_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParsedProject]:
    """Copy the dbt project, parse it and build the time spine in a hand-built warehouse."""
    work_dir = tmp_path_factory.mktemp("semantic")
    project_dir = work_dir / "dbt_project"
    project_dir.mkdir()
    for entry in PROJECT_ENTRIES:
        source = DBT_PROJECT_DIR / entry
        if source.is_dir():
            shutil.copytree(source, project_dir / entry)
        elif source.exists():
            shutil.copy2(source, project_dir / entry)
    warehouse = work_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(MARTS_SQL)
    environment = {
        **os.environ,
        "RIGHTPATH_WAREHOUSE_PATH": str(warehouse),
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_PROJECT_DIR": str(project_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    project = ParsedProject(project_dir, environment)
    run([str(BIN_DIR / "dbt"), "parse", "--quiet"], project)
    run([str(BIN_DIR / "dbt"), "run", "--quiet", "--select", "metricflow_time_spine"], project)
    yield project


def query_metrics(project: ParsedProject, name: str, arguments: list[str]) -> list[dict]:
    output = project.project_dir / f"{name}.csv"
    run([str(BIN_DIR / "mf"), "query", *arguments, "--csv", str(output), "--quiet"], project)
    with open(output, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_semantic_manifest_lists_metrics(parsed_project: ParsedProject):
    path = parsed_project.project_dir / "target" / "semantic_manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    metrics = {metric["name"] for metric in manifest["metrics"]}
    assert EXPECTED_METRICS <= metrics
    semantic_models = {model["name"] for model in manifest["semantic_models"]}
    assert {
        "conversions",
        "channel_days",
        "campaign_days",
        "attribution",
        "customer_profiles",
    } <= semantic_models
    roas = next(metric for metric in manifest["metrics"] if metric["name"] == "roas")
    assert roas["type"] == "ratio"


def test_exposures_depend_on_marts(parsed_project: ParsedProject):
    path = parsed_project.project_dir / "target" / "manifest.json"
    exposures = json.loads(path.read_text(encoding="utf-8"))["exposures"]
    report = exposures["exposure.rightpath.insights_report"]
    assert "model.rightpath.attribution_credits" in report["depends_on"]["nodes"]
    assert "model.rightpath.channel_daily_performance" in report["depends_on"]["nodes"]
    assert exposures["exposure.rightpath.bi_dashboard"]["type"] == "dashboard"


def test_mf_query_revenue_by_month(parsed_project: ParsedProject):
    rows = query_metrics(
        parsed_project,
        "revenue_by_month",
        ["--metrics", "revenue,conversions,active_customers", "--group-by", "metric_time__month"],
    )
    by_month = {row["metric_time__month"][:7]: row for row in rows}
    assert set(by_month) == {"2025-03", "2025-04"}
    assert float(by_month["2025-03"]["revenue"]) == pytest.approx(130.00)
    assert int(by_month["2025-03"]["conversions"]) == 2
    assert int(by_month["2025-03"]["active_customers"]) == 2
    assert float(by_month["2025-04"]["revenue"]) == pytest.approx(45.50)
    assert int(by_month["2025-04"]["active_customers"]) == 1


def test_mf_query_roas_and_cac_by_channel(parsed_project: ParsedProject):
    rows = query_metrics(
        parsed_project,
        "efficiency_by_channel",
        ["--metrics", "roas,cac,ad_spend", "--group-by", "channel_day__channel"],
    )
    by_channel = {row["channel_day__channel"]: row for row in rows}
    assert float(by_channel["paid_search"]["roas"]) == pytest.approx(0.75)
    assert float(by_channel["paid_search"]["cac"]) == pytest.approx(120.0)
    assert float(by_channel["paid_search"]["ad_spend"]) == pytest.approx(120.0)
    # No spend: ROAS divides by zero and is empty, CAC is 0 / 1.
    assert by_channel["email"]["roas"] == ""
    assert float(by_channel["email"]["cac"]) == pytest.approx(0.0)


def test_mf_query_cac_by_campaign(parsed_project: ParsedProject):
    rows = query_metrics(
        parsed_project,
        "cac_by_campaign",
        ["--metrics", "campaign_cac,campaign_ad_spend", "--group-by", "campaign_day__campaign"],
    )
    by_campaign = {row["campaign_day__campaign"]: row for row in rows}
    assert set(by_campaign) == {"Spring_Sale", "summer_preview", "june_news"}
    assert float(by_campaign["Spring_Sale"]["campaign_cac"]) == pytest.approx(25.0)
    assert float(by_campaign["Spring_Sale"]["campaign_ad_spend"]) == pytest.approx(50.0)
    # No new customer: the ratio divides by zero and is empty.
    assert by_campaign["summer_preview"]["campaign_cac"] == ""
    # No spend and one new customer: 0 / 1.
    assert float(by_campaign["june_news"]["campaign_cac"]) == pytest.approx(0.0)
