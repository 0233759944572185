"""The publishable site key against the secret server key, through the track handler (moto behind).

The publishable key is public: it may not set protected traits, and what it enrols is rate limited
(per address, per source IP, per key). The server key, sent as ``Authorization: Bearer``, may do both.
"""

from __future__ import annotations

import uuid

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import SERVER, Harness


def _addresses(count: int) -> list[str]:
    tag = uuid.uuid4().hex[:8]
    return [f"sk-{tag}-{i}@example.com" for i in range(count)]


def _stored(address: str) -> bool:
    return wiring.contacts().get(contact_id_for(address)) is not None


def test_a_trait_holding_a_link_needs_the_server_key(harness: Harness) -> None:
    [address] = _addresses(1)
    event = {
        "type": "form_submitted",
        "email": address,
        "traits": {"first_name": "Ann", "site": "https://evil.example/"},
    }
    refused = harness.site_event(event, source_ip="198.51.100.1")
    assert refused.status == 403
    body = refused.json()
    assert body["error"] == "protected_trait"
    assert [d["field"] for d in body["details"]] == ["traits/site"]
    assert not _stored(address), "a refused post stores nothing"

    assert harness.event(event).status == 202
    contact = wiring.contacts().get(contact_id_for(address))
    assert contact is not None
    assert contact.properties == {"site": "https://evil.example/"}


def test_a_batch_names_the_event_whose_trait_is_protected(harness: Harness) -> None:
    first, second = _addresses(2)
    batch = {
        "batch": [
            {"type": "page_viewed", "email": first, "traits": {"plan": "pro"}},
            {"type": "page_viewed", "email": second, "traits": {"bio": "see www.evil.example"}},
        ]
    }
    answer = harness.site_event(batch, source_ip="198.51.100.2")
    assert answer.status == 403
    assert [d["field"] for d in answer.json()["details"]] == ["batch/1/traits/bio"]
    assert not _stored(first)


def test_the_server_key_is_checked_and_never_taken_from_a_browser(harness: Harness) -> None:
    [address] = _addresses(1)
    event = {"type": "page_viewed", "email": address}
    wrong = harness.http("POST", "/v1/events", event, token="not-the-server-key")
    assert wrong.status == 401
    assert wrong.json()["error"] == "unauthenticated"
    from_a_page = harness.http(
        "POST", "/v1/events", event, token=SERVER, headers={"Origin": "http://localhost:3000"}
    )
    assert from_a_page.status == 403
    assert from_a_page.json()["details"][0]["field"] == "Authorization"
    assert not _stored(address)
    assert harness.event(event).status == 202


def test_one_source_enrols_ten_new_addresses_an_hour_then_gets_429_with_retry_after(harness: Harness) -> None:
    addresses = _addresses(12)
    for address in addresses[:10]:
        assert (
            harness.site_event({"type": "form_submitted", "email": address}, source_ip="203.0.113.7").status
            == 202
        )
    over = harness.site_event({"type": "form_submitted", "email": addresses[10]}, source_ip="203.0.113.7")
    assert over.status == 429
    body = over.json()
    assert body["error"] == "rate_limited"
    assert body["details"][0]["field"] == "sourceIp"
    assert 1 <= int(over.headers["Retry-After"]) <= 3600
    assert not _stored(addresses[10])
    # Known addresses still come through from that source, new ones from another source, and the
    # server key is not limited at all.
    assert (
        harness.site_event({"type": "page_viewed", "email": addresses[0]}, source_ip="203.0.113.7").status
        == 202
    )
    assert (
        harness.site_event({"type": "form_submitted", "email": addresses[10]}, source_ip="203.0.113.8").status
        == 202
    )
    assert harness.event({"type": "form_submitted", "email": addresses[11]}).status == 202


def test_one_address_takes_sixty_events_an_hour_from_the_site_key(harness: Harness) -> None:
    [address] = _addresses(1)
    sixty = {"batch": [{"type": "page_viewed", "email": address} for _ in range(60)]}
    assert harness.site_event(sixty, source_ip="203.0.113.20").status == 202
    over = harness.site_event({"type": "page_viewed", "email": address}, source_ip="203.0.113.21")
    assert over.status == 429
    assert over.json()["details"][0]["field"] == "email"
    events_before = len(wiring.events().history(contact_id_for(address)))
    assert harness.event({"type": "page_viewed", "email": address}).status == 202
    # The next window starts on the hour: by then the address may post again.
    harness.http("POST", "/_local/clock", {"advance": f"PT{int(over.headers['Retry-After'])}S"})
    assert (
        harness.site_event({"type": "page_viewed", "email": address}, source_ip="203.0.113.21").status == 202
    )
    assert len(wiring.events().history(contact_id_for(address))) == events_before + 2


def test_anonymous_events_are_not_counted(harness: Harness) -> None:
    batch = {"batch": [{"type": "page_viewed", "anonymous_id": f"anon-{i}"} for i in range(100)]}
    for _ in range(2):
        assert harness.site_event(batch, source_ip="203.0.113.30").status == 202


def test_a_known_contact_is_not_a_new_address(harness: Harness) -> None:
    addresses = _addresses(11)
    for address in addresses:
        assert harness.event({"type": "page_viewed", "email": address}).status == 202
    batch = {"batch": [{"type": "page_viewed", "email": address} for address in addresses]}
    assert harness.site_event(batch, source_ip="203.0.113.40").status == 202
