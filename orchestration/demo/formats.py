"""Generation window and the text each exporting tool writes for times, money and phones.

All instants inside the generator are timezone-aware UTC datetimes with whole
milliseconds, and amounts are integer cents. The functions here turn them into the
exact text of one export.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Window:
    """Days ``start_date`` .. ``end_date`` inclusive, as the UTC range [start, end)."""

    start_date: date
    end_date: date

    @classmethod
    def ending(cls, end_date: date, days: int) -> "Window":
        return cls(start_date=end_date - timedelta(days=days - 1), end_date=end_date)

    @property
    def start(self) -> datetime:
        return datetime(
            self.start_date.year, self.start_date.month, self.start_date.day, tzinfo=UTC
        )

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def dates(self) -> list[date]:
        return [self.start_date + timedelta(days=offset) for offset in range(self.days)]

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def iso_with_offset(instant: datetime, offset_minutes: int) -> str:
    """Format as ISO 8601 with milliseconds, e.g. ``2026-11-03T09:15:00.123-05:00``.

    A zero offset is written as ``Z``, the way JavaScript's ``toISOString`` does.
    """
    if offset_minutes == 0:
        return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    zone = timezone(timedelta(minutes=offset_minutes))
    return instant.astimezone(zone).isoformat(timespec="milliseconds")


def iterable_time(instant: datetime) -> str:
    """Format like Iterable's ``createdAt``: ``2026-11-03 09:15:00 +00:00``."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +00:00")


def twitter_time(instant: datetime) -> str:
    """Format like the Twitter API's ``created_at``: ``Wed Oct 11 06:55:44 +0000 2017``.

    Day and month names come from fixed English tables, so the process locale
    does not change the output.
    """
    utc = instant.astimezone(UTC)
    weekday = _WEEKDAYS[utc.weekday()]
    month = _MONTHS[utc.month - 1]
    return f"{weekday} {month} {utc.day:02d} {utc:%H:%M:%S} +0000 {utc.year}"


def zendesk_time(instant: datetime) -> str:
    """Format like Fivetran's Zendesk timestamps: UTC without a zone, ``2026-11-03 09:15:00``."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def fivetran_synced(instant: datetime) -> str:
    """Format like Fivetran's ``_fivetran_synced``: ``2026-12-01 03:12:44.123``."""
    return instant.astimezone(UTC).isoformat(sep=" ", timespec="milliseconds")[:23]


def _first_sunday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7)


def new_york_offset_minutes(instant: datetime) -> int:
    """Return the America/New_York UTC offset at an instant: -240 in summer time, else -300.

    Applies the US rule in force since 2007: summer time runs from 02:00 local on the
    second Sunday of March to 02:00 local on the first Sunday of November. Computed here
    rather than read from tzdata so the output is the same on machines without it.
    """
    year = instant.astimezone(UTC).year
    march_start = _first_sunday(year, 3) + timedelta(days=7)
    november_end = _first_sunday(year, 11)
    # 02:00 EST is 07:00 UTC, and 02:00 EDT is 06:00 UTC.
    summer_start = datetime(march_start.year, 3, march_start.day, 7, tzinfo=UTC)
    summer_end = datetime(november_end.year, 11, november_end.day, 6, tzinfo=UTC)
    return -240 if summer_start <= instant < summer_end else -300


def shopify_time(instant: datetime) -> str:
    """Format like Shopify's orders export in a New York shop: ``2026-11-03 10:37:33 -0500``."""
    zone = timezone(timedelta(minutes=new_york_offset_minutes(instant)))
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %z")


def format_cents(cents: int) -> str:
    """Format integer cents as a decimal amount with two places, e.g. ``1299.00``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def phone_national(e164: str) -> str:
    """Reformat a ``+1NNNNNNNNNN`` number in US national style, e.g. ``(212) 555-0134``."""
    digits = e164.removeprefix("+1")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
