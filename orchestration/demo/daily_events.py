"""Web and email events, simulated in small steps and spooled to the daily files.

Each email webhook and each person's web sessions become JSON lines as soon as they
are made, and ``DailyJsonlSpool`` sorts one day at a time. So memory grows with the
people, orders and email visits, not with the events. The random draws happen in the same
order as when every event is first held in one list, so the files are the same.
"""

import random
import re
from collections.abc import Callable

from orchestration.demo.arrivals import Arrival, plan_arrivals
from orchestration.demo.catalog import AdCampaign, EmailCampaign
from orchestration.demo.email_events import EmailActivity, simulate_email
from orchestration.demo.formats import Window
from orchestration.demo.landing_files import DailyJsonlSpool, Delivery, add_delivery_faults
from orchestration.demo.orders import Order
from orchestration.demo.people import Person
from orchestration.demo.web_sessions import WebActivity, redeliver_web_event, simulate_sessions

# Marks the place of an order id in a spooled ``Order Completed`` line, because ids are
# numbered in time order across every order, which is known only after all sessions.
_ORDER_ID_PLACEHOLDER = re.compile(r"@@order-(\d+)@@")


def spool_email_events(
    people: list[Person],
    campaigns: list[EmailCampaign],
    window: Window,
    spool: DailyJsonlSpool,
    rng: random.Random,
    faults_rng: random.Random,
    duplicate_rate: float,
    late_rate: float,
) -> EmailActivity:
    """Simulate the email campaigns into ``spool`` and return the site visits they start."""

    def deliver(delivery: Delivery) -> None:
        spool.add(add_delivery_faults([delivery], window, faults_rng, duplicate_rate, late_rate))

    return simulate_email(people, campaigns, window, rng, deliver)


def spool_web_events(
    people: list[Person],
    campaigns: list[AdCampaign],
    email_visits: list[Arrival],
    window: Window,
    spool: DailyJsonlSpool,
    rngs: tuple[random.Random, random.Random, random.Random],
    duplicate_rate: float,
    late_rate: float,
) -> WebActivity:
    """Simulate each person's visits into ``spool`` and return the orders and ad sessions.

    ``rngs`` draw the arrivals, the sessions and the delivery faults. The returned
    activity has no deliveries. Its orders have placeholder ids in the spooled lines,
    so pass ``order_id_filler(activity.orders)`` to ``spool.write`` after
    ``assign_order_ids`` has numbered them.
    """
    arrivals_rng, sessions_rng, faults_rng = rngs
    visits_by_person: dict[int, list[Arrival]] = {}
    for visit in email_visits:
        visits_by_person.setdefault(visit.person.index, []).append(visit)
    web = WebActivity()
    for person in people:
        arrivals = plan_arrivals([person], campaigns, window, arrivals_rng)
        arrivals += visits_by_person.pop(person.index, [])
        activity = simulate_sessions(arrivals, sessions_rng)
        for order in activity.orders:
            if order.event_properties is not None:
                order.event_properties["order_id"] = f"@@order-{len(web.orders)}@@"
            web.orders.append(order)
        web.ad_sessions.update(activity.ad_sessions)
        spool.add(add_delivery_faults(activity.deliveries, window, faults_rng, duplicate_rate,
                                      late_rate, redeliver_web_event))  # fmt: skip
        # The spooled lines contain the properties now, and assign_order_ids skips None.
        for order in activity.orders:
            order.event_properties = None
    return web


def order_id_filler(web_orders: list[Order]) -> Callable[[str], str]:
    """Return a line rewriter that puts each web order's assigned id in place of its placeholder."""

    def fill(line: str) -> str:
        if "@@order-" not in line:
            return line
        return _ORDER_ID_PLACEHOLDER.sub(lambda match: web_orders[int(match[1])].order_id, line)

    return fill
