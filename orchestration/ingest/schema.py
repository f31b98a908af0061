"""Canonical raw tables that every landing-file adapter writes into.

Each channel has one raw table whatever tool exported it, so dbt staging has one
model per table. Adapters parse timestamps into UTC (``TIMESTAMP`` without a zone,
UTC by convention) and keep the text they parsed in the ``*_raw`` column beside
it. Identifiers are always text so leading zeros and long ids survive.

Every raw table also carries the lineage columns in ``LINEAGE_COLUMNS``.
"""

from dataclasses import dataclass

RAW_SCHEMA = "raw"


@dataclass(frozen=True)
class RawTable:
    name: str
    channel: str
    description: str
    columns: tuple[tuple[str, str], ...]
    # Columns that must be present and non-empty, or the row is quarantined.
    required: tuple[str, ...]
    # Column whose day in the configured time zone is the row's partition.
    # None for tables loaded whole on every run (order lines carry no time).
    event_column: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_file", "VARCHAR"),  # landing file path as given in the landing config
    ("_line", "BIGINT"),  # 1-based record number in that file (CSV: data row)
    ("_format", "VARCHAR"),  # adapter name, e.g. 'segment_jsonl'
    ("_loaded_at", "TIMESTAMP"),  # UTC time the ingest step wrote the row
    ("_partition_date", "DATE"),  # day of event_column in the configured time zone
)

RAW_TABLES: dict[str, RawTable] = {
    table.name: table
    for table in (
        RawTable(
            name="web_events",
            channel="web",
            description="Web and app analytics events: page views, tracks, identifies and aliases.",
            columns=(
                ("event_id", "VARCHAR"),
                ("event_type", "VARCHAR"),  # page | track | identify | screen | alias
                ("event_name", "VARCHAR"),  # track event name, page title, or NULL
                ("occurred_at", "TIMESTAMP"),
                ("occurred_at_raw", "VARCHAR"),
                ("platform", "VARCHAR"),  # web | app
                ("anonymous_id", "VARCHAR"),  # cookie or device id
                ("user_id", "VARCHAR"),  # logged-in user id
                ("previous_id", "VARCHAR"),  # alias calls: the id that user_id replaces
                ("email", "VARCHAR"),
                ("phone", "VARCHAR"),
                ("page_url", "VARCHAR"),
                ("referrer", "VARCHAR"),
                ("utm_source", "VARCHAR"),
                ("utm_medium", "VARCHAR"),
                ("utm_campaign", "VARCHAR"),
            ),
            required=("event_id", "event_type", "occurred_at"),
            event_column="occurred_at",
        ),
        RawTable(
            name="email_events",
            channel="email",
            description="Email service webhook events: send, open, click, bounce, unsubscribe.",
            columns=(
                ("event_id", "VARCHAR"),
                ("event_type", "VARCHAR"),  # send | open | click | bounce | unsubscribe | other
                ("occurred_at", "TIMESTAMP"),
                ("occurred_at_raw", "VARCHAR"),
                ("email", "VARCHAR"),
                ("campaign_id", "VARCHAR"),
                ("campaign_name", "VARCHAR"),
                ("link_url", "VARCHAR"),
                ("provider", "VARCHAR"),  # iterable | customerio | mailjet
            ),
            required=("event_id", "event_type", "occurred_at", "email"),
            event_column="occurred_at",
        ),
        RawTable(
            name="social_posts",
            channel="social",
            description="Social posts and mentions between customers and brand accounts.",
            columns=(
                ("post_id", "VARCHAR"),
                ("author_handle", "VARCHAR"),
                ("is_inbound", "BOOLEAN"),  # true when a customer wrote it
                ("text", "VARCHAR"),
                ("created_at", "TIMESTAMP"),
                ("created_at_raw", "VARCHAR"),
                ("in_reply_to_post_id", "VARCHAR"),
            ),
            required=("post_id", "author_handle", "created_at"),
            event_column="created_at",
        ),
        RawTable(
            name="support_tickets",
            channel="support",
            description="Help-desk tickets with the requester's identifiers.",
            columns=(
                ("ticket_id", "VARCHAR"),
                ("requester_id", "VARCHAR"),
                ("requester_email", "VARCHAR"),
                ("requester_phone", "VARCHAR"),
                ("requester_handle", "VARCHAR"),  # social handle for tickets from social
                ("created_at", "TIMESTAMP"),
                ("created_at_raw", "VARCHAR"),
                ("status", "VARCHAR"),
                ("via_channel", "VARCHAR"),  # web | email | twitter | chat | ...
                ("subject", "VARCHAR"),
                ("priority", "VARCHAR"),
                ("solved_at", "TIMESTAMP"),  # last change to solved, NULL when never solved
                ("solved_at_raw", "VARCHAR"),
                ("satisfaction_rating", "VARCHAR"),  # good | bad | offered | unoffered
            ),
            required=("ticket_id", "created_at"),
            event_column="created_at",
        ),
        RawTable(
            name="orders",
            channel="orders",
            description="Shop orders, one row per order.",
            columns=(
                ("order_id", "VARCHAR"),
                ("customer_id", "VARCHAR"),  # the shop's own customer id
                ("email", "VARCHAR"),
                ("phone", "VARCHAR"),
                ("ordered_at", "TIMESTAMP"),
                ("ordered_at_raw", "VARCHAR"),
                ("total_amount", "DECIMAL(18,2)"),
                ("currency", "VARCHAR"),
                ("financial_status", "VARCHAR"),
                ("source_name", "VARCHAR"),  # web | pos | app | ...
            ),
            required=("order_id", "ordered_at", "total_amount"),
            event_column="ordered_at",
        ),
        RawTable(
            name="order_lines",
            channel="orders",
            description="Shop order line items, one row per landed line.",
            columns=(
                ("order_id", "VARCHAR"),
                ("line_number", "INTEGER"),  # 1-based position within the order
                ("sku", "VARCHAR"),
                ("product_name", "VARCHAR"),
                ("quantity", "INTEGER"),
                ("unit_price", "DECIMAL(18,2)"),
            ),
            required=("order_id", "line_number"),
        ),
        RawTable(
            name="ad_spend",
            channel="ads",
            description="Daily ad spend per platform and campaign.",
            columns=(
                ("spend_date", "DATE"),
                ("platform", "VARCHAR"),  # google_ads | facebook_ads
                ("campaign_id", "VARCHAR"),
                ("campaign_name", "VARCHAR"),
                ("impressions", "BIGINT"),
                ("clicks", "BIGINT"),
                ("spend_amount", "DECIMAL(18,4)"),
                ("currency", "VARCHAR"),
            ),
            required=("spend_date", "platform", "campaign_id", "spend_amount"),
            event_column="spend_date",
        ),
    )
}

# Rows that no adapter could turn into a raw row. Nothing landed is dropped
# silently: each landed record is either in its raw table or here.
QUARANTINE_TABLE = "quarantine"
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("target_table", "VARCHAR"),
    ("_file", "VARCHAR"),
    ("_line", "BIGINT"),
    ("_format", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("raw_record", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
    # Day of the record's event in the configured time zone; NULL when the
    # record has no valid event time or its table has no partitions.
    ("_partition_date", "DATE"),
)

# One row per landing file, target table and partition day (NULL for records
# without a day): the reconciliation of records landed against rows loaded and
# rows quarantined.
LANDED_FILES_TABLE = "landed_files"
LANDED_FILES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_file", "VARCHAR"),
    ("_format", "VARCHAR"),
    ("target_table", "VARCHAR"),
    ("sha256", "VARCHAR"),
    ("records_landed", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
    ("partition_date", "DATE"),
)


# One row per landing file and target table: what the file contained the last
# time ingest parsed it. A partitioned run skips a file that is unchanged and
# whose days all fall outside the run's window
# (``orchestration/ingest/parse_ledger.py``). This is a table of its own because
# ``landed_files`` has one row per day, and a window rewrites only some of them.
PARSED_FILES_TABLE = "parsed_files"
PARSED_FILES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_file", "VARCHAR"),
    ("target_table", "VARCHAR"),
    ("sha256", "VARCHAR"),
    ("size_bytes", "BIGINT"),
    ("mtime_ns", "BIGINT"),  # st_mtime_ns of the file when it was parsed or hashed
    # sha256 of the entry's format and options, companion files by size and mtime.
    ("options_sha256", "VARCHAR"),
    ("timezone", "VARCHAR"),  # time zone of the day boundary of _partition_date
    ("erased_keys", "BIGINT"),  # erased key hashes recorded when the file was parsed
    # First and last _partition_date over every record, loaded, quarantined or
    # outside the window; NULL when no record has a day.
    ("first_day", "DATE"),
    ("last_day", "DATE"),
    ("records_dated", "BIGINT"),
    ("records_undated", "BIGINT"),
    # Earliest day whose records may not be written yet (dated after the
    # windows parsed so far); NULL when every dated record is written.
    ("pending_from", "DATE"),
    # TRUE when rows of an earlier content, options or time zone may remain in
    # days that no window since then rewrote; a run without a window clears it.
    ("has_stale_rows", "BOOLEAN"),
    ("parsed_at", "TIMESTAMP"),  # UTC
)


def create_table_sql(name: str, columns: tuple[tuple[str, str], ...]) -> str:
    """Return ``create table if not exists`` DDL for a table in the raw schema."""
    body = ",\n    ".join(f"{column} {sql_type}" for column, sql_type in columns)
    return f"create table if not exists {RAW_SCHEMA}.{name} (\n    {body}\n)"


def raw_table_ddl(table: RawTable) -> str:
    return create_table_sql(table.name, table.columns + LINEAGE_COLUMNS)
