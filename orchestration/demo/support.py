"""Help-desk tickets after purchases, in Fivetran's Zendesk ``ticket``, ``user`` and
``ticket_field_history`` tables.

Tickets arrive by web form, email, chat or Twitter. A Twitter ticket starts from the
customer's tweet at the brand, and ``via_source_from_address`` contains the ``@handle``.
The requester's user row has the phone an agent collected but no email. The field
history has every status change, and for solved and closed tickets the satisfaction
survey: ``offered`` at the solve, then ``good`` or ``bad`` when the customer answers.
Timestamps are UTC without a zone, as Fivetran writes them.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from orchestration.demo.catalog import SUPPORT_EMAIL, SUPPORT_HANDLE
from orchestration.demo.formats import Window, fivetran_synced, zendesk_time
from orchestration.demo.landing_files import write_csv
from orchestration.demo.orders import Order
from orchestration.demo.people import Person, messy_email
from orchestration.demo.social import Tweet, build_thread, complaint_text

TICKET_RATE = 0.10  # share of orders followed by a ticket
# Shares of solved or closed tickets whose survey is answered good, and bad. The
# other ones keep the survey offered without an answer.
SURVEY_GOOD_RATE = 0.45
SURVEY_BAD_RATE = 0.15
MESSY_EMAIL_RATE = 0.03  # share of user rows whose email has upper case or spaces
FIRST_TICKET_ID = 10_001
BRAND_ID = "360009876543"
GROUP_ID = "360011223344"
TICKET_FORM_ID = "360002048693"
ZENDESK_URL = "https://rightpath.zendesk.com/api/v2"
AGENTS = (("381000000001", "Kim Morgan"), ("381000000002", "Jay Torres"))
SUBJECTS = (
    "Where is my order {order}?",
    "Item damaged in order {order}",
    "Return request for order {order}",
    "Wrong size in order {order}",
    "Refund status for order {order}",
)
TICKET_HEADER = (
    "id", "_fivetran_synced", "allow_channelback", "assignee_id", "brand_id", "created_at",
    "description", "due_at", "external_id", "forum_topic_id", "group_id", "has_incidents",
    "is_public", "organization_id", "priority", "problem_id", "recipient", "requester_id",
    "status", "subject", "submitter_id", "system_client", "ticket_form_id", "type",
    "updated_at", "url", "via_channel", "via_source_from_id", "via_source_from_title",
    "via_source_rel", "via_source_to_address", "via_source_to_name", "merged_ticket_ids",
    "via_source_from_address", "followup_ids", "via_followup_source_id",
)  # fmt: skip
FIELD_HISTORY_HEADER = (
    "field_name", "ticket_id", "updated", "_fivetran_synced", "user_id", "value",
)  # fmt: skip
USER_HEADER = (
    "id", "_fivetran_synced", "active", "alias", "authenticity_token", "chat_only",
    "created_at", "details", "email", "external_id", "last_login_at", "locale", "locale_id",
    "moderator", "name", "notes", "only_private_comments", "organization_id", "phone",
    "remote_photo_url", "restricted_agent", "role", "shared", "shared_agent", "signature",
    "suspended", "ticket_restriction", "time_zone", "two_factor_auth_enabled", "updated_at",
    "url", "verified",
)  # fmt: skip


@dataclass
class Ticket:
    person: Person
    order: Order
    at: datetime
    via_channel: str  # web | email | chat | twitter
    subject: str
    ticket_id: str = ""


@dataclass
class SupportActivity:
    tickets: list[Ticket]
    tweets: list[Tweet]


def plan_tickets(orders: list[Order], window: Window, rng: random.Random) -> SupportActivity:
    """Open tickets for some orders, each Twitter ticket with its tweet thread."""
    tickets: list[Ticket] = []
    tweets: list[Tweet] = []
    latest = window.end - timedelta(minutes=30)
    for order in orders:
        person = order.person
        if person.kind == "chain":
            # The chain person always complains on Twitter, within the rest of the window.
            delay = min(timedelta(hours=20), (window.end - order.at) / 3)
            channel = "twitter"
        elif rng.random() < TICKET_RATE:
            delay = timedelta(seconds=rng.randrange(6 * 3600, 7 * 86_400))
            channel = _pick_channel(person, rng)
        else:
            continue
        at = order.at + delay
        if channel is None or at >= latest:
            continue
        subject = rng.choice(SUBJECTS).format(order=order.name)
        if channel == "twitter":
            thread = build_thread(person, complaint_text(order, rng), at, window, rng, True)
            tweets.extend(thread)
            at += timedelta(seconds=rng.randrange(60, 600))
        tickets.append(Ticket(person, order, at, channel, subject))
    tickets.sort(key=lambda ticket: ticket.at)
    for position, ticket in enumerate(tickets):
        ticket.ticket_id = str(FIRST_TICKET_ID + position)
    return SupportActivity(tickets, tweets)


def _pick_channel(person: Person, rng: random.Random) -> str | None:
    channels: list[str] = []
    weights: list[int] = []
    if person.email is not None:
        channels += ["web", "email", "chat"]
        weights += [35, 35, 30]
    if person.handle is not None:
        channels.append("twitter")
        weights.append(40)
    return rng.choices(channels, weights)[0] if channels else None


def write_zendesk(
    tickets: list[Ticket], out_dir: Path, window: Window, rng: random.Random
) -> dict[str, int]:
    """Write the Zendesk ``ticket``, ``user`` and ``ticket_field_history`` CSVs in ``support/``."""
    synced = fivetran_synced(window.end + timedelta(hours=3, minutes=12))
    users: dict[int, dict[str, str]] = {}
    ticket_rows = []
    history_rows: list[list[str]] = []
    for ticket in tickets:
        user = users.get(ticket.person.index)
        if user is None:
            user = _new_user(ticket, synced, rng)
            users[ticket.person.index] = user
        if ticket.via_channel != "twitter" and not user["email"]:
            email = ticket.person.email or ""
            user["email"] = messy_email(rng, email) if rng.random() < MESSY_EMAIL_RATE else email
        ticket_row, changes = _ticket_row(ticket, user, synced, window, rng)
        ticket_rows.append(ticket_row)
        history_rows += [
            [field_name, ticket.ticket_id, zendesk_time(at), synced, "", value]
            for field_name, at, value in changes
        ]
    user_rows = [_agent_row(agent_id, name, synced) for agent_id, name in AGENTS]
    user_rows += [[user.get(column, "") for column in USER_HEADER] for user in users.values()]
    counts = write_csv(out_dir, "support/ticket_data.csv", TICKET_HEADER, ticket_rows)
    counts.update(write_csv(out_dir, "support/user_data.csv", USER_HEADER, user_rows))
    counts.update(
        write_csv(
            out_dir, "support/ticket_field_history_data.csv", FIELD_HISTORY_HEADER, history_rows
        )
    )
    return counts


def _new_user(ticket: Ticket, synced: str, rng: random.Random) -> dict[str, str]:
    person = ticket.person
    user_id = str(392_000_000_000 + person.index * 1000 + rng.randrange(1000))
    created_at = zendesk_time(ticket.at - timedelta(seconds=rng.randrange(5, 120)))
    # Agents add the phone to Twitter requesters when they ask for it in a direct message.
    has_phone = ticket.via_channel == "twitter" or rng.random() < 0.5
    return {
        "id": user_id,
        "_fivetran_synced": synced,
        "active": "TRUE",
        "chat_only": "FALSE",
        "created_at": created_at,
        "email": "",
        "locale": "en-US",
        "locale_id": "1",
        "moderator": "FALSE",
        "name": f"@{person.handle}" if ticket.via_channel == "twitter" else person.name,
        "only_private_comments": "FALSE",
        "phone": (person.phone or "") if has_phone else "",
        "restricted_agent": "TRUE",
        "role": "end-user",
        "shared": "FALSE",
        "shared_agent": "FALSE",
        "suspended": "FALSE",
        "ticket_restriction": "requested",
        "time_zone": "Eastern Time (US & Canada)",
        "two_factor_auth_enabled": "FALSE",
        "updated_at": created_at,
        "url": f"{ZENDESK_URL}/users/{user_id}.json",
        "verified": "FALSE",
    }


def _agent_row(agent_id: str, name: str, synced: str) -> list[str]:
    first = name.split()[0].lower()
    agent = {
        "id": agent_id, "_fivetran_synced": synced, "active": "TRUE", "chat_only": "FALSE",
        "created_at": "2024-03-01 15:00:00", "email": f"{first}@rightpath.example",
        "locale": "en-US", "locale_id": "1", "moderator": "TRUE", "name": name,
        "only_private_comments": "FALSE", "restricted_agent": "FALSE", "role": "agent",
        "shared": "FALSE", "shared_agent": "FALSE", "suspended": "FALSE",
        "ticket_restriction": "", "time_zone": "Eastern Time (US & Canada)",
        "two_factor_auth_enabled": "TRUE", "updated_at": "2024-03-01 15:00:00",
        "url": f"{ZENDESK_URL}/users/{agent_id}.json", "verified": "TRUE",
    }  # fmt: skip
    return [agent.get(column, "") for column in USER_HEADER]


def _ticket_row(
    ticket: Ticket, user: dict[str, str], synced: str, window: Window, rng: random.Random
) -> tuple[list[str], list[tuple[str, datetime, str]]]:
    """Return the ticket row and its field history changes (field, time, value)."""
    age = window.end - ticket.at
    if age < timedelta(days=1):
        status = rng.choice(("new", "open"))
    elif age < timedelta(days=3):
        status = rng.choice(("open", "pending"))
    else:
        status = rng.choice(("solved", "solved", "closed"))
    worked_seconds = min(int(age.total_seconds()) - 1, 3 * 86_400)
    updated_at = ticket.at + timedelta(
        seconds=rng.randrange(min(600, worked_seconds), worked_seconds)
    )
    changes = _history_changes(ticket, status, updated_at, window, rng)
    updated_at = max(updated_at, changes[-1][1])
    channel = ticket.via_channel
    values = {
        "id": ticket.ticket_id,
        "_fivetran_synced": synced,
        "allow_channelback": "TRUE" if channel == "twitter" else "FALSE",
        "assignee_id": "" if status == "new" else rng.choice(AGENTS)[0],
        "brand_id": BRAND_ID,
        "created_at": zendesk_time(ticket.at),
        "description": f"Customer contacted us about order {ticket.order.name}.",
        "group_id": GROUP_ID,
        "has_incidents": "FALSE",
        "is_public": "TRUE",
        "priority": rng.choice(("", "low", "normal", "normal", "high", "urgent")),
        "recipient": SUPPORT_EMAIL if channel == "email" else "",
        "requester_id": user["id"],
        "status": status,
        "subject": ticket.subject,
        "submitter_id": user["id"],
        "ticket_form_id": TICKET_FORM_ID,
        "type": rng.choice(("question", "incident", "problem", "")),
        "updated_at": zendesk_time(updated_at),
        "url": f"{ZENDESK_URL}/tickets/{ticket.ticket_id}.json",
        "via_channel": channel,
        "merged_ticket_ids": "[]",
        "followup_ids": "[]",
    }
    if channel == "email":
        values["via_source_from_address"] = ticket.person.email or ""
        values["via_source_to_address"] = SUPPORT_EMAIL
        values["via_source_to_name"] = "Support"
    elif channel == "twitter":
        values["via_source_from_address"] = f"@{ticket.person.handle}"
        values["via_source_from_title"] = ticket.person.name
        values["via_source_rel"] = "mention"
        values["via_source_to_address"] = f"@{SUPPORT_HANDLE}"
    return [values.get(column, "") for column in TICKET_HEADER], changes


def _history_changes(
    ticket: Ticket, status: str, updated_at: datetime, window: Window, rng: random.Random
) -> list[tuple[str, datetime, str]]:
    """Return the status changes up to `status` at `updated_at`, and the survey, in time order.

    A closed ticket was solved between an hour and a day before it closed.
    """
    changes = [("status", ticket.at, "new")]
    if status == "new":
        return changes
    first_reply = ticket.at + (updated_at - ticket.at) / 4
    changes.append(("status", first_reply, "open"))
    if status in ("open", "pending"):
        if status == "pending":
            changes.append(("status", updated_at, "pending"))
        return changes
    solved_at = updated_at
    if status == "closed":
        solved_at = max(first_reply, updated_at - timedelta(seconds=rng.randrange(3600, 86_400)))
    changes.append(("status", solved_at, "solved"))
    changes.append(("satisfaction_score", solved_at, "offered"))
    draw = rng.random()
    answered_at = solved_at + timedelta(seconds=rng.randrange(600, 6 * 3600))
    if answered_at < window.end and draw < SURVEY_GOOD_RATE + SURVEY_BAD_RATE:
        answer = "good" if draw < SURVEY_GOOD_RATE else "bad"
        changes.append(("satisfaction_score", answered_at, answer))
    if status == "closed":
        changes.append(("status", updated_at, "closed"))
    return sorted(changes, key=lambda change: change[1])
