"""Generated people and the identifiers each one leaves in the channels.

A person's ``kind`` decides which identifiers exist and which channels they use:

- ``chain``: the scripted person 0. Browses anonymously, logs in (identify with
  cookie, user id and email), orders with email and phone, then tweets and gets a
  twitter support ticket whose requester has the same phone. Every link is needed to
  join the cookie to the tweets.
- ``anonymous``: web cookies only, never logs in or orders.
- ``member``: shop account (user id) with email and usually a phone, logs in on the web.
- ``app``: a member who also uses the mobile app, whose device id differs from the
  web cookies, so only the shared user id joins the two.
- ``guest``: checks out without an account, so only the order's email and the
  ``Order Completed`` event's ``order_id`` join the cookie to the order.
- ``store``: buys in the physical store (Shopify POS), sometimes with a phone but no email.
- ``social``: only tweets at the brand's support account.
- ``subscriber``: on the email list only, reaches the site through email links.
"""

import random
import uuid
from dataclasses import dataclass, field

from orchestration.demo.catalog import EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES

# Kinds of the first people, so even a run with five people has every main pattern.
FIXED_KINDS: tuple[str, ...] = ("chain", "anonymous", "social", "guest", "app")
KIND_WEIGHTS: dict[str, int] = {
    "anonymous": 30,
    "member": 33,
    "guest": 12,
    "app": 10,
    "store": 6,
    "social": 5,
    "subscriber": 4,
}
# Random sessions per person over 90 days, before scaling to the window length. The chain
# person has only the scripted sessions, so the first visit on its cookie stays anonymous.
SESSIONS_PER_90_DAYS: dict[str, float] = {
    "chain": 0.0,
    "anonymous": 4.0,
    "member": 13.0,
    "app": 15.0,
    "guest": 8.0,
}
# Home UTC offsets in minutes, with weights: US zones, UK, Central Europe, India.
UTC_OFFSETS: tuple[tuple[int, int], ...] = (
    (-300, 30), (-360, 20), (-480, 20), (-420, 10), (0, 10), (60, 5), (330, 5),
)  # fmt: skip
# US area codes 201-999 without the N11 service codes, each with 100 fictional numbers
# (555-0100 to 555-0199). People from index PHONE_NUMBERS on have no phone.
AREA_CODES: tuple[int, ...] = tuple(code for code in range(201, 1000) if code % 100 != 11)
PHONE_NUMBERS = len(AREA_CODES) * 100


@dataclass
class Person:
    index: int
    kind: str
    first_name: str
    last_name: str
    offset_minutes: int
    email: str | None = None
    phone: str | None = None  # E.164, e.g. +12125550134
    handle: str | None = None  # Twitter handle without the leading @
    user_id: str | None = None  # shop account id, the web userId after login
    cookies: list[str] = field(default_factory=list)  # web anonymousId values
    app_device_id: str | None = None  # app anonymousId
    subscribed: bool = False  # on the email list
    buy_propensity: float = 0.0  # multiplier on the add-to-cart rate

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def random_uuid(rng: random.Random) -> str:
    """Return a version 4 UUID string drawn from ``rng`` rather than the OS."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_people(customers: int, seed: int) -> list[Person]:
    """Build ``customers`` people, the same ones for the same arguments."""
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    rng = random.Random(f"{seed}:people")
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    offsets = [offset for offset, _ in UTC_OFFSETS]
    offset_weights = [weight for _, weight in UTC_OFFSETS]
    people = []
    for index in range(customers):
        if index < len(FIXED_KINDS):
            kind = FIXED_KINDS[index]
        else:
            kind = rng.choices(kinds, weights)[0]
        person = Person(
            index=index,
            kind=kind,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            offset_minutes=rng.choices(offsets, offset_weights)[0],
        )
        _add_identifiers(person, rng)
        people.append(person)
    return people


def _add_identifiers(person: Person, rng: random.Random) -> None:
    kind = person.kind
    index = person.index
    first = person.first_name.lower()
    last = person.last_name.lower()
    if kind != "social" and kind != "anonymous":
        domain = rng.choice(EMAIL_DOMAINS)
        person.email = f"{first}.{last}{index}@{domain}"
    has_phone = kind == "chain" or (
        kind in ("member", "app", "guest", "store") and rng.random() < 0.8
    )
    if has_phone and index < PHONE_NUMBERS:
        area = AREA_CODES[index // 100]
        person.phone = f"+1{area}55501{index % 100:02d}"
    if kind in ("chain", "social") or (kind in ("member", "app", "guest") and rng.random() < 0.2):
        person.handle = f"{first}{last[:3]}{index}"
    if kind in ("chain", "member", "app"):
        person.user_id = str(7_412_000_000_000 + index * 1000 + rng.randrange(1000))
    if kind in SESSIONS_PER_90_DAYS:
        cookie_count = 1 if kind == "chain" else rng.choices((1, 2, 3), (60, 30, 10))[0]
        person.cookies = [random_uuid(rng) for _ in range(cookie_count)]
    if kind == "app":
        person.app_device_id = f"{rng.getrandbits(64):016x}"
    if person.email is not None:
        subscribe_rate = {"guest": 0.4, "store": 0.5, "subscriber": 1.0}.get(kind, 0.7)
        # The chain person is kept off the list, so no email click starts an earlier visit.
        person.subscribed = kind != "chain" and rng.random() < subscribe_rate
    if kind in ("chain", "member", "app", "guest"):
        person.buy_propensity = rng.uniform(0.5, 2.0)


def messy_email(rng: random.Random, email: str) -> str:
    """Return ``email`` as a person might type it: upper case, capitals or stray spaces."""
    local, domain = email.split("@")
    variant = rng.randrange(4)
    if variant == 0:
        return email.upper()
    if variant == 1:
        capitalized = ".".join(part.capitalize() for part in local.split("."))
        return f"{capitalized}@{domain.capitalize()}"
    if variant == 2:
        return f"  {email} "
    return f" {email.upper()}"
