"""shopify_orders_csv and olist_csv onto raw.orders and raw.order_lines."""

from datetime import datetime
from decimal import Decimal

from orchestration.ingest.loader import ingest_table

SHOPIFY_CSV = (
    "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem sku,Billing Phone,Id,Source,Phone\n"
    "#1050,ana@example.com,paid,INR,11594.00,2025-12-06 10:37:30 -0500,1,Wallet,3499.00,"
    "LW-1,+15550100003,6798481490219,web,\n"
    "#1050,ana@example.com,,,,2025-12-06 10:37:30 -0500,2,Yoga Mat,2499.00,YM-1,,,,\n"
    "#1051,bo@example.com,pending,INR,1299.00,2025-12-06 23:37:33 -0500,1,Coffee,1299.00,"
    "CB-1,,6798481555755,pos,+15550100004\n"
)


def _shopify_config(landing, text):
    return landing(
        [{"path": "orders/export.csv", "channel": "orders", "format": "shopify_orders_csv"}],
        {"orders/export.csv": text},
    )


def test_shopify_two_orders_three_lines(conn, landing, fetch):
    config = _shopify_config(landing, SHOPIFY_CSV)
    orders = ingest_table(conn, config, "orders")
    lines = ingest_table(conn, config, "order_lines")

    assert orders.rows_loaded == 2
    assert lines.rows_loaded == 3
    first, second = fetch("select * from raw.orders order by order_id")
    assert first["order_id"] == "#1050"
    assert first["total_amount"] == Decimal("11594.00")
    assert first["email"] == "ana@example.com"
    assert first["phone"] == "+15550100003"
    assert first["ordered_at"] == datetime(2025, 12, 6, 15, 37, 30)
    assert first["ordered_at_raw"] == "2025-12-06 10:37:30 -0500"
    assert first["currency"] == "INR"
    assert first["financial_status"] == "paid"
    assert first["source_name"] == "web"
    assert first["customer_id"] is None
    assert first["_line"] == 1
    assert second["order_id"] == "#1051"
    assert second["total_amount"] == Decimal("1299.00")
    assert second["phone"] == "+15550100004"
    assert second["ordered_at"] == datetime(2025, 12, 7, 4, 37, 33)
    assert second["_line"] == 3

    rows = fetch("select * from raw.order_lines order by _line")
    assert [(r["order_id"], r["line_number"]) for r in rows] == [
        ("#1050", 1),
        ("#1050", 2),
        ("#1051", 1),
    ]
    assert rows[1]["sku"] == "YM-1"
    assert rows[1]["product_name"] == "Yoga Mat"
    assert rows[1]["quantity"] == 2
    assert rows[1]["unit_price"] == Decimal("2499.00")
    # The ledger has a row per file and day; the two orders fall on two days.
    landed = fetch(
        "select target_table, sum(records_landed) as records_landed from raw.landed_files "
        "group by target_table order by target_table"
    )
    assert landed == [
        {"target_table": "order_lines", "records_landed": 3},
        {"target_table": "orders", "records_landed": 2},
    ]


def test_shopify_bad_total_quarantines_order_only(conn, landing, fetch):
    text = SHOPIFY_CSV.replace("1299.00,2025-12-06 23:37:33", "12,99.x,2025-12-06 23:37:33")
    config = _shopify_config(landing, text)
    orders = ingest_table(conn, config, "orders")
    lines = ingest_table(conn, config, "order_lines")

    assert orders.rows_loaded == 1
    assert orders.rows_quarantined == 1
    assert lines.rows_quarantined == 1
    reasons = fetch("select target_table, reason from raw.quarantine order by target_table")
    assert reasons[0]["target_table"] == "order_lines"
    assert reasons[0]["reason"].startswith("CSV row rejected by DuckDB (TOO MANY COLUMNS)")
    assert reasons[1]["target_table"] == "orders"
    assert reasons[1]["reason"].startswith("CSV row rejected by DuckDB (TOO MANY COLUMNS)")


OLIST_ORDERS = (
    "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at\n"
    "o-1,c-1,delivered,2018-06-12 20:07:44,2018-06-12 20:44:26\n"
    "o-2,c-2,canceled,2018-01-20 12:15:57,\n"
)
OLIST_ITEMS = (
    "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n"
    "o-1,1,p-1,s-1,2018-06-14 00:00:00,100.00,10.00\n"
    "o-1,2,p-1,s-1,2018-06-14 00:00:00,100.00,10.00\n"
    "o-2,1,p-2,s-1,2018-01-22 00:00:00,50.00,5.50\n"
)
OLIST_PAYMENTS = (
    "order_id,payment_sequential,payment_type,payment_installments,payment_value\n"
    "o-1,1,credit_card,1,200.00\n"
    "o-1,2,voucher,1,20.00\n"
)
OLIST_CUSTOMERS = "customer_id,customer_unique_id,customer_zip_code_prefix\nc-1,person-1,9121\n"


def test_olist_orders_and_items(conn, landing, fetch):
    config = landing(
        [
            {
                "path": "orders/olist_orders_dataset.csv",
                "channel": "orders",
                "format": "olist_csv",
                "options": {
                    "items": "orders/items.csv",
                    "payments": "orders/payments.csv",
                    "customers": "orders/customers.csv",
                    "timezone": "America/Sao_Paulo",
                },
            }
        ],
        {
            "orders/olist_orders_dataset.csv": OLIST_ORDERS,
            "orders/items.csv": OLIST_ITEMS,
            "orders/payments.csv": OLIST_PAYMENTS,
            "orders/customers.csv": OLIST_CUSTOMERS,
        },
    )
    ingest_table(conn, config, "orders")
    ingest_table(conn, config, "order_lines")

    paid, unpaid = fetch("select * from raw.orders order by order_id")
    assert paid["total_amount"] == Decimal("220.00")
    assert paid["customer_id"] == "person-1"
    assert paid["currency"] == "BRL"
    assert paid["financial_status"] == "delivered"
    # 2018-06-12 is outside Brazil's daylight saving time, so UTC-3.
    assert paid["ordered_at"] == datetime(2018, 6, 12, 23, 7, 44)
    assert unpaid["total_amount"] == Decimal("55.50")
    assert unpaid["customer_id"] is None
    # 2018-01-20 is inside Brazil's daylight saving time, so UTC-2.
    assert unpaid["ordered_at"] == datetime(2018, 1, 20, 14, 15, 57)

    lines = fetch("select * from raw.order_lines order by _line")
    assert [(r["order_id"], r["line_number"], r["sku"]) for r in lines] == [
        ("o-1", 1, "p-1"),
        ("o-1", 2, "p-1"),
        ("o-2", 1, "p-2"),
    ]
    assert lines[2]["unit_price"] == Decimal("50.00")
    assert lines[2]["quantity"] == 1
    assert lines[0]["_file"] == "orders/items.csv"
