"""An email step's ``subject`` is a template too: checked at upload as a template's subject is."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.sending.checks import check_subject
from nurtureflow.simulation.memory import MemoryTemplates
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow

TEMPLATES = MemoryTemplates()
TEMPLATES.put(
    "greeting", {"kind": "partial", "html": "<p>x</p>", "subject": "Hello {{ contact.first_name }}"}
)


def _subject_problems(subject: str) -> list[str]:
    return check_subject(subject, TEMPLATES)


def _with_subject(document: dict[str, Any], subject: Any) -> dict[str, Any]:
    step = next(s for s in document["steps"].values() if s["type"] == "email")
    step["subject"] = subject
    return document


@pytest.mark.parametrize(
    ("subject", "words"),
    [
        ('{{ "".__class__.__mro__ }}', "is not allowed"),
        ("{{ ", "line 1"),
        ("{{ joiner() }}", "'joiner'"),
        ('{{ "{0.__class__}"|format(1) }}', "__class__"),
        ("{{ 1 / contact.properties.nothing_here }}", "sample contact"),
        ("{% for i in range(10000) %}{% for j in range(10000) %}x{% endfor %}{% endfor %}", "sample contact"),
        ('{% include "missing" %}', "'missing'"),
    ],
)
def test_a_subject_an_upload_would_refuse_is_refused_at_its_pointer(
    cart_recovery: dict[str, Any], subject: str, words: str
) -> None:
    with pytest.raises(WorkflowInvalidError) as caught:
        validate_workflow(_with_subject(cart_recovery, subject), lambda t: True, _subject_problems)
    messages = {i.pointer: i.message for i in caught.value.issues}
    pointer = next(p for p in messages if p.endswith("/subject"))
    assert words in messages[pointer]


@pytest.mark.parametrize(
    "subject",
    ["Last chance, {{ contact.first_name | default('friend') }}", '{% include "greeting" %}', "Plain"],
)
def test_a_good_subject_passes(cart_recovery: dict[str, Any], subject: str) -> None:
    workflow = validate_workflow(_with_subject(cart_recovery, subject), lambda t: True, _subject_problems)
    assert subject in [getattr(s, "subject", None) for s in workflow.steps.values()]
