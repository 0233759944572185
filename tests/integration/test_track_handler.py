"""The tracking handler against moto: contacts, idempotent events, refusals that store nothing."""

from __future__ import annotations

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.sending.tokens import sign
from nurtureflow.settings import TrackingSettings
from tests.integration.conftest import Harness


def test_traits_create_the_contact_and_a_retried_event_is_stored_once(harness: Harness) -> None:
    event = {
        "id": "evt-1",
        "type": "form_submitted",
        "email": " Eve@Example.COM ",
        "traits": {"first_name": "Eve", "plan": "pro"},
        "properties": {"form": "newsletter"},
    }
    assert harness.event(event).status == 202
    assert harness.event(event).status == 202
    contact = wiring.contacts().get(contact_id_for("eve@example.com"))
    assert contact is not None
    assert (contact.email, contact.first_name, contact.properties) == (
        "eve@example.com",
        "Eve",
        {"plan": "pro"},
    )
    history = wiring.events().history(contact.id)
    # The default scoring rules record the form's points beside it, once for the retried event too.
    assert sorted(e.type for e in history) == ["form_submitted", "score_changed"]
    assert contact.score == 10
    assert next(e for e in history if e.type == "form_submitted").properties == {"form": "newsletter"}


def test_a_batch_with_one_bad_event_is_refused_whole(harness: Harness) -> None:
    batch = {"batch": [{"type": "page_viewed", "email": "fay@example.com"}, {"type": "page_viewed"}]}
    answer = harness.event(batch)
    assert answer.status == 422
    assert answer.json()["details"][0]["field"].startswith("batch/1")
    assert wiring.contacts().get(contact_id_for("fay@example.com")) is None


def test_events_from_an_origin_the_site_key_does_not_allow_are_refused(harness: Harness) -> None:
    answer = harness.http(
        "POST",
        "/v1/events",
        {"type": "page_viewed", "email": "gus@example.com"},
        headers={"X-Site-Key": "it-site", "Origin": "https://evil.example"},
    )
    assert answer.status == 403
    assert answer.json()["details"][0]["field"] == "Origin"
    allowed = harness.http(
        "POST",
        "/v1/events",
        {"type": "page_viewed", "email": "gus@example.com"},
        headers={"X-Site-Key": "it-site", "Origin": "http://localhost:3000"},
    )
    assert allowed.status == 202
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


def test_a_website_cannot_forge_the_platform_email_events(harness: Harness) -> None:
    answer = harness.event({"type": "email_clicked", "email": "hal@example.com"})
    assert answer.status == 422
    assert answer.json()["details"][0]["field"] == "type"


def test_a_tampered_open_token_gets_400_and_records_nothing(harness: Harness) -> None:
    answer = harness.http("GET", "/t/o/not.a.token")
    assert answer.status == 400
    assert answer.json()["error"] == "invalid_token"


def test_a_click_token_signed_with_line_breaks_redirects_without_splitting_the_response(
    harness: Harness,
) -> None:
    # Tokens signed before links were percent-encoded may carry CR/LF from contact data.
    tracking = TrackingSettings()
    url = "https://shop.example/p?id=1\r\nSet-Cookie: pwned=1\r\nX-Evil: 1"
    token = sign({"k": "c", "s": "s_crlf", "u": url}, tracking.link_keys, tracking.link_key_id)
    answer = harness.http("GET", f"/t/c/{token}")
    assert answer.status == 302
    assert (
        answer.headers["Location"]
        == "https://shop.example/p?id=1%0D%0ASet-Cookie:%20pwned=1%0D%0AX-Evil:%201"
    )
    assert "Set-Cookie" not in answer.headers
    assert "X-Evil" not in answer.headers


def test_the_cors_preflight_allows_the_site_key_header(harness: Harness) -> None:
    answer = harness.http("OPTIONS", "/v1/events", headers={"Origin": "http://localhost:3000"})
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "X-Site-Key" in answer.headers["Access-Control-Allow-Headers"]


def test_an_address_ses_cannot_send_to_is_refused_naming_the_field(harness: Harness) -> None:
    for address in ("y4@example.com>", "josé@example.com"):
        answer = harness.event({"type": "form_submitted", "email": address})
        assert answer.status == 422
        assert answer.json()["details"][0]["field"] == "email"
    assert wiring.contacts().get(contact_id_for("y4@example.com")) is None
