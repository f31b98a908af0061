"""Daily ad spend in Fivetran's Google Ads and Facebook Ads connector tables.

Each day's clicks are the tracked site sessions from that campaign plus 15-50 % more,
because some ad clicks never load the tracking script. Dates are the UTC dates of the
sessions. Google Ads rows are split by device, as the connector's ``campaign_stats``
table is. Facebook Ads rows are per ad, with one ad set and two ads per campaign.
"""

import base64
import random
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from orchestration.demo.catalog import FACEBOOK_ACCOUNT_ID, GOOGLE_ADS_CUSTOMER_ID, AdCampaign
from orchestration.demo.formats import Window, fivetran_synced, format_cents
from orchestration.demo.landing_files import write_csv
from orchestration.demo.orders import Order

DEVICE_WEIGHTS = (("MOBILE", 55), ("DESKTOP", 38), ("TABLET", 7))
NETWORK_TYPES = {"SEARCH": "SEARCH", "SHOPPING": "SEARCH", "DISPLAY": "CONTENT",
                 "PERFORMANCE_MAX": "MIXED"}  # fmt: skip
OPEN_END_DATE = "2037-12-30"  # Google Ads' end date for campaigns without one
GOOGLE_STATS_HEADER = (
    "_fivetran_id", "customer_id", "date", "_fivetran_synced", "active_view_impressions",
    "active_view_measurability", "active_view_measurable_cost_micros",
    "active_view_measurable_impressions", "active_view_viewability", "ad_network_type",
    "base_campaign", "clicks", "conversions", "conversions_value", "cost_micros", "device",
    "id", "impressions", "interaction_event_types", "interactions", "view_through_conversions",
)  # fmt: skip
GOOGLE_HISTORY_HEADER = (
    "id", "updated_at", "name", "customer_id", "advertising_channel_type",
    "advertising_channel_subtype", "start_date", "end_date", "serving_status", "status",
    "tracking_url_template",
)  # fmt: skip
FACEBOOK_BASIC_AD_HEADER = (
    "ad_id", "date", "account_id", "impressions", "inline_link_clicks", "spend", "reach",
)  # fmt: skip
FACEBOOK_AD_HEADER = (
    "id", "account_id", "ad_set_id", "campaign_id", "creative_id", "name", "_fivetran_synced",
    "updated_time",
)  # fmt: skip
FACEBOOK_AD_SET_HEADER = (
    "id", "account_id", "campaign_id", "name", "_fivetran_synced", "updated_time",
)  # fmt: skip
FACEBOOK_CAMPAIGN_HEADER = ("id", "account_id", "name", "_fivetran_synced", "updated_time")


def _daily_totals(
    campaign: AdCampaign, day: date, sessions: Counter, rng: random.Random
) -> tuple[int, int, int]:
    """Return (impressions, clicks, cost in cents) for one campaign and day."""
    tracked = sessions[(campaign.campaign_id, day)]
    clicks = tracked + (tracked * rng.randrange(15, 51)) // 100 + rng.randrange(0, 3)
    impressions = int(clicks / campaign.click_through_rate * rng.uniform(0.8, 1.2)) + 10
    cost_cents = clicks * campaign.cost_per_click_cents * rng.randrange(80, 126) // 100
    return impressions, clicks, cost_cents


def _split(total: int, weights: list[int], rng: random.Random) -> list[int]:
    """Split a count into parts drawn with the given weights."""
    parts = [0] * len(weights)
    for _ in range(total):
        parts[rng.choices(range(len(weights)), weights)[0]] += 1
    return parts


def _split_proportionally(total: int, parts: list[int]) -> list[int]:
    """Split a total in proportion to ``parts``, adding the rounding remainder to the first."""
    whole = sum(parts)
    shares = [total * part // whole if whole else 0 for part in parts]
    shares[0] += total - sum(shares)
    return shares


def _jittered(weights: list[int], rng: random.Random) -> list[int]:
    return [weight * rng.randrange(80, 121) for weight in weights]


def _conversions(orders: list[Order]) -> tuple[Counter, Counter]:
    """Count orders from ad sessions, and their value in cents, per (campaign id, UTC date)."""
    counts: Counter[tuple[str, date]] = Counter()
    values: Counter[tuple[str, date]] = Counter()
    for order in orders:
        if order.ad_campaign is not None:
            key = (order.ad_campaign.campaign_id, order.at.date())
            counts[key] += 1
            values[key] += order.total_cents
    return counts, values


def write_google_ads(
    campaigns: list[AdCampaign],
    sessions: Counter,
    orders: list[Order],
    out_dir: Path,
    window: Window,
    rng: random.Random,
) -> dict[str, int]:
    """Write ``ads/campaign_stats_data.csv`` and ``ads/campaign_history_data.csv``."""
    synced = fivetran_synced(window.end + timedelta(hours=2, minutes=41))
    conversions, conversion_values = _conversions(orders)
    devices = [device for device, _ in DEVICE_WEIGHTS]
    device_weights = [weight for _, weight in DEVICE_WEIGHTS]
    stats = []
    history = []
    for campaign in (c for c in campaigns if c.platform == "google_ads"):
        base = f"customers/{GOOGLE_ADS_CUSTOMER_ID}/campaigns/{campaign.campaign_id}"
        for day in window.dates():
            if not campaign.is_active(day):
                continue
            impressions, clicks, cost_cents = _daily_totals(campaign, day, sessions, rng)
            device_impressions = _split_proportionally(impressions, _jittered(device_weights, rng))
            device_clicks = _split(clicks, device_weights, rng)
            device_cost = _split_proportionally(cost_cents, device_clicks)
            key = (campaign.campaign_id, day)
            for position, device in enumerate(devices):
                # Conversions are all booked on the first device row of the day.
                converted = conversions[key] if position == 0 else 0
                value = format_cents(conversion_values[key] if position == 0 else 0)
                stats.append([
                    _fivetran_id(rng), GOOGLE_ADS_CUSTOMER_ID, day.isoformat(), synced[:19],
                    0, 0, 0, 0, 0, NETWORK_TYPES[campaign.channel_type], base,
                    device_clicks[position], converted, value,
                    device_cost[position] * 10_000, device, campaign.campaign_id,
                    device_impressions[position], "[CLICK]", device_clicks[position], 0,
                ])  # fmt: skip
        history.extend(_google_history_rows(campaign, window, rng))
    counts = write_csv(out_dir, "ads/campaign_stats_data.csv", GOOGLE_STATS_HEADER, stats)
    counts.update(
        write_csv(out_dir, "ads/campaign_history_data.csv", GOOGLE_HISTORY_HEADER, history)
    )
    return counts


def _fivetran_id(rng: random.Random) -> str:
    return base64.b64encode(rng.getrandbits(160).to_bytes(20, "big")).decode("ascii")


def _history_time(day: date, rng: random.Random) -> str:
    instant = datetime(day.year, day.month, day.day) + timedelta(
        milliseconds=rng.randrange(8 * 3600_000, 18 * 3600_000)
    )
    return instant.isoformat(timespec="milliseconds")


def _google_history_rows(
    campaign: AdCampaign, window: Window, rng: random.Random
) -> list[list[object]]:
    """Return one row when the campaign starts and another when it is paused in the window."""
    created = campaign.start_date - timedelta(days=1)
    template = (
        f"{{lpurl}}?utm_source={campaign.utm_source}&utm_medium={campaign.utm_medium}"
        f"&utm_campaign={campaign.name}"
    )
    row = [
        campaign.campaign_id, _history_time(created, rng), campaign.name, GOOGLE_ADS_CUSTOMER_ID,
        campaign.channel_type, "UNSPECIFIED", campaign.start_date.isoformat(), OPEN_END_DATE,
        "SERVING", "ENABLED", template,
    ]  # fmt: skip
    rows = [row]
    if campaign.end_date < window.end_date:
        paused_on = campaign.end_date + timedelta(days=1)
        rows.append([*row[:1], _history_time(paused_on, rng), *row[2:9], "PAUSED", template])
    return rows


def write_facebook_ads(
    campaigns: list[AdCampaign],
    sessions: Counter,
    out_dir: Path,
    window: Window,
    rng: random.Random,
) -> dict[str, int]:
    """Write the ``facebook_ads_*_data.csv`` basic_ad and history tables under ``ads/``."""
    synced = fivetran_synced(window.end + timedelta(hours=2, minutes=55)).replace(" ", "T")
    basic_ads, ads, ad_sets, campaign_rows = [], [], [], []
    for campaign in (c for c in campaigns if c.platform == "facebook_ads"):
        updated = _history_time(campaign.start_date - timedelta(days=1), rng)[:19]
        ad_set_id = str(int(campaign.campaign_id) + 100)
        ad_ids = [str(int(campaign.campaign_id) + 200 + number) for number in (1, 2)]
        campaign_rows.append([campaign.campaign_id, FACEBOOK_ACCOUNT_ID, campaign.name,
                              synced, updated])  # fmt: skip
        ad_sets.append([ad_set_id, FACEBOOK_ACCOUNT_ID, campaign.campaign_id,
                        f"{campaign.name}_adults_25_54", synced, updated])  # fmt: skip
        for number, ad_id in enumerate(ad_ids, start=1):
            ads.append([ad_id, FACEBOOK_ACCOUNT_ID, ad_set_id, campaign.campaign_id,
                        str(int(ad_id) + 500), f"{campaign.name}_creative_{number}",
                        synced, updated])  # fmt: skip
        for day in window.dates():
            if not campaign.is_active(day):
                continue
            impressions, clicks, cost_cents = _daily_totals(campaign, day, sessions, rng)
            ad_clicks = _split(clicks, [60, 40], rng)
            ad_impressions = _split_proportionally(impressions, _jittered([60, 40], rng))
            ad_cost = _split_proportionally(cost_cents, ad_clicks)
            for position, ad_id in enumerate(ad_ids):
                reach = ad_impressions[position] * rng.randrange(60, 91) // 100
                basic_ads.append([ad_id, day.isoformat(), FACEBOOK_ACCOUNT_ID,
                                  ad_impressions[position], ad_clicks[position],
                                  format_cents(ad_cost[position]), reach])  # fmt: skip
    counts = write_csv(out_dir, "ads/facebook_ads_basic_ad_data.csv", FACEBOOK_BASIC_AD_HEADER,
                       basic_ads)  # fmt: skip
    counts.update(write_csv(out_dir, "ads/facebook_ads_ad_history_data.csv",
                            FACEBOOK_AD_HEADER, ads))  # fmt: skip
    counts.update(write_csv(out_dir, "ads/facebook_ads_ad_set_history_data.csv",
                            FACEBOOK_AD_SET_HEADER, ad_sets))  # fmt: skip
    counts.update(write_csv(out_dir, "ads/facebook_ads_campaign_history_data.csv",
                            FACEBOOK_CAMPAIGN_HEADER, campaign_rows))  # fmt: skip
    return counts
