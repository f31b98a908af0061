"""Iterable system webhook bodies: a JSON array, or one JSON object per line.

Mapping to ``email_events``:

- ``event_type`` from ``eventName`` (``eventTitle`` when it is absent):
  emailSend -> send, emailOpen -> open, emailClick -> click, emailBounce ->
  bounce, emailUnSubscribe -> unsubscribe; other email events (emailSubscribe,
  emailComplaint, emailSendSkip, hostedUnsubscribeClick) -> other. Push, SMS,
  in-app and web-push events are quarantined, because email_events contains
  email events only.
- ``event_id``: Iterable sends no event id, so it is the MD5 of event name,
  email, ``createdAt``, ``messageId``, ``campaignId`` and link URL. Identical
  webhook deliveries therefore get the same id.
- ``occurred_at`` from ``dataFields.createdAt`` ('2016-12-02 20:21:04 +00:00').
- ``email`` from ``email``, else ``dataFields.email``.
- ``campaign_id``/``campaign_name`` from ``dataFields.campaignId``/``campaignName``,
  ``link_url`` from ``dataFields.url``, else ``dataFields.linkUrl``.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    JsonFields,
    StageRequest,
    read_json_records,
    utc_timestamp_sql,
)

EVENT_TYPES = {
    "emailSend": "send",
    "emailOpen": "open",
    "emailClick": "click",
    "emailBounce": "bounce",
    "emailUnSubscribe": "unsubscribe",
}


def stage(request: StageRequest) -> None:
    records = read_json_records(request)
    type_cases = " ".join(f"WHEN '{name}' THEN '{value}'" for name, value in EVENT_TYPES.items())
    doc = JsonFields()
    mapped = f"""
            SELECT _line, _raw_record, _reason,
                   coalesce({doc.text("$.eventName")}, {doc.text("$.eventTitle")})
                       AS event_name,
                   coalesce({doc.text("$.email")}, {doc.text("$.dataFields.email")}) AS email,
                   {doc.text("$.dataFields.createdAt")} AS occurred_at_raw,
                   {doc.text("$.dataFields.messageId")} AS message_id,
                   {doc.text("$.dataFields.campaignId")} AS campaign_id,
                   {doc.text("$.dataFields.campaignName")} AS campaign_name,
                   coalesce({doc.text("$.dataFields.url")}, {doc.text("$.dataFields.linkUrl")})
                       AS link_url
            FROM extracted
    """
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        WITH extracted AS (
            SELECT _line, _raw_record, _reason, {doc.select_sql()} FROM {records}
        ),
        mapped AS ({mapped})
        SELECT
            _line,
            _raw_record,
            coalesce(
                _reason,
                CASE WHEN event_name IS NULL THEN 'eventName is missing'
                     WHEN NOT (event_name LIKE 'email%' OR event_name = 'hostedUnsubscribeClick')
                     THEN 'eventName ''' || event_name || ''' is not an email event; '
                          || 'email_events contains email events only'
                END
            ) AS _reason,
            md5(concat_ws('|', event_name, email, occurred_at_raw, message_id, campaign_id,
                          link_url)) AS event_id,
            CASE event_name {type_cases} ELSE 'other' END AS event_type,
            {utc_timestamp_sql("occurred_at_raw", request.entry.timezone)} AS occurred_at,
            occurred_at_raw,
            email,
            campaign_id,
            campaign_name,
            link_url,
            'iterable' AS provider
        FROM mapped
        """
    )


ADAPTER = Adapter(name="iterable_webhook", channel="email", tables=("email_events",), stage=stage)
