"""iterable_webhook, customerio_webhook and mailjet_webhook mapped onto raw.email_events."""

import json
from datetime import datetime

from orchestration.ingest.loader import ingest_table


def _jsonl(*records: object) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def _email_config(landing, format_name, text):
    return landing(
        [{"path": "email/events.json", "channel": "email", "format": format_name}],
        {"email/events.json": text},
    )


def test_iterable_maps_event_names(conn, landing, fetch):
    send = {
        "email": "ana@example.com",
        "eventName": "emailSend",
        "dataFields": {
            "createdAt": "2016-12-02 20:21:04 +00:00",
            "campaignId": 59667,
            "campaignName": "Spring",
            "messageId": "d0aa",
        },
    }
    click = {
        "eventName": "emailClick",
        "dataFields": {
            "email": "ana@example.com",
            "createdAt": "2016-12-02 21:21:04 -05:00",
            "campaignId": 59667,
            "url": "https://shop.example.com/?utm_source=iterable",
        },
    }
    unsubscribe = {**send, "eventName": "emailUnSubscribe"}
    complaint = {**send, "eventName": "emailComplaint"}
    push = {**send, "eventName": "pushSend"}
    config = _email_config(landing, "iterable_webhook", _jsonl(send, click, unsubscribe, complaint))

    result = ingest_table(conn, config, "email_events")
    assert result.rows_loaded == 4
    rows = fetch("select * from raw.email_events order by _line")
    assert [row["event_type"] for row in rows] == ["send", "click", "unsubscribe", "other"]
    assert rows[0]["occurred_at"] == datetime(2016, 12, 2, 20, 21, 4)
    assert rows[0]["campaign_id"] == "59667"
    assert rows[0]["campaign_name"] == "Spring"
    assert rows[0]["provider"] == "iterable"
    assert rows[1]["email"] == "ana@example.com"
    assert rows[1]["occurred_at"] == datetime(2016, 12, 3, 2, 21, 4)
    assert rows[1]["link_url"] == "https://shop.example.com/?utm_source=iterable"
    assert len({row["event_id"] for row in rows}) == 4

    config_push = _email_config(landing, "iterable_webhook", _jsonl(send, push))
    ingest_table(conn, config_push, "email_events")
    (quarantined,) = fetch("select reason, _line from raw.quarantine")
    assert quarantined["_line"] == 2
    assert quarantined["reason"] == (
        "eventName 'pushSend' is not an email event; email_events contains email events only"
    )


def test_iterable_duplicate_deliveries_share_event_id(conn, landing, fetch):
    send = {
        "email": "ana@example.com",
        "eventName": "emailOpen",
        "dataFields": {"createdAt": "2016-12-02 20:21:04 +00:00", "messageId": "d0aa"},
    }
    config = _email_config(landing, "iterable_webhook", _jsonl(send, send))
    result = ingest_table(conn, config, "email_events")
    assert result.rows_loaded == 2
    ids = fetch("select distinct event_id from raw.email_events")
    assert len(ids) == 1


def test_customerio_epoch_seconds_and_milliseconds(conn, landing, fetch):
    base = {"object_type": "email", "data": {"recipient": "bo@example.com", "campaign_id": 23}}
    records = [
        {**base, "event_id": "c-1", "metric": "sent", "timestamp": 1585250199},
        {**base, "event_id": "c-2", "metric": "opened", "timestamp": "1585250199500"},
        {**base, "event_id": "c-3", "metric": "delivered", "timestamp": "abc"},
        {**base, "event_id": "c-4", "object_type": "push", "metric": "sent", "timestamp": 1},
        {
            "event_id": "c-5",
            "object_type": "customer",
            "metric": "unsubscribed",
            "timestamp": 1585250179,
            "data": {"email_address": "bo@example.com"},
        },
    ]
    config = _email_config(landing, "customerio_webhook", json.dumps(records))

    result = ingest_table(conn, config, "email_events")

    assert result.rows_loaded == 3
    assert result.rows_quarantined == 2
    rows = fetch("select * from raw.email_events order by _line")
    assert [row["event_id"] for row in rows] == ["c-1", "c-2", "c-5"]
    assert [row["event_type"] for row in rows] == ["send", "open", "unsubscribe"]
    assert rows[0]["occurred_at"] == datetime(2020, 3, 26, 19, 16, 39)
    assert rows[0]["occurred_at_raw"] == "1585250199"
    assert rows[1]["occurred_at"] == datetime(2020, 3, 26, 19, 16, 39, 500000)
    assert rows[0]["campaign_id"] == "23"
    assert rows[2]["email"] == "bo@example.com"
    reasons = fetch("select _line, reason from raw.quarantine order by _line")
    assert reasons == [
        {"_line": 3, "reason": "occurred_at: invalid timestamp 'abc'"},
        {
            "_line": 4,
            "reason": "object_type 'push' is not email; email_events contains email events only",
        },
    ]


def test_mailjet_maps_events(conn, landing, fetch):
    records = [
        {
            "event": "open",
            "time": 1664443614,
            "MessageID": 94857068804950690,
            "email": "cy@example.com",
            "mj_campaign_id": 108760,
            "customcampaign": "mj.nl=58424",
        },
        {
            "event": "click",
            "time": 1664443700,
            "MessageID": 94857068804950690,
            "email": "cy@example.com",
            "url": "https://example.com/x",
        },
        {"event": "unsub", "time": 1664443800, "MessageID": 1, "email": ""},
    ]
    config = _email_config(landing, "mailjet_webhook", json.dumps(records))

    result = ingest_table(conn, config, "email_events")

    assert result.rows_loaded == 2
    open_event, click = fetch("select * from raw.email_events order by _line")
    # The 17-digit MessageID exceeds a double's exact range; it must stay exact.
    assert open_event["event_id"] == "94857068804950690:open:1664443614"
    assert open_event["event_type"] == "open"
    assert open_event["occurred_at"] == datetime(2022, 9, 29, 9, 26, 54)
    assert open_event["campaign_id"] == "108760"
    assert open_event["campaign_name"] == "mj.nl=58424"
    assert click["event_type"] == "click"
    assert click["link_url"] == "https://example.com/x"
    (quarantined,) = fetch("select reason from raw.quarantine")
    assert quarantined["reason"] == "email is missing or empty"
