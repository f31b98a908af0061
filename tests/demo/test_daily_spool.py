"""Tests for DailyJsonlSpool: day files, delivery order and the bounded buffer."""

import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from orchestration.demo.formats import Window
from orchestration.demo.landing_files import DailyJsonlSpool, Delivery

WINDOW = Window(start_date=date(2026, 3, 1), end_date=date(2026, 3, 3))


def _at(day: int, hour: int, millisecond: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, 0, 0, millisecond * 1000, tzinfo=UTC)


# Added in this order. "c" and "d" share an instant, so they keep the order they were
# added in. "b" is a day-2 delivery added before the day-1 ones.
DELIVERIES = [
    Delivery(_at(1, 10, 500), {"id": "a"}),
    Delivery(_at(2, 8), {"id": "b"}),
    Delivery(_at(1, 9), {"id": "c", "text": "ü"}),
    Delivery(_at(1, 9), {"id": "d"}),
    Delivery(_at(1, 9, 1), {"id": "e"}),
]
EXPECTED = {
    "web/events_20260301.jsonl": '{"id":"c","text":"ü"}\n{"id":"d"}\n{"id":"e"}\n{"id":"a"}\n',
    "web/events_20260302.jsonl": '{"id":"b"}\n',
    "web/events_20260303.jsonl": "",
}


@pytest.mark.parametrize("buffer_chars", [1, 10_000], ids=["flush-every-add", "one-flush"])
def test_spool_sorts_each_day(tmp_path: Path, buffer_chars: int) -> None:
    spool = DailyJsonlSpool(tmp_path / "spool", "web", WINDOW, buffer_chars=buffer_chars)
    for delivery in DELIVERIES:
        spool.add([delivery])
    counts = spool.write(tmp_path / "out")
    assert counts == {
        "web/events_20260301.jsonl": 4,
        "web/events_20260302.jsonl": 1,
        "web/events_20260303.jsonl": 0,
    }
    for relative, text in EXPECTED.items():
        assert (tmp_path / "out" / relative).read_text(encoding="utf-8") == text, relative
    assert list((tmp_path / "spool" / "web").iterdir()) == []


def test_spool_finish_line_before_malformed(tmp_path: Path) -> None:
    spool = DailyJsonlSpool(tmp_path / "spool", "web", WINDOW)
    spool.add([Delivery(_at(3, 1), {"order_id": "@@1@@"})])
    # Rate 1.0 cuts every line at randrange(10, len(line) - 1) of the finished line.
    counts = spool.write(
        tmp_path / "out", 1.0, random.Random(5), lambda line: line.replace("@@1@@", "123456")
    )
    finished = '{"order_id":"123456"}'
    cut = random.Random(5)
    cut.random()
    expected = finished[: cut.randrange(10, len(finished) - 1)] + "\n"
    assert counts["web/events_20260303.jsonl"] == 1
    assert (tmp_path / "out" / "web/events_20260303.jsonl").read_text() == expected
