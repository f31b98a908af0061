"""Tests for the demo landing-file generator: determinism, layout, formats and identities."""

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from orchestration.demo.generate import generate, main
from orchestration.demo.people import build_people

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REAL_SAMPLES = PROJECT_ROOT.parent / "shared" / "data" / "real"
END_DATE = date(2026, 11, 30)
# Formats each channel may use, from the formats table in docs/landing.md.
CHANNEL_FORMATS = {
    "web": {"segment_jsonl", "snowplow_csv"},
    "email": {"iterable_webhook", "customerio_webhook", "mailjet_webhook"},
    "social": {"twcs_csv"},
    "support": {"zendesk_fivetran"},
    "orders": {"shopify_orders_csv", "olist_csv"},
    "ads": {"google_ads_fivetran", "facebook_ads_fivetran"},
}
# Generated CSV file and the real export sample whose header it must repeat.
CSV_SAMPLES = {
    "social/tweets.csv": "twcs_kaggle_sample/sample.csv",
    "support/ticket_data.csv": "zendesk_fivetran/ticket_data.csv",
    "support/user_data.csv": "zendesk_fivetran/user_data.csv",
    "support/ticket_field_history_data.csv": "zendesk_fivetran/ticket_field_history_data.csv",
    "orders/orders_export_1.csv": "shopify_orders_export/orders_export_1.csv",
    "ads/campaign_stats_data.csv": "google_ads_fivetran/campaign_stats_data.csv",
    "ads/campaign_history_data.csv": "google_ads_fivetran/campaign_history_data.csv",
    "ads/facebook_ads_basic_ad_data.csv": "facebook_ads_fivetran/facebook_ads_basic_ad_data.csv",
    "ads/facebook_ads_ad_history_data.csv":
        "facebook_ads_fivetran/facebook_ads_ad_history_data.csv",
    "ads/facebook_ads_ad_set_history_data.csv":
        "facebook_ads_fivetran/facebook_ads_ad_set_history_data.csv",
    "ads/facebook_ads_campaign_history_data.csv":
        "facebook_ads_fivetran/facebook_ads_campaign_history_data.csv",
}  # fmt: skip


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _json_lines(root: Path, folder: str) -> list[dict]:
    """Return the parseable JSON objects of every daily file in ``folder``, in file order."""
    records = []
    for path in sorted((root / folder).glob("events_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            record["_file"] = path.name
            records.append(record)
    return records


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


@pytest.fixture(scope="module")
def medium_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out_dir = tmp_path_factory.mktemp("medium")
    counts = generate(out_dir, customers=300, days=20, seed=11, end_date=END_DATE)
    return out_dir, counts


# (seed, days) of the five-person runs: the chain of identifiers must fit any window.
TINY_RUNS = [(7, 3), (1, 1), (12, 2)]


@pytest.fixture(scope="module", params=TINY_RUNS, ids=lambda run: f"seed{run[0]}-days{run[1]}")
def tiny_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int]:
    seed, days = request.param
    out_dir = tmp_path_factory.mktemp("tiny")
    generate(out_dir, customers=5, days=days, seed=seed, end_date=END_DATE, malformed_rate=0.0)
    return out_dir, seed


def test_same_seed_identical_files(tmp_path: Path) -> None:
    first = _files_after_generate(tmp_path / "first", seed=3)
    second = _files_after_generate(tmp_path / "second", seed=3)
    assert list(first) == list(second)
    for name in first:
        assert first[name] == second[name], f"{name} differs between runs with the same seed"


def test_different_seed_differs(tmp_path: Path) -> None:
    first = _files_after_generate(tmp_path / "first", seed=3)
    other = _files_after_generate(tmp_path / "other", seed=4)
    assert first["web/events_20261130.jsonl"] != other["web/events_20261130.jsonl"]
    assert first["orders/orders_export_1.csv"] != other["orders/orders_export_1.csv"]


def _files_after_generate(out_dir: Path, seed: int) -> dict[str, bytes]:
    generate(out_dir, customers=60, days=7, seed=seed, end_date=END_DATE)
    return _files(out_dir)


def test_counts_match_files(medium_run: tuple[Path, dict[str, int]]) -> None:
    out_dir, counts = medium_run
    written = set(_files(out_dir)) - {"landing.yml"}
    assert set(counts) == written
    for relative, records in counts.items():
        path = out_dir / relative
        if path.suffix == ".jsonl":
            assert len(path.read_text(encoding="utf-8").splitlines()) == records, relative
        else:
            assert len(_csv_rows(path)) == records, relative


def test_landing_config_lists_every_file(medium_run: tuple[Path, dict[str, int]]) -> None:
    out_dir, _ = medium_run
    config = yaml.safe_load((out_dir / "landing.yml").read_text(encoding="utf-8"))
    listed: set[str] = set()
    for source in config["sources"]:
        assert source["format"] in CHANNEL_FORMATS[source["channel"]], source
        matches = {path.relative_to(out_dir).as_posix() for path in out_dir.glob(source["path"])}
        assert matches, f"no file matches {source['path']}"
        listed |= matches
        for companion in source.get("options", {}).values():
            assert (out_dir / companion).is_file(), companion
            listed.add(companion)
    assert listed == set(_files(out_dir)) - {"landing.yml"}


def test_rerun_removes_stale_daily_files(tmp_path: Path) -> None:
    generate(tmp_path, customers=20, days=5, seed=1, end_date=END_DATE)
    generate(tmp_path, customers=20, days=2, seed=1, end_date=END_DATE)
    web_files = sorted(path.name for path in (tmp_path / "web").iterdir())
    assert web_files == ["events_20261129.jsonl", "events_20261130.jsonl"]


@pytest.mark.parametrize("generated, sample", sorted(CSV_SAMPLES.items()))
def test_csv_header_matches_sample(
    medium_run: tuple[Path, dict[str, int]], generated: str, sample: str
) -> None:
    sample_path = REAL_SAMPLES / sample
    if not sample_path.is_file():
        pytest.skip(f"real export sample not found at {sample_path}, so no header to compare")
    out_dir, _ = medium_run
    assert _header(out_dir / generated) == _header(sample_path)


def test_json_keys_match_samples(medium_run: tuple[Path, dict[str, int]]) -> None:
    web_sample = REAL_SAMPLES / "rudderstack_spec_events" / "events.jsonl"
    email_sample = (
        REAL_SAMPLES / "email_webhooks_iterable_customerio_mailjet" / "iterable_webhook_events.json"
    )
    if not web_sample.is_file() or not email_sample.is_file():
        pytest.skip(f"real export samples not found under {REAL_SAMPLES}, so no keys to compare")
    out_dir, _ = medium_run
    sample_events = [json.loads(line) for line in web_sample.read_text().splitlines()]
    web_keys = {key for event in sample_events for key in event}
    context_keys = {key for event in sample_events for key in event.get("context", {})}
    for event in _json_lines(out_dir, "web"):
        assert set(event) - {"_file"} <= web_keys, event["messageId"]
        assert set(event["context"]) <= context_keys, event["messageId"]
    sample_webhooks = json.loads(email_sample.read_text())
    email_keys = {key for webhook in sample_webhooks for key in webhook}
    data_field_keys = {key for webhook in sample_webhooks for key in webhook.get("dataFields", {})}
    for webhook in _json_lines(out_dir, "email"):
        assert set(webhook) - {"_file"} <= email_keys
        assert set(webhook["dataFields"]) <= data_field_keys


def test_web_events_have_delivery_faults(medium_run: tuple[Path, dict[str, int]]) -> None:
    out_dir, counts = medium_run
    events = _json_lines(out_dir, "web")
    web_lines = sum(records for name, records in counts.items() if name.startswith("web/"))
    assert len(events) < web_lines, "expected some malformed lines"
    message_ids = [event["messageId"] for event in events]
    assert len(set(message_ids)) < len(message_ids), "expected duplicate messageIds"
    late = [
        event
        for event in events
        if "receivedAt" in event
        and datetime.fromisoformat(event["timestamp"]).date()
        < datetime.fromisoformat(event["receivedAt"]).date()
        and event["_file"] == f"events_{event['receivedAt'][:10].replace('-', '')}.jsonl"
    ]
    assert late, "expected events delivered to a later day's file"
    offsets = {event["originalTimestamp"][23:] for event in events}
    assert {"Z", "-05:00", "-08:00"} <= offsets


def test_order_completed_ids_are_shopify_ids(medium_run: tuple[Path, dict[str, int]]) -> None:
    out_dir, _ = medium_run
    shopify_ids = {
        row["Id"]
        for path in sorted((out_dir / "orders").glob("orders_export_*.csv"))
        for row in _csv_rows(path)
        if row["Id"]
    }
    completed = [
        record["properties"]["order_id"]
        for record in _json_lines(out_dir, "web")
        if record.get("event") == "Order Completed"
    ]
    assert completed, "the medium run has no Order Completed event"
    assert all(order_id.isdigit() for order_id in completed), completed[:5]
    assert set(completed) <= shopify_ids


def test_messy_emails_present(medium_run: tuple[Path, dict[str, int]]) -> None:
    out_dir, _ = medium_run
    identify_emails = [
        event["traits"]["email"]
        for event in _json_lines(out_dir, "web")
        if event["type"] == "identify"
    ]
    assert identify_emails
    assert any(email != email.strip().lower() for email in identify_emails)


def test_utm_campaigns_match_ad_campaigns(medium_run: tuple[Path, dict[str, int]]) -> None:
    out_dir, _ = medium_run
    ad_names = {row["name"] for row in _csv_rows(out_dir / "ads/campaign_history_data.csv")}
    ad_names |= {
        row["name"] for row in _csv_rows(out_dir / "ads/facebook_ads_campaign_history_data.csv")
    }
    email_names = {
        webhook["dataFields"]["campaignName"] for webhook in _json_lines(out_dir, "email")
    }
    paid_names = set()
    for event in _json_lines(out_dir, "web"):
        campaign = event["context"].get("campaign")
        if campaign is None:
            continue
        assert f"utm_campaign={campaign['name']}" in event["context"]["page"]["url"]
        if campaign["medium"] in ("cpc", "display", "paid_social"):
            paid_names.add(campaign["name"])
        elif campaign["medium"] == "email":
            assert campaign["name"] in email_names
    assert paid_names
    assert paid_names <= ad_names


def test_tiny_run_order_emails_are_customers(tiny_run: tuple[Path, int]) -> None:
    out_dir, seed = tiny_run
    emails = {person.email for person in build_people(5, seed=seed) if person.email}
    rows = [
        row
        for path in sorted((out_dir / "orders").glob("orders_export_*.csv"))
        for row in _csv_rows(path)
    ]
    assert rows, "the scripted person always orders"
    for row in rows:
        if row["Email"]:
            assert row["Email"].strip().lower() in emails, row["Name"]


def test_tiny_run_identify_links_cookie(tiny_run: tuple[Path, int]) -> None:
    out_dir, seed = tiny_run
    line_count = sum(
        len(path.read_text(encoding="utf-8").splitlines())
        for path in (out_dir / "web").glob("*.jsonl")
    )
    events = _json_lines(out_dir, "web")
    assert len(events) == line_count, "with malformed_rate=0 every line must parse"
    identifies = [event for event in events if event["type"] == "identify"]
    assert identifies
    chain = build_people(5, seed=seed)[0]
    chain_identifies = [event for event in identifies if event["userId"] == chain.user_id]
    assert chain_identifies
    identify = chain_identifies[0]
    assert identify["anonymousId"] == chain.cookies[0]
    assert identify["traits"]["email"].strip().lower() == chain.email
    anonymous_before = [
        event
        for event in events
        if event["anonymousId"] == chain.cookies[0]
        and "userId" not in event
        and event["timestamp"] < identify["timestamp"]
    ]
    assert anonymous_before, "the chain person browses anonymously before logging in"


def test_tiny_run_twitter_ticket_chain(tiny_run: tuple[Path, int]) -> None:
    out_dir, seed = tiny_run
    chain = build_people(5, seed=seed)[0]
    tickets = _csv_rows(out_dir / "support/ticket_data.csv")
    users = {row["id"]: row for row in _csv_rows(out_dir / "support/user_data.csv")}
    tweets = _csv_rows(out_dir / "social/tweets.csv")
    orders = _csv_rows(out_dir / "orders/orders_export_1.csv")
    twitter_tickets = [row for row in tickets if row["via_channel"] == "twitter"]
    chain_tickets = [row for row in twitter_tickets
                     if row["via_source_from_address"] == f"@{chain.handle}"]  # fmt: skip
    assert chain_tickets
    requester = users[chain_tickets[0]["requester_id"]]
    assert requester["phone"] == chain.phone
    order_phones = {row["Phone"] or row["Billing Phone"] for row in orders}
    assert chain.phone in order_phones
    inbound_authors = {row["author_id"] for row in tweets if row["inbound"] == "True"}
    assert chain.handle in inbound_authors


def test_field_history_matches_tickets(medium_run: tuple[Path, dict[str, int]]) -> None:
    out_dir, _ = medium_run
    tickets = {row["id"]: row for row in _csv_rows(out_dir / "support/ticket_data.csv")}
    history = _csv_rows(out_dir / "support/ticket_field_history_data.csv")
    assert {row["ticket_id"] for row in history} == set(tickets)
    ratings = set()
    for ticket_id, ticket in tickets.items():
        changes = sorted(
            (row["updated"], row["field_name"], row["value"])
            for row in history
            if row["ticket_id"] == ticket_id
        )
        statuses = [value for _, field_name, value in changes if field_name == "status"]
        # The first change is the creation, the last one the ticket's status now.
        assert changes[0] == (ticket["created_at"], "status", "new"), ticket_id
        assert statuses[-1] == ticket["status"], ticket_id
        assert changes[-1][0] <= ticket["updated_at"], ticket_id
        survey = [value for _, field_name, value in changes if field_name == "satisfaction_score"]
        if ticket["status"] in ("solved", "closed"):
            assert "solved" in statuses, ticket_id
            assert survey[0] == "offered", ticket_id
            ratings.update(survey[1:])
        else:
            assert survey == [], ticket_id
    assert ratings
    assert ratings <= {"good", "bad"}


def test_invalid_arguments_raise(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="days"):
        generate(tmp_path, customers=5, days=0, seed=1, end_date=END_DATE)
    with pytest.raises(ValueError, match="customers"):
        generate(tmp_path, customers=0, days=1, seed=1, end_date=END_DATE)
    with pytest.raises(ValueError, match="malformed_rate"):
        generate(tmp_path, customers=5, days=1, seed=1, end_date=END_DATE, malformed_rate=2.0)


def test_cli_prints_one_line_per_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    exit_code = main(["--out", str(tmp_path), "--customers", "5", "--days", "2",
                      "--end-date", "2026-11-30", "--malformed-rate", "0"])  # fmt: skip
    assert exit_code == 0
    lines = capsys.readouterr().out.splitlines()
    written = set(_files(tmp_path)) - {"landing.yml"}
    assert len(lines) == len(written)
    assert {line.split("\t")[0] for line in lines} == written


def test_people_beyond_phone_numbers_have_none() -> None:
    # 791 area codes (201 to 999 without 211, 311, ..., 911), 100 numbers each: 79,100.
    count = 79_100 + 500
    people = build_people(count, seed=7)
    phones = [person.phone for person in people if person.phone is not None]

    assert len(phones) == len(set(phones))
    assert all(person.phone is None for person in people[79_100:])
    assert any(person.email is not None for person in people[79_100:])
    assert [person.phone for person in build_people(300, seed=7)] == [
        person.phone for person in people[:300]
    ]
