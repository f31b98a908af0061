"""Build the dbt project on the tiny raw fixture and check the mart rows.

The expected values are worked out by hand from fixtures/raw_tiny.sql, whose
header lists the customers in it. One ``dbt build`` runs per module, which
also runs the project's data tests, unit tests and singular tests.
"""

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.schema import (
    LANDED_FILES_COLUMNS,
    LANDED_FILES_TABLE,
    QUARANTINE_COLUMNS,
    QUARANTINE_TABLE,
    RAW_SCHEMA,
    RAW_TABLES,
    create_table_sql,
    raw_table_ddl,
)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPOSITORY_ROOT / "dbt_project"
RAW_TINY_SQL = Path(__file__).resolve().parent / "fixtures" / "raw_tiny.sql"
# The dbt console script of the interpreter running the tests. dbt runs in a
# subprocess because dbt-duckdb keeps the warehouse file open in-process.
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


def customer_id_of(component_key: str) -> str:
    """Return the customer_id dbt derives from a component's best-ranked identifier key."""
    return hashlib.md5(component_key.encode()).hexdigest()


# The best-ranked identifier names the customer: a login user id (rank 1)
# for alice, the shop customer id (rank 2) before bob's email (rank 4).
ALICE = customer_id_of("user_id:u_100")
BOB = customer_id_of("shop_customer:sc_2")


def create_raw_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables from the ingest schema, so the fixture's inserts
    run against the columns the ingest step writes."""
    connection.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table in RAW_TABLES.values():
        connection.execute(raw_table_ddl(table))
    connection.execute(create_table_sql(QUARANTINE_TABLE, QUARANTINE_COLUMNS))
    connection.execute(create_table_sql(LANDED_FILES_TABLE, LANDED_FILES_COLUMNS))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Load the fixture into a new DuckDB file, run ``dbt build`` on it and
    yield a read-only connection."""
    work_dir = tmp_path_factory.mktemp("dbt_tiny")
    warehouse_path = work_dir / "warehouse.duckdb"

    with duckdb.connect(str(warehouse_path)) as connection:
        create_raw_tables(connection)
        connection.execute(RAW_TINY_SQL.read_text())

    completed = subprocess.run(
        [
            str(DBT_EXECUTABLE),
            "build",
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


def fetch_dicts(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_customer(connection: duckdb.DuckDBPyConnection, customer_id: str) -> dict:
    rows = fetch_dicts(
        connection, f"select * from marts.customers where customer_id = '{customer_id}'"
    )
    assert len(rows) == 1, f"expected one customers row for {customer_id}, got {len(rows)}"
    return rows[0]


def fetch_path(connection: duckdb.DuckDBPyConnection, conversion_id: str) -> dict:
    rows = fetch_dicts(
        connection,
        f"select * from marts.conversion_paths where conversion_id = '{conversion_id}'",
    )
    assert len(rows) == 1, f"expected one conversion_paths row for {conversion_id}"
    return rows[0]


def test_customers_count(warehouse):
    # alice, bob, the anonymous cookie ck_c and the email recipient dana.
    (count,) = warehouse.execute("select count(*) from marts.customers").fetchone()
    assert count == 4


def test_identity_chain_stitched(warehouse):
    alice = fetch_customer(warehouse, ALICE)
    # cookie, user_id, email, phone, shop_customer, requester_id, handle.
    assert alice["count_identifiers"] == 7
    assert alice["primary_email"] == "alice@example.com"
    assert alice["primary_phone"] == "+15550100001"
    assert alice["primary_handle"] == "alice_tweets"
    assert alice["first_seen_at"] == datetime(2024, 3, 1, 10, 0)
    assert alice["last_seen_at"] == datetime(2024, 3, 11, 9, 0)


def test_chain_customer_activity(warehouse):
    alice = fetch_customer(warehouse, ALICE)
    assert alice["channels_used"] == "direct,email,paid_search,social,store,support"
    assert alice["count_orders"] == 2
    assert alice["total_revenue"] == Decimal("200.00")
    assert alice["first_order_at"] == datetime(2024, 3, 2, 10, 0)
    assert alice["last_order_at"] == datetime(2024, 3, 10, 15, 0)
    assert alice["count_support_tickets"] == 1


def test_duplicate_event_counted_once(warehouse):
    (raw_copies,) = warehouse.execute(
        "select count(*) from raw.web_events where event_id = 'w1'"
    ).fetchone()
    (touches,) = warehouse.execute(
        "select count(*) from intermediate.int_touchpoints_unioned where touchpoint_id = 'web:w1'"
    ).fetchone()
    assert raw_copies == 2
    assert touches == 1
    # w1, w3, w4, w7, m1, m2, o1, o2, t1 and p1. The identify call w2 is no touch.
    assert fetch_customer(warehouse, ALICE)["count_touches"] == 10


def test_customer_without_touches_before_order(warehouse):
    bob = fetch_customer(warehouse, BOB)
    assert bob["count_identifiers"] == 2
    assert bob["channels_used"] == "store"
    assert bob["count_orders"] == 1
    assert bob["total_revenue"] == Decimal("50.00")


def test_no_touch_conversion_is_direct(warehouse):
    path = fetch_path(warehouse, "o3")
    assert path["customer_id"] == BOB
    assert path["count_touches"] == 0
    assert path["path"] == "direct"
    assert path["first_touch_channel"] == "direct"
    assert path["last_touch_channel"] == "direct"


def test_three_touch_path(warehouse):
    path = fetch_path(warehouse, "o1")
    assert path["count_touches"] == 3
    assert path["path"] == "paid_search > email > email"
    assert path["first_touch_channel"] == "paid_search"
    assert path["last_touch_channel"] == "email"
    assert path["is_first_conversion"] is True


def test_path_starts_after_previous_conversion(warehouse):
    # o2's window starts after o1, so o1's touches are left out, and the
    # page view w4 after o2 is left out too.
    path = fetch_path(warehouse, "o2")
    assert path["count_touches"] == 1
    assert path["path"] == "social"
    assert path["is_first_conversion"] is False


def test_three_touch_credits(warehouse):
    credits = fetch_dicts(
        warehouse,
        "select * from marts.attribution_credits where conversion_id = 'o1'"
        " order by touch_position",
    )
    assert [credit["touchpoint_id"] for credit in credits] == ["web:w1", "email:m2", "web:w3"]
    assert [credit["first_touch_credit"] for credit in credits] == [1.0, 0.0, 0.0]
    assert [credit["last_touch_credit"] for credit in credits] == [0.0, 0.0, 1.0]
    assert [credit["linear_credit"] for credit in credits] == pytest.approx([1 / 3] * 3)
    assert [credit["linear_revenue"] for credit in credits] == [Decimal("40.000000")] * 3
    assert [credit["last_touch_revenue"] for credit in credits] == [
        Decimal("0"),
        Decimal("0"),
        Decimal("120.000000"),
    ]


def test_direct_credit_row(warehouse):
    credits = fetch_dicts(
        warehouse, "select * from marts.attribution_credits where conversion_id = 'o3'"
    )
    assert len(credits) == 1
    assert credits[0]["channel"] == "direct"
    assert credits[0]["touchpoint_id"] is None
    assert credits[0]["linear_credit"] == 1.0
    assert credits[0]["linear_revenue"] == Decimal("50.000000")


def test_channel_daily_grid(warehouse):
    (rows, dates, channels) = warehouse.execute(
        "select count(*), count(distinct activity_date), count(distinct channel)"
        " from marts.channel_daily_performance"
    ).fetchone()
    # 2024-03-01 to 2024-03-11, and the channels direct, email, organic_search,
    # paid_search, paid_social, social, store and support.
    assert dates == 11
    assert channels == 8
    assert rows == 88


def fetch_channel_day(connection, activity_date: date, channel: str) -> dict:
    rows = fetch_dicts(
        connection,
        "select * from marts.channel_daily_performance"
        f" where activity_date = date '{activity_date.isoformat()}' and channel = '{channel}'",
    )
    assert len(rows) == 1, f"expected one row for {activity_date} {channel}"
    return rows[0]


def test_channel_day_with_conversion(warehouse):
    email_day = fetch_channel_day(warehouse, date(2024, 3, 2), "email")
    # m1, m2 and w3 of alice, m3 and m4 of dana.
    assert email_day["count_touches"] == 5
    assert email_day["count_reached_customers"] == 2
    assert email_day["count_conversions"] == 1
    assert email_day["sum_revenue"] == Decimal("120.00")
    assert email_day["count_new_customers"] == 1
    assert email_day["spend_amount"] == Decimal("0")
    assert email_day["roas"] is None
    assert email_day["cac"] == Decimal("0")


def test_channel_day_with_spend(warehouse):
    paid_search_day = fetch_channel_day(warehouse, date(2024, 3, 1), "paid_search")
    assert paid_search_day["count_touches"] == 1
    assert paid_search_day["spend_amount"] == Decimal("40.0000")
    assert paid_search_day["roas"] == 0.0
    assert paid_search_day["cac"] is None
    paid_social_day = fetch_channel_day(warehouse, date(2024, 3, 2), "paid_social")
    assert paid_social_day["spend_amount"] == Decimal("25.0000")
    assert paid_social_day["count_touches"] == 0


def test_channel_day_direct_conversion(warehouse):
    direct_day = fetch_channel_day(warehouse, date(2024, 3, 4), "direct")
    assert direct_day["count_touches"] == 0
    assert direct_day["count_conversions"] == 1
    assert direct_day["sum_revenue"] == Decimal("50.00")
    assert direct_day["count_new_customers"] == 1
    # The track event w6 carries no identifier, so it is a touch without a customer.
    anonymous_day = fetch_channel_day(warehouse, date(2024, 3, 3), "direct")
    assert anonymous_day["count_touches"] == 1
    assert anonymous_day["count_reached_customers"] == 0
