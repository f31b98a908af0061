"""Site and app visits: when each person arrives, from where, and with which UTM tags."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from orchestration.demo.catalog import PRODUCTS, SHOP_URL, AdCampaign
from orchestration.demo.formats import Window
from orchestration.demo.people import SESSIONS_PER_90_DAYS, Person

COLLECTIONS = ("new-arrivals", "footwear", "packs", "layers", "camp-kitchen")
# Traffic sources for visits that do not come from an email, with weights.
SOURCE_WEIGHTS: dict[str, int] = {
    "direct": 25,
    "organic_search": 25,
    "paid": 27,
    "organic_social": 8,
    "referral": 15,
}
REFERRERS: dict[str, tuple[str, ...]] = {
    "organic_search": ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/"),
    "organic_social": ("https://t.co/", "https://www.instagram.com/", "https://www.reddit.com/"),
    "referral": ("https://trailblog.example/best-daypacks", "https://gearreview.example/shoes"),
}  # fmt: skip
# Local hour of day weights, midnight first: quiet at night, peaks at lunch and evening.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 9, 8, 7, 7, 7, 8, 9, 10, 10, 8, 5, 2)
# Latest session start before the window end, so a whole session fits inside the window.
LAST_START_BEFORE_END = timedelta(hours=3)


@dataclass
class Arrival:
    person: Person
    at: datetime
    platform: str  # web | app
    landing_url: str
    referrer: str
    utm: dict[str, str]  # utm_source, utm_medium, utm_campaign, or empty when untagged
    ad_campaign: AdCampaign | None = None
    # Scripted steps for the chain person: "browse" stays anonymous and buys nothing,
    # "order" logs in and completes an order.
    script: str | None = None


def landing_url(path: str, utm: dict[str, str]) -> str:
    return f"{SHOP_URL}{path}?{urlencode(utm)}" if utm else f"{SHOP_URL}{path}"


def poisson(rng: random.Random, mean: float) -> int:
    """Draw a count with the given mean, close to a Poisson distribution.

    Sums Bernoulli trials (a binomial with many trials) instead of calling ``math.exp``,
    because only ``random()`` and plain arithmetic give the same result on every libm.
    """
    trials = max(40, int(mean * 4) + 1)
    chance = mean / trials
    return sum(1 for _ in range(trials) if rng.random() < chance)


def random_instant(rng: random.Random, window: Window, person: Person) -> datetime:
    """Draw a visit time: a random day, and an hour weighted by the person's local clock."""
    day = rng.randrange(window.days)
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    local_ms = (hour * 3600 + rng.randrange(3600)) * 1000 + rng.randrange(1000)
    instant = (
        window.start
        + timedelta(days=day, milliseconds=local_ms)
        - timedelta(minutes=person.offset_minutes)
    )
    latest = window.end - LAST_START_BEFORE_END
    return min(max(instant, window.start), latest)


def plan_arrivals(
    people: list[Person], campaigns: list[AdCampaign], window: Window, rng: random.Random
) -> list[Arrival]:
    """Plan every visit that does not come from an email click, in no particular order."""
    arrivals: list[Arrival] = []
    scale = window.days / 90
    for person in people:
        if person.kind == "chain":
            arrivals.extend(_chain_arrivals(person, window, rng))
        mean = SESSIONS_PER_90_DAYS.get(person.kind, 0.0) * scale
        for _ in range(poisson(rng, mean)):
            at = random_instant(rng, window, person)
            if person.app_device_id is not None and rng.random() < 0.6:
                arrivals.append(Arrival(person, at, "app", "", "", {}))
            else:
                arrivals.append(_web_arrival(person, at, campaigns, rng))
    return arrivals


def _web_arrival(
    person: Person, at: datetime, campaigns: list[AdCampaign], rng: random.Random
) -> Arrival:
    source = rng.choices(list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))[0]
    active = [campaign for campaign in campaigns if campaign.is_active(at.date())]
    if source == "paid" and active:
        campaign = rng.choice(active)
        utm = {
            "utm_source": campaign.utm_source,
            "utm_medium": campaign.utm_medium,
            "utm_campaign": campaign.name,
        }
        path = rng.choice((f"/products/{rng.choice(PRODUCTS).slug}", "/collections/all"))
        referrer = "https://www.google.com/" if campaign.platform == "google_ads" else ""
        return Arrival(person, at, "web", landing_url(path, utm), referrer, utm, campaign)
    if source in REFERRERS:
        path = rng.choice(("/", f"/products/{rng.choice(PRODUCTS).slug}"))
        utm: dict[str, str] = {}
        if source == "organic_social" and rng.random() < 0.5:
            utm = {"utm_source": "twitter", "utm_medium": "social", "utm_campaign": "brand_posts"}
        referrer = rng.choice(REFERRERS[source])
        return Arrival(person, at, "web", landing_url(path, utm), referrer, utm)
    return Arrival(person, at, "web", landing_url("/", {}), "", {})


def _chain_arrivals(person: Person, window: Window, rng: random.Random) -> list[Arrival]:
    """Place the chain person's anonymous visit and later logged-in order in the window.

    The order visit follows the first by a third of the span: 60 hours, or the window less
    three hours when that is shorter. So the tweet and ticket that plan_tickets adds after
    the order fit even in a one-day window.
    """
    span = min(timedelta(hours=60), window.end - window.start - LAST_START_BEFORE_END)
    slack_seconds = int((window.end - window.start - LAST_START_BEFORE_END - span).total_seconds())
    base = window.start + timedelta(seconds=rng.randrange(max(1, slack_seconds)))
    browse_url = landing_url(f"/products/{PRODUCTS[0].slug}", {})
    browse = Arrival(
        person, base, "web", browse_url, "https://www.google.com/", {}, script="browse"
    )
    order_url = landing_url("/", {})
    order = Arrival(person, base + span / 3, "web", order_url, "", {}, script="order")
    return [browse, order]
