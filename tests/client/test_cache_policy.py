"""HTTP cache rules for index pages: when a cached page may be used without asking again."""

from __future__ import annotations

import email.utils

import pytest

from puffin.client.cache_policy import (
    CacheControl,
    CachePolicy,
    Freshness,
    after_not_modified,
    conditional_headers,
    freshness,
    parse_cache_control,
    policy_from_headers,
)

NOW = 1_700_000_000.0


def http_date(seconds: float) -> str:
    return email.utils.formatdate(seconds, usegmt=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, CacheControl()),
        ("max-age=600, public", CacheControl(max_age=600)),
        ('MAX-AGE="60"', CacheControl(max_age=60)),
        ("max-age=soon", CacheControl(max_age=0)),
        ("no-cache", CacheControl(no_cache=True)),
        ("no-store, must-revalidate", CacheControl(no_store=True, must_revalidate=True)),
        ("private, max-age=5, must-revalidate", CacheControl(max_age=5, must_revalidate=True)),
    ],
)
def test_parse_cache_control(header: str | None, expected: CacheControl) -> None:
    assert parse_cache_control(header) == expected


def test_max_age_makes_a_page_fresh_until_it_expires() -> None:
    policy = policy_from_headers({"cache-control": "max-age=600", "etag": '"v1"'}, NOW)
    assert policy == CachePolicy(
        etag='"v1"', last_modified=None, expires_at=NOW + 600, lifetime=600
    )
    assert freshness(policy, NOW + 599) is Freshness.FRESH
    assert freshness(policy, NOW + 600) is Freshness.STALE


def test_age_and_date_count_against_the_lifetime() -> None:
    by_age = policy_from_headers({"cache-control": "max-age=600", "age": "100"}, NOW)
    assert by_age is not None and by_age.expires_at == NOW + 500
    by_date = policy_from_headers(
        {"cache-control": "max-age=600", "date": http_date(NOW - 200)}, NOW
    )
    assert by_date is not None and by_date.expires_at == NOW + 400


def test_expires_header_is_used_without_max_age() -> None:
    headers = {"expires": http_date(NOW + 300), "date": http_date(NOW)}
    policy = policy_from_headers(headers, NOW)
    assert policy is not None and policy.expires_at == NOW + 300
    assert policy_from_headers({"expires": "0"}, NOW) == CachePolicy(None, None, NOW, 0.0)


def test_no_lifetime_means_revalidate_every_time() -> None:
    headers = {"last-modified": http_date(NOW - 86400), "etag": '"v1"'}
    policy = policy_from_headers(headers, NOW)
    assert policy is not None
    assert freshness(policy, NOW) is Freshness.STALE
    assert conditional_headers(policy) == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": http_date(NOW - 86400),
    }


def test_no_cache_stores_but_always_revalidates() -> None:
    policy = policy_from_headers({"cache-control": "no-cache, max-age=600"}, NOW)
    assert policy is not None and freshness(policy, NOW) is Freshness.STALE


def test_no_store_is_not_stored() -> None:
    assert policy_from_headers({"cache-control": "no-store, max-age=600"}, NOW) is None


def test_refresh_forces_revalidation_of_a_fresh_page() -> None:
    policy = CachePolicy(etag='"v1"', last_modified=None, expires_at=NOW + 600)
    assert freshness(policy, NOW, force_revalidate=True) is Freshness.STALE


def test_not_modified_renews_the_stored_lifetime_and_keeps_validators() -> None:
    stored = CachePolicy(etag='"v1"', last_modified="Mon", expires_at=NOW - 5, lifetime=600)
    assert after_not_modified(stored, {}, NOW) == CachePolicy('"v1"', "Mon", NOW + 600, 600)
    updated = after_not_modified(stored, {"cache-control": "max-age=60", "etag": '"v2"'}, NOW)
    assert updated == CachePolicy('"v2"', "Mon", NOW + 60, 60)
    assert after_not_modified(stored, {"cache-control": "no-store"}, NOW).expires_at == NOW


def test_policy_json_round_trip_and_rejects_foreign_data() -> None:
    policy = CachePolicy(etag='"v1"', last_modified=None, expires_at=NOW, lifetime=10)
    assert CachePolicy.from_json(policy.to_json()) == policy
    assert CachePolicy.from_json({"etag": 5, "expires_at": NOW}) is None
    assert CachePolicy.from_json({"expires_at": "tomorrow"}) is None
    assert CachePolicy.from_json([]) is None
