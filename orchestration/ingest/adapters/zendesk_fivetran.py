"""Zendesk ``ticket`` table as Fivetran writes it, as CSV; option ``users`` adds requesters.

Mapping to ``support_tickets``:

- ``ticket_id`` from ``id``; ``requester_id``, ``status``, ``via_channel``,
  ``subject`` and ``priority`` from the columns of the same name.
- ``created_at`` from ``created_at``. Fivetran writes UTC without an offset;
  the entry's ``timezone`` option overrides that.
- ``requester_email``/``requester_phone`` from the ``users`` file (Fivetran
  ``user`` table: ``id``, ``email``, ``phone``), matched on ``requester_id``.
  When the users file has no email and ``via_channel`` is ``email``, the
  ticket's ``via_source_from_address`` (the sender) is used.
- ``requester_handle`` from ``via_source_from_address`` when ``via_channel``
  is ``twitter``, ``facebook`` or ``instagram_dm``, because for those
  tickets it contains the customer's social handle.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    StageRequest,
    column_or_null,
    latest_rows_sql,
    read_companion_csv,
    read_csv_records,
    utc_timestamp_sql,
)

REQUIRED_COLUMNS = ("id", "created_at")
USER_REQUIRED_COLUMNS = ("id", "email")
SOCIAL_CHANNELS = ("twitter", "facebook", "instagram_dm")


def stage(request: StageRequest) -> None:
    records, header = read_csv_records(request, "records", REQUIRED_COLUMNS)
    timezone = request.entry.timezone

    def column(name: str) -> str:
        return column_or_null(header, name, table="t")

    users = read_companion_csv(request, "users", USER_REQUIRED_COLUMNS)
    if users is None:
        users_join = ""
        user_email = user_phone = "NULL"
    else:
        users_table, users_header = users
        updated_at = column_or_null(users_header, "updated_at")
        order_by = None if updated_at == "NULL" else utc_timestamp_sql(updated_at)
        latest_users = latest_rows_sql(f"{users_table} WHERE _reason IS NULL", "id", order_by)
        users_join = f"LEFT JOIN {latest_users} AS u ON u.id = {column('requester_id')}"
        user_email = "u.email"
        user_phone = "u.phone" if "phone" in users_header else "NULL"

    from_address = column("via_source_from_address")
    via_channel = column("via_channel")
    social = ", ".join(f"'{name}'" for name in SOCIAL_CHANNELS)
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        SELECT
            t._line,
            t._raw_record,
            t._reason,
            t.id AS ticket_id,
            {column("requester_id")} AS requester_id,
            coalesce(
                {user_email},
                CASE WHEN lower({via_channel}) = 'email' THEN {from_address} END
            ) AS requester_email,
            {user_phone} AS requester_phone,
            CASE WHEN lower({via_channel}) IN ({social}) THEN {from_address} END
                AS requester_handle,
            {utc_timestamp_sql("t.created_at", timezone)} AS created_at,
            t.created_at AS created_at_raw,
            {column("status")} AS status,
            {via_channel} AS via_channel,
            {column("subject")} AS subject,
            {column("priority")} AS priority
        FROM {records} AS t
        {users_join}
        ORDER BY t._line
        """
    )


ADAPTER = Adapter(
    name="zendesk_fivetran",
    channel="support",
    tables=("support_tickets",),
    stage=stage,
    file_options=("users",),
)
