"""Shopify Admin "Export orders" CSV: one row per line item.

The export repeats ``Name`` on every line item of an order, and fills the
order-level columns (``Total``, ``Financial Status``, ``Id``, ...) only on the
order's first row. ``order_id`` is ``Name`` (e.g. ``#1051``) in both tables,
because it is the one id present on every row.

Mapping to ``orders``, from the first row of each ``Name`` in file order:

- ``email`` from ``Email``; ``phone`` from ``Phone``, else ``Billing Phone``,
  else ``Shipping Phone``.
- ``ordered_at`` from ``Created at`` ('2025-12-06 10:37:33 -0500').
- ``total_amount`` from ``Total``, ``currency`` from ``Currency``,
  ``financial_status`` from ``Financial Status``, ``source_name`` from ``Source``.
- The export has no customer id column, so ``customer_id`` is NULL.
- A row without ``Name`` is its own record and is quarantined.

Mapping to ``order_lines`` (every row): ``line_number`` is the row's position
within its order, ``sku``/``product_name``/``quantity``/``unit_price`` from
``Lineitem sku``/``Lineitem name``/``Lineitem quantity``/``Lineitem price``.

For ``orders`` a landed record is an order, so its ``records_landed`` counts
orders plus rejected CSV rows; for ``order_lines`` it counts CSV rows.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    StageRequest,
    column_or_null,
    read_csv_records,
    utc_timestamp_sql,
)

REQUIRED_COLUMNS = {
    "orders": ("Name", "Created at", "Total"),
    "order_lines": ("Name", "Lineitem quantity", "Lineitem price"),
}


def stage(request: StageRequest) -> None:
    records, header = read_csv_records(request, "records", REQUIRED_COLUMNS[request.table])

    def column(*names: str) -> str:
        return column_or_null(header, *names)

    if request.table == "orders":
        phone = (
            f"coalesce({column('Phone')}, {column('Billing Phone')}, {column('Shipping Phone')})"
        )
        created_at = column("Created at")
        sql = f"""
            SELECT
                _line,
                _raw_record,
                _reason,
                "Name" AS order_id,
                NULL AS customer_id,
                {column("Email")} AS email,
                {phone} AS phone,
                {utc_timestamp_sql(created_at, request.entry.timezone)} AS ordered_at,
                {created_at} AS ordered_at_raw,
                "Total" AS total_amount,
                {column("Currency")} AS currency,
                {column("Financial Status")} AS financial_status,
                {column("Source")} AS source_name
            FROM {records}
            QUALIFY "Name" IS NULL
                OR row_number() OVER (PARTITION BY "Name" ORDER BY _line) = 1
        """
    else:
        sql = f"""
            SELECT
                _line,
                _raw_record,
                _reason,
                "Name" AS order_id,
                CASE WHEN "Name" IS NOT NULL
                     THEN row_number() OVER (PARTITION BY "Name" ORDER BY _line)
                END AS line_number,
                {column("Lineitem sku")} AS sku,
                {column("Lineitem name")} AS product_name,
                "Lineitem quantity" AS quantity,
                "Lineitem price" AS unit_price
            FROM {records}
        """
    request.conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {request.stage_table} AS {sql} ORDER BY _line"
    )


ADAPTER = Adapter(
    name="shopify_orders_csv",
    channel="orders",
    tables=("orders", "order_lines"),
    stage=stage,
)
