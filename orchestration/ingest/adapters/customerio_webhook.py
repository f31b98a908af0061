"""Customer.io reporting webhook bodies: a JSON array, or one JSON object per line.

Mapping to ``email_events``:

- Records whose ``object_type`` is ``email`` or ``customer`` (subscription
  changes) are loaded. Push, SMS, Slack, webhook and in-app records are
  quarantined, because email_events contains email events only.
- ``event_id`` from ``event_id``; ``event_type`` from ``metric``: sent -> send,
  opened -> open, clicked -> click, bounced -> bounce, unsubscribed ->
  unsubscribe, others (delivered, drafted, failed, subscribed, ...) -> other.
- ``occurred_at`` from ``timestamp``, Unix epoch seconds (milliseconds are
  recognised by size), as a JSON number or string.
- ``email`` from ``data.email_address``, else ``data.recipient``.
- ``campaign_id`` from ``data.campaign_id``, else ``broadcast_<id>`` or
  ``newsletter_<id>``; ``link_url`` from ``data.href``. The webhook carries no
  campaign name.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    StageRequest,
    epoch_timestamp_sql,
    json_text,
    read_json_records,
)

EVENT_TYPES = {
    "sent": "send",
    "opened": "open",
    "clicked": "click",
    "bounced": "bounce",
    "unsubscribed": "unsubscribe",
}


def stage(request: StageRequest) -> None:
    records = read_json_records(request)
    type_cases = " ".join(f"WHEN '{name}' THEN '{value}'" for name, value in EVENT_TYPES.items())
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        WITH mapped AS (
            SELECT _line, _raw_record, _reason,
                   {json_text("$.object_type")} AS object_type,
                   {json_text("$.metric")} AS metric,
                   {json_text("$.timestamp")} AS occurred_at_raw,
                   {json_text("$.event_id")} AS event_id,
                   coalesce({json_text("$.data.email_address")}, {json_text("$.data.recipient")})
                       AS email,
                   coalesce(
                       {json_text("$.data.campaign_id")},
                       'broadcast_' || {json_text("$.data.broadcast_id")},
                       'newsletter_' || {json_text("$.data.newsletter_id")}
                   ) AS campaign_id,
                   {json_text("$.data.href")} AS link_url
            FROM {records}
        )
        SELECT
            _line,
            _raw_record,
            coalesce(
                _reason,
                CASE WHEN object_type IS NULL THEN 'object_type is missing'
                     WHEN object_type NOT IN ('email', 'customer')
                     THEN 'object_type ''' || object_type || ''' is not email; '
                          || 'email_events contains email events only'
                END
            ) AS _reason,
            event_id,
            CASE WHEN metric IS NULL THEN NULL
                 ELSE CASE metric {type_cases} ELSE 'other' END
            END AS event_type,
            {epoch_timestamp_sql("occurred_at_raw")} AS occurred_at,
            occurred_at_raw,
            email,
            campaign_id,
            NULL AS campaign_name,
            link_url,
            'customerio' AS provider
        FROM mapped
        """
    )


ADAPTER = Adapter(name="customerio_webhook", channel="email", tables=("email_events",), stage=stage)
