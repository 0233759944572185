"""The link allowlist through the handlers: previews (as sends) sign only allowed hosts, and the click
route never redirects elsewhere, whatever the token's signature."""

from __future__ import annotations

import re

from nurtureflow.sending.tokens import sign
from nurtureflow.settings import TrackingSettings
from tests.integration.conftest import MARKETER, Harness

CLICK = re.compile(r'href="(http://[^"]+/t/c/[^"]+)"')


def test_a_trait_holding_another_site_is_sent_untracked_and_the_shop_link_is_tracked(
    harness: Harness,
) -> None:
    html = (
        '<p><a href="https://shop.example/cart">Cart</a> '
        '<a href="{{ contact.properties.site }}">Your site</a></p>'
    )
    template = {"subject": "Hi", "html": html}
    assert harness.http("PUT", "/admin/templates/lh-links", template, token=MARKETER).status in (200, 201)
    contact = {"contact": {"site": "https://evil.example/login"}}
    answer = harness.http("POST", "/admin/templates/lh-links/preview", contact, token=MARKETER)
    assert answer.status == 200, answer.body
    sent = answer.json()["html"]
    [tracked] = CLICK.findall(sent)
    assert harness.http("GET", tracked).headers["Location"] == "https://shop.example/cart"
    # Not signed: our tracking domain never vouches for it with a redirect.
    assert '<a href="https://evil.example/login">Your site</a>' in sent


def test_a_valid_click_token_for_a_host_not_allowed_gets_400_and_no_redirect(harness: Harness) -> None:
    tracking = TrackingSettings()  # the local stack's signing key, as a leaked or old token would be
    for url in ("https://evil.example/", "https://shop.example.evil.example/", "https://evil.example\\@x"):
        token = sign({"k": "c", "s": "s_lh", "u": url}, tracking.link_keys, tracking.link_key_id)
        answer = harness.http("GET", f"/t/c/{token}")
        assert answer.status == 400, url
        assert answer.json()["error"] == "link_not_allowed"
        assert "Location" not in answer.headers
        assert "evil" not in answer.body.decode()
