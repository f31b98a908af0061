"""Posting alerts to a webhook served on 127.0.0.1: retries, backoff and no secret in logs."""

import logging
import socket

import pytest

from orchestration.alerts.webhook import post_json

from .webhook_server import webhook_server

PAYLOAD = {"text": "rightpath run r-1 of job pipeline_job failed."}


@pytest.fixture
def alert_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="orchestration.alerts")
    return caplog


def test_post_sends_json(alert_logs):
    delays: list[float] = []
    with webhook_server() as server:
        accepted = post_json(server.url, PAYLOAD, sleep=delays.append)
    assert accepted
    assert len(server.posts) == 1
    assert server.posts[0].body == PAYLOAD
    assert server.posts[0].content_type == "application/json"
    assert server.posts[0].path == "/services/T000/B000/secret-token-123"
    assert delays == []


def test_post_retries_with_backoff(alert_logs):
    delays: list[float] = []
    with webhook_server(statuses=[500, 503]) as server:
        accepted = post_json(server.url, PAYLOAD, first_retry_delay_s=2.0, sleep=delays.append)
        url = server.url
    assert accepted
    assert len(server.posts) == 3
    assert delays == [2.0, 4.0]
    assert "attempt 1 of 4 (HTTP status 500); retrying in 2.0 s" in alert_logs.text
    assert "attempt 2 of 4 (HTTP status 503); retrying in 4.0 s" in alert_logs.text
    assert url not in alert_logs.text
    assert "secret-token-123" not in alert_logs.text


def test_post_gives_up_without_raising(alert_logs):
    delays: list[float] = []
    with webhook_server(statuses=[500] * 10) as server:
        accepted = post_json(server.url, PAYLOAD, attempts=4, sleep=delays.append)
    assert not accepted
    assert len(server.posts) == 4
    assert delays == [2.0, 4.0, 8.0]
    assert "attempt 4 of 4 (HTTP status 500); giving up" in alert_logs.text
    assert "secret-token-123" not in alert_logs.text


def test_post_to_closed_port_is_logged(alert_logs):
    # A port that was free a moment ago, so the connection is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/services/secret-token-456"
    delays: list[float] = []
    accepted = post_json(url, PAYLOAD, attempts=2, sleep=delays.append)
    assert not accepted
    assert delays == [2.0]
    assert "Connection refused" in alert_logs.text
    assert "secret-token-456" not in alert_logs.text
