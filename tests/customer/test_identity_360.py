"""Identity resolution and the customer 360 on hand-built raw data.

The module fixture loads day 1, runs the phone asset and ``dbt build`` on the
identity and customer models, adds the day 2 record and builds again, then
runs the sentiment and customer value assets and rebuilds ``customers``.
Customers in the data (UTC, 2024):

- chain: identify w1 (05-01) with cookie ck_chain, user u_chain and email
  ``Chain@Example.com ``; order o1 (05-02) with ``chain@example.com``, phone
  ``(212) 555-0101`` and shop customer sc_chain; ticket t1 (05-03) of
  requester rq_chain with phone ``+1 212-555-0101`` and handle
  ``@ChainTweets``; post p1 (05-04) by ChainTweets; page w2 (05-05) with
  ck_chain and phone ``212.555.0101``; email open m1 (05-06) to
  `` CHAIN@example.COM``. Orders o2 (05-20) and o3 (06-10). Page w9 (06-20
  12:00) is the latest touch, so the as-of time.
- mom and dad: identifies w3 and w4 (05-03) share family@example.com but have
  logins u_mom and u_dad, cookies and phones of their own. Orders by phone.
- walk: order o14 (05-06) with the placeholder test@example.com and shop
  customer sc_walk. Orders o10 to o13 have only ``TEST@example.com``.
- bot: login u_bot on 60 cookies (05-15), one cluster of 61 identifiers.
- late: day 1 has page w20 of cookie ck_late and identify w21 of user u_late
  with cookie ck_other. Day 2 adds identify w22 with ck_late and u_late.
- alias: identify w30 (05-10) of cookie ck_alias and user u_old; alias w31
  (05-11) from cookie ck_alias with previous_id u_old and user_id u_new;
  identify w32 (05-12) of u_new with ``Alias@Example.com``.
- help: requester rq_help (help@example.com) with tickets t2 (solved after
  30 h, rated bad), t3 (closed after 2.5 h, good), t4 (closed after 48 h,
  good) and t5 (solved after 24 h, reopened and open now, survey offered).
  Chain's ticket t1 was solved after 4 h and rated good.
- anon alias: alias w33 (05-13) of cookie ck_anon whose previous_id is that
  cookie, for user u_anon.
"""

import hashlib
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, asset, materialize
from dagster_duckdb import DuckDBResource

from orchestration.customer.health import identity_health
from orchestration.customer.phones import normalize_phone, phone_normalizations
from orchestration.customer.sentiment import social_post_sentiment
from orchestration.customer.value import customer_value
from orchestration.ingest.schema import (
    LANDED_FILES_COLUMNS,
    LANDED_FILES_TABLE,
    LINEAGE_COLUMNS,
    QUARANTINE_COLUMNS,
    QUARANTINE_TABLE,
    RAW_SCHEMA,
    RAW_TABLES,
    create_table_sql,
    raw_table_ddl,
)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPOSITORY_ROOT / "dbt_project"
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")
IDENTITY_SELECTION = ["+path:models/marts/customer"]


def customer_id_of(component_key: str) -> str:
    return hashlib.md5(component_key.encode()).hexdigest()


CHAIN = customer_id_of("user_id:u_chain")
MOM = customer_id_of("user_id:u_mom")
DAD = customer_id_of("user_id:u_dad")
WALK = customer_id_of("shop_customer:sc_walk")
BOT = customer_id_of("user_id:u_bot")
LATE = customer_id_of("user_id:u_late")
LATE_COOKIE = customer_id_of("cookie:ck_late")
# 'user_id:u_new' sorts before 'user_id:u_old', so it names the alias customer.
ALIAS = customer_id_of("user_id:u_new")
ANON_ALIAS = customer_id_of("user_id:u_anon")
HELP = customer_id_of("requester_id:rq_help")
PLACEHOLDER_ORDERS = {
    order: customer_id_of(f"shop_order:{order}") for order in ("o10", "o11", "o12", "o13")
}

LINEAGE = "'f.jsonl', {line}, 'test', timestamp '2024-07-01 00:00:00'"


def web_event(
    line, event_id, event_type, at, cookie, user=None, email=None, phone=None, previous=None
):
    def text(value):
        return "null" if value is None else "'" + value + "'"

    return (
        f"('{event_id}', '{event_type}', null, timestamp '{at}', '{at}', 'web', {text(cookie)}, "
        f"{text(user)}, {text(previous)}, {text(email)}, {text(phone)}, "
        f"'https://shop.example.com/', null, null, null, null, {LINEAGE.format(line=line)})"
    )


def order(line, order_id, at, amount, customer=None, email=None, phone=None):
    def text(value):
        return "null" if value is None else "'" + value + "'"

    return (
        f"('{order_id}', {text(customer)}, {text(email)}, {text(phone)}, timestamp '{at}', "
        f"'{at}', {amount}, 'USD', 'paid', 'web', {LINEAGE.format(line=line)})"
    )


DAY_1_WEB = [
    web_event(
        1, "w1", "identify", "2024-05-01 10:00:00", "ck_chain", "u_chain", "Chain@Example.com "
    ),
    web_event(2, "w2", "page", "2024-05-05 10:00:00", "ck_chain", phone="212.555.0101"),
    web_event(
        3,
        "w3",
        "identify",
        "2024-05-03 08:00:00",
        "ck_mom",
        "u_mom",
        "family@example.com",
        "+1 646 555 0111",
    ),
    web_event(
        4,
        "w4",
        "identify",
        "2024-05-03 09:00:00",
        "ck_dad",
        "u_dad",
        "family@example.com",
        "+1 646 555 0122",
    ),
    web_event(5, "w9", "page", "2024-06-20 12:00:00", "ck_chain"),
    web_event(6, "w20", "page", "2024-05-16 10:00:00", "ck_late"),
    web_event(
        7, "w21", "identify", "2024-05-16 11:00:00", "ck_other", "u_late", "late@example.com"
    ),
    *[
        web_event(100 + n, f"bot{n}", "page", "2024-05-15 00:00:00", f"ck_bot_{n:02d}", "u_bot")
        for n in range(60)
    ],
    web_event(30, "w30", "identify", "2024-05-10 09:00:00", "ck_alias", "u_old"),
    web_event(31, "w31", "alias", "2024-05-11 09:00:00", "ck_alias", "u_new", previous="u_old"),
    web_event(32, "w32", "identify", "2024-05-12 09:00:00", None, "u_new", "Alias@Example.com"),
    web_event(33, "w33", "alias", "2024-05-13 09:00:00", "ck_anon", "u_anon", previous="ck_anon"),
]
DAY_2_WEB = [web_event(8, "w22", "identify", "2024-05-17 09:00:00", "ck_late", "u_late")]

ORDERS = [
    order(
        1, "o1", "2024-05-02 10:00:00", "100.00", "sc_chain", "chain@example.com", "(212) 555-0101"
    ),
    order(2, "o2", "2024-05-20 10:00:00", "60.00", "sc_chain"),
    order(3, "o3", "2024-06-10 10:00:00", "80.00", "sc_chain"),
    order(4, "o4", "2024-05-03 12:00:00", "50.00", phone="+1 646 555 0111"),
    order(5, "o5", "2024-06-01 12:00:00", "70.00", phone="+1 646 555 0111"),
    order(6, "o6", "2024-05-04 12:00:00", "30.00", phone="+1 646 555 0122"),
    order(7, "o7", "2024-05-10 12:00:00", "40.00", phone="+1 646 555 0122"),
    order(8, "o8", "2024-06-15 12:00:00", "20.00", phone="+1 646 555 0122"),
    order(10, "o10", "2024-05-07 12:00:00", "10.00", email="TEST@example.com"),
    order(11, "o11", "2024-05-08 12:00:00", "10.00", email="TEST@example.com"),
    order(12, "o12", "2024-05-09 12:00:00", "10.00", email="TEST@example.com"),
    order(13, "o13", "2024-05-10 12:00:00", "10.00", email="TEST@example.com"),
    order(14, "o14", "2024-05-06 12:00:00", "25.00", "sc_walk", "test@example.com"),
]

OTHER_RAW_SQL = f"""
insert into raw.support_tickets values
    ('t1', 'rq_chain', null, '+1 212-555-0101', '@ChainTweets', timestamp '2024-05-03 10:00:00',
     '2024-05-03', 'solved', 'twitter', 'Late order', 'normal',
     timestamp '2024-05-03 14:00:00', '2024-05-03 14:00', 'good', {LINEAGE.format(line=1)}),
    ('t2', 'rq_help', 'help@example.com', null, null, timestamp '2024-05-21 09:00:00',
     '2024-05-21', 'solved', 'email', 'Sizes', 'normal',
     timestamp '2024-05-22 15:00:00', '2024-05-22 15:00', 'bad', {LINEAGE.format(line=2)}),
    ('t3', 'rq_help', null, null, null, timestamp '2024-05-25 10:00:00',
     '2024-05-25', 'closed', 'web', 'Refund', 'normal',
     timestamp '2024-05-25 12:30:00', '2024-05-25 12:30', 'good', {LINEAGE.format(line=3)}),
    ('t4', 'rq_help', null, null, null, timestamp '2024-06-01 08:00:00',
     '2024-06-01', 'closed', 'web', 'Refund', 'normal',
     timestamp '2024-06-03 08:00:00', '2024-06-03 08:00', 'good', {LINEAGE.format(line=4)}),
    ('t5', 'rq_help', null, null, null, timestamp '2024-06-10 09:00:00',
     '2024-06-10', 'open', 'web', 'Refund again', 'normal',
     timestamp '2024-06-11 09:00:00', '2024-06-11 09:00', 'offered', {LINEAGE.format(line=5)});
insert into raw.social_posts values
    ('p1', 'ChainTweets', true, 'I love these boots, great service!',
     timestamp '2024-05-04 10:00:00', '2024-05-04', null, {LINEAGE.format(line=1)}),
    ('p2', 'ChainTweets', true, 'My second order is late and support is terrible.',
     timestamp '2024-05-21 10:00:00', '2024-05-21', null, {LINEAGE.format(line=2)});
insert into raw.email_events values
    ('m1', 'open', timestamp '2024-05-06 10:00:00', '2024-05-06', ' CHAIN@example.COM',
     'c1', 'May', null, 'iterable', {LINEAGE.format(line=1)});
"""


def run_dbt(warehouse_path: Path, work_dir: Path, selection: list[str]) -> None:
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
            # Tests of models outside the selection (the journey marts) stay out.
            "--indirect-selection",
            "cautious",
            "--select",
            *selection,
        ],
        env={**os.environ, "RIGHTPATH_WAREHOUSE_PATH": str(warehouse_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, f"dbt build failed:\n{completed.stdout}{completed.stderr}"


def insert_sql(table_name: str) -> str:
    """Return ``insert into raw.<table> (columns) values`` without ``_partition_date``.

    The rows below list every column except the partition day, which ingest
    sets and dbt does not read, so it stays NULL here.
    """
    table = RAW_TABLES[table_name]
    columns = [name for name, _ in table.columns + LINEAGE_COLUMNS if name != "_partition_date"]
    return f"insert into {RAW_SCHEMA}.{table_name} ({', '.join(columns)}) values "


def materialize_python(assets, warehouse_path: Path, selection=None):
    return materialize(
        assets,
        selection=selection,
        resources={"duckdb": DuckDBResource(database=str(warehouse_path))},
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("identity_360")
    warehouse_path = work_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse_path)) as connection:
        connection.execute(f"create schema {RAW_SCHEMA}")
        for table in RAW_TABLES.values():
            connection.execute(raw_table_ddl(table))
        connection.execute(create_table_sql(QUARANTINE_TABLE, QUARANTINE_COLUMNS))
        connection.execute(create_table_sql(LANDED_FILES_TABLE, LANDED_FILES_COLUMNS))
        connection.execute(insert_sql("web_events") + ",\n".join(DAY_1_WEB))
        connection.execute(insert_sql("orders") + ",\n".join(ORDERS))
        other_raw_sql = OTHER_RAW_SQL
        for name in ("support_tickets", "social_posts", "email_events"):
            other_raw_sql = other_raw_sql.replace(
                f"insert into raw.{name} values", insert_sql(name)
            )
        connection.execute(other_raw_sql)

    assert materialize_python([phone_normalizations], warehouse_path).success
    run_dbt(warehouse_path, work_dir, IDENTITY_SELECTION)
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        day_1_ids = {
            key: customer_id
            for key, customer_id in connection.execute(
                "select identifier_key, customer_id from intermediate.int_identities_stitched"
            ).fetchall()
        }

    with duckdb.connect(str(warehouse_path)) as connection:
        connection.execute(insert_sql("web_events") + ",\n".join(DAY_2_WEB))
    assert materialize_python([phone_normalizations], warehouse_path).success
    run_dbt(warehouse_path, work_dir, IDENTITY_SELECTION)
    result = materialize_python([social_post_sentiment, customer_value], warehouse_path)
    assert result.success
    run_dbt(warehouse_path, work_dir, ["customers"])
    return {"warehouse_path": warehouse_path, "day_1_ids": day_1_ids}


@pytest.fixture
def warehouse(built):
    connection = duckdb.connect(str(built["warehouse_path"]), read_only=True)
    yield connection
    connection.close()


def fetch_customer(connection, customer_id: str) -> dict:
    cursor = connection.execute(
        "select * from marts.customers where customer_id = ?", [customer_id]
    )
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, f"expected one customers row for {customer_id}, got {len(rows)}"
    return dict(zip(names, rows[0], strict=True))


def test_phone_written_three_ways_parses_once():
    for written in ("(212) 555-0101", "+1 212-555-0101", "212.555.0101"):
        assert normalize_phone(written, "US")[0] == "+12125550101"
    # Without a country code the default region decides: GB gives +44.
    assert normalize_phone("020 7946 0018", "GB")[0] == "+442079460018"
    assert normalize_phone("not a phone", "US") == (None, None, False)


def test_chain_across_four_channels(warehouse):
    chain = fetch_customer(warehouse, CHAIN)
    # cookie, user_id, email, phone (three spellings), shop_customer, requester_id, handle.
    assert chain["count_identifiers"] == 7
    assert chain["count_phones"] == 1
    assert chain["primary_phone"] == "+12125550101"
    assert chain["primary_email"] == "chain@example.com"
    assert chain["primary_handle"] == "chaintweets"
    assert chain["primary_user_id"] == "u_chain"
    assert chain["first_seen_at"] == datetime(2024, 5, 1, 10, 0)
    assert chain["last_seen_at"] == datetime(2024, 6, 20, 12, 0)


def test_raw_value_kept_beside_normalized(warehouse):
    rows = warehouse.execute(
        "select identifier_value_raw, identifier_value"
        " from intermediate.int_identifier_observations"
        " where identifier_type = 'phone' and identifier_value = '+12125550101'"
        " order by identifier_value_raw"
    ).fetchall()
    assert rows == [
        ("(212) 555-0101", "+12125550101"),
        ("+1 212-555-0101", "+12125550101"),
        ("212.555.0101", "+12125550101"),
    ]


def test_email_case_and_spaces_join(warehouse):
    (customer_id,) = warehouse.execute(
        "select customer_id from intermediate.int_touchpoints_unioned"
        " where touchpoint_id = 'email:m1'"
    ).fetchone()
    assert customer_id == CHAIN


def test_shared_family_email_stays_two(warehouse):
    mom = fetch_customer(warehouse, MOM)
    dad = fetch_customer(warehouse, DAD)
    # cookie, login and phone each. The family email is over the user id limit.
    assert mom["count_identifiers"] == 3
    assert dad["count_identifiers"] == 3
    assert mom["primary_email"] is None
    (reason,) = warehouse.execute(
        "select exclusion_reason from intermediate.int_identifiers_screened"
        " where identifier_key = 'email:family@example.com'"
    ).fetchone()
    assert reason == "over_limit:user_ids"


def test_placeholder_email_links_nothing(warehouse):
    for order_id, customer_id in PLACEHOLDER_ORDERS.items():
        customer = fetch_customer(warehouse, customer_id)
        assert customer["count_orders"] == 1, order_id
        assert customer["count_identifiers"] == 1, order_id
    walk = fetch_customer(warehouse, WALK)
    assert walk["count_orders"] == 1
    assert walk["count_emails"] == 0
    (reason,) = warehouse.execute(
        "select exclusion_reason from intermediate.int_identifiers_screened"
        " where identifier_key = 'email:test@example.com'"
    ).fetchone()
    assert reason == "blocklist:placeholder"


def test_links_explain_the_chain(warehouse):
    rows = warehouse.execute(
        "select identifier_key_a, identifier_key_b, link_rule, first_seen_at"
        " from marts.identity_links where customer_id = ?"
        " and identifier_key_b = 'requester_id:rq_chain'",
        [CHAIN],
    ).fetchall()
    # Ticket t1 carries the handle, the phone and the requester id.
    assert sorted(rows) == [
        (
            "handle:chaintweets",
            "requester_id:rq_chain",
            "same_support_ticket",
            datetime(2024, 5, 3, 10, 0),
        ),
        (
            "phone:+12125550101",
            "requester_id:rq_chain",
            "same_support_ticket",
            datetime(2024, 5, 3, 10, 0),
        ),
    ]


def test_day_two_merge_keeps_login_id(built, warehouse):
    day_1_ids = built["day_1_ids"]
    assert day_1_ids["cookie:ck_late"] == LATE_COOKIE
    assert day_1_ids["user_id:u_late"] == LATE
    (current,) = warehouse.execute(
        "select customer_id from intermediate.int_identities_stitched"
        " where identifier_key = 'cookie:ck_late'"
    ).fetchone()
    assert current == LATE
    history = warehouse.execute(
        "select previous_customer_id, customer_id, change_type, count_identifiers_moved"
        " from marts.customer_id_history"
    ).fetchall()
    assert history == [(LATE_COOKIE, LATE, "merged", 1)]


def test_rfm_scores(warehouse):
    # As of w9, 2024-06-20 12:00. Customers with orders (recency days, orders, revenue):
    # chain (10, 3, 240), mom (19, 2, 120), dad (5, 3, 90), walk (45, 1, 25),
    # o10..o13 (44..41, 1, 10). ntile(5) over 8 rows gives buckets of 2, 2, 2, 1, 1.
    # Recency, oldest first: walk o10 | o11 o12 | o13 mom | chain | dad.
    # Monetary, lowest first: four 10s | walk dad ... so walk and dad 3, mom 4, chain 5.
    chain = fetch_customer(warehouse, CHAIN)
    mom = fetch_customer(warehouse, MOM)
    dad = fetch_customer(warehouse, DAD)
    walk = fetch_customer(warehouse, WALK)
    assert chain["recency_days"] == 10
    assert (chain["recency_score"], mom["recency_score"], dad["recency_score"]) == (4, 3, 5)
    assert walk["recency_score"] == 1
    assert (walk["monetary_score"], dad["monetary_score"]) == (3, 3)
    assert (mom["monetary_score"], chain["monetary_score"]) == (4, 5)
    # Frequency: five one-order customers take positions 1 to 5, mom 6 (score 3),
    # chain and dad 7 and 8 in customer_id order (scores 4 and 5).
    assert mom["frequency_score"] == 3
    expected_chain_frequency = 4 if CHAIN < DAD else 5
    assert chain["frequency_score"] == expected_chain_frequency
    assert dad["frequency_score"] == 9 - expected_chain_frequency
    assert chain["rfm_segment"] == "champion"
    assert dad["rfm_segment"] == "champion"
    assert mom["rfm_segment"] == "loyal"
    assert walk["rfm_segment"] == ("at_risk" if walk["frequency_score"] >= 3 else "hibernating")
    assert chain["average_order_value"] == Decimal("80.00")
    assert fetch_customer(warehouse, BOT)["rfm_segment"] == "prospect"


def test_clv_degenerate_fit_left_null(warehouse):
    # Eight customers with orders and three with repeat orders. The last repeat
    # orders (06-10, 06-01, 06-15) are all within 20 days of the as-of time
    # (06-20), so nobody has visibly dropped out and BG/NBD fits its dropout
    # parameters to about 0. The asset leaves every estimate NULL and says why.
    with_orders = [CHAIN, MOM, DAD, WALK, *PLACEHOLDER_ORDERS.values()]
    for customer_id in with_orders:
        customer = fetch_customer(warehouse, customer_id)
        assert customer["clv_estimate_status"] == "degenerate_fit", customer_id
        assert customer["probability_alive"] is None, customer_id
        assert customer["expected_orders_365d"] is None, customer_id
        assert customer["clv_365d"] is None, customer_id
    # The bot has no order, so no row in customer_value.
    assert fetch_customer(warehouse, BOT)["clv_estimate_status"] is None


def test_sentiment_and_support(warehouse):
    chain = fetch_customer(warehouse, CHAIN)
    assert chain["count_scored_social_posts"] == 2
    # p1 is praise (positive compound), p2 a complaint and the latest post.
    assert chain["latest_social_sentiment"] < 0
    assert chain["mean_social_sentiment"] < chain["latest_social_sentiment"] + 1
    assert chain["count_support_tickets"] == 1
    assert chain["count_open_support_tickets"] == 0
    assert chain["journey_stage_reached"] == "post_purchase"


def test_support_burden(warehouse):
    helpdesk = fetch_customer(warehouse, HELP)
    assert helpdesk["count_support_tickets"] == 4
    assert helpdesk["count_open_support_tickets"] == 1
    # Resolved now: t2 30 h, t3 2.5 h, t4 48 h. t5 is open again, so its
    # 24 h does not count. The median of 2.5, 30 and 48 is 30.
    assert helpdesk["median_resolution_hours"] == pytest.approx(30.0)
    # t2 bad, t3 and t4 good. t5 only had the survey offered.
    assert helpdesk["count_rated_support_tickets"] == 3
    assert helpdesk["satisfaction_share_good"] == pytest.approx(2 / 3)
    chain = fetch_customer(warehouse, CHAIN)
    assert chain["median_resolution_hours"] == pytest.approx(4.0)
    assert chain["satisfaction_share_good"] == pytest.approx(1.0)
    mom = fetch_customer(warehouse, MOM)
    assert mom["median_resolution_hours"] is None
    assert mom["count_rated_support_tickets"] == 0
    assert mom["satisfaction_share_good"] is None


def test_channel_affinity(warehouse):
    chain = fetch_customer(warehouse, CHAIN)
    # Started touches: pages w2 and w9 (direct), open m1, posts p1 and p2,
    # ticket t1 and orders o1, o2, o3. The identify w1 is no touch.
    assert chain["channel_touch_counts"] == "direct:2,email:1,social:2,store:3,support:1"
    assert chain["preferred_channel"] == "store"
    assert chain["preferred_channel_share"] == pytest.approx(3 / 9)


def test_giant_cluster_blocks_downstream(built, monkeypatch):
    @asset(key=AssetKey(["marts", "customers"]))
    def customers_built_by_dbt():
        """Stands for the dbt model, already built by the fixture."""

    ran = []

    @asset(key=AssetKey(["published", "marts"]), deps=[AssetKey(["marts", "customers"])])
    def publish_stand_in():
        ran.append(True)

    assets = [customers_built_by_dbt, identity_health, publish_stand_in]
    # The bot cluster has 61 identifiers, above the default limit of 50.
    monkeypatch.delenv("RIGHTPATH_IDENTITY_MAX_CLUSTER_SIZE", raising=False)
    result = materialize_python(assets, built["warehouse_path"])
    evaluations = result.get_asset_check_evaluations()
    assert [evaluation.passed for evaluation in evaluations] == [False]
    assert evaluations[0].metadata["max_cluster_size"].value == 61
    assert ran == []

    monkeypatch.setenv("RIGHTPATH_IDENTITY_MAX_CLUSTER_SIZE", "100")
    result = materialize_python(assets, built["warehouse_path"])
    assert [evaluation.passed for evaluation in result.get_asset_check_evaluations()] == [True]
    assert ran == [True]


def test_alias_chain_is_one_customer(warehouse):
    customer = fetch_customer(warehouse, ALIAS)
    # cookie ck_alias, user ids u_old and u_new, email alias@example.com.
    assert customer["count_identifiers"] == 4
    assert customer["count_user_ids"] == 2
    assert customer["count_cookies"] == 1
    assert customer["primary_email"] == "alias@example.com"
    # w32 (05-12) is the latest record with a user id, and it has u_new.
    assert customer["primary_user_id"] == "u_new"
    assert customer["first_seen_at"] == datetime(2024, 5, 10, 9, 0)
    assert customer["last_seen_at"] == datetime(2024, 5, 12, 9, 0)


def test_alias_links_name_their_rule(warehouse):
    rows = warehouse.execute(
        "select identifier_key_a, identifier_key_b, link_rule, link_rule_priority,"
        " first_seen_at, count_records"
        " from marts.identity_links where customer_id = ?",
        [ALIAS],
    ).fetchall()
    w30, w31, w32 = (datetime(2024, 5, day, 9, 0) for day in (10, 11, 12))
    assert sorted(rows) == [
        # w31 carries ck_alias with u_new; w30 and w31 carry ck_alias with u_old.
        ("cookie:ck_alias", "user_id:u_new", "same_web_event", 4, w31, 1),
        ("cookie:ck_alias", "user_id:u_old", "same_web_event", 4, w30, 2),
        ("email:alias@example.com", "user_id:u_new", "same_web_event", 4, w32, 1),
        ("user_id:u_new", "user_id:u_old", "alias_previous_id", 1, w31, 1),
    ]


def test_alias_user_ids_count_once(warehouse):
    # ck_alias saw u_old (w30) and u_new (w31). The alias joins them, so one
    # person is linked and the cookie stays under the limit of 1.
    row = warehouse.execute(
        "select count_linked_user_ids, count_observations, is_linkable"
        " from intermediate.int_identifiers_screened where identifier_key = 'cookie:ck_alias'"
    ).fetchone()
    assert row == (1, 2, True)


def test_alias_observations_keyed_by_column(warehouse):
    rows = warehouse.execute(
        "select identifier_observation_id, identifier_type, identifier_value"
        " from intermediate.int_identifier_observations where record_key = 'w31'"
        " order by identifier_observation_id"
    ).fetchall()
    assert rows == [
        ("web:w31:anonymous_id", "cookie", "ck_alias"),
        ("web:w31:previous_id", "user_id", "u_old"),
        ("web:w31:user_id", "user_id", "u_new"),
    ]


def test_alias_of_own_cookie_adds_no_user(warehouse):
    customer = fetch_customer(warehouse, ANON_ALIAS)
    # previous_id ck_anon repeats the anonymous id, so it is the cookie.
    assert customer["count_identifiers"] == 2
    assert customer["count_user_ids"] == 1
    rows = warehouse.execute(
        "select link_rule, count_records from marts.identity_links"
        " where customer_id = ? order by link_rule",
        [ANON_ALIAS],
    ).fetchall()
    assert rows == [("alias_previous_id", 1), ("same_web_event", 1)]
    (count_observations,) = warehouse.execute(
        "select count_observations from intermediate.int_identifiers_screened"
        " where identifier_key = 'cookie:ck_anon'"
    ).fetchone()
    assert count_observations == 1
