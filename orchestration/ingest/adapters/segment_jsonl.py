"""Segment / RudderStack spec events, one JSON object per line (a JSON array also works).

Mapping to ``web_events``:

- ``event_id`` from ``messageId``; ``event_type`` from ``type``. Page,
  track, identify, screen and alias events are loaded; other types (group,
  unknown) are quarantined with the type in the reason.
- ``previous_id`` from ``previousId`` of alias events, the id that the alias
  call replaces with ``userId``. An alias event without ``previousId`` or
  ``userId`` links nothing and is quarantined.
- ``event_name``: ``event`` for track, NULL for identify and alias. For page
  and screen ``name``, then ``properties.title``/``properties.name``, then
  ``context.page.title``.
- ``occurred_at`` from ``timestamp``, else ``originalTimestamp`` (ISO 8601).
- ``platform`` is ``app`` for screen events, for ``channel: mobile`` and for
  an iOS or Android ``context.device.type``. It is also ``app`` when
  ``context.library.name`` names an Android, iOS, React Native or Flutter SDK.
  Every other event is ``web``.
- ``email``/``phone`` from ``traits``, else ``context.traits``.
- ``page_url``/``referrer`` from ``context.page``, else ``properties``.
- ``utm_*`` from ``context.campaign`` (``source``, ``medium``, ``name``), else
  the ``utm_*`` parameters of the page URL.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    JsonFields,
    StageRequest,
    read_json_records,
    url_parameter_sql,
    utc_timestamp_sql,
)

WEB_EVENT_TYPES = ("page", "track", "identify", "screen", "alias")


def stage(request: StageRequest) -> None:
    records = read_json_records(request)
    doc = JsonFields()
    event_type = f"lower({doc.text('$.type')})"
    page_url = f"coalesce({doc.text('$.context.page.url')}, {doc.text('$.properties.url')})"
    occurred_at_raw = f"coalesce({doc.text('$.timestamp')}, {doc.text('$.originalTimestamp')})"
    library = f"lower(coalesce({doc.text('$.context.library.name')}, ''))"
    allowed_types = ", ".join(f"'{name}'" for name in WEB_EVENT_TYPES)

    # The mapped columns first, so that `doc` knows every path before
    # select_sql() writes the extraction.
    mapped = f"""
            SELECT _line, _raw_record, _reason, _fields,
                   {event_type} AS event_type,
                   {page_url} AS page_url,
                   {occurred_at_raw} AS occurred_at_raw,
                   {doc.text("$.userId")} AS user_id,
                   {doc.text("$.previousId")} AS previous_id
            FROM extracted
    """
    select = f"""
        SELECT
            _line,
            _raw_record,
            coalesce(
                _reason,
                CASE WHEN event_type IS NOT NULL AND event_type NOT IN ({allowed_types})
                     THEN 'type: ''' || event_type || ''' is not loaded; web_events contains '
                          || 'page, track, identify, screen and alias events'
                END,
                CASE WHEN event_type = 'alias'
                          AND (nullif(trim(previous_id), '') IS NULL
                               OR nullif(trim(user_id), '') IS NULL)
                     THEN 'alias: previousId or userId is missing or empty, so the alias '
                          || 'links nothing'
                END
            ) AS _reason,
            {doc.text("$.messageId")} AS event_id,
            event_type,
            CASE event_type
                WHEN 'track' THEN {doc.text("$.event")}
                WHEN 'identify' THEN NULL
                WHEN 'alias' THEN NULL
                ELSE coalesce(
                    {doc.text("$.name")},
                    {doc.text("$.properties.title")},
                    {doc.text("$.properties.name")},
                    {doc.text("$.context.page.title")},
                    {doc.text("$.event")}
                )
            END AS event_name,
            {utc_timestamp_sql("occurred_at_raw", request.entry.timezone)} AS occurred_at,
            occurred_at_raw,
            CASE
                WHEN event_type = 'screen' THEN 'app'
                WHEN lower({doc.text("$.channel")}) = 'mobile' THEN 'app'
                WHEN lower({doc.text("$.context.device.type")}) IN ('ios', 'android') THEN 'app'
                WHEN regexp_matches({library}, 'android|ios|react-native|flutter') THEN 'app'
                ELSE 'web'
            END AS platform,
            {doc.text("$.anonymousId")} AS anonymous_id,
            user_id,
            CASE WHEN event_type = 'alias' THEN previous_id END AS previous_id,
            coalesce({doc.text("$.traits.email")}, {doc.text("$.context.traits.email")})
                AS email,
            coalesce({doc.text("$.traits.phone")}, {doc.text("$.context.traits.phone")})
                AS phone,
            page_url,
            coalesce(
                nullif({doc.text("$.context.page.referrer")}, ''),
                {doc.text("$.properties.referrer")}
            ) AS referrer,
            coalesce(
                {doc.text("$.context.campaign.source")},
                {url_parameter_sql("page_url", "utm_source")}
            ) AS utm_source,
            coalesce(
                {doc.text("$.context.campaign.medium")},
                {url_parameter_sql("page_url", "utm_medium")}
            ) AS utm_medium,
            coalesce(
                {doc.text("$.context.campaign.name")},
                {url_parameter_sql("page_url", "utm_campaign")}
            ) AS utm_campaign
        FROM mapped
    """
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        WITH extracted AS (
            SELECT _line, _raw_record, _reason, {doc.select_sql()} FROM {records}
        ),
        mapped AS ({mapped})
        {select}
        """
    )


ADAPTER = Adapter(name="segment_jsonl", channel="web", tables=("web_events",), stage=stage)
