"""Generate deterministic demo landing files for every channel, plus their ``landing.yml``.

Usage::

    uv run python -m orchestration.demo.generate --out data/landing/demo

The same arguments give byte-identical files on any machine. Every random draw comes
from ``random.Random`` objects seeded from ``--seed`` and a stage name, and no draw goes
through a libm function such as ``exp`` or ``log``. All dates derive from
``--end-date``, never from the clock. The files mimic what the real tools export:

=====================================  ======================================
file                                   format (``landing.yml``)
=====================================  ======================================
``web/events_YYYYMMDD.jsonl``          RudderStack / Segment spec events
``email/events_YYYYMMDD.jsonl``        Iterable system webhooks, one per line
``social/tweets.csv``                  Customer Support on Twitter CSV
``support/ticket_data.csv``, ``user``  Fivetran Zendesk ``ticket``, ``user``,
``support/ticket_field_history_data``  ``ticket_field_history``
``orders/orders_export_N.csv``         Shopify Admin orders export
``ads/campaign_*_data.csv``            Fivetran Google Ads stats and history
``ads/facebook_ads_*_data.csv``        Fivetran Facebook Ads basic_ad, history
=====================================  ======================================

People share identifiers across channels (cookie, user id, email, phone, Twitter
handle), and ``orchestration.demo.people`` lists the patterns. Paid and email landing URLs
carry ``utm_campaign`` equal to the ad campaign name or the Iterable ``campaignName``.

Faults that real exports have, with their rates:

- Web events: 1 % are delivered a day late (next day's file, later ``receivedAt``).
  0.5 % are delivered twice with the same ``messageId``, 30 % of those in the next
  day's file. ``--malformed-rate`` (default 0.1 %) of lines are cut short, so they
  are invalid JSON. Email webhooks: 0.5 % late and 0.3 % duplicated, the same way.
  Nothing moves past the last day's file.
- Emails typed with upper case or surrounding spaces: 8 % of identify
  ``traits.email``, 5 % of Shopify ``Email``, 3 % of Zendesk user ``email``.
- 10 % of Shopify phones are in national format, ``(212) 555-0134``, not E.164.
- Timestamps in several UTC offsets: half the people's browsers and every app write
  ``originalTimestamp`` in the person's local offset (-08:00 to +05:30), the others
  ``Z``. App events have no ``timestamp`` or ``receivedAt``. Shopify writes New York
  time, -0400 before and -0500 after 1 November. Iterable writes ``+00:00``.
"""

import argparse
import logging
import random
import sys
import tempfile
from datetime import date
from pathlib import Path

from orchestration.demo.ads import write_facebook_ads, write_google_ads
from orchestration.demo.catalog import build_ad_campaigns, build_email_campaigns
from orchestration.demo.daily_events import order_id_filler, spool_email_events, spool_web_events
from orchestration.demo.formats import Window
from orchestration.demo.landing_files import DailyJsonlSpool
from orchestration.demo.orders import assign_order_ids, plan_store_orders, write_shopify_orders
from orchestration.demo.people import build_people
from orchestration.demo.social import plan_social_tweets, write_tweets
from orchestration.demo.support import plan_tickets, write_zendesk

logger = logging.getLogger(__name__)

DEFAULT_CUSTOMERS = 2000
DEFAULT_DAYS = 90
DEFAULT_SEED = 7
DEFAULT_END_DATE = date(2026, 11, 30)
DEFAULT_MALFORMED_RATE = 0.001
WEB_LATE_RATE = 0.01
WEB_DUPLICATE_RATE = 0.005
EMAIL_LATE_RATE = 0.005
EMAIL_DUPLICATE_RATE = 0.003
# Files from an earlier run that this run might not rewrite, e.g. after a shorter --days.
GENERATED_GLOBS = ("web/events_*.jsonl", "email/events_*.jsonl", "orders/orders_export_*.csv")

# Each entry: path (may be a glob), channel, format, options. Paths are relative to
# the folder that contains landing.yml.
LANDING_SOURCES: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("web/events_*.jsonl", "web", "segment_jsonl", {}),
    ("email/events_*.jsonl", "email", "iterable_webhook", {}),
    ("social/tweets.csv", "social", "twcs_csv", {}),
    ("support/ticket_data.csv", "support", "zendesk_fivetran",
     {"users": "support/user_data.csv",
      "field_history": "support/ticket_field_history_data.csv"}),
    ("orders/orders_export_*.csv", "orders", "shopify_orders_csv", {}),
    ("ads/campaign_stats_data.csv", "ads", "google_ads_fivetran",
     {"campaigns": "ads/campaign_history_data.csv"}),
    ("ads/facebook_ads_basic_ad_data.csv", "ads", "facebook_ads_fivetran",
     {"ads": "ads/facebook_ads_ad_history_data.csv",
      "ad_sets": "ads/facebook_ads_ad_set_history_data.csv",
      "campaigns": "ads/facebook_ads_campaign_history_data.csv"}),
)  # fmt: skip


def generate(
    out_dir: Path,
    customers: int = DEFAULT_CUSTOMERS,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    end_date: date = DEFAULT_END_DATE,
    malformed_rate: float = DEFAULT_MALFORMED_RATE,
) -> dict[str, int]:
    """Write landing files and ``landing.yml`` under ``out_dir`` and return records per file.

    Keys are paths relative to ``out_dir``. Records are JSON lines (duplicates and
    malformed lines included) or CSV data rows. Files matching ``GENERATED_GLOBS`` from
    an earlier run are deleted first, so the globs in ``landing.yml`` match only this run.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if not 0.0 <= malformed_rate <= 1.0:
        raise ValueError(f"malformed_rate must be between 0 and 1, got {malformed_rate}")

    def stage_rng(stage: str) -> random.Random:
        return random.Random(f"{seed}:{stage}")

    window = Window.ending(end_date, days)
    people = build_people(customers, seed)
    ad_campaigns = build_ad_campaigns(window)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_earlier_output(out_dir)
    counts: dict[str, int] = {}
    # The spool folder starts with a dot, so neither landing.yml's globs nor the
    # landing sensor see it, and it is on the same file system as the output.
    with tempfile.TemporaryDirectory(prefix=".spool-", dir=out_dir) as spool_dir:
        web_spool = DailyJsonlSpool(Path(spool_dir), "web", window)
        email_spool = DailyJsonlSpool(Path(spool_dir), "email", window)
        email = spool_email_events(
            people, build_email_campaigns(window), window, email_spool, stage_rng("email"),
            stage_rng("email-faults"), EMAIL_DUPLICATE_RATE, EMAIL_LATE_RATE,
        )  # fmt: skip
        web = spool_web_events(
            people, ad_campaigns, email.arrivals, window, web_spool,
            (stage_rng("arrivals"), stage_rng("web"), stage_rng("web-faults")),
            WEB_DUPLICATE_RATE, WEB_LATE_RATE,
        )  # fmt: skip
        store_orders = plan_store_orders(people, window, stage_rng("store"))
        orders = assign_order_ids(web.orders + store_orders, stage_rng("order-ids"))
        support = plan_tickets(orders, window, stage_rng("support"))
        tweets = support.tweets + plan_social_tweets(people, orders, window, stage_rng("social"))
        counts.update(web_spool.write(out_dir, malformed_rate, stage_rng("malformed"),
                                      order_id_filler(web.orders)))  # fmt: skip
        counts.update(email_spool.write(out_dir))
    counts.update(write_tweets(tweets, out_dir))
    counts.update(write_zendesk(support.tickets, out_dir, window, stage_rng("zendesk")))
    counts.update(write_shopify_orders(orders, out_dir, window))
    counts.update(write_google_ads(ad_campaigns, web.ad_sessions, orders, out_dir, window,
                                   stage_rng("google-ads")))  # fmt: skip
    counts.update(write_facebook_ads(ad_campaigns, web.ad_sessions, out_dir, window,
                                     stage_rng("facebook-ads")))  # fmt: skip
    _write_landing_config(out_dir, customers, days, seed, end_date)
    logger.info(
        "Wrote %d records in %d files under %s (%d people, %d orders, %d tickets)",
        sum(counts.values()), len(counts), out_dir, len(people), len(orders),
        len(support.tickets),
    )  # fmt: skip
    return counts


def _remove_earlier_output(out_dir: Path) -> None:
    removed = 0
    for pattern in GENERATED_GLOBS:
        for path in out_dir.glob(pattern):
            path.unlink()
            removed += 1
    if removed:
        logger.info("Removed %d files of an earlier run under %s", removed, out_dir)


def _write_landing_config(
    out_dir: Path, customers: int, days: int, seed: int, end_date: date
) -> None:
    lines = [
        "# Written by orchestration.demo.generate: "
        f"{customers} customers, {days} days to {end_date.isoformat()}, seed {seed}.",
        "sources:",
    ]
    for path, channel, file_format, options in LANDING_SOURCES:
        lines += [f"  - path: {path}", f"    channel: {channel}", f"    format: {file_format}"]
        if options:
            lines.append("    options:")
            lines += [f"      {name}: {value}" for name, value in options.items()]
    (out_dir / "landing.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.demo.generate",
        description="Write deterministic demo landing files for every channel and a landing.yml.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder for the files")
    parser.add_argument(
        "--customers",
        type=int,
        default=DEFAULT_CUSTOMERS,
        help=f"number of people (default {DEFAULT_CUSTOMERS})",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        help=f"days of activity, ending on --end-date (default {DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=DEFAULT_END_DATE,
        help=f"last day, YYYY-MM-DD (default {DEFAULT_END_DATE.isoformat()})",
    )
    parser.add_argument("--malformed-rate", type=float, default=DEFAULT_MALFORMED_RATE,
                        help="share of web event lines cut short into invalid JSON, 0 to 1 "
                        f"(default {DEFAULT_MALFORMED_RATE})")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        counts = generate(args.out, args.customers, args.days, args.seed, args.end_date,
                          args.malformed_rate)  # fmt: skip
    except ValueError as error:
        logger.error("Invalid argument: %s", error)
        return 2
    for path, records in sorted(counts.items()):
        print(f"{path}\t{records} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
