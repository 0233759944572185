"""What a publishable site key may post: no protected traits, and fixed hourly windows per address,
per source and per key (over in-memory counters, without AWS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.clock import VirtualClock
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.events.admission import PublicKeyAdmission
from nurtureflow.events.model import IncomingEvent
from nurtureflow.events.protected_traits import ProtectedTraitError, holds_link, protected_trait_problems
from nurtureflow.events.rate_limits import EnrolmentLimits, RateLimitedError, source_of
from nurtureflow.settings import RateLimitSettings

NOW = datetime(2026, 11, 23, 10, 59, 30, tzinfo=UTC)
LIMITS = RateLimitSettings(
    events_per_address_per_hour=5, new_addresses_per_ip_per_hour=3, new_addresses_per_site_key_per_hour=4
)


class MemoryCounters:
    """``RateLimitRepository`` over a dict: the same conditional add."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.expiry: dict[str, int] = {}

    def take(self, key: str, amount: int, limit: int, expires_at: int) -> bool:
        if self.counts.get(key, 0) + amount > limit:
            return False
        self.counts[key] = self.counts.get(key, 0) + amount
        self.expiry.setdefault(key, expires_at)
        return True


class Known:
    def __init__(self, *addresses: str) -> None:
        self.ids = {contact_id_for(a) for a in addresses}

    def exists(self, contact_id: str) -> bool:
        return contact_id in self.ids


def _events(*emails: str | None, **fields: Any) -> list[IncomingEvent]:
    return [
        IncomingEvent(type="page_viewed", email=e, anonymous_id=None if e else "a1", **fields) for e in emails
    ]


def _limits(
    known: Known | None = None, clock: VirtualClock | None = None
) -> tuple[EnrolmentLimits, MemoryCounters]:
    counters = MemoryCounters()
    return EnrolmentLimits(counters, known or Known(), clock or VirtualClock(NOW), LIMITS), counters


def test_a_source_enrols_its_quota_of_new_addresses_then_is_told_when_to_retry() -> None:
    limits, _ = _limits()
    limits.check(_events("a@example.com", "b@example.com"), "site", "203.0.113.1")
    limits.check(_events("c@example.com"), "site", "203.0.113.1")
    with pytest.raises(RateLimitedError) as refused:
        limits.check(_events("d@example.com"), "site", "203.0.113.1")
    assert refused.value.limit == "new_addresses_per_ip"
    assert refused.value.retry_after == 30  # the window ends on the hour
    limits.check(_events("d@example.com"), "site", "203.0.113.2")  # another source: 4 of 4 for the key
    with pytest.raises(RateLimitedError) as key_full:
        limits.check(_events("e@example.com"), "site", "203.0.113.3")
    assert key_full.value.limit == "new_addresses_per_site_key"
    limits.check(_events("e@example.com"), "other-site", "203.0.113.3")


def test_known_contacts_do_not_count_as_new_but_count_per_address() -> None:
    limits, counters = _limits(Known("ann@example.com"))
    limits.check(_events(*["ann@example.com"] * 5), "site", "203.0.113.1")
    assert not [k for k in counters.counts if k.startswith(("ip#", "site#"))]
    with pytest.raises(RateLimitedError) as refused:
        limits.check(_events("ann@example.com"), "site", "203.0.113.9")
    assert refused.value.limit == "events_per_address"


def test_a_post_bigger_than_a_limit_is_refused_whole_without_counting_it() -> None:
    limits, counters = _limits(Known("ann@example.com"))
    with pytest.raises(RateLimitedError):
        limits.check(_events(*["ann@example.com"] * 6), "site", "203.0.113.1")
    assert counters.counts == {}


def test_windows_are_hourly_and_counters_expire_after_theirs() -> None:
    clock = VirtualClock(NOW)
    limits, counters = _limits(clock=clock)
    limits.check(_events("a@example.com", "b@example.com", "c@example.com"), "site", "203.0.113.1")
    with pytest.raises(RateLimitedError):
        limits.check(_events("z@example.com"), "site", "203.0.113.1")
    clock.set(NOW + timedelta(seconds=30))
    limits.check(_events("z@example.com"), "site", "203.0.113.1")
    window_end = int(datetime(2026, 11, 23, 11, tzinfo=UTC).timestamp())
    assert min(counters.expiry.values()) == window_end + 3600


def test_anonymous_events_are_not_limited() -> None:
    limits, counters = _limits()
    for _ in range(10):
        limits.check(_events(None, None), "site", "203.0.113.1")
    assert counters.counts == {}


def test_counters_hold_no_address_or_ip() -> None:
    limits, counters = _limits()
    limits.check(_events("ann@example.com"), "site-key", "203.0.113.1")
    assert not [k for k in counters.counts if "ann" in k or "203.0" in k or "site-key" in k]


def test_an_ipv6_client_counts_by_its_64_network() -> None:
    assert source_of("2001:db8:1:2:aaaa::1") == source_of("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert source_of("2001:db8:1:3::1") != source_of("2001:db8:1:2::1")
    assert source_of("203.0.113.1") == "203.0.113.1"
    assert source_of(None) == source_of("not an ip") == "unknown"


@pytest.mark.parametrize(
    "value",
    ["https://evil.example/", "go to HTTP://evil.example", "javascript:alert(1)", " Data:text/html,x",
     "www.evil.example", {"nested": ["ok", "ftp://x"]}],
)  # fmt: skip
def test_values_holding_a_link_are_protected(value: Any) -> None:
    assert holds_link(value)


@pytest.mark.parametrize("value", ["Ann", "Acme, Inc.", 42, None, True, ["a", "b"], {"city": "Paris"}, "a:b"])
def test_plain_values_are_not(value: Any) -> None:
    assert not holds_link(value)


@given(st.text(alphabet=st.characters(blacklist_characters=":/."), max_size=40))
def test_text_without_colons_slashes_or_dots_never_holds_a_link(text: str) -> None:
    assert not holds_link(text)


def test_named_protected_traits_match_by_pattern_in_any_case() -> None:
    events = [
        IncomingEvent(type="page_viewed", email="a@example.com", traits={"Plan": "pro", "first_name": "A"}),
        IncomingEvent(type="page_viewed", email="b@example.com", traits={"account_tier": "gold"}),
    ]
    problems = protected_trait_problems(events, ["plan", "account_*"], batched=True)
    assert [p["field"] for p in problems] == ["batch/0/traits/Plan", "batch/1/traits/account_tier"]
    assert protected_trait_problems(events, [], batched=True) == []


def test_admission_refuses_protected_traits_before_counting_anything() -> None:
    limits, counters = _limits()
    admission = PublicKeyAdmission(["plan"], limits)
    with pytest.raises(ProtectedTraitError) as refused:
        admission.admit(
            _events("a@example.com", traits={"plan": "pro"}), "site", "203.0.113.1", batched=False
        )
    assert refused.value.details[0]["field"] == "traits/plan"
    assert counters.counts == {}
    admission.admit(
        _events("a@example.com", traits={"first_name": "A"}), "site", "203.0.113.1", batched=False
    )
    assert counters.counts
