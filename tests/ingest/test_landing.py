"""Landing config parsing: relative paths, globs, options and the errors for bad entries."""

import logging

import pytest

from orchestration.ingest.landing import LandingConfigError, load_landing_config


def test_paths_resolve_relative_to_config(landing, tmp_path):
    config = landing(
        [
            {"path": "web/*.jsonl", "channel": "web", "format": "segment_jsonl"},
            {
                "path": "support/tickets.csv",
                "channel": "support",
                "format": "zendesk_fivetran",
                "options": {"users": "support/users.csv", "timezone": "Europe/Paris"},
            },
        ],
        {
            "web/b.jsonl": "",
            "web/a.jsonl": "",
            "web/ignored.csv": "",
            "support/tickets.csv": "id,created_at\n",
            "support/users.csv": "id,email\n",
        },
    )
    folder = tmp_path / "landing"
    web, support = config.entries
    assert web.files == (folder / "web/a.jsonl", folder / "web/b.jsonl")
    assert web.display_path(web.files[0]) == "web/a.jsonl"
    assert support.option_file("users") == folder / "support/users.csv"
    assert support.timezone == "Europe/Paris"
    assert web.timezone == "UTC"


def test_entries_for_table(landing):
    config = landing(
        [
            {"path": "web/*.jsonl", "channel": "web", "format": "segment_jsonl"},
            {"path": "orders.csv", "channel": "orders", "format": "shopify_orders_csv"},
        ],
        {"web/a.jsonl": "", "orders.csv": "Name\n"},
    )
    assert [e.format for e in config.entries_for_table("web_events")] == ["segment_jsonl"]
    assert [e.format for e in config.entries_for_table("order_lines")] == ["shopify_orders_csv"]
    assert config.entries_for_table("ad_spend") == []
    with pytest.raises(KeyError, match="unknown raw table 'web'"):
        config.entries_for_table("web")


def test_glob_without_match_warns(landing, caplog):
    with caplog.at_level(logging.WARNING, logger="orchestration.ingest.landing"):
        config = landing([{"path": "web/*.jsonl", "channel": "web", "format": "segment_jsonl"}], {})
    assert config.entries[0].files == ()
    assert "no file matches" in caplog.text
    assert "web/*.jsonl" in caplog.text


def test_unknown_format_names_entry_and_choices(landing):
    with pytest.raises(LandingConfigError) as raised:
        landing([{"path": "a.jsonl", "channel": "web", "format": "segment_json"}], {})
    message = str(raised.value)
    assert "landing.yml: sources[1] (path 'a.jsonl')" in message
    assert "unknown format 'segment_json'" in message
    assert "segment_jsonl" in message


def test_channel_mismatch_names_the_fix(landing):
    with pytest.raises(LandingConfigError) as raised:
        landing([{"path": "t.csv", "channel": "web", "format": "twcs_csv"}], {})
    message = str(raised.value)
    assert "format 'twcs_csv' is a 'social' format" in message
    assert "set 'channel: social'" in message
    assert "snowplow_csv" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"path": "a", "channel": "web"}, "'format' is missing"),
        ({"path": "a", "channel": "shop", "format": "segment_jsonl"}, "unknown channel 'shop'"),
        (
            {"path": "a", "channel": "web", "format": "segment_jsonl", "colour": 1},
            "unknown key(s) colour",
        ),
        (
            {"path": "a", "channel": "web", "format": "segment_jsonl", "options": {"users": "u"}},
            "has no option 'users'",
        ),
        (
            {"path": "a", "channel": "ads", "format": "facebook_ads_fivetran"},
            "needs option(s) ads",
        ),
        (
            {
                "path": "a",
                "channel": "web",
                "format": "segment_jsonl",
                "options": {"timezone": "Mars/Olympus"},
            },
            "not an IANA zone name",
        ),
    ],
)
def test_invalid_entry_raises(landing, entry, expected):
    with pytest.raises(LandingConfigError) as raised:
        landing([entry], {})
    assert expected in str(raised.value)


def test_file_in_two_entries_raises(landing):
    with pytest.raises(LandingConfigError, match="matches both sources\\[1\\]"):
        landing(
            [
                {"path": "web/*.jsonl", "channel": "web", "format": "segment_jsonl"},
                {"path": "web/a.jsonl", "channel": "web", "format": "segment_jsonl"},
            ],
            {"web/a.jsonl": ""},
        )


def test_config_without_sources_raises(tmp_path):
    config_path = tmp_path / "landing.yml"
    config_path.write_text("files: []\n")
    with pytest.raises(LandingConfigError, match="expected a mapping with a 'sources' list"):
        load_landing_config(config_path)


def test_missing_config_file_raises(tmp_path):
    with pytest.raises(LandingConfigError, match="cannot read the landing config"):
        load_landing_config(tmp_path / "absent.yml")
