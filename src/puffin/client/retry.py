"""When to retry a request and how long to wait: pure rules shared by pages and downloads."""

from __future__ import annotations

import email.utils
import random
import time

DEFAULT_RETRIES = 3
BACKOFF_BASE = 0.25  # seconds; doubled per attempt, with jitter so clients do not retry in step
RETRY_AFTER_CAP = 20.0  # seconds; a server asking for longer is treated as down


def is_retryable_status(status: int) -> bool:
    """429 and the 5xx answers that a later attempt can fix (not 501 or 505)."""
    return status == 429 or (status >= 500 and status not in (501, 505))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse `Retry-After` (seconds or an HTTP date), capped at RETRY_AFTER_CAP."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with jitter: about 0.25s, 0.5s, 1s, ... for attempts 0, 1, 2."""
    return float(BACKOFF_BASE * 2**attempt * random.uniform(0.5, 1.5))
