"""Post an alert to a Slack-compatible incoming webhook.

The webhook URL is a secret (a Slack webhook URL carries its token in the
path), so it is read from an environment variable when an alert is sent and
never logged: log lines name the variable instead.
"""

import http.client
import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable

logger = logging.getLogger(__name__)

WEBHOOK_URL_ENV_VAR = "RIGHTPATH_ALERT_WEBHOOK_URL"
POST_ATTEMPTS = 4
# Seconds before the second attempt. The wait doubles before each later attempt.
FIRST_RETRY_DELAY_S = 2.0
# Four attempts of at most 5 s each, plus 14 s of waits, stay within the 60 s
# that Dagster 1.13 allows a sensor evaluation (DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS).
POST_TIMEOUT_S = 5.0


def webhook_url_from_env() -> str | None:
    """Return the webhook URL from ``RIGHTPATH_ALERT_WEBHOOK_URL``, or None when unset or empty."""
    url = os.environ.get(WEBHOOK_URL_ENV_VAR, "").strip()
    return url or None


def post_json(
    url: str,
    payload: dict,
    attempts: int = POST_ATTEMPTS,
    first_retry_delay_s: float = FIRST_RETRY_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POST `payload` as JSON to `url`, retrying with exponential backoff.

    Returns True once the server responds with a 2xx status, False after the
    last failed attempt. Errors are logged, never raised, so a broken webhook
    cannot fail the caller.
    """
    body = json.dumps(payload).encode("utf-8")
    delay_s = first_retry_delay_s
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=POST_TIMEOUT_S) as response:
                response.read()
            return True
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            reason = _describe_error(error)
        if attempt == attempts:
            logger.error(
                "Alert post to the %s webhook failed on attempt %d of %d (%s); giving up",
                WEBHOOK_URL_ENV_VAR,
                attempt,
                attempts,
                reason,
            )
            return False
        logger.warning(
            "Alert post to the %s webhook failed on attempt %d of %d (%s); retrying in %.1f s",
            WEBHOOK_URL_ENV_VAR,
            attempt,
            attempts,
            reason,
            delay_s,
        )
        sleep(delay_s)
        delay_s *= 2
    return False


def _describe_error(error: Exception) -> str:
    """Describe a failed post without the URL.

    ``ValueError`` messages of urllib quote the URL, so only its type is kept.
    Socket errors (refused, timed out, name not resolved) carry no URL.
    """
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP status {error.code}"
    if isinstance(error, urllib.error.URLError):
        return f"URLError: {error.reason}"
    if isinstance(error, ValueError):
        return f"{type(error).__name__}: invalid webhook URL"
    return f"{type(error).__name__}: {error}"
