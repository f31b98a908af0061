"""Web and app sessions as RudderStack / Segment spec events, and the orders they place.

Each visit becomes page (web) or screen (app) views, ``Product Viewed`` tracks and,
for some, ``Product Added``, ``Cart Viewed``, ``Checkout Started`` and ``Order
Completed``. A shop member's first login on a cookie or device sends an ``identify``
with ``userId`` and ``traits.email``. Later events on that cookie carry the ``userId``,
because the SDKs persist it. Guests check out without an identify, so their cookie reaches
the order only through the ``Order Completed`` event's ``order_id``.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from orchestration.demo.arrivals import Arrival
from orchestration.demo.catalog import PRODUCTS, SHOP_URL, Product
from orchestration.demo.formats import iso_with_offset
from orchestration.demo.landing_files import Delivery
from orchestration.demo.orders import Order, OrderLine, make_order
from orchestration.demo.people import Person, messy_email, random_uuid

# Share of identify calls whose traits.email is typed with upper case or spaces.
MESSY_IDENTIFY_EMAIL_RATE = 0.08
ADD_TO_CART_RATE = 0.12  # per session, multiplied by the person's buy_propensity
CHECKOUT_RATE = 0.6
COMPLETE_RATE = 0.55
LOGIN_ON_LANDING_RATE = 0.35
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
WEB_LIBRARY = {"name": "RudderLabs JavaScript SDK", "version": "3.11.2"}
APP_CONTEXT = {
    "app": {"name": "Rightpath", "version": "4.2.0", "build": "420",
            "namespace": "example.rightpath.shop"},
    "library": {"name": "com.rudderstack.android.sdk.core", "version": "1.25.1"},
    "os": {"name": "Android", "version": "15"},
    "locale": "en-US",
}  # fmt: skip


@dataclass
class WebActivity:
    deliveries: list[Delivery] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    # Tracked sessions per (ad campaign id, UTC date), for the ads' click counts.
    ad_sessions: Counter[tuple[str, date]] = field(default_factory=Counter)


def simulate_sessions(arrivals: list[Arrival], rng: random.Random) -> WebActivity:
    """Turn visits into events and orders, visiting each person's sessions in time order."""
    activity = WebActivity()
    identified: set[str] = set()  # anonymous ids that have carried a userId
    for arrival in sorted(arrivals, key=lambda arrival: (arrival.person.index, arrival.at)):
        if arrival.ad_campaign is not None:
            activity.ad_sessions[(arrival.ad_campaign.campaign_id, arrival.at.date())] += 1
        session = _Session(arrival, identified, rng)
        order = session.run()
        activity.deliveries.extend(session.deliveries)
        if order is not None:
            activity.orders.append(order)
    return activity


class _Session:
    def __init__(self, arrival: Arrival, identified: set[str], rng: random.Random) -> None:
        self.arrival = arrival
        self.person: Person = arrival.person
        self.rng = rng
        self.identified = identified
        self.is_app = arrival.platform == "app"
        self.anonymous_id = self._anonymous_id()
        self.clock = arrival.at
        self.page_context: dict = {}
        self.deliveries: list[Delivery] = []
        # Apps and the browsers of odd-numbered people write local-offset times, others Z.
        local = self.is_app or self.person.index % 2 == 1
        self.offset = self.person.offset_minutes if local else 0

    def _anonymous_id(self) -> str:
        person = self.person
        if self.is_app and person.app_device_id is not None:
            return person.app_device_id
        if self.arrival.script is not None or len(person.cookies) == 1:
            return person.cookies[0]
        weights = [70] + [30 // (len(person.cookies) - 1)] * (len(person.cookies) - 1)
        return self.rng.choices(person.cookies, weights)[0]

    def run(self) -> Order | None:
        arrival, person, rng = self.arrival, self.person, self.rng
        script = arrival.script
        if self.is_app:
            self._track("Application Opened", {"from_background": False})
            self._identify_if_needed(force=True)
            self._screen("Home")
        else:
            self._page(arrival.landing_url, arrival.referrer, arrival.utm)
            wants_login = script == "order" or rng.random() < LOGIN_ON_LANDING_RATE
            if script != "browse" and wants_login:
                self._identify_if_needed(force=False)
        viewed = self._browse()
        if script == "browse":
            return None
        adds = script == "order" or rng.random() < ADD_TO_CART_RATE * person.buy_propensity
        if not adds or person.email is None:
            return None
        product = viewed[-1]
        self._track("Product Added", _product_properties(product, quantity=1))
        self._view("/cart", "Your cart | Rightpath", "Cart")
        self._track("Cart Viewed", {"products": [_product_properties(product, quantity=1)]})
        if script != "order" and rng.random() >= CHECKOUT_RATE:
            return None
        self._identify_if_needed(force=False)
        self._view(f"/checkouts/cn/{rng.getrandbits(64):016x}", "Checkout | Rightpath", "Checkout")
        self._track("Checkout Started", {"currency": "USD", "value": product.price_cents / 100})
        if script != "order" and rng.random() >= COMPLETE_RATE:
            return None
        return self._complete_order(product)

    def _browse(self) -> list[Product]:
        viewed: list[Product] = []
        landing_slug = self.arrival.landing_url.partition("/products/")[2].partition("?")[0]
        for product in PRODUCTS:
            if product.slug == landing_slug:
                viewed.append(product)
                self._track("Product Viewed", _product_properties(product))
        while not viewed or (self.rng.random() < 0.45 and len(viewed) < 8):
            product = self.rng.choice(PRODUCTS)
            self._view(f"/products/{product.slug}", f"{product.name} | Rightpath", "Product")
            self._track("Product Viewed", _product_properties(product))
            viewed.append(product)
        return viewed

    def _complete_order(self, product: Product) -> Order:
        lines = [OrderLine(product, 1)]
        if self.rng.random() < 0.3:
            extra = self.rng.choice([other for other in PRODUCTS if other != product])
            lines.append(OrderLine(extra, 1))
        order = make_order(self.person, self.clock, "web", self.rng,
                           self.arrival.ad_campaign, lines)  # fmt: skip
        properties = {
            "order_id": "",  # set by assign_order_ids
            "checkout_id": f"{self.rng.getrandbits(96):024x}",
            "total": order.total_cents / 100,
            "revenue": order.subtotal_cents / 100,
            "tax": order.tax_cents / 100,
            "shipping": order.shipping_cents / 100,
            "currency": "USD",
            "products": [_product_properties(line.product, line.quantity) for line in lines],
        }
        order.event_properties = properties
        self._track("Order Completed", properties)
        return order

    def _identify_if_needed(self, force: bool) -> None:
        person = self.person
        if person.user_id is None or self.anonymous_id in self.identified:
            return
        if not force and self.is_app:
            return
        self.identified.add(self.anonymous_id)
        email = person.email or ""
        if self.rng.random() < MESSY_IDENTIFY_EMAIL_RATE:
            email = messy_email(self.rng, email)
        traits = {"email": email, "firstName": person.first_name, "lastName": person.last_name}
        if person.phone is not None:
            traits["phone"] = person.phone
        self._emit("identify", {"traits": traits})

    def _page(self, url: str, referrer: str, utm: dict[str, str], title: str = "") -> None:
        path, _, search = url.removeprefix(SHOP_URL).partition("?")
        if not title:
            title = _title_for_path(path)
        self.page_context = {
            "path": path,
            "referrer": referrer,
            "search": f"?{search}" if search else "",
            "title": title,
            "url": url,
        }
        campaign = None
        if utm:
            campaign = {
                "source": utm["utm_source"],
                "medium": utm["utm_medium"],
                "name": utm["utm_campaign"],
            }
        self._emit("page", {"name": title, "properties": dict(self.page_context)}, campaign)

    def _view(self, path: str, title: str, screen_name: str) -> None:
        if self.is_app:
            self._screen(screen_name)
        else:
            self._page(f"{SHOP_URL}{path}", self.page_context.get("url", ""), {}, title)

    def _screen(self, name: str) -> None:
        self._emit("screen", {"name": name, "properties": {"name": name}})

    def _track(self, event: str, properties: dict) -> None:
        self._emit("track", {"event": event, "properties": properties})

    def _emit(self, event_type: str, body: dict, campaign: dict | None = None) -> None:
        rng = self.rng
        self.clock += timedelta(milliseconds=rng.randrange(1500, 90_000))
        sent_at = self.clock + timedelta(milliseconds=rng.randrange(50, 2000))
        received_at = sent_at + timedelta(milliseconds=rng.randrange(30, 400))
        payload: dict = {"type": event_type, "messageId": random_uuid(rng)}
        payload["anonymousId"] = self.anonymous_id
        if self.person.user_id is not None and self.anonymous_id in self.identified:
            payload["userId"] = self.person.user_id
        payload["channel"] = "mobile" if self.is_app else "web"
        payload.update(body)
        payload["context"] = self._context(campaign)
        payload["originalTimestamp"] = iso_with_offset(self.clock, self.offset)
        payload["sentAt"] = iso_with_offset(sent_at, self.offset)
        if not self.is_app:
            # The collector adds these two, and app events stay as the SDK sent them.
            payload["timestamp"] = iso_with_offset(self.clock, 0)
            payload["receivedAt"] = iso_with_offset(received_at, 0)
        self.deliveries.append(Delivery(received_at, payload))

    def _context(self, campaign: dict | None) -> dict:
        if self.is_app:
            device = {"id": self.anonymous_id, "manufacturer": "Google", "model": "Pixel 8"}
            return {**APP_CONTEXT, "device": device}
        user_agent = USER_AGENTS[int(self.anonymous_id[:8], 16) % len(USER_AGENTS)]
        context: dict = {
            "library": WEB_LIBRARY,
            "userAgent": user_agent,
            "locale": "en-US",
            "page": dict(self.page_context),
        }
        if campaign is not None:
            context["campaign"] = campaign
        return context


def _title_for_path(path: str) -> str:
    if path == "/":
        return "Rightpath | Outdoor gear"
    for product in PRODUCTS:
        if path == f"/products/{product.slug}":
            return f"{product.name} | Rightpath"
    name = path.rpartition("/")[2].replace("-", " ").capitalize()
    return f"{name} | Rightpath"


def _product_properties(product: Product, quantity: int | None = None) -> dict:
    properties: dict = {
        "product_id": product.sku,
        "sku": product.sku,
        "name": product.name,
        "price": product.price_cents / 100,
        "currency": "USD",
    }
    if quantity is not None:
        properties["quantity"] = quantity
    return properties


def redeliver_web_event(payload: dict, delivered_at: datetime) -> dict:
    """Set ``receivedAt`` to a later delivery instant, as a collector retry would."""
    if "receivedAt" in payload:
        payload["receivedAt"] = iso_with_offset(delivered_at, 0)
    return payload
