"""Run the whole job on the public export samples listed in ``config/real_samples.yml``.

The landing config reads the samples in place from a folder beside the
repository, and the test skips when that folder is missing. The expected
values below are read from the sample files themselves.
"""

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from .support import (
    MART_TABLE_NAMES,
    PUBLISHED_MARTS_KEY,
    REAL_SAMPLES_DIR,
    PipelineRun,
    fetch_dicts,
)

pytestmark = pytest.mark.skipif(
    not REAL_SAMPLES_DIR.is_dir(),
    reason=(
        f"the public export samples that config/real_samples.yml lists were not found "
        f"at {REAL_SAMPLES_DIR}"
    ),
)


@pytest.fixture(scope="module")
def published(real_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    real_run.require_success()
    connection = duckdb.connect(str(real_run.published_database), read_only=True)
    yield connection
    connection.close()


def fetch_path(connection: duckdb.DuckDBPyConnection, conversion_id: str) -> dict:
    rows = fetch_dicts(
        connection, "select * from conversion_paths where conversion_id = ?", [conversion_id]
    )
    assert len(rows) == 1, f"expected one conversion_paths row for {conversion_id}"
    return rows[0]


def test_run_succeeded(real_run):
    assert real_run.result.success, f"failed steps: {real_run.step_failures()}"


def test_every_check_passed(real_run):
    failed = [
        f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
        for evaluation in real_run.result.get_asset_check_evaluations()
        if not evaluation.passed
    ]
    assert failed == []


def test_marts_published(real_run):
    assert PUBLISHED_MARTS_KEY in real_run.materialized_keys()


def test_published_tables_not_empty(published):
    for table in MART_TABLE_NAMES:
        (count,) = published.execute(f"select count(*) from {table}").fetchone()
        if table == "customer_id_history":
            # A first run has no earlier customer ids, so nothing changed.
            assert count == 0
        else:
            assert count > 0, f"published {table} is empty"


def test_manifest_row_counts_match(real_run, published):
    manifest = json.loads(real_run.manifest_path.read_text())
    assert len(manifest["tables"]) == len(MART_TABLE_NAMES)
    for table in manifest["tables"]:
        (count,) = published.execute(f"select count(*) from {table['table']}").fetchone()
        assert table["row_count"] == count, f"manifest row count of {table['table']}"


def test_order_counts(published):
    counts = dict(
        published.execute(
            "select currency, count(*) from conversion_paths group by currency"
        ).fetchall()
    )
    # The Olist orders file has 1500 order rows (BRL), and the Shopify export
    # names orders #1001 to #1051 (INR).
    assert counts == {"BRL": 1500, "INR": 51}


def test_shopify_order_total(published):
    # Shopify export: #1044, Total 17758.28, INR, Created at 2025-12-06 10:36:16 -0500.
    path = fetch_path(published, "#1044")
    assert path["revenue"] == Decimal("17758.28")
    assert path["currency"] == "INR"
    assert path["converted_at"] == datetime(2025, 12, 6, 15, 36, 16)


def test_olist_order_total(published):
    # Olist orders file: purchased 2018-06-12 20:07:44 in Sao Paulo (UTC-03:00
    # in June 2018). Olist payments file: one payment of 117.79.
    path = fetch_path(published, "b9a6c5f5df52c7226ac85aee7524c27f")
    assert path["revenue"] == Decimal("117.79")
    assert path["currency"] == "BRL"
    assert path["converted_at"] == datetime(2018, 6, 12, 23, 7, 44)


def test_rudderstack_alias_stitched(real_run, published):
    # events.jsonl lines 13, 14 and 45 repeat one alias call (2020-10-20
    # 08:14:28.778 UTC) from cookie my-anonymous-id-new: previousId
    # sampleusrRudder3, userId newUserIdAlias. Its context email
    # user0002@example.com also sits on identifies of user ids 123456 and
    # 12345, so it is over the user id limit and links nothing.
    customer_id = hashlib.md5(b"user_id:newUserIdAlias").hexdigest()
    rows = fetch_dicts(
        published,
        "select count_identifiers, count_user_ids, count_cookies, count_emails"
        " from customers where customer_id = ?",
        [customer_id],
    )
    assert rows == [
        {"count_identifiers": 3, "count_user_ids": 2, "count_cookies": 1, "count_emails": 0}
    ]

    # The published identity_links withholds identifier keys, so read the warehouse.
    with real_run.connect_warehouse() as warehouse:
        links = warehouse.execute(
            "select identifier_key_a, identifier_key_b, link_rule, first_seen_at, count_records"
            " from marts.identity_links where customer_id = ? order by 1, 2, 3",
            [customer_id],
        ).fetchall()
    alias_at = datetime(2020, 10, 20, 8, 14, 28, 778000)
    cookie = "cookie:my-anonymous-id-new"
    assert links == [
        (cookie, "user_id:newUserIdAlias", "same_web_event", alias_at, 1),
        (cookie, "user_id:sampleusrRudder3", "same_web_event", alias_at, 1),
        ("user_id:newUserIdAlias", "user_id:sampleusrRudder3", "alias_previous_id", alias_at, 1),
    ]


def test_rudderstack_alias_not_quarantined(real_run):
    real_run.require_success()
    with real_run.connect_warehouse() as warehouse:
        quarantined_types = warehouse.execute(
            "select json_extract_string(raw_record, '$.type') as event_type, count(*)"
            " from raw.quarantine where _file like '%rudderstack_spec_events/events.jsonl'"
            " group by 1 order by 1 nulls first"
        ).fetchall()
    # 4 identify and 3 screen calls without messageId, 4 group calls and one
    # 'newtype'. The three alias calls are loaded.
    assert quarantined_types == [("group", 4), ("identify", 4), ("newtype", 1), ("screen", 3)]


def test_zendesk_resolution_hours(published):
    # Ticket 11071 of requester 2222: created 2020-08-28 18:06:36, solved
    # 2020-11-14 11:01:27 (ticket_field_history_data.csv), closed now. That is
    # 77 days, 16 hours, 54 minutes and 51 seconds: 1864.914166... hours.
    customer_id = hashlib.md5(b"requester_id:2222").hexdigest()
    rows = fetch_dicts(
        published,
        "select count_support_tickets, count_open_support_tickets, median_resolution_hours,"
        " count_rated_support_tickets, satisfaction_share_good"
        " from customers where customer_id = ?",
        [customer_id],
    )
    assert len(rows) == 1
    customer = rows[0]
    assert customer["count_support_tickets"] == 1
    assert customer["count_open_support_tickets"] == 0
    assert customer["median_resolution_hours"] == pytest.approx(1864 + 54 / 60 + 51 / 3600)
    assert customer["count_rated_support_tickets"] == 0
    assert customer["satisfaction_share_good"] is None
