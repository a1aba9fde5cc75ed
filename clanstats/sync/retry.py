"""POST with retries: 429 (honouring Retry-After), 5xx, timeouts, dropped or cut-off answers."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import requests

from clanstats.http_retry import (
    CUT_SHORT,
    MAX_RETRY_AFTER,
    RETRYABLE_STATUSES,
    backoff_delay,
    server_wait,
)

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A request failed for good; str() is one line that shows no secret."""


def post_with_retries(
    session: requests.Session,
    url: str,
    build: Callable[[], dict[str, Any]],
    *,
    shown_url: str,
    timeout: float,
    max_retries: int,
    backoff_base: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    done_statuses: frozenset[int] = frozenset(),
    draw: random.Random | None = None,
) -> requests.Response:
    """POST `build()`'s request kwargs until a non-retryable answer; raise DeliveryError if not 2xx.

    `build` runs for every attempt so signatures and timestamps are fresh on each retry. A status
    in `done_statuses` counts as delivered (an idempotent receiver saying it has this already).
    """
    problem = "no attempt"
    draw = draw or random.Random()
    for attempt in range(max_retries + 1):
        wait = backoff_delay(backoff_base, attempt, draw)
        try:
            response = session.post(url, timeout=timeout, **build())
        except requests.Timeout:
            problem = f"timed out after {timeout:g} s"
        except requests.ConnectionError:
            problem = "could not connect"
        except CUT_SHORT:
            problem = "the answer was cut off"
        else:
            if response.ok or response.status_code in done_statuses:
                return response
            problem = f"HTTP {response.status_code}{_reason(response)}"
            if response.status_code not in RETRYABLE_STATUSES:
                raise DeliveryError(f"{shown_url} refused the request ({problem})")
            asked = server_wait(response)
            if asked is not None:
                if asked > MAX_RETRY_AFTER:
                    raise DeliveryError(f"{shown_url} asked to wait {asked:.0f} s; try later")
                wait = asked
        if attempt < max_retries:
            log.info("POST %s: %s; retrying in %.1f s", shown_url, problem, wait)
            sleep(wait)
    raise DeliveryError(f"{shown_url} kept failing after {max_retries + 1} tries ({problem})")


def _reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        if message:
            return f": {str(message).splitlines()[0][:120]}"
    return ""
