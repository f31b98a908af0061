"""Tweets between customers and the brand's support account, as a Customer Support on Twitter CSV.

``author_id`` is the handle without ``@`` for customers and ``RightpathShopCare`` for
the brand, and ``inbound`` is ``True`` for customer tweets. ``response_tweet_id`` lists the
replies' ids, comma-separated, and ``in_response_to_tweet_id`` names the parent tweet.
Tweet ids rise with ``created_at``, and rows are written in id order.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from orchestration.demo.catalog import PRODUCTS, SUPPORT_HANDLE
from orchestration.demo.formats import Window, twitter_time
from orchestration.demo.landing_files import write_csv
from orchestration.demo.orders import Order
from orchestration.demo.people import Person

TWCS_HEADER = (
    "tweet_id", "author_id", "inbound", "created_at", "text",
    "response_tweet_id", "in_response_to_tweet_id",
)  # fmt: skip
FIRST_TWEET_ID = 2_104_001
EMOJI = ("😊", "🙏", "😡", "📦", "🥾", "😕")
EMOJI_RATE = 0.3
# Share of customer tweets with a quoted phrase, a comma and a line break, which CSV
# writers must quote and readers must keep inside one field.
AWKWARD_TEXT_RATE = 0.03
SIGN_OFFS = ("^KM", "^JT", "^AR")
QUESTIONS = (
    "do you ship to Canada?",
    "is the {product} true to size?",
    "when is the {product} back in stock?",
    "any discount codes for students?",
    "can I return something I bought in the Portland store online?",
)
PRAISE = (
    "just got my {product} from @{brand}, love it",
    "shout out to @{brand} for the fast delivery",
    "the {product} from @{brand} survived a week of rain",
)
COMPLAINTS = (
    "@{brand} my order {order} still hasn't arrived",
    "@{brand} the {product} in order {order} arrived damaged",
    "@{brand} I was charged twice for order {order}",
    "@{brand} wrong size sent in order {order}, how do I swap it?",
)


@dataclass
class Tweet:
    at: datetime
    author: str
    inbound: bool
    text: str
    parent: "Tweet | None" = None
    replies: list["Tweet"] = field(default_factory=list)
    tweet_id: str = ""


def _decorate(rng: random.Random, text: str) -> str:
    if rng.random() < AWKWARD_TEXT_RATE:
        text = f'{text}, and the "help" page\nsays nothing'
    if rng.random() < EMOJI_RATE:
        text = f"{text} {rng.choice(EMOJI)}"
    return text


def _reply(parent: Tweet, author: str, inbound: bool, text: str, delay: timedelta) -> Tweet:
    tweet = Tweet(parent.at + delay, author, inbound, text, parent)
    parent.replies.append(tweet)
    return tweet


def build_thread(
    person: Person, opener: str, at: datetime, window: Window, rng: random.Random, with_reply: bool
) -> list[Tweet]:
    """Return a customer's tweet and, with ``with_reply``, the brand's reply and a follow-up."""
    handle = person.handle or ""
    first = Tweet(at, handle, True, _decorate(rng, opener))
    thread = [first]
    if with_reply:
        sign_off = rng.choice(SIGN_OFFS)
        opening = "Sorry to hear that!" if " order #" in opener else "Happy to help!"
        text = f"@{handle} {opening} Please DM us your details so we can help. {sign_off}"
        reply = _reply(first, SUPPORT_HANDLE, False, text,
                       timedelta(seconds=rng.randrange(300, 7200)))  # fmt: skip
        thread.append(reply)
        if rng.random() < 0.6:
            answer = _reply(reply, handle, True, f"@{SUPPORT_HANDLE} done, sent you a DM",
                            timedelta(seconds=rng.randrange(60, 3600)))  # fmt: skip
            thread.append(answer)
            thanks = _reply(answer, SUPPORT_HANDLE, False, f"@{handle} Got it, thanks! {sign_off}",
                            timedelta(seconds=rng.randrange(120, 1800)))  # fmt: skip
            thread.append(thanks)
    return [tweet for tweet in thread if window.contains(tweet.at)]


def complaint_text(order: Order, rng: random.Random) -> str:
    template = rng.choice(COMPLAINTS)
    product = order.lines[0].product.name
    return template.format(brand=SUPPORT_HANDLE, order=order.name, product=product)


def plan_social_tweets(
    people: list[Person], orders: list[Order], window: Window, rng: random.Random
) -> list[Tweet]:
    """Plan tweets outside support tickets: questions from social-only people and praise."""
    tweets: list[Tweet] = []
    latest = window.end - timedelta(hours=1)
    for person in people:
        if person.kind != "social":
            continue
        for _ in range(rng.randrange(1, 4)):
            at = window.start + timedelta(seconds=rng.randrange(window.days * 86_400 - 3600))
            question = rng.choice(QUESTIONS).format(product=rng.choice(PRODUCTS).name)
            opener = f"@{SUPPORT_HANDLE} {question}"
            tweets.extend(build_thread(person, opener, at, window, rng, rng.random() < 0.75))
    for order in orders:
        if order.person.handle is None or rng.random() >= 0.15:
            continue
        at = order.at + timedelta(days=rng.randrange(2, 6), seconds=rng.randrange(86_400))
        if at < latest:
            text = rng.choice(PRAISE).format(brand=SUPPORT_HANDLE,
                                             product=order.lines[0].product.name)  # fmt: skip
            tweets.append(Tweet(at, order.person.handle, True, _decorate(rng, text)))
    return tweets


def write_tweets(tweets: list[Tweet], out_dir: Path) -> dict[str, int]:
    """Number the tweets in time order and write ``social/tweets.csv``."""
    ordered = sorted(tweets, key=lambda tweet: (tweet.at, tweet.author))
    for position, tweet in enumerate(ordered):
        tweet.tweet_id = str(FIRST_TWEET_ID + position)
    rows = [
        [
            tweet.tweet_id,
            tweet.author,
            "True" if tweet.inbound else "False",
            twitter_time(tweet.at),
            tweet.text,
            ",".join(reply.tweet_id for reply in tweet.replies if reply.tweet_id),
            tweet.parent.tweet_id if tweet.parent is not None else "",
        ]
        for tweet in ordered
    ]
    return write_csv(out_dir, "social/tweets.csv", TWCS_HEADER, rows)
