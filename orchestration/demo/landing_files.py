"""Writers for landing files: daily JSON-lines files with delivery faults, and CSV files."""

import copy
import csv
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestration.demo.formats import Window

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Digits of the microsecond sort key of a spooled line, enough for instants up to 2286.
_SORT_KEY_WIDTH = 16


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


class DailyJsonlSpool:
    """Collect deliveries for ``folder/events_YYYYMMDD.jsonl`` with bounded memory.

    ``add`` turns each payload into its JSON line at once and buffers the lines per
    delivery day. When the buffer passes ``buffer_chars``, every day's lines are
    appended to that day's spool file under ``spool_dir``. ``write`` then sorts one
    day at a time, so memory grows with the largest day rather than with the window.
    """

    def __init__(
        self, spool_dir: Path, folder: str, window: Window, buffer_chars: int = 32_000_000
    ) -> None:
        self.spool_dir = spool_dir / folder
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.window = window
        self.buffer_chars = buffer_chars
        self._buffered: dict[str, list[str]] = {}
        self._buffered_chars = 0

    def add(self, deliveries: Iterable[Delivery]) -> None:
        for delivery in deliveries:
            line = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
            # A fixed-width count of microseconds sorts as the instants do, and a day's
            # lines are sorted by it alone, so lines delivered at the same instant keep
            # the order in which they were added.
            micros = (delivery.delivered_at - _EPOCH) // timedelta(microseconds=1)
            entry = f"{micros:0{_SORT_KEY_WIDTH}d}\t{line}\n"
            self._buffered.setdefault(delivery.delivered_at.strftime("%Y%m%d"), []).append(entry)
            self._buffered_chars += len(entry)
        if self._buffered_chars > self.buffer_chars:
            self._flush()

    def _flush(self) -> None:
        for day, entries in self._buffered.items():
            with open(self.spool_dir / day, "a", encoding="utf-8", newline="\n") as handle:
                handle.writelines(entries)
        self._buffered = {}
        self._buffered_chars = 0

    def write(
        self,
        out_dir: Path,
        malformed_rate: float = 0.0,
        malformed_rng: random.Random | None = None,
        finish_line: Callable[[str], str] | None = None,
    ) -> dict[str, int]:
        """Write one file per day of the window and return lines per file.

        Lines within a file are in delivery order. ``finish_line`` rewrites each JSON
        line before it is written, e.g. to fill in a value known only at the end. With
        ``malformed_rate`` above zero, that share of lines is then cut short inside the
        object, so the line is no longer valid JSON. Every day in the window gets a
        file, empty when nothing was delivered that day.
        """
        self._flush()
        (out_dir / self.folder).mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}
        for day in (day.strftime("%Y%m%d") for day in self.window.dates()):
            spooled = self.spool_dir / day
            entries: list[str] = []
            if spooled.exists():
                with open(spooled, encoding="utf-8", newline="\n") as handle:
                    entries = handle.readlines()
                spooled.unlink()
            entries.sort(key=lambda entry: entry[:_SORT_KEY_WIDTH])
            relative = f"{self.folder}/events_{day}.jsonl"
            with open(out_dir / relative, "w", encoding="utf-8", newline="\n") as handle:
                for entry in entries:
                    line = entry[_SORT_KEY_WIDTH + 1 : -1]
                    if finish_line is not None:
                        line = finish_line(line)
                    if malformed_rng is not None and malformed_rng.random() < malformed_rate:
                        line = line[: malformed_rng.randrange(10, len(line) - 1)]
                    handle.write(line + "\n")
            counts[relative] = len(entries)
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
