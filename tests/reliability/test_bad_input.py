"""Malformed, re-encoded, drifting and repeated landing files, loaded with the real loader."""

from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.ingest.landing import load_landing_config
from orchestration.ingest.loader import IngestResult, ingest_table

TWCS_HEADER = "tweet_id,author_id,inbound,created_at,text\n"


def land(folder: Path, files: dict[str, bytes], sources: list[dict]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    config = folder / "landing.yml"
    config.write_text(yaml.safe_dump({"sources": sources}))
    return config


def ingest(conn, config: Path, table: str) -> IngestResult:
    return ingest_table(conn, load_landing_config(config), table)


@pytest.fixture
def conn():
    with duckdb.connect(":memory:") as connection:
        yield connection


def web_source(path: str = "*.jsonl", **options) -> dict:
    entry = {"path": path, "channel": "web", "format": "segment_jsonl"}
    if options:
        entry["options"] = options
    return entry


def social_source(path: str = "*.csv", **options) -> dict:
    entry = {"path": path, "channel": "social", "format": "twcs_csv"}
    if options:
        entry["options"] = options
    return entry


def page(message_id: str, timestamp: str) -> str:
    return f'{{"type": "page", "messageId": "{message_id}", "timestamp": "{timestamp}"}}'


def test_json_trailing_junk_and_truncation_quarantined(conn, tmp_path):
    lines = [
        page("m1", "2025-03-03T09:00:00Z"),
        page("m2", "2025-03-03T09:00:00Z") + " trailing",
        '{"type": "page", "messageId": "m3", "timestamp": "2025-03-',
    ]
    config = land(tmp_path, {"a.jsonl": "\n".join(lines).encode()}, [web_source()])

    result = ingest(conn, config, "web_events")

    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    rows = conn.execute("select _file, _line, reason from raw.quarantine order by _line").fetchall()
    assert [row[:2] for row in rows] == [("a.jsonl", 2), ("a.jsonl", 3)]
    assert all("invalid JSON" in row[2] for row in rows)


def test_csv_embedded_newline_and_quotes(conn, tmp_path):
    text = TWCS_HEADER + '1,ann,True,2025-03-05T15:00:00Z,"line one\nsaid ""hi"", then left"\n'
    text += "2,bob,True,2025-03-05T16:00:00Z,plain\n"
    config = land(tmp_path, {"t.csv": text.encode()}, [social_source()])

    ingest(conn, config, "social_posts")

    rows = conn.execute("select post_id, _line, text from raw.social_posts order by 1").fetchall()
    assert rows == [("1", 1, 'line one\nsaid "hi", then left'), ("2", 2, "plain")]


def test_header_only_and_empty_files(conn, tmp_path, caplog):
    files = {"header.csv": TWCS_HEADER.encode(), "empty.csv": b""}
    sources = [social_source("header.csv"), social_source("empty.csv")]
    config = land(tmp_path, files | {"empty.jsonl": b""}, sources + [web_source("empty.jsonl")])

    social = ingest(conn, config, "social_posts")
    web = ingest(conn, config, "web_events")

    by_file = {file.file: file for file in social.files}
    assert by_file["header.csv"].error is None
    assert by_file["header.csv"].records_landed == 0
    assert "empty.csv" in by_file["empty.csv"].error
    assert "empty" in by_file["empty.csv"].error
    assert web.files[0].records_landed == 0
    assert "contains no records" in caplog.text
    landed = conn.execute(
        "select _file, records_landed from raw.landed_files order by 1"
    ).fetchall()
    assert landed == [("empty.jsonl", 0), ("header.csv", 0)]


def test_latin1_file_rejected_then_loaded_with_option(conn, tmp_path):
    content = (TWCS_HEADER + "1,ann,True,2025-03-05T15:00:00Z,café crème\n").encode("latin-1")
    config = land(tmp_path, {"t.csv": content}, [social_source()])

    rejected = ingest(conn, config, "social_posts")

    error = rejected.files[0].error
    assert "t.csv" in error
    assert "line 2" in error
    assert "0xe9" in error
    assert "encoding: latin-1" in error

    config = land(tmp_path, {}, [social_source(encoding="latin-1")])
    ingest(conn, config, "social_posts")
    assert conn.execute("select text from raw.social_posts").fetchall() == [("café crème",)]


def test_latin1_json_loaded_with_option(conn, tmp_path):
    line = '{"type": "page", "messageId": "m1", "timestamp": "2025-03-03", "name": "Caf\xe9"}'
    config = land(tmp_path, {"a.jsonl": line.encode("latin-1")}, [web_source(encoding="latin1")])

    ingest(conn, config, "web_events")

    assert conn.execute("select event_name from raw.web_events").fetchall() == [("Café",)]


def test_utf8_bom_files_load_first_record(conn, tmp_path):
    bom = b"\xef\xbb\xbf"
    files = {
        "a.jsonl": bom + page("m1", "2025-03-03T09:00:00Z").encode(),
        "t.csv": bom + (TWCS_HEADER + "1,ann,True,2025-03-05T15:00:00Z,hi\n").encode(),
    }
    config = land(tmp_path, files, [web_source(), social_source()])

    web = ingest(conn, config, "web_events")
    social = ingest(conn, config, "social_posts")

    assert (web.rows_loaded, web.rows_quarantined) == (1, 0)
    assert (social.rows_loaded, social.rows_quarantined) == (1, 0)


def test_new_column_loaded(conn, tmp_path, caplog):
    text = "tweet_id,author_id,inbound,created_at,text,sentiment\n"
    text += "1,ann,True,2025-03-05T15:00:00Z,hi,positive\n"
    config = land(tmp_path, {"t.csv": text.encode()}, [social_source()])

    result = ingest(conn, config, "social_posts")

    assert result.rows_loaded == 1
    assert result.files[0].error is None
    assert result.files[0].unmapped_columns == ("sentiment",)
    assert result.unmapped_columns == {"t.csv": ["sentiment"]}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("t.csv" in message and "sentiment" in message for message in warnings)


def test_mapped_csv_columns_not_reported(conn, tmp_path):
    text = TWCS_HEADER.strip() + ",in_response_to_tweet_id\n"
    text += "1,ann,True,2025-03-05T15:00:00Z,hi,\n"
    config = land(tmp_path, {"t.csv": text.encode()}, [social_source()])

    result = ingest(conn, config, "social_posts")

    assert result.files[0].unmapped_columns == ()
    assert result.unmapped_columns == {}


def test_new_json_field_reported(conn, tmp_path, caplog):
    lines = [
        page("m1", "2025-03-03T09:00:00Z"),
        '{"type": "page", "messageId": "m2", "timestamp": "2025-03-03T09:00:00Z",'
        ' "sentAt": "2025-03-03T09:00:01Z", "context": {"locale": "en-US"}}',
    ]
    config = land(tmp_path, {"a.jsonl": "\n".join(lines).encode()}, [web_source()])

    result = ingest(conn, config, "web_events")

    assert result.rows_loaded == 2
    # `context` is mapped (page URL, traits, campaign), so a new key inside it is not reported.
    assert result.files[0].unmapped_columns == ("sentAt",)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("a.jsonl" in message and "sentAt" in message for message in warnings)


def test_shopify_columns_of_either_table_mapped(conn, tmp_path):
    text = (
        "Name,Email,Total,Created at,Lineitem quantity,Lineitem name,Lineitem price,Tags\n"
        "#1,ann@example.com,9.00,2025-03-05 09:00:00,1,Mug,9.00,vip\n"
    )
    source = {"path": "orders.csv", "channel": "orders", "format": "shopify_orders_csv"}
    config = land(tmp_path, {"orders.csv": text.encode()}, [source])

    orders = ingest(conn, config, "orders")
    lines = ingest(conn, config, "order_lines")

    # Lineitem columns feed order_lines and Email feeds orders; only Tags feeds neither.
    assert orders.files[0].unmapped_columns == ("Tags",)
    assert lines.files[0].unmapped_columns == ("Tags",)
    assert (orders.rows_loaded, lines.rows_loaded) == (1, 1)


def test_missing_required_column_skips_only_that_file(conn, tmp_path):
    files = {
        "bad.csv": b"tweet_id,inbound,created_at,text\n1,True,2025-03-05T15:00:00Z,hi\n",
        "good.csv": (TWCS_HEADER + "2,bob,True,2025-03-05T15:00:00Z,hi\n").encode(),
    }
    config = land(tmp_path, files, [social_source()])

    result = ingest(conn, config, "social_posts")

    by_file = {file.file: file for file in result.files}
    assert "bad.csv" in by_file["bad.csv"].error
    assert "'author_id'" in by_file["bad.csv"].error
    assert by_file["good.csv"].rows_loaded == 1
    assert conn.execute("select post_id from raw.social_posts").fetchall() == [("2",)]


def test_ids_stay_text(conn, tmp_path):
    long_id = "123456789012345678901234567890"
    lines = [
        f'{{"type": "page", "messageId": {long_id}, "anonymousId": "007",'
        ' "timestamp": "2025-03-03T09:00:00Z"}',
        '{"type": "page", "messageId": "00042", "anonymousId": 9007199254740993,'
        ' "timestamp": "2025-03-03T09:00:00Z"}',
    ]
    csv_text = (
        TWCS_HEADER
        + f"000123,ann,True,2025-03-05T15:00:00Z,hi\n{long_id},b,True,2025-03-05T15:00:00Z,x\n"
    )
    config = land(
        tmp_path,
        {"a.jsonl": "\n".join(lines).encode(), "t.csv": csv_text.encode()},
        [web_source(), social_source()],
    )

    ingest(conn, config, "web_events")
    ingest(conn, config, "social_posts")

    web = conn.execute(
        "select event_id, anonymous_id from raw.web_events order by _line"
    ).fetchall()
    assert web == [(long_id, "007"), ("00042", "9007199254740993")]
    posts = conn.execute("select post_id from raw.social_posts order by _line").fetchall()
    assert posts == [("000123",), (long_id,)]


@pytest.mark.parametrize(
    ("timestamp", "timezone", "expected_utc"),
    [
        ("2025-03-03T09:00:00+02:00", "America/New_York", "2025-03-03 07:00:00"),
        ("2025-03-03 09:00:00 -0500", "UTC", "2025-03-03 14:00:00"),
        ("2025-03-03 09:00:00", "America/Sao_Paulo", "2025-03-03 12:00:00"),
        ("1741000000", "UTC", "2025-03-03 11:06:40"),
        ("1741000000000", "UTC", "2025-03-03 11:06:40"),
        ("1741000000123", "UTC", "2025-03-03 11:06:40.123"),
        # 02:30 does not exist in New York on 2025-03-09; DuckDB reads it as EST.
        ("2025-03-09 02:30:00", "America/New_York", "2025-03-09 07:30:00"),
        # 01:30 happens twice in New York on 2025-11-02; DuckDB takes EST.
        ("2025-11-02 01:30:00", "America/New_York", "2025-11-02 06:30:00"),
        ("2025-11-02T01:30:00-04:00", "America/New_York", "2025-11-02 05:30:00"),
    ],
)
def test_timestamp_forms(conn, tmp_path, timestamp, timezone, expected_utc):
    config = land(
        tmp_path, {"a.jsonl": page("m1", timestamp).encode()}, [web_source(timezone=timezone)]
    )

    result = ingest(conn, config, "web_events")

    assert result.rows_quarantined == 0
    value = conn.execute("select occurred_at::varchar from raw.web_events").fetchone()[0]
    assert value == expected_utc


def test_epoch_number_in_json(conn, tmp_path):
    line = '{"type": "page", "messageId": "m1", "timestamp": 1741000000}'
    config = land(tmp_path, {"a.jsonl": line.encode()}, [web_source()])

    ingest(conn, config, "web_events")

    value = conn.execute("select occurred_at::varchar from raw.web_events").fetchone()[0]
    assert value == "2025-03-03 11:06:40"


def test_social_text_stored_and_searchable(conn, tmp_path):
    texts = {
        "1": "love it 👩🏽‍💻🎉",
        "2": "שלום עולם مرحبا",
        "3": "cafe\u0301 nai\u0308ve",
    }
    csv_text = TWCS_HEADER + "".join(
        f'{post_id},ann,True,2025-03-05T15:00:00Z,"{text}"\n' for post_id, text in texts.items()
    )
    config = land(tmp_path, {"t.csv": csv_text.encode()}, [social_source()])

    ingest(conn, config, "social_posts")

    stored = dict(conn.execute("select post_id, text from raw.social_posts").fetchall())
    assert stored == texts
    for needle, post_id in (("👩🏽‍💻", "1"), ("עולם", "2"), ("cafe\u0301", "3")):
        found = conn.execute(
            "select post_id from raw.social_posts where contains(text, ?)", [needle]
        ).fetchall()
        assert found == [(post_id,)]


def test_reason_truncates_on_grapheme_boundary(conn, tmp_path):
    # 199 letters then a letter with a combining accent: the 200th character
    # must keep its accent when the reason quotes the value.
    value = "a" * 199 + "e\u0301" + "z" * 10
    line = f'{{"type": "page", "messageId": "m1", "timestamp": "{value}"}}'
    config = land(tmp_path, {"a.jsonl": line.encode()}, [web_source()])

    ingest(conn, config, "web_events")

    reason = conn.execute("select reason from raw.quarantine").fetchone()[0]
    assert reason.endswith("a" * 199 + "e\u0301'")


def test_same_file_under_another_name_loaded_once(conn, tmp_path, caplog):
    content = page("m1", "2025-03-03T09:00:00Z") + "\n" + page("m2", "2025-03-03T10:00:00Z")
    files = {"a.jsonl": content.encode(), "b-copy.jsonl": content.encode()}
    config = land(tmp_path, files, [web_source()])

    first = ingest(conn, config, "web_events")
    second = ingest(conn, config, "web_events")

    for result in (first, second):
        by_file = {file.file: file for file in result.files}
        assert by_file["a.jsonl"].duplicate_of is None
        assert by_file["a.jsonl"].rows_loaded == 2
        assert by_file["b-copy.jsonl"].duplicate_of == "a.jsonl"
        assert by_file["b-copy.jsonl"].rows_loaded == 0
    assert conn.execute("select count(*) from raw.web_events").fetchone()[0] == 2
    files_landed = conn.execute("select _file from raw.landed_files").fetchall()
    assert files_landed == [("a.jsonl",)]
    assert "same content (sha256)" in caplog.text


def test_copy_replaces_rows_loaded_under_its_name(conn, tmp_path):
    original = page("m1", "2025-03-03T09:00:00Z").encode()
    config = land(
        tmp_path,
        {"a.jsonl": original, "b.jsonl": page("m9", "2025-03-03T09:00:00Z").encode()},
        [web_source()],
    )
    ingest(conn, config, "web_events")
    (tmp_path / "b.jsonl").write_bytes(original)

    ingest(conn, config, "web_events")

    rows = conn.execute("select _file, event_id from raw.web_events").fetchall()
    assert rows == [("a.jsonl", "m1")]


def test_file_name_with_quote_and_semicolon(conn, tmp_path):
    name = "it's; drop table raw.web_events;--.jsonl"
    config = land(tmp_path, {name: page("m1", "2025-03-03T09:00:00Z").encode()}, [web_source()])

    result = ingest(conn, config, "web_events")

    assert result.files[0].error is None
    assert conn.execute("select _file, event_id from raw.web_events").fetchall() == [(name, "m1")]
    landed = conn.execute("select _file from raw.landed_files").fetchall()
    assert landed == [(name,)]


def test_quoted_csv_name_and_header(conn, tmp_path):
    name = "it's;x.csv"
    text = 'tweet_id,author_id,inbound,created_at,text,"we""ird; col"\n'
    text += "1,ann,True,2025-03-05T15:00:00Z,hi,x\n"
    config = land(tmp_path, {name: text.encode()}, [social_source()])

    result = ingest(conn, config, "social_posts")

    assert result.files[0].error is None
    assert result.rows_loaded == 1
