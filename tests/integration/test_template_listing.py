"""``GET /admin/templates``: every template with its kind, subject and last upload, for the roles that
edit templates."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness

FOOTER = '<p>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'


def _listed(harness: Harness, token: str = MARKETER) -> dict[str, dict[str, object]]:
    reply = harness.http("GET", "/admin/templates", token=token)
    assert reply.status == 200, reply.body
    return {t["id"]: t for t in reply.json()["templates"] if str(t["id"]).startswith("tl-")}


def test_templates_are_listed_by_id_with_kind_subject_and_last_upload(harness: Harness) -> None:
    assert harness.http(
        "PUT", "/admin/templates/tl-footer", {"kind": "partial", "html": FOOTER}, token=MARKETER
    ).status in (200, 201)
    first = harness.stack.clock.now().isoformat()
    email = {"subject": "Hello", "html": "<p>Hi</p>" + FOOTER}
    assert harness.http("PUT", "/admin/templates/tl-hello", email, token=MARKETER).status in (200, 201)
    listed = _listed(harness)
    assert list(listed) == ["tl-footer", "tl-hello"]
    assert listed["tl-footer"] == {"id": "tl-footer", "kind": "partial", "subject": None, "updated_at": first}
    assert listed["tl-hello"]["kind"] == "email"
    assert listed["tl-hello"]["subject"] == "Hello"
    harness.stack.advance(timedelta(minutes=5))
    assert (
        harness.http("PUT", "/admin/templates/tl-hello", {**email, "subject": "Hi"}, token=MARKETER).status
        == 200
    )
    again = _listed(harness, ADMIN)["tl-hello"]
    assert again["subject"] == "Hi"
    assert again["updated_at"] == harness.stack.clock.now().isoformat()
    assert "html" not in again


def test_finance_may_not_list_templates(harness: Harness) -> None:
    assert harness.http("GET", "/admin/templates", token=FINANCE).status == 403
    assert harness.http("GET", "/admin/templates").status == 401
