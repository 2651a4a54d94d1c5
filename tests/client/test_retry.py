"""Retry rules: which answers are worth another attempt, and how long to wait."""

from __future__ import annotations

import email.utils

import pytest

from puffin.client.retry import (
    RETRY_AFTER_CAP,
    backoff_delay,
    is_retryable_status,
    retry_after_seconds,
)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (501, False),
        (505, False),
        (404, False),
        (403, False),
        (200, False),
    ],
)
def test_retryable_statuses(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable


def test_retry_after_seconds_and_dates_are_capped() -> None:
    now = 1_700_000_000.0
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("86400") == RETRY_AFTER_CAP
    assert retry_after_seconds(email.utils.formatdate(now + 7, usegmt=True), now) == 7.0
    assert retry_after_seconds(email.utils.formatdate(now - 7, usegmt=True), now) == 0.0
    assert retry_after_seconds("whenever") is None
    assert retry_after_seconds(None) is None


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    for attempt, base in enumerate((0.25, 0.5, 1.0)):
        delays = {backoff_delay(attempt) for _ in range(50)}
        assert all(base * 0.5 <= delay <= base * 1.5 for delay in delays)
        assert len(delays) > 1  # jittered, so parallel clients do not retry in step
