"""Snowplow enriched events (``atomic.events`` columns) as CSV.

Mapping to ``web_events``:

- ``event_id`` from ``event_id``. ``event_type`` is ``page`` for ``page_view``
  and ``track`` for every other Snowplow event (page_ping, struct, unstruct,
  transaction), whose name goes to ``event_name``.
- ``event_name``: ``page_title`` for page views, ``se_action`` for structured
  events, else ``event_name`` (e.g. ``link_click``), else ``event``.
- ``occurred_at`` from ``derived_tstamp``, else ``collector_tstamp``. Snowplow
  writes UTC without an offset; the entry's ``timezone`` option overrides that.
- ``platform`` is ``web`` for Snowplow platform ``web``, else ``app``.
- ``anonymous_id`` from ``domain_userid``, else ``network_userid``.
- ``page_url``, ``referrer`` (``page_referrer``) and ``utm_*`` from
  ``mkt_source``/``mkt_medium``/``mkt_campaign``, else the page URL's ``utm_*``.
  Snowplow events carry no email or phone.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    StageRequest,
    blank_to_null,
    column_or_null,
    read_csv_records,
    url_parameter_sql,
    utc_timestamp_sql,
)

REQUIRED_COLUMNS = ("event_id", "event", "collector_tstamp")


def stage(request: StageRequest) -> None:
    records, header = read_csv_records(request, "records", REQUIRED_COLUMNS)

    def column(*names: str) -> str:
        return column_or_null(header, *names)

    page_url = column("page_url")
    occurred_at_raw = (
        f"coalesce({blank_to_null(column('derived_tstamp'))}, {column('collector_tstamp')})"
    )
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        SELECT
            _line,
            _raw_record,
            _reason,
            event_id,
            CASE WHEN event = 'page_view' THEN 'page' WHEN event IS NOT NULL THEN 'track'
            END AS event_type,
            CASE event
                WHEN 'page_view' THEN {column("page_title")}
                WHEN 'struct' THEN coalesce({column("se_action")}, {column("event_name")})
                ELSE coalesce({column("event_name")}, event)
            END AS event_name,
            {utc_timestamp_sql(occurred_at_raw, request.entry.timezone)} AS occurred_at,
            {occurred_at_raw} AS occurred_at_raw,
            CASE WHEN {column("platform")} IS NULL THEN NULL
                 WHEN {column("platform")} = 'web' THEN 'web'
                 ELSE 'app'
            END AS platform,
            coalesce({column("domain_userid")}, {column("network_userid")}) AS anonymous_id,
            {column("user_id")} AS user_id,
            NULL AS email,
            NULL AS phone,
            {page_url} AS page_url,
            {column("page_referrer")} AS referrer,
            coalesce({column("mkt_source")}, {url_parameter_sql(page_url, "utm_source")})
                AS utm_source,
            coalesce({column("mkt_medium")}, {url_parameter_sql(page_url, "utm_medium")})
                AS utm_medium,
            coalesce({column("mkt_campaign")}, {url_parameter_sql(page_url, "utm_campaign")})
                AS utm_campaign
        FROM {records}
        """
    )


ADAPTER = Adapter(name="snowplow_csv", channel="web", tables=("web_events",), stage=stage)
