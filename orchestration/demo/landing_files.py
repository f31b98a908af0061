"""Writers for landing files: daily JSON-lines files with delivery faults, and CSV files."""

import copy
import csv
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from orchestration.demo.formats import Window


@dataclass
class Delivery:
    """One JSON object and the UTC instant the collector received it, which picks its file."""

    delivered_at: datetime
    payload: dict


# Rewrites a payload delivered again at a new instant, e.g. to update ``receivedAt``.
Redeliver = Callable[[dict, datetime], dict]


def _keep_payload(payload: dict, delivered_at: datetime) -> dict:
    return payload


def add_delivery_faults(
    deliveries: list[Delivery],
    window: Window,
    rng: random.Random,
    duplicate_rate: float,
    late_rate: float,
    redeliver: Redeliver = _keep_payload,
) -> list[Delivery]:
    """Return the deliveries with some moved to the next day and some delivered twice.

    A late delivery moves to a random time on the next UTC day, so it lands in the next
    day's file. A duplicate repeats the payload within minutes (same file, usually) or,
    for 30 % of duplicates, on the next day. Nothing moves past the window's last day.
    """
    result: list[Delivery] = []
    for delivery in deliveries:
        if rng.random() < late_rate:
            moved = _next_day(delivery.delivered_at, rng)
            if window.contains(moved):
                delivery = Delivery(moved, redeliver(delivery.payload, moved))
        result.append(delivery)
        if rng.random() < duplicate_rate:
            if rng.random() < 0.3:
                again = _next_day(delivery.delivered_at, rng)
            else:
                again = delivery.delivered_at + timedelta(milliseconds=rng.randrange(1, 300_000))
            if window.contains(again):
                payload = redeliver(copy.deepcopy(delivery.payload), again)
                result.append(Delivery(again, payload))
    return result


def _next_day(instant: datetime, rng: random.Random) -> datetime:
    midnight = instant.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return midnight + timedelta(milliseconds=rng.randrange(0, 6 * 3600 * 1000))


def write_daily_jsonl(
    deliveries: list[Delivery],
    out_dir: Path,
    folder: str,
    window: Window,
    malformed_rate: float = 0.0,
    malformed_rng: random.Random | None = None,
) -> dict[str, int]:
    """Write ``folder/events_YYYYMMDD.jsonl`` per delivery day and return lines per file.

    Lines within a file are in delivery order. With ``malformed_rate`` above zero, that
    share of lines is cut short inside the object, so the line is no longer valid JSON.
    Every day in the window gets a file, empty when nothing was delivered that day.
    """
    by_day: dict[str, list[Delivery]] = {day.strftime("%Y%m%d"): [] for day in window.dates()}
    for delivery in deliveries:
        by_day[delivery.delivered_at.strftime("%Y%m%d")].append(delivery)
    (out_dir / folder).mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for day, day_deliveries in by_day.items():
        day_deliveries.sort(key=lambda delivery: delivery.delivered_at)
        relative = f"{folder}/events_{day}.jsonl"
        with open(out_dir / relative, "w", encoding="utf-8", newline="\n") as handle:
            for delivery in day_deliveries:
                line = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
                if malformed_rng is not None and malformed_rng.random() < malformed_rate:
                    line = line[: malformed_rng.randrange(10, len(line) - 1)]
                handle.write(line + "\n")
        counts[relative] = len(day_deliveries)
    return counts


def write_csv(
    out_dir: Path, relative: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> dict[str, int]:
    """Write a CSV with LF line ends and minimal quoting, and return its data row count."""
    path = out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            if len(row) != len(header):
                raise ValueError(f"{relative}: row has {len(row)} fields, header has {len(header)}")
            writer.writerow(row)
            count += 1
    return {relative: count}
