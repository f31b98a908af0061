"""Zendesk ``ticket`` table as Fivetran writes it, as CSV, with requesters and history from options.

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
- ``solved_at`` and ``satisfaction_rating`` from the ``field_history`` file
  (Fivetran ``ticket_field_history`` table: ``field_name``, ``ticket_id``,
  ``updated``, ``value``), because Fivetran's ``ticket`` table has neither.
  ``solved_at`` is the latest ``updated`` of a ``status`` change to
  ``solved``, else the earliest change to ``closed`` (a ticket closed without
  being solved). ``satisfaction_rating`` is the latest ``satisfaction_score``
  value: ``good``, ``bad``, ``offered`` (survey sent, no answer) or
  ``unoffered``. Both are NULL without the file or without such rows.
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
FIELD_HISTORY_REQUIRED_COLUMNS = ("field_name", "ticket_id", "updated", "value")
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

    history_join, solved_at_raw, satisfaction_rating = _field_history_join(request, "t.id")
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
            {column("priority")} AS priority,
            {utc_timestamp_sql(solved_at_raw, timezone)} AS solved_at,
            {solved_at_raw} AS solved_at_raw,
            {satisfaction_rating} AS satisfaction_rating
        FROM {records} AS t
        {users_join}
        {history_join}
        ORDER BY t._line
        """
    )


def _field_history_join(request: StageRequest, ticket_id: str) -> tuple[str, str, str]:
    """Return the join of per-ticket history values, and the SQL of solved_at text and rating.

    The history's ``updated`` text is kept as it is, so ``solved_at`` parses it
    with the entry's timezone like ``created_at``.
    """
    history = read_companion_csv(request, "field_history", FIELD_HISTORY_REQUIRED_COLUMNS)
    if history is None:
        return "", "NULL", "NULL"
    history_table, _ = history
    updated_at = utc_timestamp_sql("updated", request.entry.timezone)
    per_ticket = f"""(
            SELECT
                ticket_id,
                coalesce(
                    arg_max(updated, {updated_at})
                        FILTER (WHERE field_name = 'status' AND lower(trim(value)) = 'solved'),
                    arg_min(updated, {updated_at})
                        FILTER (WHERE field_name = 'status' AND lower(trim(value)) = 'closed')
                ) AS solved_at_raw,
                arg_max(lower(trim(value)), {updated_at})
                    FILTER (WHERE field_name = 'satisfaction_score') AS satisfaction_rating
            FROM {history_table}
            WHERE _reason IS NULL
            GROUP BY ticket_id
        )"""
    join = f"LEFT JOIN {per_ticket} AS h ON h.ticket_id = {ticket_id}"
    return join, "h.solved_at_raw", "h.satisfaction_rating"


ADAPTER = Adapter(
    name="zendesk_fivetran",
    channel="support",
    tables=("support_tickets",),
    stage=stage,
    file_options=("users", "field_history"),
)
