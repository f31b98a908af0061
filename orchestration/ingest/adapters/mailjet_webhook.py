"""Mailjet event webhook bodies: a JSON array, or one JSON object per line.

Mapping to ``email_events``:

- ``event_type`` from ``event``: sent -> send, open -> open, click -> click,
  bounce -> bounce, unsub -> unsubscribe, others (spam, blocked) -> other.
- ``event_id``: Mailjet sends no event id, so it is
  ``<MessageID>:<event>:<time>``; it is NULL, and the record quarantined,
  when ``MessageID`` is missing.
- ``occurred_at`` from ``time``, Unix epoch seconds (milliseconds are
  recognised by size).
- ``campaign_id`` from ``mj_campaign_id``, ``campaign_name`` from
  ``customcampaign``, ``link_url`` from ``url`` (click events).
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
    "open": "open",
    "click": "click",
    "bounce": "bounce",
    "unsub": "unsubscribe",
}


def stage(request: StageRequest) -> None:
    records = read_json_records(request)
    type_cases = " ".join(f"WHEN '{name}' THEN '{value}'" for name, value in EVENT_TYPES.items())
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        WITH mapped AS (
            SELECT _line, _raw_record, _reason,
                   {json_text("$.event")} AS event,
                   {json_text("$.time")} AS occurred_at_raw,
                   {json_text("$.MessageID")} AS message_id,
                   {json_text("$.email")} AS email,
                   {json_text("$.mj_campaign_id")} AS campaign_id,
                   {json_text("$.customcampaign")} AS campaign_name,
                   {json_text("$.url")} AS link_url
            FROM {records}
        )
        SELECT
            _line,
            _raw_record,
            _reason,
            message_id || ':' || event || ':' || occurred_at_raw AS event_id,
            CASE WHEN event IS NULL THEN NULL
                 ELSE CASE event {type_cases} ELSE 'other' END
            END AS event_type,
            {epoch_timestamp_sql("occurred_at_raw")} AS occurred_at,
            occurred_at_raw,
            email,
            campaign_id,
            campaign_name,
            link_url,
            'mailjet' AS provider
        FROM mapped
        """
    )


ADAPTER = Adapter(name="mailjet_webhook", channel="email", tables=("email_events",), stage=stage)
