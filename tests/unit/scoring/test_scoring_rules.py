"""The scoring rules document: the defaults are valid, and every error is named by its pointer."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from nurtureflow.events.model import KNOWN_TYPES, PLATFORM_TYPES
from nurtureflow.scoring.errors import ScoringInvalidError
from nurtureflow.scoring.rules import DEFAULT_DOCUMENT, DEFAULT_RULES
from nurtureflow.scoring.validate import validate_rules


def pointers(document: Any) -> dict[str, str]:
    with pytest.raises(ScoringInvalidError) as caught:
        validate_rules(document)
    return {issue.pointer: issue.message for issue in caught.value.issues}


def test_the_defaults_validate_and_score_events_the_platform_records() -> None:
    assert validate_rules(DEFAULT_DOCUMENT) == DEFAULT_RULES
    assert {rule.event for rule in DEFAULT_RULES.rules} <= KNOWN_TYPES | PLATFORM_TYPES
    assert [s.stage for s in DEFAULT_RULES.stages] == ["lead", "mql", "sql"]
    assert DEFAULT_RULES.as_document()["schema"] == "scoring/v1"
    negative = {rule.event for rule in DEFAULT_RULES.rules if rule.points < 0}
    assert {"unsubscribed", "email_bounced"} <= negative


def test_structural_errors_are_all_listed_with_their_pointers() -> None:
    found = pointers(
        {
            "schema": "scoring/v1",
            "rules": [
                {"id": "a", "event": "page_viewed", "points": 1, "where": {"field": "url", "op": "eq"}},
                {"id": "B!", "event": "Bad", "points": 1, "cap": {"points": 0, "per": "P1M"}},
            ],
            "stages": [{"stage": "lead"}],
            "colour": "red",
        }
    )
    assert set(found) == {
        "/colour",
        "/rules/0/where/field",
        "/rules/1/id",
        "/rules/1/event",
        "/rules/1/cap/points",
        "/rules/1/cap/per",
        "/stages/0/at",
    }
    assert "event type" in found["/rules/1/event"]
    assert "months" in found["/rules/1/cap/per"]


def test_meaning_errors_are_all_listed_with_their_pointers() -> None:
    found = pointers(
        {
            "schema": "scoring/v1",
            "rules": [
                {"id": "a", "event": "page_viewed", "points": 0},
                {"id": "a", "event": "score_changed", "points": 2},
                {
                    "id": "b",
                    "event": "email_opened",
                    "points": 2,
                    "where": {"not": {"email": "x", "opened": True}},
                },
                {"id": "c", "event": "form_submitted", "points": 2, "where": {"event": "page_viewed"}},
            ],
            "stages": [
                {"stage": "subscriber", "at": 0},
                {"stage": "mql", "at": 50},
                {"stage": "mql", "at": 40},
            ],
        }
    )
    assert set(found) == {
        "/rules/0/points",
        "/rules/1/id",
        "/rules/1/event",
        "/rules/2/where/not/email",
        "/rules/3/where/event",
        "/stages/0/stage",
        "/stages/2/stage",
        "/stages/2/at",
    }


def test_a_document_that_is_not_an_object_is_refused() -> None:
    assert "/" in pointers(["rules"])


def test_the_example_in_the_scoring_doc_is_valid() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "scoring.md").read_text()
    example = re.search(r"```json\n(.*?)```", doc, re.DOTALL)
    assert example is not None
    assert validate_rules(json.loads(example.group(1))).rules[0].id == "pricing-page"
