"""Tests for the benchmark's added day of landing files."""

import json
from pathlib import Path

from benchmarks.run import add_next_day


def test_add_next_day_shifts_last_day(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for folder in ("web", "email"):
        (landing / folder).mkdir(parents=True)
    (landing / "landing.yml").write_text("sources: []\n", encoding="utf-8")
    web_line = {
        "messageId": "m1",
        "timestamp": "2026-11-30T23:59:00.000Z",
        "receivedAt": "2026-12-01T00:00:01.000Z",
    }
    (landing / "web" / "events_20261130.jsonl").write_text(
        json.dumps(web_line, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    (landing / "email" / "events_20261130.jsonl").write_text(
        '{"eventName":"emailSend","dataFields":{"createdAt":"2026-11-30 14:00:00 +00:00",'
        '"messageId":"abc"}}\n',
        encoding="utf-8",
    )

    add_next_day(landing, tmp_path / "next")

    web = json.loads((tmp_path / "next" / "web" / "events_20261201.jsonl").read_text())
    assert web["messageId"] == "next-m1"
    assert web["timestamp"] == "2026-12-01T23:59:00.000Z"
    assert web["receivedAt"] == "2026-12-02T00:00:01.000Z"
    email = json.loads((tmp_path / "next" / "email" / "events_20261201.jsonl").read_text())
    assert email["dataFields"]["createdAt"] == "2026-12-01 14:00:00 +00:00"
    assert email["dataFields"]["messageId"] == "next-abc"
    # The landing folder itself is unchanged.
    assert not (landing / "web" / "events_20261201.jsonl").exists()
    assert (tmp_path / "next" / "landing.yml").read_text() == "sources: []\n"
