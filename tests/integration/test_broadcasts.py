"""Broadcasts through the admin handler, the broadcast state machine and the broadcast function (moto)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness

TEMPLATE = {
    "subject": "Winter sale, {{ contact.first_name | default('friend', true) }}",
    "html": "<p>50% off</p>",
}


def _cohort(harness: Harness, size: int) -> tuple[str, list[str]]:
    """``size`` new contacts sharing a cohort property no other test uses; their addresses."""
    cohort = "bc-" + uuid.uuid4().hex[:8]
    emails = [f"{cohort}-{i}@example.com" for i in range(size)]
    for email in emails:
        assert (
            harness.event({"type": "page_viewed", "email": email, "traits": {"cohort": cohort}}).status == 202
        )
    harness.http("PUT", "/admin/templates/it-sale", TEMPLATE, token=MARKETER)
    return cohort, emails


def _segment(cohort: str) -> dict[str, Any]:
    return {"field": "contact.properties.cohort", "op": "eq", "value": cohort}


def _now(harness: Harness) -> datetime:
    return harness.stack.clock.now()


def _broadcast(harness: Harness, cohort: str, **extra: Any) -> dict[str, Any]:
    body = {"name": "Winter sale", "template": "it-sale", "segment": _segment(cohort), **extra}
    reply = harness.http("POST", "/admin/broadcasts", body, token=MARKETER)
    assert reply.status == 202, reply.body
    return reply.json()  # type: ignore[no-any-return]


def _progress(harness: Harness, broadcast_id: str) -> dict[str, Any]:
    reply = harness.http("GET", f"/admin/broadcasts/{broadcast_id}", token=MARKETER)
    assert reply.status == 200, reply.body
    return reply.json()  # type: ignore[no-any-return]


def _mark(email: str, **fields: Any) -> None:
    wiring.contacts().apply(contact_id_for(email), fields, 0, datetime.now(UTC).isoformat())


def test_a_broadcast_sends_once_to_each_matching_contact_and_skips_the_unreachable(harness: Harness) -> None:
    cohort, emails = _cohort(harness, 12)
    _, others = _cohort(harness, 2)
    _mark(emails[0], unsubscribed=True)
    _mark(emails[1], unsubscribed=True)
    _mark(emails[2], suppressed=True)
    created = _broadcast(harness, cohort)
    assert created["status"] == "scheduled"
    assert created["id"].startswith("b_")
    progress = _progress(harness, created["id"])
    assert progress["status"] == "completed"
    assert progress["counts"] == {
        "matched": 12,
        "sent": 9,
        "unconfirmed": 0,
        "skipped": {"suppressed": 1, "unsubscribed": 2},
        "skipped_total": 3,
        "failed": 0,
    }
    assert progress["name"] == "Winter sale"
    assert progress["segment"] == _segment(cohort)
    for email in emails[3:]:
        [sent] = harness.sent_to(email)
        assert sent["subject"] == "Winter sale, friend"
        assert sent["workflow"] == f"broadcast:{created['id']}"
    for email in emails[:3] + others:
        assert harness.sent_to(email) == []


def test_a_double_opt_in_broadcast_mails_only_the_confirmed(harness: Harness) -> None:
    cohort, emails = _cohort(harness, 4)
    for email in emails[:2]:
        confirmed = {"type": "consent_confirmed", "email": email, "properties": {"wording": "Yes, the news"}}
        assert harness.event(confirmed).status == 202
    created = _broadcast(harness, cohort, consent="double_opt_in")
    progress = _progress(harness, created["id"])
    assert progress["consent"] == "double_opt_in"
    assert progress["counts"]["sent"] == 2
    assert progress["counts"]["skipped"] == {"no_consent": 2}
    assert [len(harness.sent_to(email)) for email in emails] == [1, 1, 0, 0]


def test_a_retried_batch_sends_nobody_twice_and_counts_nobody_twice(harness: Harness) -> None:
    cohort, emails = _cohort(harness, 3)
    created = _broadcast(harness, cohort)
    before = _progress(harness, created["id"])["counts"]
    contacts = [contact_id_for(e) for e in emails]
    # The broadcast ended: a replayed batch finds it completed and sends nothing...
    again = harness.stack.lambdas.invoke(
        "broadcast", {"action": "batch", "broadcast": created["id"], "contacts": contacts}
    )
    assert again == {"counted": 0}
    # ...and while it is sending, a replayed batch meets the idempotent send and the count-once markers.
    wiring.broadcasts().move(created["id"], ("completed",), "sending", {})
    again = harness.stack.lambdas.invoke(
        "broadcast", {"action": "batch", "broadcast": created["id"], "contacts": contacts}
    )
    assert again == {"counted": 0}
    assert [len(harness.sent_to(e)) for e in emails] == [1, 1, 1]
    assert _progress(harness, created["id"])["counts"] == before == {**before, "sent": 3}


def test_the_broadcast_is_costed_under_its_own_workflow_key(harness: Harness) -> None:
    cohort, _ = _cohort(harness, 4)
    created = _broadcast(harness, cohort)
    today = _now(harness).date().isoformat()
    report = harness.http(
        "GET", f"/admin/costs?from={today}&to={today}&group_by=workflow", token=FINANCE
    ).json()
    [row] = [r for r in report["rows"] if r["key"] == f"broadcast:{created['id']}"]
    assert row["emails"] == 4
    # The broadcast's execution is costed once, under its key, not as an unknown workflow's run.
    assert "(unknown)" not in {r["key"] for r in report["rows"]}
    assert float(row["usd"]["ses"]) > 0
    assert float(row["usd"]["stepfunctions"]) > 0


def test_a_broadcast_is_sent_at_the_set_rate_page_by_page(harness: Harness) -> None:
    slow = {"NURTUREFLOW_BROADCAST_RATE_PER_SECOND": "1", "NURTUREFLOW_BROADCAST_PAGE_SECONDS": "3"}
    with harness.stack.lambdas.configured("broadcast", **slow):
        _sent_at_the_set_rate(harness)


def _sent_at_the_set_rate(harness: Harness) -> None:
    cohort, emails = _cohort(harness, 9)
    created = _broadcast(harness, cohort)
    progress = _progress(harness, created["id"])
    assert progress["status"] == "sending"
    assert 0 < progress["counts"]["sent"] < 9, "the first page only, then a wait"
    harness.stack.advance(timedelta(minutes=1))
    progress = _progress(harness, created["id"])
    assert progress["status"] == "completed"
    assert progress["counts"]["sent"] == 9
    times = sorted(datetime.fromisoformat(harness.sent_to(e)[0]["sent_at"]) for e in emails)
    # 9 emails at 1 a second: the last leaves at least 6 seconds after the first (pages of 3 or more).
    assert times[-1] - times[0] >= timedelta(seconds=6)


def test_a_broadcast_cancelled_before_send_at_sends_nothing(harness: Harness) -> None:
    cohort, emails = _cohort(harness, 3)
    send_at = (_now(harness) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = _broadcast(harness, cohort, send_at=send_at)
    assert _progress(harness, created["id"])["send_at"] == send_at
    cancelled = harness.http("POST", f"/admin/broadcasts/{created['id']}/cancel", token=MARKETER)
    assert cancelled.status == 200
    assert cancelled.json()["status"] == "cancelled"
    harness.stack.advance(timedelta(hours=2))
    assert all(harness.sent_to(e) == [] for e in emails)
    progress = _progress(harness, created["id"])
    assert progress["status"] == "cancelled"
    assert progress["counts"]["sent"] == 0
    again = harness.http("POST", f"/admin/broadcasts/{created['id']}/cancel", token=MARKETER)
    assert again.status == 200
    assert again.json()["status"] == "cancelled"


def test_a_future_broadcast_waits_for_the_clock(harness: Harness) -> None:
    cohort, emails = _cohort(harness, 2)
    send_at = _now(harness) + timedelta(minutes=30)
    created = _broadcast(harness, cohort, send_at=send_at.isoformat())
    harness.stack.advance(timedelta(minutes=29))
    assert _progress(harness, created["id"])["status"] == "scheduled"
    assert harness.sent_to(emails[0]) == []
    harness.stack.advance(timedelta(minutes=2))
    assert _progress(harness, created["id"])["status"] == "completed"
    [email] = harness.sent_to(emails[0])
    assert email["sent_at"] == send_at.astimezone(UTC).replace(microsecond=0).isoformat()


def test_cancelling_a_completed_broadcast_is_a_conflict_and_unknown_ids_are_404(harness: Harness) -> None:
    cohort, _ = _cohort(harness, 1)
    created = _broadcast(harness, cohort)
    reply = harness.http("POST", f"/admin/broadcasts/{created['id']}/cancel", token=ADMIN)
    assert reply.status == 409
    assert reply.json()["error"] == "conflict"
    assert _progress(harness, created["id"])["status"] == "completed"
    assert harness.http("GET", "/admin/broadcasts/b_nope", token=MARKETER).status == 404
    assert harness.http("POST", "/admin/broadcasts/b_nope/cancel", token=MARKETER).status == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"template": "no-such-template"}, "template"),
        ({"template": "it-sale-layout"}, "template"),  # a layout is never sent alone
        ({"segment": {"field": "contact.score", "op": "bigger", "value": 1}}, "segment"),
        ({"segment": {"field": "event.form", "op": "eq", "value": "x"}}, "segment"),
        ({"segment": {"email": "welcome", "opened": True}}, "segment"),
        ({"send_at": "2020-01-01T00:00:00Z"}, "send_at"),
        ({"send_at": "2099-01-01T00:00:00Z"}, "send_at"),
        ({"send_at": "tomorrow"}, "send_at"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"surprise": 1}, "surprise"),
        ({"consent": "single"}, "consent"),
    ],
)
def test_bad_broadcasts_are_refused_naming_the_field(
    harness: Harness, change: dict[str, Any], field: str
) -> None:
    harness.http("PUT", "/admin/templates/it-sale", TEMPLATE, token=MARKETER)
    layout = {"kind": "layout", "html": "<div>{% block content %}{% endblock %}</div>"}
    assert harness.http("PUT", "/admin/templates/it-sale-layout", layout, token=MARKETER).status in (200, 201)
    body = {"name": "Sale", "template": "it-sale", "segment": _segment("x"), **change}
    body = {k: v for k, v in body.items() if v is not None}
    reply = harness.http("POST", "/admin/broadcasts", body, token=MARKETER)
    assert reply.status == 422, reply.body
    assert reply.json()["details"][0]["field"] == field


def test_only_marketers_and_admins_may_broadcast(harness: Harness) -> None:
    body = {"name": "Sale", "template": "it-sale", "segment": _segment("x")}
    assert harness.http("POST", "/admin/broadcasts", body, token=FINANCE).status == 403
    assert harness.http("POST", "/admin/broadcasts", body).status == 401
    assert harness.http("GET", "/admin/broadcasts/b_x", token=FINANCE).status == 403


def test_the_audience_is_counted_before_sending_as_the_broadcast_will_select_it(harness: Harness) -> None:
    cohort, emails = _cohort(harness, 4)
    _mark(emails[0], unsubscribed=True)  # still matches: the send skips it, as the broadcast reports
    reply = harness.http("POST", "/admin/broadcasts/audience", {"segment": _segment(cohort)}, token=MARKETER)
    assert reply.status == 200, reply.body
    counted = reply.json()
    assert (counted["matched"], counted["complete"]) == (4, True)
    assert counted["scanned"] >= 4
    assert harness.sent_to(emails[1]) == []  # counting sends nothing
    made = _broadcast(harness, cohort)
    harness.stack.advance(timedelta(minutes=5))
    assert _progress(harness, made["id"])["counts"]["matched"] == counted["matched"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "segment"),
        ({"segment": "everyone"}, "segment"),
        ({"segment": {"field": "event.type", "op": "eq", "value": "x"}}, "segment"),  # no event here
        ({"segment": {"field": "contact.email", "op": "resembles", "value": "x"}}, "segment"),
    ],
)
def test_a_segment_a_broadcast_would_refuse_is_refused_by_the_count(
    harness: Harness, body: dict[str, Any], field: str
) -> None:
    reply = harness.http("POST", "/admin/broadcasts/audience", body, token=MARKETER)
    assert reply.status == 422, reply.body
    assert reply.json()["details"][0]["field"] == field


def test_the_broadcasts_are_listed_newest_first_page_by_page(harness: Harness) -> None:
    cohort, _ = _cohort(harness, 1)
    made = []
    for _ in range(3):
        made.append(
            _broadcast(harness, cohort, send_at=(_now(harness) + timedelta(days=30)).isoformat())["id"]
        )
        harness.stack.advance(timedelta(seconds=1))  # distinct creation times
    first = harness.http("GET", "/admin/broadcasts?limit=2", token=MARKETER).json()
    assert [b["id"] for b in first["broadcasts"]] == [made[2], made[1]]
    assert first["broadcasts"][0] == _progress(harness, made[2])  # each as GET /admin/broadcasts/{id}
    second = harness.http("GET", f"/admin/broadcasts?limit=2&after={first['next']}", token=MARKETER).json()
    assert second["broadcasts"][0]["id"] == made[0]
    everything = harness.http("GET", "/admin/broadcasts?limit=1000", token=MARKETER).json()
    assert everything["next"] is None
    ids = [b["id"] for b in everything["broadcasts"]]
    created = [b["created_at"] for b in everything["broadcasts"]]
    assert created == sorted(created, reverse=True)
    assert ids.index(made[2]) < ids.index(made[1]) < ids.index(made[0])
    for bad, field in (("?limit=0", "limit"), ("?limit=x", "limit"), ("?after=b_nobody", "after")):
        reply = harness.http("GET", f"/admin/broadcasts{bad}", token=MARKETER)
        assert reply.status == 400, bad
        assert reply.json()["details"][0]["field"] == field
    assert harness.http("GET", "/admin/broadcasts", token=FINANCE).status == 403
    assert (
        harness.http(
            "POST", "/admin/broadcasts/audience", {"segment": _segment(cohort)}, token=FINANCE
        ).status
        == 403
    )


@pytest.mark.parametrize("after", ["", "b_", "x" * 3000, "b_" + "0" * 24, "../b"])
def test_any_after_that_is_no_broadcast_is_a_400_naming_it(harness: Harness, after: str) -> None:
    """Found by the fuzzer: an empty ``after`` reached DynamoDB as an empty key (a 500)."""
    answer = harness.http("GET", f"/admin/broadcasts?after={quote(after)}", token=MARKETER)
    assert answer.status == 400, answer.body
    assert answer.json()["details"][0]["field"] == "after"
