"""``POST /v1/events`` audited against the contract: every refusal is a 4xx naming the field."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import SITE, Harness


def _fields(body: dict[str, Any]) -> list[str]:
    return [d["field"] for d in body["details"]]


def test_a_missing_or_unknown_site_key_is_401_naming_the_header(harness: Harness) -> None:
    for headers in ({}, {"X-Site-Key": "nope"}):
        answer = harness.http(
            "POST", "/v1/events", {"type": "page_viewed", "email": "a@example.com"}, headers=headers
        )
        assert answer.status == 401
        assert _fields(answer.json()) == ["X-Site-Key"]


def test_a_batch_of_100_is_accepted_and_101_is_refused_naming_the_batch(harness: Harness) -> None:
    events = [{"type": "page_viewed", "anonymous_id": f"batch-{i}"} for i in range(101)]
    assert harness.event({"batch": events[:100]}).json() == {"accepted": 100}
    answer = harness.event({"batch": events})
    assert answer.status == 422
    assert _fields(answer.json()) == ["batch"]


def test_a_body_over_the_limit_is_413_naming_the_body(harness: Harness) -> None:
    padding = "é" * (130 * 1024)  # under the limit in characters, over it in UTF-8 bytes
    event = {"type": "page_viewed", "email": "big@example.com", "properties": {"p": padding}}
    raw = json.dumps(event, ensure_ascii=False).encode()
    answer = harness.http("POST", "/v1/events", raw, headers={"X-Site-Key": SITE})
    assert answer.status == 413
    assert _fields(answer.json()) == ["body"]
    assert wiring.contacts().get(contact_id_for("big@example.com")) is None


def test_a_body_that_is_not_json_is_400_naming_the_body(harness: Harness) -> None:
    answer = harness.http("POST", "/v1/events", b"{not json", headers={"X-Site-Key": SITE})
    assert answer.status == 400
    assert _fields(answer.json()) == ["body"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "Page-Viewed", "email": "t@example.com"}, "type"),
        ({"type": "x" * 65, "email": "t@example.com"}, "type"),
        ({"email": "t@example.com"}, "type"),
        ({"type": "page_viewed", "email": "t@example.com", "colour": "red"}, "colour"),
        (
            {"type": "page_viewed", "email": "t@example.com", "occurred_at": "2026-11-23T10:00:00"},
            "occurred_at",
        ),
        ({"type": "page_viewed", "email": "t@example.com", "properties": []}, "properties"),
        ({"type": "page_viewed"}, "body"),
    ],
)
def test_each_refusal_names_the_field(harness: Harness, event: dict[str, Any], field: str) -> None:
    answer = harness.event(event)
    assert answer.status == 422
    assert _fields(answer.json()) == [field]


def test_a_custom_type_matching_the_pattern_is_accepted(harness: Harness) -> None:
    assert harness.event({"type": "webinar_attended_2", "email": "cus@example.com"}).status == 202
    history = wiring.events().history(contact_id_for("cus@example.com"))
    assert [e.type for e in history] == ["webinar_attended_2"]


def test_a_retried_batch_counts_each_event_once(harness: Harness) -> None:
    batch = {"batch": [{"id": f"r-{i}", "type": "cta_clicked", "email": "ret@example.com"} for i in range(3)]}
    assert harness.event(batch).status == 202
    assert harness.event(batch).status == 202
    assert len(wiring.events().history(contact_id_for("ret@example.com"))) == 3


def test_the_preflight_is_refused_for_an_origin_no_site_allows(harness: Harness) -> None:
    answer = harness.http("OPTIONS", "/v1/events", headers={"Origin": "https://evil.example"})
    assert answer.status == 403
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert _fields(answer.json()) == ["Origin"]


def test_occurred_at_beyond_a_day_ahead_or_the_retention_is_refused_naming_it(harness: Harness) -> None:
    now = wiring.clock.now()
    ahead, old = now + timedelta(hours=25), now - timedelta(days=401)
    single = harness.event(
        {"type": "page_viewed", "email": "when@example.com", "occurred_at": ahead.isoformat()}
    )
    assert single.status == 422
    assert _fields(single.json()) == ["occurred_at"]
    batch = [
        {
            "type": "page_viewed",
            "email": "when@example.com",
            "occurred_at": (now + timedelta(hours=23)).isoformat(),
        },
        {"type": "page_viewed", "email": "when@example.com", "occurred_at": old.isoformat()},
        {"type": "page_viewed", "email": "when@example.com", "occurred_at": ahead.isoformat()},
    ]
    answer = harness.event({"batch": batch})
    assert answer.status == 422
    assert _fields(answer.json()) == ["batch/1/occurred_at", "batch/2/occurred_at"]
    assert wiring.contacts().get(contact_id_for("when@example.com")) is None
    assert harness.event({"batch": batch[:1]}).status == 202
