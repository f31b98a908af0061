"""Build campaign_daily_performance with dbt on hand-built raw rows.

The raw rows below are loaded into a new DuckDB file, and one ``dbt build``
per module builds this mart, channel_daily_performance for comparison, their
parents and the tests on them. dbt runs without
Dagster, so the Markov and Shapley columns are 0 here; tests/journey's
pipeline test covers those models.

Raw rows (all web events are pages, EUR converts at the seed rate 1.08):
  eva:  we1 2024-06-10 09:00 google/cpc/spring_sale (paid_search),
        we2 09:10 without UTM or referrer (direct, campaign '(none)', not
        attributable because it is her second page view of the day),
        order oe1 12:00, 120.00 USD. Path: we1.
  finn: wf1 2024-06-10 11:00 google/cpc/spring_sale (paid_search),
        wf2 11:20 newsletter/email/june_news (email),
        order of1 12:30, 60.00 EUR = 64.80 USD. Path: wf1, wf2.
  gus:  wg1 2024-06-09 15:00 google/display/retarget_display (display), no order.
  eva again: we3 2024-06-11 10:00 google/cpc/Spring_Sale (paid_search, the
        same campaign in another case), order oe2 13:00, 40.00 USD. Path: we3.
        oe2 is her second order, so it converts but acquires no new customer.
Ad spend:
  2024-06-10 google_ads spring_sale: two device rows, 30 EUR with 600
    impressions and 24 clicks, 20 EUR with 400 impressions and 16 clicks.
  2024-06-10 google_ads summer_preview: 10 USD, 200 impressions, 5 clicks,
    and no touch with that campaign.
  2024-06-09 google_ads retarget_display: 8 USD, 5000 impressions, 10 clicks.
  2024-06-10 facebook_ads without a campaign name: 4 USD, 100 impressions, 2 clicks.
  2024-06-11 google_ads ' SPRING_SALE' (spring_sale in upper case with a
    leading space): 5 USD, 100 impressions, 3 clicks.
New customers are eva (oe1, last touch we1) and finn (of1, last touch wf2).
"""

import os
import subprocess
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from orchestration.quality.great_expectations import load_suite, validate_table
from tests.dbt.test_marts_tiny import (
    DBT_EXECUTABLE,
    DBT_PROJECT_DIR,
    REPOSITORY_ROOT,
    create_raw_tables,
)

SUITE_PATH = REPOSITORY_ROOT / "expectations" / "marts.campaign_daily_performance.json"

RAW_CAMPAIGN_SQL = """
insert into raw.web_events (
    event_id, event_type, occurred_at, platform, anonymous_id, email, page_url, referrer,
    utm_source, utm_medium, utm_campaign, _file, _line, _format, _loaded_at
) values
    ('we1', 'page', timestamp '2024-06-10 09:00:00', 'web', 'ck_eva', 'eva@example.com',
     'https://shop.example.com/a', null, 'google', 'cpc', 'spring_sale',
     'w.jsonl', 1, 'test', timestamp '2024-07-01 00:00:00'),
    ('we2', 'page', timestamp '2024-06-10 09:10:00', 'web', 'ck_eva', 'eva@example.com',
     'https://shop.example.com/b', null, null, null, null,
     'w.jsonl', 2, 'test', timestamp '2024-07-01 00:00:00'),
    ('wf1', 'page', timestamp '2024-06-10 11:00:00', 'web', 'ck_finn', 'finn@example.com',
     'https://shop.example.com/c', null, 'google', 'cpc', 'spring_sale',
     'w.jsonl', 3, 'test', timestamp '2024-07-01 00:00:00'),
    ('wf2', 'page', timestamp '2024-06-10 11:20:00', 'web', 'ck_finn', 'finn@example.com',
     'https://shop.example.com/d', null, 'newsletter', 'email', 'june_news',
     'w.jsonl', 4, 'test', timestamp '2024-07-01 00:00:00'),
    ('wg1', 'page', timestamp '2024-06-09 15:00:00', 'web', 'ck_gus', 'gus@example.com',
     'https://shop.example.com/e', null, 'google', 'display', 'retarget_display',
     'w.jsonl', 5, 'test', timestamp '2024-07-01 00:00:00'),
    ('we3', 'page', timestamp '2024-06-11 10:00:00', 'web', 'ck_eva', 'eva@example.com',
     'https://shop.example.com/f', null, 'google', 'cpc', 'Spring_Sale',
     'w.jsonl', 6, 'test', timestamp '2024-07-01 00:00:00');

insert into raw.orders (
    order_id, customer_id, email, ordered_at, total_amount, currency, financial_status, source_name,
    _file, _line, _format, _loaded_at
) values
    ('oe1', null, 'eva@example.com', timestamp '2024-06-10 12:00:00', 120.00, 'USD', 'paid', 'web',
     'o.csv', 1, 'test', timestamp '2024-07-01 00:00:00'),
    ('of1', null, 'finn@example.com', timestamp '2024-06-10 12:30:00', 60.00, 'EUR', 'paid', 'web',
     'o.csv', 2, 'test', timestamp '2024-07-01 00:00:00'),
    ('oe2', null, 'eva@example.com', timestamp '2024-06-11 13:00:00', 40.00, 'USD', 'paid', 'web',
     'o.csv', 3, 'test', timestamp '2024-07-01 00:00:00');

insert into raw.ad_spend (
    spend_date, platform, campaign_id, campaign_name, impressions, clicks, spend_amount, currency,
    _file, _line, _format, _loaded_at
) values
    (date '2024-06-10', 'google_ads', 'g_1', 'spring_sale', 600, 24, 30.0000, 'EUR',
     'a.csv', 1, 'test', timestamp '2024-07-01 00:00:00'),
    (date '2024-06-10', 'google_ads', 'g_1', 'spring_sale', 400, 16, 20.0000, 'EUR',
     'a.csv', 2, 'test', timestamp '2024-07-01 00:00:00'),
    (date '2024-06-10', 'google_ads', 'g_2', 'summer_preview', 200, 5, 10.0000, 'USD',
     'a.csv', 3, 'test', timestamp '2024-07-01 00:00:00'),
    (date '2024-06-09', 'google_ads', 'g_3', 'retarget_display', 5000, 10, 8.0000, 'USD',
     'a.csv', 4, 'test', timestamp '2024-07-01 00:00:00'),
    (date '2024-06-10', 'facebook_ads', 'f_1', null, 100, 2, 4.0000, 'USD',
     'b.csv', 1, 'test', timestamp '2024-07-01 00:00:00'),
    (date '2024-06-11', 'google_ads', 'g_1', ' SPRING_SALE', 100, 3, 5.0000, 'USD',
     'a.csv', 5, 'test', timestamp '2024-07-01 00:00:00');
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Load the raw rows, build the mart and its parents with their tests, and
    yield a read-only connection."""
    work_dir = tmp_path_factory.mktemp("campaign_mart")
    warehouse_path = work_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse_path)) as connection:
        create_raw_tables(connection)
        connection.execute(RAW_CAMPAIGN_SQL)

    # Cautious indirect selection runs only the tests whose models are all
    # selected, so no test reads a model this build skips.
    completed = subprocess.run(
        [
            str(DBT_EXECUTABLE),
            "build",
            "--select",
            "+campaign_daily_performance +channel_daily_performance",
            "--indirect-selection",
            "cautious",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env={**os.environ, "RIGHTPATH_WAREHOUSE_PATH": str(warehouse_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, (
        f"dbt build failed with exit code {completed.returncode}:\n{completed.stdout}"
        f"{completed.stderr}"
    )

    connection = duckdb.connect(str(warehouse_path), read_only=True)
    yield connection
    connection.close()


def fetch_row(connection: duckdb.DuckDBPyConnection, day: str, channel: str, campaign: str) -> dict:
    cursor = connection.execute(
        "select * from marts.campaign_daily_performance"
        " where activity_date = cast(? as date) and channel = ? and campaign = ?",
        [day, channel, campaign],
    )
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, f"expected one row for {day} {channel} {campaign}, got {len(rows)}"
    return dict(zip(names, rows[0], strict=True))


def test_grain_keys(warehouse):
    keys = warehouse.execute(
        "select activity_date, channel, campaign from marts.campaign_daily_performance"
        " order by activity_date, channel, campaign"
    ).fetchall()
    # Orders are touches of channel 'store' with their source_name as the
    # campaign. The Facebook spend without a campaign name is '(none)'.
    assert keys == [
        (date(2024, 6, 9), "display", "retarget_display"),
        (date(2024, 6, 10), "direct", "(none)"),
        (date(2024, 6, 10), "email", "june_news"),
        (date(2024, 6, 10), "paid_search", "spring_sale"),
        (date(2024, 6, 10), "paid_search", "summer_preview"),
        (date(2024, 6, 10), "paid_social", "(none)"),
        (date(2024, 6, 10), "store", "web"),
        (date(2024, 6, 11), "paid_search", "spring_sale"),
        (date(2024, 6, 11), "store", "web"),
    ]


def test_campaign_day_activity(warehouse):
    row = fetch_row(warehouse, "2024-06-10", "paid_search", "spring_sale")
    assert row["campaign_day_id"] == "2024-06-10:paid_search:spring_sale"
    # we1 and wf1. we2 is direct and does not count here.
    assert row["count_touches"] == 2
    assert row["count_reached_customers"] == 2
    # Eva's session starts with we1 and Finn's with wf1 (wf2 is 20 minutes
    # later, inside the 30-minute timeout).
    assert row["count_sessions"] == 2


def test_campaign_day_spend(warehouse):
    row = fetch_row(warehouse, "2024-06-10", "paid_search", "spring_sale")
    assert row["reporting_currency"] == "USD"
    # Two device rows: (30 + 20) EUR * 1.08 = 54.0000 USD.
    assert row["spend_amount"] == Decimal("54.0000")
    assert row["count_impressions"] == 600 + 400
    assert row["count_clicks"] == 24 + 16
    # 40 / 1000.
    assert row["ctr"] == pytest.approx(0.04)


def test_campaign_day_attribution(warehouse):
    row = fetch_row(warehouse, "2024-06-10", "paid_search", "spring_sale")
    # first_touch: oe1 (we1) and of1 (wf1), 120.00 + 64.80.
    assert row["attributed_conversions_first_touch"] == pytest.approx(2.0)
    assert row["attributed_revenue_first_touch"] == Decimal("184.80")
    # last_touch: only oe1, because of1's last touch wf2 is email.
    assert row["attributed_conversions_last_touch"] == pytest.approx(1.0)
    assert row["attributed_revenue_last_touch"] == Decimal("120.00")
    # linear: all of oe1 and half of of1, 120.00 + 30.00 EUR * 1.08.
    assert row["attributed_conversions_linear"] == pytest.approx(1.5)
    assert row["attributed_revenue_linear"] == Decimal("152.40")
    # No Dagster step ran, so no Markov or Shapley credits exist.
    assert row["attributed_conversions_markov"] == 0.0
    assert row["attributed_revenue_shapley"] == Decimal("0.00")


def test_campaign_day_ratios(warehouse):
    row = fetch_row(warehouse, "2024-06-10", "paid_search", "spring_sale")
    # Last-touch revenue over spend: 120.00 / 54.0000.
    assert row["roas"] == pytest.approx(120 / 54)
    # Spend over last-touch conversions: 54.0000 / 1.
    assert row["cpa"] == Decimal("54.0000")


def test_unmatched_spend_own_row(warehouse):
    row = fetch_row(warehouse, "2024-06-10", "paid_search", "summer_preview")
    # No touch has utm_campaign 'summer_preview', so the spend keeps the
    # google_ads channel from ad_platform_channels.
    assert row["count_touches"] == 0
    assert row["count_sessions"] == 0
    assert row["spend_amount"] == Decimal("10.0000")
    assert row["count_impressions"] == 200
    assert row["count_clicks"] == 5
    # 5 / 200.
    assert row["ctr"] == pytest.approx(0.025)
    # No attributed revenue: 0.00 / 10.0000.
    assert row["roas"] == 0.0
    assert row["cpa"] is None
    assert row["attributed_conversions_last_touch"] == 0.0


def test_spend_follows_touch_channel(warehouse):
    # wg1's medium 'display' makes its channel display, so the Google Ads
    # spend of the same campaign goes there instead of paid_search.
    row = fetch_row(warehouse, "2024-06-09", "display", "retarget_display")
    assert row["count_touches"] == 1
    assert row["count_sessions"] == 1
    assert row["spend_amount"] == Decimal("8.0000")
    # 10 / 5000.
    assert row["ctr"] == pytest.approx(0.002)


def test_rows_without_campaign(warehouse):
    direct = fetch_row(warehouse, "2024-06-10", "direct", "(none)")
    # we2 only. It is in Eva's session, which started with we1.
    assert direct["count_touches"] == 1
    assert direct["count_sessions"] == 0
    assert direct["spend_amount"] == Decimal("0.0000")
    assert direct["roas"] is None
    assert direct["ctr"] is None

    facebook = fetch_row(warehouse, "2024-06-10", "paid_social", "(none)")
    assert facebook["count_touches"] == 0
    assert facebook["spend_amount"] == Decimal("4.0000")


def test_email_campaign_last_touch(warehouse):
    row = fetch_row(warehouse, "2024-06-10", "email", "june_news")
    # of1's last touch wf2: 60.00 EUR * 1.08 = 64.80, linear half 32.40.
    assert row["attributed_conversions_last_touch"] == pytest.approx(1.0)
    assert row["attributed_revenue_last_touch"] == Decimal("64.80")
    assert row["attributed_revenue_linear"] == Decimal("32.40")
    assert row["spend_amount"] == Decimal("0.0000")
    assert row["count_impressions"] is None


def test_totals_match_channel_mart(warehouse):
    campaign_totals = warehouse.execute(
        "select sum(spend_amount), sum(attributed_revenue_linear), sum(count_touches)"
        " from marts.campaign_daily_performance"
    ).fetchone()
    channel_totals = warehouse.execute(
        "select sum(spend_amount), sum(attributed_revenue_linear), sum(count_touches)"
        " from marts.channel_daily_performance"
    ).fetchone()
    # Spend 54 + 10 + 8 + 4 + 5 = 81, revenue 120.00 + 64.80 + 40.00,
    # touches 6 pages + 3 orders.
    assert campaign_totals == (Decimal("81.0000"), Decimal("224.80"), 9)
    assert channel_totals == campaign_totals


def test_acquisition_totals_match_channel_mart(warehouse):
    campaign_totals = warehouse.execute(
        "select sum(count_conversions), sum(count_new_customers)"
        " from marts.campaign_daily_performance"
    ).fetchone()
    channel_totals = warehouse.execute(
        "select sum(count_conversions), sum(count_new_customers)"
        " from marts.channel_daily_performance"
    ).fetchone()
    # oe1, of1 and oe2 convert. oe1 and of1 are first orders.
    assert campaign_totals == (3, 2)
    assert channel_totals == campaign_totals


def test_campaign_day_acquisition(warehouse):
    row = fetch_row(warehouse, "2024-06-10", "paid_search", "spring_sale")
    # oe1's last touch is we1. of1's last touch is wf2 (email).
    assert row["count_conversions"] == 1
    assert row["count_new_customers"] == 1
    # 54.0000 USD spend / 1 new customer.
    assert row["cac"] == Decimal("54.0000")
    # 1 conversion / 2 sessions.
    assert row["conversion_rate"] == pytest.approx(0.5)


def test_zero_acquisition_day(warehouse):
    row = fetch_row(warehouse, "2024-06-11", "paid_search", "spring_sale")
    # oe2 converts on we3, but it is eva's second order.
    assert row["count_conversions"] == 1
    assert row["count_new_customers"] == 0
    assert row["spend_amount"] == Decimal("5.0000")
    assert row["cac"] is None
    # 5.0000 / 1 last-touch conversion.
    assert row["cpa"] == Decimal("5.0000")
    # 40.00 / 5.0000.
    assert row["roas"] == pytest.approx(8.0)
    # 1 conversion / 1 session (we3).
    assert row["conversion_rate"] == pytest.approx(1.0)
    # 3 / 100.
    assert row["ctr"] == pytest.approx(0.03)


def test_campaign_spelled_in_two_cases(warehouse):
    rows = warehouse.execute(
        "select activity_date, campaign, campaign_key, campaign_day_id, count_touches,"
        " spend_amount from marts.campaign_daily_performance"
        " where campaign_key = 'spring_sale' order by activity_date"
    ).fetchall()
    # we3's 'Spring_Sale' and the spend row ' SPRING_SALE' join the same
    # campaign. 'spring_sale' names 2 spend rows and ' SPRING_SALE' one,
    # so 'spring_sale' is the display name on both days.
    assert rows == [
        (
            date(2024, 6, 10),
            "spring_sale",
            "spring_sale",
            "2024-06-10:paid_search:spring_sale",
            2,
            Decimal("54.0000"),
        ),
        (
            date(2024, 6, 11),
            "spring_sale",
            "spring_sale",
            "2024-06-11:paid_search:spring_sale",
            1,
            Decimal("5.0000"),
        ),
    ]
    spellings = warehouse.execute(
        "select campaign, count_spellings from intermediate.int_campaign_names"
        " where campaign_key = 'spring_sale'"
    ).fetchall()
    # 'spring_sale', 'Spring_Sale' and 'SPRING_SALE'.
    assert spellings == [("spring_sale", 3)]


def test_acquisition_without_spend_or_sessions(warehouse):
    email = fetch_row(warehouse, "2024-06-10", "email", "june_news")
    # of1 is finn's first order. No spend, so CAC is 0 as in the channel mart.
    assert email["count_new_customers"] == 1
    assert email["cac"] == Decimal("0.0000")
    # wf2 is inside finn's session, which started with wf1.
    assert email["count_sessions"] == 0
    assert email["conversion_rate"] is None

    unmatched = fetch_row(warehouse, "2024-06-10", "paid_search", "summer_preview")
    assert unmatched["count_conversions"] == 0
    assert unmatched["cac"] is None
    assert unmatched["conversion_rate"] is None

    display = fetch_row(warehouse, "2024-06-09", "display", "retarget_display")
    # One session (wg1) and no conversion.
    assert display["conversion_rate"] == 0.0
    assert display["cac"] is None


def test_expectation_suite_passes(warehouse):
    loaded = load_suite(SUITE_PATH)
    assert loaded.invalid_expectations == []
    outcome = validate_table(warehouse, "marts", "campaign_daily_performance", loaded)
    assert outcome.errors == []
    assert outcome.failures == []
    assert outcome.evaluated_expectations == len(loaded.suite.expectations)
