"""The walking skeleton's scenario, played over HTTP against the local stack as a user would."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LocalClient
from tests.support.asl import asl_problems

pytestmark = pytest.mark.e2e
ADMIN, MARKETER, FINANCE, SITE = (
    "local-admin-token",
    "local-marketer-token",
    "local-finance-token",
    "local-site-key",
)
CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract" / "workflow-language.md"
FOOTER = '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a> {{ postal_address }}</p>'
TEMPLATES = {
    "cart-reminder": {
        "subject": "{{ contact.first_name }}, your cart is waiting",
        "html": "<html><body><p>Cart worth {{ event.value }}</p>"
        '<a href="https://shop.example/cart?x=1&amp;y=2">Back to cart</a>' + FOOTER + "</body></html>",
    },
    "cart-offer-10": {
        "subject": "10% off",
        "html": "<p>10% <a href='https://shop.example/c10'>go</a></p>" + FOOTER,
    },
    "cart-offer-5": {
        "subject": "5% off",
        "html": "<p>5% <a href='https://shop.example/c5'>go</a></p>" + FOOTER,
    },
}


def _workflow() -> dict[str, Any]:
    if CONTRACT.exists():
        return json.loads(CONTRACT.read_text().split("```json", 1)[1].split("```", 1)[0])  # type: ignore[no-any-return]
    root = Path(__file__).resolve().parents[2]
    return json.loads((root / "catalog" / "cart-recovery" / "workflow.json").read_text())  # type: ignore[no-any-return]


def _event(stack: LocalClient, body: dict[str, Any]) -> None:
    reply = stack.call("POST", "/v1/events", body, headers={"X-Site-Key": SITE})
    assert reply.status == 202, reply.body
    assert reply.json() == {"accepted": 1}


def _advance(stack: LocalClient, duration: str) -> None:
    assert stack.call("POST", "/_local/clock", {"advance": duration}).status == 200


def _emails_to(stack: LocalClient, address: str) -> list[dict[str, Any]]:
    return [e for e in stack.call("GET", "/_local/outbox").json()["emails"] if e["to"] == address]


@pytest.fixture(scope="module")
def uploaded(stack: LocalClient) -> LocalClient:
    for template_id, template in TEMPLATES.items():
        assert stack.call("PUT", f"/admin/templates/{template_id}", template, token=MARKETER).status in (
            200,
            201,
        )
    reply = stack.call("PUT", "/admin/workflows/cart-recovery", _workflow(), token=MARKETER)
    assert reply.status in (200, 201), reply.body
    assert reply.json()["state_machine_arn"].startswith("arn:aws:states:")
    assert (
        stack.call("POST", "/admin/workflows/cart-recovery/activate", token=MARKETER).json()["status"]
        == "active"
    )
    return stack


def test_the_stored_definition_is_valid_asl_for_a_standard_workflow(uploaded: LocalClient) -> None:
    stored = uploaded.call("GET", "/admin/workflows/cart-recovery", token=MARKETER).json()
    states = stored["definition"]["States"]
    assert states["wait-1h"]["Type"] == "Wait"
    assert states["clicked"]["Resource"].endswith(":lambda:invoke.waitForTaskToken")
    assert asl_problems([stored["definition"]]) == ""


def test_cart_event_enrols_and_the_reminder_is_sent_after_an_hour(uploaded: LocalClient) -> None:
    _event(
        uploaded,
        {
            "type": "cart_updated",
            "email": "Ana@Example.com",
            "traits": {"first_name": "Ana"},
            "properties": {"value": 35, "currency": "EUR"},
        },
    )
    assert _emails_to(uploaded, "ana@example.com") == []
    _advance(uploaded, "PT1H")
    [email] = _emails_to(uploaded, "ana@example.com")
    assert email["subject"] == "Ana, your cart is waiting"
    assert (email["workflow"], email["step"]) == ("cart-recovery", "reminder")
    assert "Cart worth 35" in email["html"]
    assert "https://shop.example/cart" not in email["html"], "links are rewritten to tracking links"
    # Every link sits under the API's base URL, stage included, as under ApiUrl in AWS.
    api = re.escape(uploaded.api)
    assert re.search(rf'href="{api}/t/c/[^"]+"', email["html"])
    assert re.search(rf'<img src="{api}/t/o/[^"]+"', email["html"])
    headers = email["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.match(rf"<{api}/u/[^>]+>", headers["List-Unsubscribe"])


def test_the_open_pixel_is_a_gif(uploaded: LocalClient) -> None:
    [email] = _emails_to(uploaded, "ana@example.com")
    pixel = re.search(r'<img src="(http://127\.0\.0\.1:\d+/v1/t/o/[^"]+)"', email["html"])
    assert pixel is not None
    for accept in ("image/*", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"):
        # The API's binary media types are */*, so API Gateway sends the GIF's bytes whatever the
        # client accepts (with image/* alone, Accept: */* got base64 text):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/lambda-proxy-binary-media.html
        reply = uploaded.call("GET", pixel.group(1), headers={"Accept": accept})
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "image/gif"
        assert reply.body.startswith(b"GIF89a"), accept


def _click_path(email: dict[str, Any]) -> str:
    url = re.search(r'href="(http://127\.0\.0\.1:\d+/v1/t/c/[^"]+)"', email["html"])
    assert url is not None
    return url.group(1)


def test_click_redirects_only_to_the_signed_link_and_resumes_the_run(uploaded: LocalClient) -> None:
    [email] = _emails_to(uploaded, "ana@example.com")
    path = _click_path(email)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    refused = uploaded.call("GET", tampered)
    assert 400 <= refused.status < 500
    assert "Location" not in refused.headers
    clicked = uploaded.call("GET", path)
    assert clicked.status == 302
    assert clicked.headers["Location"] == "https://shop.example/cart?x=1&y=2"
    _advance(uploaded, "P2D")
    assert len(_emails_to(uploaded, "ana@example.com")) == 1, "a click ends the run at 'done': no offer"


def test_without_a_click_the_run_times_out_into_the_score_branch(uploaded: LocalClient) -> None:
    _event(uploaded, {"type": "cart_updated", "email": "bob@example.com", "properties": {"value": 50}})
    _advance(uploaded, "PT1H")
    assert [e["step"] for e in _emails_to(uploaded, "bob@example.com")] == ["reminder"]
    _advance(uploaded, "P1D")
    emails = _emails_to(uploaded, "bob@example.com")
    assert [e["step"] for e in emails] == ["reminder", "offer-5"], "score 0 is under 50: the 5% offer"
    assert emails[1]["subject"] == "5% off"


def test_an_order_ends_the_run_before_the_reminder(uploaded: LocalClient) -> None:
    _event(uploaded, {"type": "cart_updated", "email": "cy@example.com", "properties": {"value": 30}})
    _event(
        uploaded,
        {
            "type": "order_completed",
            "email": "cy@example.com",
            "properties": {"value": 30, "currency": "EUR"},
        },
    )
    _advance(uploaded, "P2D")
    assert _emails_to(uploaded, "cy@example.com") == []


def test_a_cart_under_20_enrols_nobody(uploaded: LocalClient) -> None:
    _event(uploaded, {"type": "cart_updated", "email": "dee@example.com", "properties": {"value": 19}})
    _advance(uploaded, "P2D")
    assert _emails_to(uploaded, "dee@example.com") == []


def test_costs_by_workflow_for_finance_only(uploaded: LocalClient) -> None:
    now = uploaded.call("GET", "/_local/health").json()["now"]
    start = date.fromisoformat(now[:10]) - timedelta(days=10)
    query = f"/admin/costs?from={start}&to={start + timedelta(days=20)}&group_by=workflow"
    assert uploaded.call("GET", query).status == 401
    assert uploaded.call("GET", query, token=MARKETER).status == 403
    reply = uploaded.call("GET", query, token=FINANCE)
    assert reply.status == 200, reply.body
    report = reply.json()
    [row] = [r for r in report["rows"] if r["key"] == "cart-recovery"]
    sent = [
        e for e in uploaded.call("GET", "/_local/outbox").json()["emails"] if e["workflow"] == "cart-recovery"
    ]
    assert row["emails"] == len(sent) >= 3
    assert row["usd"]["ses"] == pytest.approx(len(sent) * 0.0001, abs=1e-6)
    assert row["usd"]["stepfunctions"] > 0, "ended runs bill their state transitions"
    assert row["total_usd"] == pytest.approx(sum(row["usd"].values()), abs=1e-5)
    assert report["currency"] == "USD"
    csv = uploaded.call("GET", query, token=FINANCE, headers={"Accept": "text/csv"})
    assert csv.status == 200
    assert csv.body.decode().splitlines()[0].startswith("key,emails")


def test_bad_inputs_get_4xx_naming_the_field(uploaded: LocalClient) -> None:
    bad = uploaded.call("POST", "/v1/events", {"type": "cart_updated"}, headers={"X-Site-Key": SITE})
    assert bad.status == 422
    assert bad.json()["error"] == "invalid_events"
    assert uploaded.call("POST", "/v1/events", {"type": "x", "email": "a@b.co"}).status == 401
    broken = uploaded.call("PUT", "/admin/workflows/broken", raw=b"{not json", token=MARKETER)
    assert broken.status == 400
    assert broken.json()["details"][0]["field"] == "body"
    invalid = uploaded.call(
        "PUT", "/admin/workflows/cart-recovery", {**_workflow(), "start": "nowhere"}, token=MARKETER
    )
    assert invalid.status == 422
    assert {"pointer": "/start", "message": "'start' names step 'nowhere', which does not exist"} in (
        invalid.json()["details"]
    )
    assert uploaded.call("POST", "/_local/clock", {"advance": "soon"}).status == 400
