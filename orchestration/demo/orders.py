"""Shop orders and the Shopify Admin "Export orders" CSV.

The export has one row per line item. Name, Email, Created at, the ``Lineitem *``
columns, Vendor and ``Lineitem discount`` repeat on every row of an order. All other
order columns, ``Id`` included, are filled on the order's first row only. Orders are
listed newest first and split across ``orders_export_N.csv`` files of at most
``ORDERS_PER_FILE`` orders, and an order never spans two files.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from orchestration.demo.arrivals import poisson
from orchestration.demo.catalog import PRODUCTS, STORE_LOCATION, AdCampaign, Product
from orchestration.demo.formats import (
    Window,
    format_cents,
    new_york_offset_minutes,
    phone_national,
    shopify_time,
)
from orchestration.demo.landing_files import write_csv
from orchestration.demo.people import Person, messy_email

# NOTE: sized so the default run writes several files and exercises the landing glob.
# The order count at which Shopify itself splits an export is not known here.
ORDERS_PER_FILE = 500
FIRST_ORDER_NUMBER = 1001
FIRST_ORDER_ID = 6_912_345_000_000
TAX_RATE_BASIS_POINTS = 825
FREE_SHIPPING_FROM_CENTS = 7500
SHIPPING_CENTS = 795
# Share of orders whose Email is typed with upper case or spaces, and whose phone is
# written in national format instead of E.164.
MESSY_EMAIL_RATE = 0.05
NATIONAL_PHONE_RATE = 0.10
STORE_EMPLOYEES = ("Jordan Avery", "Sam Rivera")

SHOPIFY_ORDERS_HEADER: tuple[str, ...] = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total",
    "Discount Code", "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity",
    "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
    "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing Street", "Billing Address1", "Billing Address2", "Billing Company",
    "Billing City", "Billing Zip", "Billing Province", "Billing Country", "Billing Phone",
    "Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2",
    "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province",
    "Shipping Country", "Shipping Phone", "Notes", "Note Attributes", "Cancelled at",
    "Payment Method", "Payment Reference", "Refunded Amount", "Vendor", "Outstanding Balance",
    "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level", "Source",
    "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value",
    "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value",
    "Phone", "Receipt Number", "Duties", "Billing Province Name", "Shipping Province Name",
    "Payment ID", "Payment Terms Name", "Next Payment Due At", "Payment References",
)  # fmt: skip
# Columns that repeat on every line-item row of an order.
_LINE_COLUMNS = frozenset(
    {"Name", "Email", "Created at", "Vendor", "Lineitem discount"}
    | {column for column in SHOPIFY_ORDERS_HEADER if column.startswith("Lineitem ")}
)


@dataclass
class OrderLine:
    product: Product
    quantity: int


@dataclass
class Order:
    person: Person
    at: datetime
    lines: list[OrderLine]
    source: str  # web | pos
    email_text: str  # as entered at checkout, or empty for some store sales
    phone_text: str  # as entered: E.164, national format, or empty
    phone_column: str  # "Phone" or "Billing Phone"
    accepts_marketing: bool
    ad_campaign: AdCampaign | None = None
    # The web "Order Completed" properties, whose ``order_id`` assign_order_ids fills in.
    event_properties: dict | None = None
    name: str = ""
    order_id: str = ""
    refunded: bool = False

    @property
    def subtotal_cents(self) -> int:
        return sum(line.product.price_cents * line.quantity for line in self.lines)

    @property
    def shipping_cents(self) -> int:
        if self.source == "pos" or self.subtotal_cents >= FREE_SHIPPING_FROM_CENTS:
            return 0
        return SHIPPING_CENTS

    @property
    def tax_cents(self) -> int:
        return (self.subtotal_cents * TAX_RATE_BASIS_POINTS + 5000) // 10000

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.shipping_cents + self.tax_cents


def make_order(
    person: Person,
    at: datetime,
    source: str,
    rng: random.Random,
    ad_campaign: AdCampaign | None = None,
    lines: list[OrderLine] | None = None,
) -> Order:
    """Create an order with the identifiers the person enters at checkout or the till."""
    if lines is None:
        products = rng.sample(PRODUCTS, rng.choices((1, 2, 3), (55, 30, 15))[0])
        lines = [OrderLine(product, rng.choices((1, 2), (85, 15))[0]) for product in products]
    email_text = person.email or ""
    if email_text and source == "pos" and rng.random() < 0.3:
        email_text = ""
    elif email_text and rng.random() < MESSY_EMAIL_RATE:
        email_text = messy_email(rng, email_text)
    phone_text = person.phone or ""
    if phone_text and person.kind != "chain" and rng.random() < NATIONAL_PHONE_RATE:
        phone_text = phone_national(phone_text)
    return Order(
        person=person,
        at=at,
        lines=lines,
        source=source,
        email_text=email_text,
        phone_text=phone_text,
        phone_column=rng.choice(("Phone", "Billing Phone")),
        accepts_marketing=person.subscribed,
        ad_campaign=ad_campaign,
        refunded=rng.random() < 0.03,
    )


def plan_store_orders(people: list[Person], window: Window, rng: random.Random) -> list[Order]:
    """Create in-store (POS) sales: store shoppers buy about twice in 90 days, others rarely."""
    orders = []
    scale = window.days / 90
    for person in people:
        if person.kind == "store":
            count = poisson(rng, 2.0 * scale)
        elif person.kind in ("member", "app") and person.phone is not None:
            count = poisson(rng, 0.1 * scale)
        else:
            count = 0
        for _ in range(count):
            day = window.start + timedelta(days=rng.randrange(window.days))
            # Store hours are 10:00-19:00 New York time.
            local = day + timedelta(seconds=rng.randrange(10 * 3600, 19 * 3600))
            at = local - timedelta(minutes=new_york_offset_minutes(local))
            if window.contains(at):
                orders.append(make_order(person, at, "pos", rng))
    return orders


def assign_order_ids(orders: list[Order], rng: random.Random) -> list[Order]:
    """Sort orders by time and number them as Shopify does: ``#1001``, ... and rising ids."""
    orders.sort(key=lambda order: (order.at, order.person.index))
    order_id = FIRST_ORDER_ID
    for position, order in enumerate(orders):
        order_id += rng.randrange(20_000, 90_000)
        order.name = f"#{FIRST_ORDER_NUMBER + position}"
        order.order_id = str(order_id)
        if order.event_properties is not None:
            order.event_properties["order_id"] = order.order_id
    return orders


def write_shopify_orders(orders: list[Order], out_dir: Path, window: Window) -> dict[str, int]:
    """Write ``orders/orders_export_N.csv`` files, newest orders first."""
    newest_first = sorted(orders, key=lambda order: order.at, reverse=True)
    counts: dict[str, int] = {}
    chunks = [
        newest_first[start : start + ORDERS_PER_FILE]
        for start in range(0, max(1, len(newest_first)), ORDERS_PER_FILE)
    ]
    for number, chunk in enumerate(chunks, start=1):
        rows = [row for order in chunk for row in _order_rows(order, window)]
        counts.update(write_csv(out_dir, f"orders/orders_export_{number}.csv",
                                SHOPIFY_ORDERS_HEADER, rows))  # fmt: skip
    return counts


def _order_rows(order: Order, window: Window) -> list[list[str]]:
    first = _order_fields(order, window)
    rows = []
    for position, line in enumerate(order.lines):
        values = (
            dict(first)
            if position == 0
            else {column: first[column] for column in _LINE_COLUMNS if column in first}
        )
        values["Lineitem quantity"] = str(line.quantity)
        values["Lineitem name"] = line.product.name
        values["Lineitem price"] = format_cents(line.product.price_cents)
        values["Lineitem sku"] = line.product.sku
        values["Lineitem requires shipping"] = "true"
        values["Lineitem taxable"] = "true"
        values["Lineitem fulfillment status"] = first["Lineitem fulfillment status"]
        values["Vendor"] = line.product.vendor
        values["Lineitem discount"] = "0.00"
        rows.append([values.get(column, "") for column in SHOPIFY_ORDERS_HEADER])
    return rows


def _order_fields(order: Order, window: Window) -> dict[str, str]:
    person = order.person
    # Web orders ship two days later when that falls inside the window, and store sales
    # are handed over at once.
    shipped_at = order.at if order.source == "pos" else order.at + timedelta(days=2)
    fulfilled = window.contains(shipped_at)
    total = format_cents(order.total_cents)
    fields = {
        "Name": order.name,
        "Email": order.email_text,
        "Financial Status": "refunded" if order.refunded else "paid",
        "Paid at": shopify_time(order.at + timedelta(seconds=2)),
        "Fulfillment Status": "fulfilled" if fulfilled else "unfulfilled",
        "Fulfilled at": shopify_time(shipped_at) if fulfilled else "",
        "Accepts Marketing": "yes" if order.accepts_marketing else "no",
        "Currency": "USD",
        "Subtotal": format_cents(order.subtotal_cents),
        "Shipping": format_cents(order.shipping_cents),
        "Taxes": format_cents(order.tax_cents),
        "Total": total,
        "Discount Amount": "0.00",
        "Shipping Method": "" if order.source == "pos" else "Standard",
        "Created at": shopify_time(order.at),
        "Lineitem fulfillment status": "fulfilled" if fulfilled else "pending",
        "Billing Name": person.name,
        "Billing Country": "US",
        "Payment Method": "Cash" if order.source == "pos" else "Shopify Payments",
        "Refunded Amount": total if order.refunded else "0.00",
        "Outstanding Balance": "0.00",
        "Employee": STORE_EMPLOYEES[person.index % 2] if order.source == "pos" else "",
        "Location": STORE_LOCATION if order.source == "pos" else "",
        "Id": order.order_id,
        "Risk Level": "Low",
        "Source": order.source,
        "Tax 1 Name": "Sales Tax 8.25%",
        "Tax 1 Value": format_cents(order.tax_cents),
    }
    if order.source == "web":
        fields["Shipping Name"] = person.name
        fields["Shipping Country"] = "US"
    fields[order.phone_column] = order.phone_text
    return fields
