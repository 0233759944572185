"""Every input to ``POST /v1/events`` gets an answer: values DynamoDB cannot hold are refused naming
their JSON path, before anything is written; nulls unset traits; hostile JSON is a 400 on any route."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import ADMIN, MARKETER, SITE, Harness
from tests.support.numbers import as_decimals


def _fields(body: dict[str, Any]) -> list[str]:
    return [d["field"] for d in body["details"]]


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


def _stored_nothing_for(address: str) -> bool:
    contact_id = contact_id_for(address)
    return wiring.contacts().get(contact_id) is None and wiring.events().history(contact_id) == []


def test_a_null_trait_unsets_it_and_a_null_named_trait_clears_the_field(harness: Harness) -> None:
    address = "nul@example.com"
    first = {"type": "form_submitted", "email": address, "traits": {"first_name": "Nia", "phone": "555"}}
    assert harness.event(first).status == 202
    second = {"type": "form_submitted", "email": address, "traits": {"first_name": None, "phone": None}}
    assert harness.event(second).status == 202
    contact = wiring.contacts().get(contact_id_for(address))
    assert contact is not None
    assert (contact.first_name, contact.properties) == (None, {})
    assert len([e for e in wiring.events().history(contact.id) if e.type == "form_submitted"]) == 2
    # A null for a trait the contact never had is no error either, on a new contact too.
    fresh = {"type": "page_viewed", "email": "nul2@example.com", "traits": {"x": None}}
    assert harness.event(fresh).status == 202


@pytest.mark.parametrize(
    ("traits", "field"),
    [
        ({"": 1}, "traits/"),
        ({"phone": 1e300}, "traits/phone"),
        ({"phone": -1e300}, "traits/phone"),
        ({"phone": 1e-300}, "traits/phone"),
        ({"phone": 10**38 + 1}, "traits/phone"),
        ({"phone": "a\x00b"}, "traits/phone"),
        ({"a\x00b": 1}, "traits/a\x00b"),
        ({"first_name": 7}, "traits/first_name"),
        ({"k" * 256: 1}, "traits/" + "k" * 256),
        ({"deep": _nested(33)}, "traits/deep" + "/a" * 32),
        ({"list": [[1, {"": 2}]]}, "traits/list/0/1/"),
    ],
)
def test_a_value_dynamodb_cannot_hold_refuses_the_batch_naming_its_path(
    harness: Harness, traits: dict[str, Any], field: str
) -> None:
    batch = [{"type": "page_viewed", "email": f"ok{i}@example.com"} for i in range(3)]
    batch.append({"type": "form_submitted", "email": "bad@example.com", "traits": traits})
    answer = harness.event({"batch": batch})
    assert answer.status == 422
    assert _fields(answer.json()) == [f"batch/3/{field}"]
    assert all(_stored_nothing_for(f"ok{i}@example.com") for i in range(3))
    assert _stored_nothing_for("bad@example.com")


def test_the_same_values_are_refused_in_properties(harness: Harness) -> None:
    for value in (1e300, 1e-300, 10**40 + 1):
        event = {"type": "page_viewed", "email": "prop@example.com", "properties": {"v": value}}
        answer = harness.event(event)
        assert answer.status == 422
        assert _fields(answer.json()) == ["properties/v"]
    assert _stored_nothing_for("prop@example.com")


def test_values_at_the_limits_are_stored_faithfully(harness: Harness) -> None:
    address = "edge@example.com"
    traits = {
        "big": 10**38 - 1,
        "round": 10**125,
        "tiny": 1e-130,
        "huge": 9.99e125,
        "zero": 0.0,
        "deep": _nested(32),
        "odd key.with #dots": "é 😀",
        "empty": "",
    }
    properties = {"v": -(10**37), "nested": [1, [2, {"x": None}]], "k": "text"}
    event = {"type": "form_submitted", "email": address, "traits": traits, "properties": properties}
    answer = harness.event(event)
    assert answer.status == 202
    contact = wiring.contacts().get(contact_id_for(address))
    assert contact is not None
    assert as_decimals(contact.properties) == as_decimals(traits)
    [stored] = [e for e in wiring.events().history(contact.id) if e.type == "form_submitted"]
    assert as_decimals(stored.properties) == as_decimals({**properties, "nested": [1, [2, {}]]})
    # Export and erase read the contact back whole.
    assert harness.http("GET", f"/admin/contacts/{address}", token=ADMIN).status == 200
    assert harness.http("DELETE", f"/admin/contacts/{address}", token=ADMIN).status == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"a":' * 65 + b"1" + b"}" * 65,
        b'{"type": "page_viewed", "email": "j@example.com", "properties": {"n": ' + b"1" * 4301 + b"}}",
        b'{"type": "page_viewed", "email": "j@example.com", "properties": {"n": NaN}}',
        b'{"type": "page_viewed", "email": "j@example.com", "properties": {"n": Infinity}}',
        b'{"type": "page_viewed", "email": "j@example.com", "properties": {"n": -Infinity}}',
        b'{"type": "page_viewed", "email": "j@example.com", "properties": {"n": "\\ud800"}}',
        b'{"type": "page_viewed", "email": "j@example.com", "traits": {"\\udfff": 1}}',
    ],
)
def test_hostile_json_is_a_400_on_every_json_route(harness: Harness, raw: bytes) -> None:
    routes = [
        ("POST", "/v1/events", {"X-Site-Key": SITE}, None),
        ("PUT", "/admin/workflows/hostile", {}, MARKETER),
        ("POST", "/admin/workflows/validate", {}, MARKETER),
        ("POST", "/admin/templates/hostile/preview", {}, MARKETER),
        ("POST", "/admin/broadcasts", {}, MARKETER),
        ("PUT", "/admin/scoring", {}, MARKETER),
    ]
    for method, path, headers, token in routes:
        answer = harness.http(method, path, raw, token=token, headers=headers)
        assert answer.status == 400, (path, answer.body[:200])
        assert answer.json()["error"] == "invalid_request"
    assert _stored_nothing_for("j@example.com")


def test_a_preview_of_contact_data_nested_500_deep_is_a_400(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-deep", {"subject": "Hi", "html": "<p>x</p>"}, token=MARKETER)
    for body in ({"contact": {"p": _nested(500)}}, {"contact": {}, "event": {"properties": _nested(500)}}):
        answer = harness.http("POST", "/admin/templates/it-deep/preview", body, token=MARKETER)
        assert answer.status == 400


@pytest.mark.parametrize(
    "token",
    ["", "a", "a.b.c", "%00", "%ED%A0%80", "%F0%9F%98%80", "x" * 5000, "..", "a%2Fb", "é.é.é", "%22%3E"],
)
def test_a_token_of_any_shape_is_a_400_on_the_track_routes(harness: Harness, token: str) -> None:
    for method, prefix in (("GET", "/t/o/"), ("GET", "/t/c/"), ("GET", "/u/"), ("POST", "/u/")):
        body = b"List-Unsubscribe=One-Click" if method == "POST" else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = harness.http(method, prefix + token, body, headers=headers)
        assert 400 <= answer.status < 500, (method, prefix, token, answer.status)


@pytest.mark.parametrize("bad", ["%C3%A9", "a%2Fb", "a%00b", "%ED%A0%80", "x" * 3000, "..", "%20"])
def test_an_odd_id_in_any_admin_path_is_a_4xx(harness: Harness, bad: str) -> None:
    calls = [
        ("GET", f"/admin/workflows/{bad}"),
        ("PUT", f"/admin/workflows/{bad}"),
        ("DELETE", f"/admin/workflows/{bad}"),
        ("GET", f"/admin/workflows/{bad}/stats"),
        ("GET", f"/admin/workflows/{bad}/diagram"),
        ("GET", f"/admin/workflows/{bad}/versions/1"),
        ("POST", f"/admin/workflows/{bad}/activate"),
        ("POST", f"/admin/workflows/{bad}/pause"),
        ("POST", f"/admin/workflows/{bad}/enroll"),
        ("POST", f"/admin/workflows/{bad}/simulate"),
        ("GET", f"/admin/templates/{bad}"),
        ("PUT", f"/admin/templates/{bad}"),
        ("POST", f"/admin/templates/{bad}/preview"),
        ("GET", f"/admin/broadcasts/{bad}"),
        ("POST", f"/admin/broadcasts/{bad}/cancel"),
        ("GET", f"/admin/contacts/{bad}"),
        ("DELETE", f"/admin/contacts/{bad}"),
    ]
    for method, path in calls:
        body = {"contacts": ["a@example.com"]} if path.endswith("/enroll") else {}
        answer = harness.http(method, path, body if method in ("PUT", "POST") else None, token=ADMIN)
        assert 400 <= answer.status < 500, (method, path[:80], answer.status, answer.body[:200])


def test_traits_past_100_keys_or_a_contact_past_its_size_are_refused_before_any_write(
    harness: Harness,
) -> None:
    address = "many@example.com"
    assert harness.event({"type": "form_submitted", "email": address}).status == 202
    hundred = {f"k{i}": i for i in range(100)}
    assert harness.event({"type": "form_submitted", "email": address, "traits": hundred}).status == 202
    nulls = {f"k{i}": None for i in range(100)}
    assert harness.event({"type": "form_submitted", "email": address, "traits": nulls}).status == 202
    too_many = harness.event({"type": "form_submitted", "email": address, "traits": {**hundred, "k100": 1}})
    assert (too_many.status, _fields(too_many.json())) == (422, ["traits"])
    half = {"type": "form_submitted", "email": address, "traits": {"a": "x" * 200_000}}
    assert harness.event(half).status == 202
    contact = wiring.contacts().get(contact_id_for(address))
    assert contact is not None
    batch = [{"type": "cta_clicked", "email": address}, {**half, "traits": {"b": "y" * 200_000}}]
    grown = harness.event({"batch": batch})
    assert (grown.status, _fields(grown.json())) == (422, ["batch/1/traits"])
    assert wiring.contacts().get(contact_id_for(address)) == contact
    assert not [e for e in wiring.events().history(contact.id) if e.type == "cta_clicked"]
