"""A small landing set in the real export formats, shared by the reliability tests.

People, all in March 2025 and on UTC unless noted:

- alice: web cookie ``anon-alice`` on a paid search page (03-03 09:00), an
  identify call with user ``u-alice`` and email ``Alice@Example.com``
  (09:05), Iterable send and click (03-04), tweet 101 from ``AliceTweets``
  with emoji, Hebrew and a combining accent (03-05 15:00) that the brand
  answers in tweet 102, Zendesk ticket 501 with phone ``+1 555 010 0001`` and
  handle ``@AliceTweets`` (03-07), Shopify order #1001 with that phone
  (03-06 12:00, 90.00).
- bob: email open for ``bob@example.com`` (03-05) and order #1002 (03-05,
  40.00).

Landing quirks, each with a fixed outcome:

- ``web/events.jsonl`` line 4 is a truncated object (quarantined).
- ``web/replay.jsonl`` repeats alice's page event ``msg-a1`` next to a new
  event ``msg-b1``: the raw table holds both copies of ``msg-a1`` and dbt
  staging keeps one.
- ``web/events-copy.jsonl`` is a byte-for-byte copy of ``web/events.jsonl``
  under another name: the loader skips it.
- ``web/it's; drop table raw.web_events;--.jsonl`` has a quote and a
  semicolon in its name and one valid event ``msg-q1``.
"""

from pathlib import Path
from typing import Any

import yaml

ALICE_EMAIL = "alice@example.com"
ALICE_PHONE = "+1 555 010 0001"
ALICE_PHONE_NORMALIZED = "+15550100001"
ALICE_HANDLE = "AliceTweets"
ALICE_TWEET = "@BrandSupport order not here 😀 שלום café"

WEB_EVENTS = "\n".join(
    [
        '{"type": "page", "messageId": "msg-a1", "anonymousId": "anon-alice",'
        ' "timestamp": "2025-03-03T09:00:00.000Z", "name": "Spring landing",'
        ' "context": {"page": {"url": "https://shop.example.com/spring?utm_source=google'
        '&utm_medium=cpc&utm_campaign=spring_search"}}}',
        '{"type": "identify", "messageId": "msg-a2", "anonymousId": "anon-alice",'
        ' "userId": "u-alice", "timestamp": "2025-03-03T09:05:00.000Z",'
        ' "traits": {"email": "Alice@Example.com"}}',
        '{"type": "page", "messageId": "msg-b0", "anonymousId": "anon-bob",'
        ' "timestamp": "2025-03-04T08:00:00.000Z", "name": "Home",'
        ' "context": {"page": {"url": "https://shop.example.com/"}}}',
        '{"type": "page", "messageId": "msg-x1", "anonymousId": "anon-x",'
        ' "timestamp": "2025-03-03T09:',
    ]
)
MALFORMED_WEB_LINE = 4

WEB_REPLAY = "\n".join(
    [
        '{"type": "page", "messageId": "msg-a1", "anonymousId": "anon-alice",'
        ' "timestamp": "2025-03-03T09:00:00.000Z", "name": "Spring landing",'
        ' "context": {"page": {"url": "https://shop.example.com/spring?utm_source=google'
        '&utm_medium=cpc&utm_campaign=spring_search"}}}',
        '{"type": "page", "messageId": "msg-b1", "anonymousId": "anon-bob",'
        ' "timestamp": "2025-03-04T08:10:00.000Z", "name": "Notebooks",'
        ' "context": {"page": {"url": "https://shop.example.com/notebooks"}}}',
    ]
)

QUOTED_NAME = "web/it's; drop table raw.web_events;--.jsonl"
WEB_QUOTED = (
    '{"type": "page", "messageId": "msg-q1", "anonymousId": "anon-q",'
    ' "timestamp": "2025-03-04T09:00:00.000Z", "name": "Quoted",'
    ' "context": {"page": {"url": "https://shop.example.com/q"}}}'
)

ITERABLE_EVENTS = "\n".join(
    [
        '{"email": "alice@example.com", "eventName": "emailSend", "dataFields":'
        ' {"createdAt": "2025-03-04 08:00:00 +00:00", "campaignId": 5001,'
        ' "campaignName": "Spring sale", "messageId": "it-1"}}',
        '{"email": "alice@example.com", "eventName": "emailClick", "dataFields":'
        ' {"createdAt": "2025-03-04 10:00:00 +00:00", "campaignId": 5001,'
        ' "campaignName": "Spring sale", "messageId": "it-1",'
        ' "url": "https://shop.example.com/spring"}}',
        '{"email": "bob@example.com", "eventName": "emailOpen", "dataFields":'
        ' {"createdAt": "2025-03-05 09:00:00 +00:00", "campaignId": 5001,'
        ' "campaignName": "Spring sale", "messageId": "it-2"}}',
    ]
)

TWCS = f"""\
tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
101,AliceTweets,True,Wed Mar 05 15:00:00 +0000 2025,"{ALICE_TWEET}",102,
102,BrandSupport,False,Wed Mar 05 15:30:00 +0000 2025,@AliceTweets Sorry. Please DM us.,,101
"""

ZENDESK_TICKETS = """\
id,created_at,updated_at,requester_id,status,via_channel,via_source_from_address,subject,priority
501,2025-03-07 10:00:00,2025-03-07 12:00:00,9001,open,twitter,@AliceTweets,Order late,normal
"""

ZENDESK_USERS = f"""\
id,email,phone,name,updated_at
9001,,{ALICE_PHONE},Alice Example,2025-03-07 10:00:00
"""

SHOPIFY_ORDERS = f"""\
Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Lineitem name,\
Lineitem price,Lineitem sku,Phone,Source
#1002,bob@example.com,paid,USD,40.00,2025-03-05 09:00:00 -0500,2,Notebook,20.00,NTB-1,,web
#1001,alice@example.com,paid,USD,90.00,2025-03-06 07:00:00 -0500,1,Canvas tote,90.00,TOTE-1,\
{ALICE_PHONE},web
"""

GOOGLE_ADS_STATS = """\
customer_id,date,id,device,ad_network_type,impressions,clicks,cost_micros
1234567890,2025-03-03,111,DESKTOP,SEARCH,1500,60,60000000
"""

GOOGLE_ADS_CAMPAIGNS = """\
id,updated_at,name,customer_id
111,2025-03-01 00:00:00,Spring search,1234567890
"""

GOOGLE_ADS_ACCOUNTS = """\
id,updated_at,currency_code,descriptive_name
1234567890,2025-01-01 00:00:00,USD,Example shop
"""

LANDING_FILES: dict[str, str] = {
    "web/events.jsonl": WEB_EVENTS + "\n",
    "web/replay.jsonl": WEB_REPLAY + "\n",
    "web/events-copy.jsonl": WEB_EVENTS + "\n",
    QUOTED_NAME: WEB_QUOTED + "\n",
    "email/iterable_events.jsonl": ITERABLE_EVENTS + "\n",
    "social/twcs.csv": TWCS,
    "support/ticket_data.csv": ZENDESK_TICKETS,
    "support/user_data.csv": ZENDESK_USERS,
    "orders/orders_export.csv": SHOPIFY_ORDERS,
    "ads/campaign_stats_data.csv": GOOGLE_ADS_STATS,
    "ads/campaign_history_data.csv": GOOGLE_ADS_CAMPAIGNS,
    "ads/account_history_data.csv": GOOGLE_ADS_ACCOUNTS,
}

LANDING_SOURCES: list[dict[str, Any]] = [
    {"path": "web/*.jsonl", "channel": "web", "format": "segment_jsonl"},
    {"path": "email/iterable_events.jsonl", "channel": "email", "format": "iterable_webhook"},
    {"path": "social/twcs.csv", "channel": "social", "format": "twcs_csv"},
    {
        "path": "support/ticket_data.csv",
        "channel": "support",
        "format": "zendesk_fivetran",
        "options": {"users": "support/user_data.csv"},
    },
    {"path": "orders/orders_export.csv", "channel": "orders", "format": "shopify_orders_csv"},
    {
        "path": "ads/campaign_stats_data.csv",
        "channel": "ads",
        "format": "google_ads_fivetran",
        "options": {
            "campaigns": "ads/campaign_history_data.csv",
            "accounts": "ads/account_history_data.csv",
        },
    },
]


def write_landing(folder: Path) -> Path:
    """Write the landing set and its landing.yml into `folder`; return the landing.yml path."""
    for relative_path, text in LANDING_FILES.items():
        path = folder / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config_path = folder / "landing.yml"
    config_path.write_text(yaml.safe_dump({"sources": LANDING_SOURCES}, sort_keys=False))
    return config_path
