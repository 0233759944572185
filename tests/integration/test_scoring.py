"""Lead scoring end to end: rules through the admin API, events scored by the trigger function, update
steps scored by the step function, caps, stages, decay and the history of every change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from nurtureflow import wiring
from nurtureflow.contacts.model import Contact, contact_id_for
from nurtureflow.scoring.rules import DEFAULT_DOCUMENT
from nurtureflow.scoring.service import RULES_MAX_AGE_SECONDS
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness

RULES = {
    "schema": "scoring/v1",
    "rules": [
        {
            "id": "demo",
            "event": "it_demo_requested",
            "where": {"field": "event.seats", "op": "gte", "value": 10},
            "points": 30,
        },
        {"id": "webinar", "event": "it_webinar", "points": 4, "cap": {"points": 10, "per": "P1D"}},
        {"id": "churn-risk", "event": "it_downgraded", "points": -15},
    ],
    "decay": {"half_life": "P30D"},
    "stages": [{"stage": "lead", "at": 10}, {"stage": "mql", "at": 40}],
}


RULES_REACH_EVERY_FUNCTION = timedelta(seconds=RULES_MAX_AGE_SECONDS)


@pytest.fixture
def rules(harness: Harness) -> Iterator[None]:
    assert harness.http("PUT", "/admin/scoring", RULES, token=MARKETER).status == 200
    # Warm functions read the rules at most once a minute (docs/scoring.md): as in AWS, the other
    # functions score with them a minute after the upload.
    harness.stack.advance(RULES_REACH_EVERY_FUNCTION)
    yield
    # Other tests of the session score with the defaults' behaviour.
    assert harness.http("PUT", "/admin/scoring", DEFAULT_DOCUMENT, token=ADMIN).status == 200
    harness.stack.advance(RULES_REACH_EVERY_FUNCTION)


def _contact(email: str) -> Contact:
    contact = wiring.contacts().get(contact_id_for(email))
    assert contact is not None
    return contact


def _history(email: str) -> list[dict[str, Any]]:
    """The contact's score changes; the local clock stands still, so those of one moment come by id."""
    changes = [
        e.properties for e in wiring.events().history(contact_id_for(email)) if e.type == "score_changed"
    ]
    return sorted(changes, key=lambda change: -abs(change["delta"]))


def test_rules_are_read_by_every_role_and_written_by_editors_only(harness: Harness) -> None:
    answer = harness.http("GET", "/admin/scoring", token=FINANCE)
    assert answer.status == 200
    assert answer.json()["schema"] == "scoring/v1"
    assert harness.http("PUT", "/admin/scoring", RULES, token=FINANCE).status == 403
    assert harness.http("PUT", "/admin/scoring", RULES).status == 401


def test_invalid_rules_are_refused_with_every_pointer_and_nothing_is_saved(harness: Harness) -> None:
    before = harness.http("GET", "/admin/scoring", token=MARKETER).json()
    broken = {
        **RULES,
        "rules": [{**RULES["rules"][0], "points": "many"}, {**RULES["rules"][1], "cap": {"points": 5}}],
        "stages": [{"stage": "mql", "at": 40}, {"stage": "lead", "at": 10}],
    }
    answer = harness.http("PUT", "/admin/scoring", broken, token=MARKETER)
    assert answer.status == 422
    assert answer.json()["error"] == "invalid_scoring"
    assert {d["pointer"] for d in answer.json()["details"]} == {"/rules/0/points", "/rules/1/cap/per"}
    assert harness.http("GET", "/admin/scoring", token=MARKETER).json() == before


@pytest.mark.usefixtures("rules")
def test_uploaded_rules_score_events_advance_stages_and_keep_their_history(harness: Harness) -> None:
    stored = harness.http("GET", "/admin/scoring", token=FINANCE).json()
    assert stored["default"] is False
    assert stored["rules"][0]["id"] == "demo"
    email = "sco@example.com"
    harness.event({"type": "it_demo_requested", "email": email, "properties": {"seats": 3}})
    assert _contact(email).score == 0, "the rule's where does not hold"
    harness.event({"type": "it_demo_requested", "email": email, "properties": {"seats": 25}})
    contact = _contact(email)
    assert (contact.score, contact.lifecycle_stage) == (30, "lead")
    harness.event({"type": "it_downgraded", "email": email})
    contact = _contact(email)
    assert (contact.score, contact.lifecycle_stage) == (15, "lead"), "stages never move down"
    history = _history(email)
    tracked = {e.id: e.type for e in wiring.events().history(contact_id_for(email))}
    assert [tracked[change.pop("event_id")] for change in history] == ["it_demo_requested", "it_downgraded"]
    assert history == [
        {"delta": 30, "score": 30, "rule": "demo", "stage": "lead", "event": "it_demo_requested"},
        {"delta": -15, "score": 15, "rule": "churn-risk", "stage": "lead", "event": "it_downgraded"},
    ]


@pytest.mark.usefixtures("rules")
def test_a_cap_holds_over_repeated_events_until_its_period_has_passed(harness: Harness) -> None:
    email = "cap@example.com"
    for _ in range(5):
        harness.event({"type": "it_webinar", "email": email})
    assert _contact(email).score == 10, "4 + 4 + 2, then the cap of 10 a day is used up"
    assert [h["delta"] for h in _history(email)] == [4, 4, 2]
    harness.stack.advance(timedelta(days=1, minutes=1))
    harness.event({"type": "it_webinar", "email": email})
    assert [h["delta"] for h in _history(email)] == [4, 4, 4, 2]


@pytest.mark.usefixtures("rules")
def test_a_redelivered_event_is_scored_once(harness: Harness) -> None:
    email = "twice@example.com"
    event = {"id": "it-demo-once", "type": "it_demo_requested", "email": email, "properties": {"seats": 12}}
    harness.event(event)
    tracked = next(e for e in wiring.events().history(contact_id_for(email)) if e.type == "it_demo_requested")
    wiring.dispatcher().handle(tracked)  # as EventBridge may deliver it again
    assert _contact(email).score == 30


@pytest.mark.usefixtures("rules")
def test_a_score_decays_with_its_half_life_before_the_next_change(harness: Harness) -> None:
    email = "decay@example.com"
    harness.event({"type": "it_demo_requested", "email": email, "properties": {"seats": 40}})
    harness.stack.advance(timedelta(days=30))
    harness.event({"type": "it_downgraded", "email": email})
    assert _contact(email).score == 0, "30 halves to 15 in a half-life, then -15"


@pytest.mark.usefixtures("rules")
def test_update_steps_score_through_the_same_rules_and_branches_see_the_stage(harness: Harness) -> None:
    harness.http(
        "PUT", "/admin/templates/it-scoring-mql", {"subject": "MQL", "html": "<p>Hi</p>"}, token=MARKETER
    )
    workflow = {
        "schema": "workflow/v1",
        "id": "it-scoring-steps",
        "name": "Scored by a step",
        "trigger": {"event": "it_trial_started"},
        "start": "bump",
        "steps": {
            "bump": {"type": "update", "score": 45, "next": "check"},
            "check": {
                "type": "branch",
                "cases": [
                    {"when": {"field": "contact.lifecycle_stage", "op": "eq", "value": "mql"}, "next": "mail"}
                ],
                "default": "done",
            },
            "mail": {"type": "email", "template": "it-scoring-mql"},
            "done": {"type": "exit"},
        },
    }
    assert harness.http("PUT", "/admin/workflows/it-scoring-steps", workflow, token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/it-scoring-steps/activate", token=MARKETER)
    email = "step@example.com"
    harness.event({"type": "it_trial_started", "email": email})
    contact = _contact(email)
    assert (contact.score, contact.lifecycle_stage) == (45, "mql")
    [change] = _history(email)
    assert change == {"delta": 45, "score": 45, "step": "bump", "stage": "mql"}
    assert [e["subject"] for e in harness.sent_to(email)] == ["MQL"]


def test_a_retried_update_step_scores_once_and_a_second_visit_scores_again(harness: Harness) -> None:
    email = "retried@example.com"
    harness.event({"type": "page_viewed", "email": email})
    contact_id = contact_id_for(email)
    run = {"workflow": "it-retry", "version": 1, "contact_id": contact_id, "event": {}, "enrolment": "e"}
    visit = {"action": "update", "step": "bump", "changes": {"score": 7}, "run": run,
             "execution": "arn:aws:states:us-east-1:1:execution:m:retried",
             "entered": "2026-11-23T10:00:00Z"}  # fmt: skip
    before = _contact(email).score
    for _ in range(3):  # a Lambda retry and a Step Functions retry of the same visit
        harness.stack.lambdas.invoke("step", visit)
    assert _contact(email).score == before + 7
    harness.stack.lambdas.invoke("step", {**visit, "entered": "2026-11-24T10:00:00Z"})  # a loop comes back
    assert _contact(email).score == before + 14
    assert [c["delta"] for c in _history(email) if c.get("step") == "bump"] == [7, 7]
