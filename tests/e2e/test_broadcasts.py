"""A broadcast played over HTTP against the local stack, as a marketer and a finance user would."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import LocalClient

pytestmark = pytest.mark.e2e
# 31 new addresses from one source in one hour: more than the publishable site key may enrol, so
# they come from the shop's backend, with its server key.
MARKETER, FINANCE, SERVER = "local-marketer-token", "local-finance-token", "local-server-key"
TEMPLATE = {
    "subject": "Spring collection, {{ contact.first_name }}",
    "html": '<p>New in.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a> {{ postal_address }}</p>',
}
COHORT = {"field": "contact.properties.cohort", "op": "eq", "value": "spring"}


def _emails(stack: LocalClient, workflow: str) -> list[dict[str, Any]]:
    return [e for e in stack.call("GET", "/_local/outbox").json()["emails"] if e["workflow"] == workflow]


def _progress(stack: LocalClient, broadcast_id: str) -> dict[str, Any]:
    reply = stack.call("GET", f"/admin/broadcasts/{broadcast_id}", token=MARKETER)
    assert reply.status == 200
    return reply.json()  # type: ignore[no-any-return]


def _at(stack: LocalClient, delta: timedelta) -> str:
    now = datetime.fromisoformat(stack.call("GET", "/_local/health").json()["now"])
    return (now + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_broadcast_reaches_the_segment_once_each_skips_the_unsubscribed_and_is_costed(
    stack: LocalClient,
) -> None:
    assert stack.call("PUT", "/admin/templates/spring", TEMPLATE, token=MARKETER).status == 201
    people = [f"spring{i}@example.com" for i in range(30)]
    for i, email in enumerate(people):
        traits = {"first_name": f"P{i}", "cohort": "spring"}
        event = {"type": "signed_up", "email": email, "traits": traits}
        assert stack.call("POST", "/v1/events", event, token=SERVER).status == 202
    outsider = {"type": "signed_up", "email": "autumn@example.com", "traits": {"cohort": "autumn"}}
    stack.call("POST", "/v1/events", outsider, token=SERVER)

    start_day = _at(stack, timedelta())[:10]
    # A first broadcast, now: everyone in the segment; then five people unsubscribe from it.
    body = {"name": "Spring preview", "template": "spring", "segment": COHORT}
    first = stack.call("POST", "/admin/broadcasts", body, token=MARKETER)
    assert first.status == 202
    first_id = first.json()["id"]
    preview = _emails(stack, f"broadcast:{first_id}")
    assert sorted(e["to"] for e in preview) == sorted(people)
    for email in preview[:5]:
        link = re.search(r"<(http://[^>]+/u/[^>]+)>", email["headers"]["List-Unsubscribe"])
        assert link is not None
        done = stack.call(
            "POST",
            link.group(1),
            raw=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert done.status == 200
    gone = {e["to"] for e in preview[:5]}

    # The second broadcast waits for its time on the local clock.
    body = {
        "name": "Spring launch",
        "template": "spring",
        "segment": COHORT,
        "send_at": _at(stack, timedelta(hours=2)),
    }
    launch = stack.call("POST", "/admin/broadcasts", body, token=MARKETER).json()
    assert launch["status"] == "scheduled"
    stack.call("POST", "/_local/clock", {"advance": "PT1H"})
    assert _emails(stack, f"broadcast:{launch['id']}") == []
    stack.call("POST", "/_local/clock", {"advance": "PT1H5M"})
    sent = _emails(stack, f"broadcast:{launch['id']}")
    assert Counter(e["to"] for e in sent) == Counter(set(people) - gone), "each once, nobody unsubscribed"
    assert all(e["subject"].startswith("Spring collection, P") for e in sent)
    progress = _progress(stack, launch["id"])
    assert progress["status"] == "completed"
    assert progress["counts"] == {
        "matched": 30,
        "sent": 25,
        "unconfirmed": 0,
        "skipped": {"unsubscribed": 5},
        "skipped_total": 5,
        "failed": 0,
    }

    # Finance sees each broadcast as its own row of the cost report.
    day = _at(stack, timedelta())[:10]
    report = stack.call(
        "GET", f"/admin/costs?from={start_day}&to={day}&group_by=workflow", token=FINANCE
    ).json()
    rows = {r["key"]: r for r in report["rows"]}
    assert rows[f"broadcast:{first_id}"]["emails"] == 30
    assert rows[f"broadcast:{launch['id']}"]["emails"] == 25


def test_a_broadcast_cancelled_before_its_time_sends_nothing(stack: LocalClient) -> None:
    stack.call("PUT", "/admin/templates/spring", TEMPLATE, token=MARKETER)
    body = {
        "name": "Flash sale",
        "template": "spring",
        "segment": COHORT,
        "send_at": _at(stack, timedelta(hours=1)),
    }
    created = stack.call("POST", "/admin/broadcasts", body, token=MARKETER).json()
    cancel = stack.call("POST", f"/admin/broadcasts/{created['id']}/cancel", token=MARKETER)
    assert cancel.status == 200
    assert cancel.json()["status"] == "cancelled"
    stack.call("POST", "/_local/clock", {"advance": "PT3H"})
    assert _emails(stack, f"broadcast:{created['id']}") == []
    assert _progress(stack, created["id"])["status"] == "cancelled"
    refused = stack.call(
        "POST",
        "/admin/broadcasts",
        {**body, "template": "nope", "send_at": _at(stack, timedelta(hours=1))},
        token=MARKETER,
    )
    assert refused.status == 422
    assert refused.json()["details"][0]["field"] == "template"
    unknown = stack.call("POST", "/admin/broadcasts/b_unknown/cancel", token=MARKETER)
    assert unknown.status == 404
