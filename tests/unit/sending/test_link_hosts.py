"""The link allowlist: signed at render time only for allowed hosts, redirected only to them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.clock import VirtualClock
from nurtureflow.costs.prices import load_price_table
from nurtureflow.events.email_feedback import EmailFeedback
from nurtureflow.sending.link_hosts import LinkHosts, LinkNotAllowedError, link_host
from nurtureflow.sending.links import track_links, track_text_links
from nurtureflow.sending.tokens import sign, verify_kind
from nurtureflow.settings import TrackingSettings
from nurtureflow.simulation.memory import MemoryContacts, MemoryEvents, MemoryLedger, MemorySends

KEYS = {"k1": "secret"}
SETTINGS = TrackingSettings(
    public_base_url="https://t.shop.example",
    link_keys=KEYS,
    link_key_id="k1",
    link_hosts=["shop.example", "partner.example"],
)
HOSTS = LinkHosts(SETTINGS.link_hosts)


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/cart",
        "http://SHOP.example./x",
        "https://www.shop.example/a?b=c",
        "https://a.b.partner.example:8443/",
        # userinfo before the host is not the host: the browser goes to shop.example
        "https://evil.example@shop.example/",
        # percent-encoded on the way out, the backslash stays in the userinfo
        "https://evil.example\\@shop.example/",
    ],
)
def test_allowed_hosts_and_their_subdomains_pass(url: str) -> None:
    assert HOSTS.allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "https://shop.example.evil.example/",
        "https://evilshop.example/",
        "https://shop.example@evil.example/",
        "https://evil%2Eexample/",
        "https://évil.example/",
        "javascript:alert(1)",
        "//shop.example/relative-scheme",
        "/relative",
        "https:/\\evil.example/",
        "https://[::1/",
        "ftp://shop.example/file",
    ],
)
def test_other_hosts_and_anything_not_an_absolute_web_url_are_refused(url: str) -> None:
    assert not HOSTS.allows(url)


def test_the_wildcard_allows_every_web_host_and_is_the_default_outside_a_deployment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An in-process local stack started earlier in the session sets the deployed value.
    monkeypatch.delenv("NURTUREFLOW_LINK_HOSTS", raising=False)
    assert TrackingSettings().link_hosts == ["*"]
    assert LinkHosts(["*"]).allows("https://anything.example/")
    assert not LinkHosts(["*"]).allows("mailto:a@b.example")
    assert not LinkHosts([]).allows("https://shop.example/")


@given(st.text(max_size=60))
def test_the_host_read_is_the_one_a_browser_would_go_to_or_none(tail: str) -> None:
    host = link_host("https://shop.example" + tail)
    # Whatever follows, the judged host is shop.example, a longer name, or no host at all.
    assert host is None or host.startswith("shop.example") or "@" in tail


def test_rendering_signs_links_to_allowed_hosts_and_leaves_others_untracked() -> None:
    html = (
        '<a href="https://shop.example/cart">Cart</a><a href="https://evil.example/login">Log in</a></body>'
    )
    tracked = track_links(html, "s_1", SETTINGS)
    assert tracked.links == ["https://shop.example/cart"]
    assert '<a href="https://evil.example/login">' in tracked.html
    assert "https://shop.example/cart" not in tracked.html  # replaced by its click URL
    text = track_text_links("Cart: https://shop.example/cart Other: https://evil.example/x", "s_1", SETTINGS)
    assert "Other: https://evil.example/x" in text
    assert "Cart: https://t.shop.example/t/c/" in text


def _feedback(settings: TrackingSettings, sends: MemorySends, events: MemoryEvents) -> EmailFeedback:
    return EmailFeedback(
        sends=sends,
        contacts=MemoryContacts(),
        events=events,
        bus=_NullBus(),
        ledger=MemoryLedger(),
        clock=VirtualClock(datetime(2026, 11, 23, tzinfo=UTC)),
        tracking=settings,
        prices=load_price_table(),
    )


class _NullBus:
    def publish(self, events: object) -> None:
        pass


def test_a_validly_signed_click_to_a_host_not_allowed_is_refused_and_not_recorded() -> None:
    sends, events = MemorySends(), MemoryEvents()
    sends.put({"id": "s_1", "contact_id": "c_1", "workflow": "welcome", "step": "hello"})
    feedback = _feedback(SETTINGS, sends, events)
    evil = sign({"k": "c", "s": "s_1", "u": "https://evil.example/login"}, KEYS, "k1")
    assert verify_kind(evil, KEYS, "c")["u"] == "https://evil.example/login"  # the signature is fine
    with pytest.raises(LinkNotAllowedError):
        feedback.click(evil)
    assert events.history("c_1") == []
    good = sign({"k": "c", "s": "s_1", "u": "https://shop.example/cart"}, KEYS, "k1")
    assert feedback.click(good) == "https://shop.example/cart"
    assert [e.type for e in events.history("c_1")] == ["email_clicked"]
