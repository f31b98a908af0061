"""Email campaigns as Iterable system webhook events, and the site visits their links start.

Iterable's ``messageId`` identifies one email sent to one person, so the send, opens
and clicks of that email share it. Webhook events have no id of their own.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orchestration.demo.arrivals import COLLECTIONS, LAST_START_BEFORE_END, Arrival, landing_url
from orchestration.demo.catalog import EmailCampaign
from orchestration.demo.formats import Window, iterable_time
from orchestration.demo.landing_files import Delivery
from orchestration.demo.people import Person

BOUNCE_RATE = 0.015
OPEN_RATE = 0.28
REOPEN_RATE = 0.15  # share of opened emails opened a second time
CLICK_RATE = 0.14  # share of opened emails that get a click
UNSUBSCRIBE_RATE = 0.006  # share of opened emails followed by an unsubscribe
CHANNEL_ID = 3420
MESSAGE_TYPE_ID = 3866
EMAIL_LIST_ID = 4410
# Delay buckets in seconds, with weights: most opens come within hours of the send.
OPEN_DELAYS = (((60, 3600), 45), ((3600, 6 * 3600), 30), ((6 * 3600, 72 * 3600), 25))
OPEN_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148",
)


@dataclass
class EmailActivity:
    deliveries: list[Delivery] = field(default_factory=list)
    # Site visits started by email clicks.
    arrivals: list[Arrival] = field(default_factory=list)


def simulate_email(
    people: list[Person],
    campaigns: list[EmailCampaign],
    window: Window,
    rng: random.Random,
    deliver: Callable[[Delivery], None] | None = None,
) -> EmailActivity:
    """Send every campaign to the subscribed people still reachable, then opens and clicks.

    Each webhook event goes to ``deliver`` as it is made, or, without ``deliver``, to
    the returned ``deliveries``.
    """
    activity = EmailActivity()
    if deliver is None:
        deliver = activity.deliveries.append
    unreachable: set[int] = set()  # indexes of people who bounced or unsubscribed
    subscribers = [person for person in people if person.subscribed]
    for campaign in campaigns:
        send_start = datetime(campaign.send_date.year, campaign.send_date.month,
                              campaign.send_date.day, 14, tzinfo=window.start.tzinfo)  # fmt: skip
        position = 0
        for person in subscribers:
            if person.index in unreachable:
                continue
            sent_at = send_start + timedelta(milliseconds=200 * position)
            position += 1
            if _send_one(activity, deliver, person, campaign, sent_at, window, rng):
                unreachable.add(person.index)
    return activity


def _send_one(
    activity: EmailActivity,
    deliver: Callable[[Delivery], None],
    person: Person,
    campaign: EmailCampaign,
    sent_at: datetime,
    window: Window,
    rng: random.Random,
) -> bool:
    """Add the events of one email and return True when the person can no longer be emailed."""
    message_id = f"{rng.getrandbits(128):032x}"

    def emit(event_name: str, at: datetime, extra: dict) -> bool:
        if not window.contains(at):
            return False
        payload = _payload(event_name, person, campaign, message_id, at, extra)
        delivered_at = at + timedelta(milliseconds=rng.randrange(500, 30_000))
        deliver(Delivery(delivered_at, payload))
        return True

    emit("emailSend", sent_at, {"contentId": campaign.template_id + 7})
    if rng.random() < BOUNCE_RATE:
        emit("emailBounce", sent_at + timedelta(seconds=rng.randrange(2, 120)),
             {"recipientState": "HardBounce"})  # fmt: skip
        return True
    if rng.random() >= OPEN_RATE:
        return False
    opened_at = sent_at + timedelta(seconds=_open_delay_seconds(rng))
    if not emit("emailOpen", opened_at, _open_fields(rng)):
        return False
    if rng.random() < REOPEN_RATE:
        emit("emailOpen", opened_at + timedelta(seconds=rng.randrange(600, 86_400)),
             _open_fields(rng))  # fmt: skip
    if rng.random() < CLICK_RATE:
        clicked_at = opened_at + timedelta(milliseconds=rng.randrange(4000, 600_000))
        utm = {"utm_source": "iterable", "utm_medium": "email", "utm_campaign": campaign.name}
        url = landing_url(f"/collections/{rng.choice(COLLECTIONS)}", utm)
        link_id = str(3_145_000_000 + rng.randrange(1_000_000))
        clicked = emit("emailClick", clicked_at, {
            "url": url, "linkUrl": url, "linkId": link_id, "canonicalUrlId": link_id,
            "userAgentDevice": "Mac", "ip": f"203.0.113.{rng.randrange(1, 255)}",
        })  # fmt: skip
        visit_at = clicked_at + timedelta(milliseconds=rng.randrange(300, 3000))
        if clicked and person.cookies and visit_at < window.end - LAST_START_BEFORE_END:
            activity.arrivals.append(Arrival(person, visit_at, "web", url, "", utm))
    if rng.random() < UNSUBSCRIBE_RATE:
        emit("emailUnSubscribe", opened_at + timedelta(seconds=rng.randrange(5, 300)), {
            "unsubSource": "EmailLink", "channelIds": [CHANNEL_ID],
            "emailListIds": [EMAIL_LIST_ID], "labels": [],
        })  # fmt: skip
        return True
    return False


def _open_delay_seconds(rng: random.Random) -> int:
    buckets = [bucket for bucket, _ in OPEN_DELAYS]
    low, high = rng.choices(buckets, [weight for _, weight in OPEN_DELAYS])[0]
    return rng.randrange(low, high)


def _open_fields(rng: random.Random) -> dict:
    return {
        "userAgent": rng.choice(OPEN_USER_AGENTS),
        "ip": f"198.51.100.{rng.randrange(1, 255)}",
        "device": rng.choice(("Gmail", "iPhone", "Desktop")),
    }


def _payload(
    event_name: str,
    person: Person,
    campaign: EmailCampaign,
    message_id: str,
    at: datetime,
    extra: dict,
) -> dict:
    email = person.email or ""
    data_fields = {
        **extra,
        "email": email,
        "createdAt": iterable_time(at),
        "campaignId": campaign.campaign_id,
        "templateId": campaign.template_id,
        "messageId": message_id,
        "emailSubject": campaign.subject,
        "campaignName": campaign.name,
        "workflowId": None,
        "workflowName": None,
        "templateName": f"{campaign.name}_template",
        "channelId": CHANNEL_ID,
        "messageTypeId": MESSAGE_TYPE_ID,
        "experimentId": None,
        "emailId": f"c{campaign.campaign_id}:t{campaign.template_id}:{email}",
    }
    payload: dict = {"email": email, "eventName": event_name, "dataFields": data_fields}
    if person.user_id is not None:
        payload["userId"] = person.user_id
    return payload
