"""Customer Support on Twitter (twcs) CSV.

Mapping to ``social_posts``:

- ``post_id`` from ``tweet_id``; ``author_handle`` from ``author_id`` (a brand
  handle such as ``AppleSupport``, or the dataset's numeric customer id);
  ``is_inbound`` from ``inbound`` (``True``/``False``).
- ``created_at`` from ``created_at`` in Twitter's format
  ('Wed Oct 11 06:55:44 +0000 2017'); ISO 8601 text is accepted too.
- ``in_reply_to_post_id`` from ``in_response_to_tweet_id``. A trailing ``.0``
  that spreadsheet round-trips add to numeric ids is removed so the value
  matches ``post_id``.
"""

from orchestration.ingest.adapters.base import (
    Adapter,
    StageRequest,
    column_or_null,
    read_csv_records,
    strptime_utc_sql,
    utc_timestamp_sql,
)

REQUIRED_COLUMNS = ("tweet_id", "author_id", "inbound", "created_at")
TWITTER_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def stage(request: StageRequest) -> None:
    records, header = read_csv_records(request, "records", REQUIRED_COLUMNS)
    reply_to = column_or_null(header, "in_response_to_tweet_id")
    timezone = request.entry.timezone
    created_at = (
        f"coalesce({strptime_utc_sql('created_at', TWITTER_TIME_FORMAT)}, "
        f"{utc_timestamp_sql('created_at', timezone)})"
    )
    request.conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {request.stage_table} AS
        SELECT
            _line,
            _raw_record,
            _reason,
            tweet_id AS post_id,
            author_id AS author_handle,
            inbound AS is_inbound,
            {column_or_null(header, "text")} AS text,
            {created_at} AS created_at,
            created_at AS created_at_raw,
            regexp_replace({reply_to}, '^(\\d+)\\.0$', '\\1') AS in_reply_to_post_id
        FROM {records}
        """
    )


ADAPTER = Adapter(name="twcs_csv", channel="social", tables=("social_posts",), stage=stage)
