"""Olist e-commerce public dataset CSVs.

The entry's path is ``olist_orders_dataset.csv``; options name the companions:
``items`` (``olist_order_items_dataset.csv``, required), ``customers`` and
``payments``.

Mapping to ``orders`` (one row per orders-file row):

- ``order_id``; ``financial_status`` from ``order_status``; ``currency`` BRL.
- ``ordered_at`` from ``order_purchase_timestamp``. Olist writes local time
  without an offset, so set the entry's ``timezone`` option to
  ``America/Sao_Paulo`` (Olist is a Brazilian marketplace). Without the
  option the text is read as UTC.
- ``customer_id``: with ``customers``, the person-level ``customer_unique_id``
  (NULL when the order's ``customer_id`` is not in that file); without it,
  Olist's per-order ``customer_id``.
- ``total_amount``: the sum of ``payment_value`` in ``payments``; for orders
  without payments, or without that option, the sum of ``price`` plus
  ``freight_value`` in ``items``.
- Olist has no email, phone or sales channel.

Mapping to ``order_lines`` (read from the ``items`` file, so its ``_file`` is
that file): ``line_number`` from ``order_item_id``, ``sku`` from
``product_id``, ``unit_price`` from ``price``, ``quantity`` 1 because Olist
lists each unit as its own item row.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    StageRequest,
    column_or_null,
    read_companion_csv,
    read_csv_records,
    utc_timestamp_sql,
)

ORDER_REQUIRED_COLUMNS = ("order_id", "customer_id", "order_purchase_timestamp")
ITEM_REQUIRED_COLUMNS = ("order_id", "order_item_id", "price")
CUSTOMER_REQUIRED_COLUMNS = ("customer_id", "customer_unique_id")
PAYMENT_REQUIRED_COLUMNS = ("order_id", "payment_value")


def stage(request: StageRequest) -> None:
    if request.table == "order_lines":
        _stage_order_lines(request)
    else:
        _stage_orders(request)


def _stage_orders(request: StageRequest) -> None:
    records, header = read_csv_records(request, "records", ORDER_REQUIRED_COLUMNS)
    items = read_companion_csv(request, "items", ("order_id", "price"))
    customers = read_companion_csv(request, "customers", CUSTOMER_REQUIRED_COLUMNS)
    payments = read_companion_csv(request, "payments", PAYMENT_REQUIRED_COLUMNS)

    joins = []
    if payments is not None:
        joins.append(
            f"""LEFT JOIN (
                SELECT order_id, sum(try_cast(payment_value AS DECIMAL(18, 2))) AS paid
                FROM {payments[0]} WHERE _reason IS NULL GROUP BY order_id
            ) AS p ON p.order_id = o.order_id"""
        )
    if items is not None:
        freight = column_or_null(items[1], "freight_value")
        joins.append(
            f"""LEFT JOIN (
                SELECT order_id,
                       sum(try_cast(price AS DECIMAL(18, 2))
                           + coalesce(try_cast({freight} AS DECIMAL(18, 2)), 0)) AS item_total
                FROM {items[0]} WHERE _reason IS NULL GROUP BY order_id
            ) AS i ON i.order_id = o.order_id"""
        )
    if customers is not None:
        joins.append(
            f"""LEFT JOIN (
                SELECT customer_id, any_value(customer_unique_id) AS customer_unique_id
                FROM {customers[0]} WHERE _reason IS NULL GROUP BY customer_id
            ) AS c ON c.customer_id = o.customer_id"""
        )
    paid = "p.paid" if payments is not None else "NULL"
    item_total = "i.item_total" if items is not None else "NULL"
    customer_id = "c.customer_unique_id" if customers is not None else "o.customer_id"
    join_sql = "\n".join(joins)
    status = "o.order_status" if "order_status" in header else "NULL"

    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        SELECT
            o._line,
            o._raw_record,
            o._reason,
            o.order_id,
            {customer_id} AS customer_id,
            NULL AS email,
            NULL AS phone,
            {utc_timestamp_sql("o.order_purchase_timestamp", request.entry.timezone)}
                AS ordered_at,
            o.order_purchase_timestamp AS ordered_at_raw,
            coalesce({paid}, {item_total}) AS total_amount,
            'BRL' AS currency,
            {status} AS financial_status,
            NULL AS source_name
        FROM {records} AS o
        {join_sql}
        ORDER BY o._line
        """
    )


def _stage_order_lines(request: StageRequest) -> None:
    records, header = read_csv_records(request, "records", ITEM_REQUIRED_COLUMNS)
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        SELECT
            _line,
            _raw_record,
            _reason,
            order_id,
            order_item_id AS line_number,
            {column_or_null(header, "product_id")} AS sku,
            NULL AS product_name,
            CASE WHEN _reason IS NULL THEN 1 END AS quantity,
            price AS unit_price
        FROM {records}
        ORDER BY _line
        """
    )


ADAPTER = Adapter(
    name="olist_csv",
    channel="orders",
    tables=("orders", "order_lines"),
    stage=stage,
    file_options=("items", "customers", "payments"),
    required_options=("items",),
    table_file_option={"order_lines": "items"},
)
