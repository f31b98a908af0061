"""segment_jsonl and snowplow_csv mapped onto raw.web_events."""

import json
from datetime import datetime

from orchestration.ingest.loader import ingest_table


def _jsonl(*records: object) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


SEGMENT_IDENTIFY = {
    "type": "identify",
    "messageId": "m-1",
    "anonymousId": "anon-1",
    "userId": 42,
    "traits": {"email": "ana@example.com", "phone": "+15550100001"},
    "timestamp": "2024-03-01T10:00:00.250Z",
}
SEGMENT_PAGE = {
    "type": "page",
    "messageId": "m-2",
    "anonymousId": "anon-1",
    "name": "Pricing",
    "context": {
        "traits": {"email": "ana@context.example.com"},
        "page": {
            "url": "https://shop.example.com/pricing?utm_source=news%20letter&utm_medium=email"
            "&utm_campaign=spring+sale",
            "referrer": "https://mail.example.com/",
        },
    },
    "originalTimestamp": "2024-03-01T11:00:00+01:00",
}
SEGMENT_TRACK = {
    "type": "track",
    "event": "Order Completed",
    "messageId": "m-3",
    "userId": "u-9",
    "channel": "mobile",
    "context": {"campaign": {"source": "google", "medium": "cpc", "name": "brand"}},
    "timestamp": "2024-03-02T08:30:00Z",
}


def _segment_config(landing, text):
    return landing(
        [{"path": "web/events.jsonl", "channel": "web", "format": "segment_jsonl"}],
        {"web/events.jsonl": text},
    )


def test_segment_maps_identify_page_track(conn, landing, fetch):
    config = _segment_config(landing, _jsonl(SEGMENT_IDENTIFY, SEGMENT_PAGE, SEGMENT_TRACK))
    result = ingest_table(conn, config, "web_events")

    assert result.rows_loaded == 3
    assert result.rows_quarantined == 0
    identify, page, track = fetch("select * from raw.web_events order by _line")

    assert identify["event_id"] == "m-1"
    assert identify["event_type"] == "identify"
    assert identify["event_name"] is None
    assert identify["user_id"] == "42"
    assert identify["email"] == "ana@example.com"
    assert identify["phone"] == "+15550100001"
    assert identify["occurred_at"] == datetime(2024, 3, 1, 10, 0, 0, 250000)
    assert identify["occurred_at_raw"] == "2024-03-01T10:00:00.250Z"
    assert identify["platform"] == "web"
    assert identify["_file"] == "web/events.jsonl"
    assert identify["_line"] == 1
    assert identify["_format"] == "segment_jsonl"

    assert page["event_name"] == "Pricing"
    assert page["email"] == "ana@context.example.com"
    assert page["occurred_at"] == datetime(2024, 3, 1, 10, 0, 0)
    assert page["referrer"] == "https://mail.example.com/"
    assert page["utm_source"] == "news letter"
    assert page["utm_medium"] == "email"
    assert page["utm_campaign"] == "spring sale"

    assert track["event_name"] == "Order Completed"
    assert track["platform"] == "app"
    assert track["utm_source"] == "google"
    assert track["utm_medium"] == "cpc"
    assert track["utm_campaign"] == "brand"


def test_segment_malformed_line_quarantined(conn, landing, fetch):
    truncated = json.dumps(SEGMENT_PAGE)[:40]
    text = _jsonl(SEGMENT_IDENTIFY) + truncated + "\n\n" + _jsonl(SEGMENT_TRACK)
    config = _segment_config(landing, text)

    result = ingest_table(conn, config, "web_events")

    assert result.rows_loaded == 2
    assert result.rows_quarantined == 1
    loaded_lines = [row["_line"] for row in fetch("select _line from raw.web_events order by 1")]
    assert loaded_lines == [1, 4]
    (quarantined,) = fetch("select * from raw.quarantine")
    assert quarantined["target_table"] == "web_events"
    assert quarantined["_file"] == "web/events.jsonl"
    assert quarantined["_line"] == 2
    assert quarantined["_format"] == "segment_jsonl"
    assert quarantined["reason"].startswith("invalid JSON")
    assert quarantined["raw_record"] == truncated


def test_segment_loads_alias_with_previous_id(conn, landing, fetch):
    alias = {
        "type": "alias",
        "messageId": "m-6",
        "anonymousId": "anon-1",
        "previousId": "u-old",
        "userId": "u-new",
        "timestamp": "2024-03-03T09:00:00Z",
    }
    config = _segment_config(landing, _jsonl(alias, SEGMENT_IDENTIFY))

    result = ingest_table(conn, config, "web_events")

    assert result.rows_loaded == 2
    assert result.rows_quarantined == 0
    loaded, identify = fetch("select * from raw.web_events order by _line")
    assert loaded["event_type"] == "alias"
    assert loaded["event_name"] is None
    assert loaded["previous_id"] == "u-old"
    assert loaded["user_id"] == "u-new"
    assert loaded["anonymous_id"] == "anon-1"
    assert identify["previous_id"] is None


def test_older_raw_table_gains_previous_id(conn, landing, fetch):
    # raw.web_events as created before previous_id and _partition_date joined the contract.
    conn.execute("create schema raw")
    conn.execute(
        "create table raw.web_events (event_id varchar, event_type varchar, event_name varchar,"
        " occurred_at timestamp, occurred_at_raw varchar, platform varchar,"
        " anonymous_id varchar, user_id varchar, email varchar, phone varchar,"
        " page_url varchar, referrer varchar, utm_source varchar, utm_medium varchar,"
        " utm_campaign varchar, _file varchar, _line bigint, _format varchar,"
        " _loaded_at timestamp)"
    )
    conn.execute(
        "insert into raw.web_events (event_id, event_type, occurred_at, _file, _line)"
        " values ('old-1', 'page', timestamp '2024-01-01 00:00:00', 'old.jsonl', 1)"
    )
    alias = {
        "type": "alias",
        "messageId": "m-8",
        "previousId": "u-old",
        "userId": "u-new",
        "timestamp": "2024-03-03T09:00:00Z",
    }
    config = _segment_config(landing, _jsonl(alias))

    result = ingest_table(conn, config, "web_events")

    assert result.rows_loaded == 1
    rows = fetch("select event_id, previous_id from raw.web_events order by event_id")
    assert rows == [
        {"event_id": "m-8", "previous_id": "u-old"},
        {"event_id": "old-1", "previous_id": None},
    ]


def test_segment_quarantines_group_and_missing_fields(conn, landing, fetch):
    group = {"type": "group", "messageId": "m-4", "groupId": "g", "userId": "b"}
    no_id = {**SEGMENT_TRACK, "messageId": None}
    bad_time = {**SEGMENT_TRACK, "messageId": "m-5", "timestamp": "yesterday"}
    no_previous = {"type": "alias", "messageId": "m-7", "userId": "b", "timestamp": "2024-03-03"}
    config = _segment_config(landing, _jsonl(group, no_id, bad_time, [1, 2], no_previous))

    ingest_table(conn, config, "web_events")

    reasons = [row["reason"] for row in fetch("select reason from raw.quarantine order by _line")]
    assert reasons == [
        "type: 'group' is not loaded; web_events contains page, track, identify, screen and "
        "alias events",
        "event_id is missing or empty",
        "occurred_at: invalid timestamp 'yesterday'",
        "the line is a JSON ARRAY, not an object",
        "alias: previousId or userId is missing or empty, so the alias links nothing",
    ]


def test_segment_reads_json_array(conn, landing, fetch):
    config = _segment_config(landing, json.dumps([SEGMENT_IDENTIFY, SEGMENT_TRACK], indent=2))
    ingest_table(conn, config, "web_events")
    rows = fetch("select event_id, _line from raw.web_events order by _line")
    assert rows == [{"event_id": "m-1", "_line": 1}, {"event_id": "m-3", "_line": 2}]


SNOWPLOW_CSV = (
    "app_id,platform,collector_tstamp,derived_tstamp,event,event_id,user_id,domain_userid,"
    "network_userid,page_url,page_title,page_referrer,mkt_medium,mkt_source,mkt_campaign,"
    "se_action,event_name\n"
    "site,web,2021-03-03 21:27:32.696,2021-03-03 21:27:32.695,page_view,e-1,,d-1,n-1,"
    "https://example.com/?utm_source=bing,Home,,,,,,page_view\n"
    "site,mob,2021-03-03 21:28:00.000,,struct,e-2,u-1,,n-2,https://example.com/a,,,"
    "ppc,google-ad,brand,add-to-basket,event\n"
    "site,web,2021-03-03 21:29:00.000,,unstruct,e-3,,d-1,n-1,,,,,,,,link_click\n"
)


def test_snowplow_maps_atomic_columns(conn, landing, fetch):
    config = landing(
        [{"path": "web/atomic.csv", "channel": "web", "format": "snowplow_csv"}],
        {"web/atomic.csv": SNOWPLOW_CSV},
    )
    result = ingest_table(conn, config, "web_events")

    assert result.rows_loaded == 3
    page, struct, unstruct = fetch("select * from raw.web_events order by _line")
    assert page["event_type"] == "page"
    assert page["event_name"] == "Home"
    assert page["occurred_at"] == datetime(2021, 3, 3, 21, 27, 32, 695000)
    assert page["occurred_at_raw"] == "2021-03-03 21:27:32.695"
    assert page["anonymous_id"] == "d-1"
    assert page["utm_source"] == "bing"
    assert struct["event_type"] == "track"
    assert struct["event_name"] == "add-to-basket"
    assert struct["platform"] == "app"
    assert struct["anonymous_id"] == "n-2"
    assert struct["user_id"] == "u-1"
    assert struct["occurred_at"] == datetime(2021, 3, 3, 21, 28)
    assert struct["utm_source"] == "google-ad"
    assert struct["utm_medium"] == "ppc"
    assert struct["utm_campaign"] == "brand"
    assert unstruct["event_name"] == "link_click"
