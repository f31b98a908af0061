"""Run the whole job on the tiny landing set and check the mart rows.

The expected values are worked out by hand from the landing files in
``support.py`` and the rules in the dbt model descriptions. The customers and
their records are listed in the docstring of ``support.py``. All times are
UTC and all dates are in March 2025.
"""

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from dagster import AssetKey

from orchestration.ingest.schema import RAW_TABLES
from orchestration.quality.suite_files import discover_suites
from orchestration.settings import EXPECTATIONS_DIR

from .support import (
    MART_TABLE_NAMES,
    PUBLISHED_MARTS_KEY,
    PipelineRun,
    fetch_dicts,
)


@pytest.fixture(scope="module")
def warehouse(tiny_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    tiny_run.require_success()
    connection = tiny_run.connect_warehouse()
    yield connection
    connection.close()


def fetch_one(connection: duckdb.DuckDBPyConnection, sql: str, parameters: list) -> dict:
    rows = fetch_dicts(connection, sql, parameters)
    assert len(rows) == 1, f"expected one row for {parameters}, got {len(rows)}: {sql}"
    return rows[0]


def fetch_customer(connection: duckdb.DuckDBPyConnection, primary_email: str) -> dict:
    """Return the customers row found by its primary email.

    Looking customers up by email keeps these tests independent of how
    customer_id is derived from the identifiers.
    """
    return fetch_one(
        connection, "select * from marts.customers where primary_email = ?", [primary_email]
    )


def fetch_path(connection: duckdb.DuckDBPyConnection, conversion_id: str) -> dict:
    return fetch_one(
        connection, "select * from marts.conversion_paths where conversion_id = ?", [conversion_id]
    )


def fetch_channel_day(
    connection: duckdb.DuckDBPyConnection, activity_date: date, channel: str
) -> dict:
    return fetch_one(
        connection,
        "select * from marts.channel_daily_performance where activity_date = ? and channel = ?",
        [activity_date, channel],
    )


# --- the run ------------------------------------------------------------------


def test_run_succeeded(tiny_run):
    assert tiny_run.result.success, f"failed steps: {tiny_run.step_failures()}"


def test_every_check_passed(tiny_run):
    evaluations = tiny_run.result.get_asset_check_evaluations()
    failed = [
        f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
        for evaluation in evaluations
        if not evaluation.passed
    ]
    assert evaluations, "the run evaluated no asset checks"
    assert failed == []


def test_suite_checks_ran(tiny_run):
    evaluations = tiny_run.check_evaluations()
    for suite in discover_suites(EXPECTATIONS_DIR):
        check = (AssetKey([suite.schema, suite.table]), f"{suite.table}_expectations")
        assert check in evaluations, f"{suite.path.name} was not evaluated"
    for table in RAW_TABLES:
        assert (AssetKey(["raw", table]), "landed_rows_reconciled") in evaluations


def test_published_marts_materialized(tiny_run):
    materialized = tiny_run.materialized_keys()
    assert PUBLISHED_MARTS_KEY in materialized
    for table in MART_TABLE_NAMES:
        assert AssetKey(["marts", table]) in materialized


# --- identity stitching ---------------------------------------------------------


def test_customers_count(warehouse):
    # alice, bob, carol, dave and eve. The brand account's tweet is outbound,
    # so its author is no customer, and the quarantined line adds no cookie.
    (count,) = warehouse.execute("select count(*) from marts.customers").fetchone()
    assert count == 5


def test_identity_chain_stitched(warehouse):
    alice = fetch_customer(warehouse, "alice@example.com")
    # cookie and user_id (web identify), email (web, email, shop), phone
    # (shop, support), requester_id and handle (support, tweet): 6.
    assert alice["count_identifiers"] == 6
    assert alice["primary_email"] == "alice@example.com"
    assert alice["primary_phone"] == "+15550100001"
    assert alice["primary_handle"] == "alicetweets"
    # The paid search page view msg-a1 is alice's first record, and order
    # #1003 (2025-03-12 10:00 -0400) her last.
    assert alice["first_seen_at"] == datetime(2025, 3, 3, 9, 0)
    assert alice["last_seen_at"] == datetime(2025, 3, 12, 14, 0)


def test_chain_customer_activity(warehouse):
    alice = fetch_customer(warehouse, "alice@example.com")
    assert alice["channels_used"] == "email,paid_search,social,store,support"
    # Page msg-a1 once, email send, click and open, tweet 101, ticket 501 and
    # orders #1001 and #1003. The identify call and the brand's reply are no touches.
    assert alice["count_touches"] == 8
    assert alice["count_orders"] == 2
    # #1001 90.00 + #1003 45.50.
    assert alice["total_revenue"] == Decimal("135.50")
    # #1001 was created at 07:00 -0500.
    assert alice["first_order_at"] == datetime(2025, 3, 6, 12, 0)
    assert alice["last_order_at"] == datetime(2025, 3, 12, 14, 0)
    assert alice["count_support_tickets"] == 1


def test_email_case_and_spaces_one_customer(warehouse):
    # 'BOB@Example.com' on the email open and ' bob@example.COM ' on order #1002.
    bob = fetch_customer(warehouse, "bob@example.com")
    assert bob["count_identifiers"] == 1
    assert bob["primary_email"] == "bob@example.com"
    assert bob["channels_used"] == "email,store"
    assert bob["count_orders"] == 1
    assert bob["total_revenue"] == Decimal("40.00")
    assert fetch_path(warehouse, "#1002")["customer_id"] == bob["customer_id"]


def test_requester_without_orders(warehouse):
    eve = fetch_customer(warehouse, "eve@example.com")
    assert eve["count_identifiers"] == 2
    assert eve["channels_used"] == "support"
    assert eve["count_orders"] == 0
    assert eve["total_revenue"] == Decimal("0.00")
    assert eve["first_order_at"] is None
    assert eve["count_support_tickets"] == 1


def test_duplicate_event_counted_once(warehouse):
    (raw_copies,) = warehouse.execute(
        "select count(*) from raw.web_events where event_id = 'msg-a1'"
    ).fetchone()
    (files,) = warehouse.execute(
        "select count(distinct _file) from raw.web_events where event_id = 'msg-a1'"
    ).fetchone()
    (touches,) = warehouse.execute(
        "select count(*) from intermediate.int_touchpoints_unioned"
        " where touchpoint_id = 'web:msg-a1'"
    ).fetchone()
    # Twice in web/events.jsonl and once in web/events_late.jsonl.
    assert raw_copies == 3
    assert files == 2
    assert touches == 1


# --- conversion paths -----------------------------------------------------------


def test_conversion_paths_count(warehouse):
    # Orders #1001 to #1005.
    (count,) = warehouse.execute("select count(*) from marts.conversion_paths").fetchone()
    assert count == 5


def test_three_touch_path(warehouse):
    path = fetch_path(warehouse, "#1001")
    assert path["customer_id"] == fetch_customer(warehouse, "alice@example.com")["customer_id"]
    assert path["converted_at"] == datetime(2025, 3, 6, 12, 0)
    assert path["revenue"] == Decimal("90.00")
    assert path["currency"] == "USD"
    assert path["is_first_conversion"] is True
    # In the window [02-04 12:00, 03-06 12:00]: page msg-a1 (03-03 09:00,
    # paid_search), email click (03-04 10:00) and tweet 101 (03-05 15:00).
    # The email send is not attributable.
    assert path["count_touches"] == 3
    assert path["path"] == "paid_search > email > social"
    assert path["first_touch_channel"] == "paid_search"
    assert path["last_touch_channel"] == "social"


def test_path_starts_after_previous_order(warehouse):
    path = fetch_path(warehouse, "#1003")
    assert path["customer_id"] == fetch_customer(warehouse, "alice@example.com")["customer_id"]
    assert path["is_first_conversion"] is False
    # Only the email open of 03-11 is after #1001 (03-06 12:00). Ticket 501 is
    # in the window but not attributable.
    assert path["count_touches"] == 1
    assert path["path"] == "email"


def test_single_paid_search_path(warehouse):
    path = fetch_path(warehouse, "#1005")
    assert path["customer_id"] == fetch_customer(warehouse, "dave@example.com")["customer_id"]
    assert path["converted_at"] == datetime(2025, 3, 3, 16, 0)
    assert path["count_touches"] == 1
    assert path["path"] == "paid_search"


def test_order_without_touch_is_direct(warehouse):
    path = fetch_path(warehouse, "#1004")
    assert path["customer_id"] == fetch_customer(warehouse, "carol@example.com")["customer_id"]
    assert path["converted_at"] == datetime(2025, 3, 6, 15, 30)
    assert path["count_touches"] == 0
    assert path["path"] == "direct"
    assert path["first_touch_channel"] == "direct"
    assert path["last_touch_channel"] == "direct"


# --- attribution credits --------------------------------------------------------


def test_attribution_credits_count(warehouse):
    # 3 rows for #1001, 1 each for #1002, #1003 and #1005, and the direct row of #1004.
    (count,) = warehouse.execute("select count(*) from marts.attribution_credits").fetchone()
    assert count == 7


def test_three_touch_credits(warehouse):
    credits = fetch_dicts(
        warehouse,
        "select * from marts.attribution_credits where conversion_id = '#1001'"
        " order by touch_position",
    )
    assert [credit["touch_position"] for credit in credits] == [1, 2, 3]
    assert [credit["channel"] for credit in credits] == ["paid_search", "email", "social"]
    assert credits[0]["touchpoint_id"] == "web:msg-a1"
    assert credits[1]["touchpoint_id"].startswith("email:")
    assert credits[2]["touchpoint_id"] == "social:101"
    assert [credit["touched_at"] for credit in credits] == [
        datetime(2025, 3, 3, 9, 0),
        datetime(2025, 3, 4, 10, 0),
        datetime(2025, 3, 5, 15, 0),
    ]
    assert [credit["first_touch_credit"] for credit in credits] == [1.0, 0.0, 0.0]
    assert [credit["last_touch_credit"] for credit in credits] == [0.0, 0.0, 1.0]
    assert [credit["linear_credit"] for credit in credits] == pytest.approx([1 / 3] * 3)


def test_three_touch_revenue_split(warehouse):
    credits = fetch_dicts(
        warehouse,
        "select * from marts.attribution_credits where conversion_id = '#1001'"
        " order by touch_position",
    )
    # 90.00 all to the first touch, all to the last touch, and 90.00 / 3 = 30.00 each.
    assert [credit["first_touch_revenue"] for credit in credits] == [
        Decimal("90.000000"),
        Decimal("0"),
        Decimal("0"),
    ]
    assert [credit["last_touch_revenue"] for credit in credits] == [
        Decimal("0"),
        Decimal("0"),
        Decimal("90.000000"),
    ]
    assert [credit["linear_revenue"] for credit in credits] == [Decimal("30.000000")] * 3
    assert sum(credit["linear_revenue"] for credit in credits) == Decimal("90.000000")


def test_direct_credit_row(warehouse):
    credits = fetch_dicts(
        warehouse, "select * from marts.attribution_credits where conversion_id = '#1004'"
    )
    assert len(credits) == 1
    assert credits[0]["channel"] == "direct"
    assert credits[0]["touchpoint_id"] is None
    assert credits[0]["touched_at"] is None
    assert credits[0]["first_touch_credit"] == 1.0
    assert credits[0]["last_touch_credit"] == 1.0
    assert credits[0]["linear_credit"] == 1.0
    assert credits[0]["linear_revenue"] == Decimal("25.000000")


# --- channel daily performance ----------------------------------------------------


def test_channel_daily_grid(warehouse):
    rows, dates, channels = warehouse.execute(
        "select count(*), count(distinct activity_date), count(distinct channel)"
        " from marts.channel_daily_performance"
    ).fetchone()
    # 03-03 (first page view) to 03-12 (order #1003) is 10 days. Channels:
    # paid_search, email, social, support, store and direct (#1004's conversion).
    assert dates == 10
    assert channels == 6
    assert rows == 60


def test_paid_search_day_with_spend(warehouse):
    day = fetch_channel_day(warehouse, date(2025, 3, 3), "paid_search")
    # Page views msg-a1 (once, although landed twice) and msg-d1.
    assert day["count_touches"] == 2
    assert day["count_reached_customers"] == 2
    # #1005 of dave, his first order, last touch msg-d1.
    assert day["count_conversions"] == 1
    assert day["sum_revenue"] == Decimal("120.00")
    assert day["count_new_customers"] == 1
    # cost_micros 60000000 / 1,000,000.
    assert day["spend_amount"] == Decimal("60.0000")
    # 120.00 / 60.00.
    assert day["roas"] == 2.0
    # 60.00 / 1 new customer.
    assert day["cac"] == Decimal("60.0000")


def test_store_day(warehouse):
    day = fetch_channel_day(warehouse, date(2025, 3, 6), "store")
    # Orders #1001 (alice) and #1004 (carol) are store touches, not conversions of store.
    assert day["count_touches"] == 2
    assert day["count_reached_customers"] == 2
    assert day["count_conversions"] == 0
    assert day["spend_amount"] == Decimal("0")


def test_conversion_day_without_spend(warehouse):
    day = fetch_channel_day(warehouse, date(2025, 3, 6), "social")
    # #1001's last touch is tweet 101 of 03-05, so its conversion counts on 03-06.
    assert day["count_touches"] == 0
    assert day["count_conversions"] == 1
    assert day["sum_revenue"] == Decimal("90.00")
    assert day["count_new_customers"] == 1
    assert day["spend_amount"] == Decimal("0")
    # No spend: ROAS is NULL, and CAC is 0 / 1 new customer.
    assert day["roas"] is None
    assert day["cac"] == Decimal("0")


def test_direct_conversion_day(warehouse):
    day = fetch_channel_day(warehouse, date(2025, 3, 6), "direct")
    assert day["count_touches"] == 0
    assert day["count_conversions"] == 1
    assert day["sum_revenue"] == Decimal("25.00")
    assert day["count_new_customers"] == 1


def test_repeat_order_not_new_customer(warehouse):
    day = fetch_channel_day(warehouse, date(2025, 3, 12), "email")
    # #1003 is alice's second order, last touch the email open of 03-11.
    assert day["count_touches"] == 0
    assert day["count_conversions"] == 1
    assert day["sum_revenue"] == Decimal("45.50")
    assert day["count_new_customers"] == 0
    assert day["cac"] is None


def test_email_day_touches(warehouse):
    day = fetch_channel_day(warehouse, date(2025, 3, 4), "email")
    # alice's send and click: two touches, one customer.
    assert day["count_touches"] == 2
    assert day["count_reached_customers"] == 1
    assert day["count_conversions"] == 0


def test_total_revenue_matches_orders(warehouse):
    (revenue,) = warehouse.execute(
        "select sum(sum_revenue) from marts.channel_daily_performance"
    ).fetchone()
    # 120.00 + 40.00 + 90.00 + 25.00 + 45.50.
    assert revenue == Decimal("320.50")


def test_spend_sums_device_rows(warehouse):
    day = fetch_channel_day(warehouse, date(2025, 3, 4), "paid_search")
    # DESKTOP 36150000 + MOBILE 23850000 cost_micros of campaign 111.
    assert day["spend_amount"] == Decimal("60.0000")


# --- the published marts ----------------------------------------------------------


def table_rows(connection: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    """Return every row of `relation`, sorted by all columns."""
    return connection.execute(f"select * from {relation} order by all").fetchall()


# Columns that hold personal identifiers. Without RIGHTPATH_PII_SALT, as in
# these runs, they are published as NULL.
PII_COLUMNS = {
    "customers": {"primary_email", "primary_phone", "primary_handle"},
    "identity_links": {
        "identifier_key_a",
        "identifier_value_a",
        "identifier_key_b",
        "identifier_value_b",
    },
}


def column_names(connection: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in connection.execute(f"describe {relation}").fetchall()]


def test_published_rows_equal_warehouse(tiny_run, warehouse):
    published = duckdb.connect(str(tiny_run.published_database), read_only=True)
    try:
        for table in MART_TABLE_NAMES:
            pii = PII_COLUMNS.get(table, set())
            columns = [c for c in column_names(warehouse, f"marts.{table}") if c not in pii]
            select_list = ", ".join(columns)
            assert table_rows(published, f"(select {select_list} from main.{table})") == (
                table_rows(warehouse, f"(select {select_list} from marts.{table})")
            ), f"published {table} differs from marts.{table}"
    finally:
        published.close()


def test_published_pii_withheld(tiny_run):
    with duckdb.connect(str(tiny_run.published_database), read_only=True) as published:
        for table, columns in PII_COLUMNS.items():
            for column in sorted(columns):
                (count,) = published.execute(f"select count({column}) from main.{table}").fetchone()
                assert count == 0, f"{table}.{column} published unhashed without a salt"


def test_manifest_lists_tables(tiny_run):
    manifest = json.loads(tiny_run.manifest_path.read_text())
    row_counts = {table["source"]: table["row_count"] for table in manifest["tables"]}
    assert set(row_counts) == {f"marts.{table}" for table in MART_TABLE_NAMES}
    # Worked out in the tests above.
    assert row_counts["marts.customers"] == 5
    assert row_counts["marts.channel_daily_performance"] == 60
    assert row_counts["marts.conversion_paths"] == 5
    assert row_counts["marts.attribution_credits"] == 7
    # The same 7 credited touches under each of the 8 attribution models.
    assert row_counts["marts.attribution_model_credits"] == 7 * 8
    # One row per customer.
    assert row_counts["marts.customer_journey_stages"] == 5
    # A first run has no earlier customer ids to absorb.
    assert row_counts["marts.customer_id_history"] == 0
    assert manifest["version"] == 1


def test_published_parquet_row_counts(tiny_run):
    manifest = json.loads(tiny_run.manifest_path.read_text())
    publish_dir = tiny_run.settings.publish_dir
    with duckdb.connect() as connection:
        for table in manifest["tables"]:
            parquet_path = publish_dir / table["parquet"]
            (count,) = connection.execute(
                "select count(*) from read_parquet(?)", [str(parquet_path)]
            ).fetchone()
            assert count == table["row_count"], f"{parquet_path} row count"
