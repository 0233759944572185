"""A failure after any write of the ingest path leaves nothing partial: before anything is
published the post's transactions are undone; after, a retry of the same post completes it."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.events.identity import IdentityJoin
from nurtureflow.events.ingest import Ingestion, event_id, parse_post
from nurtureflow.store.ingest_writes import IngestWrites
from tests.integration.conftest import SITE, Harness
from tests.support.faults import FailingAfter, FailingOnce, InjectedFailure
from tests.support.tables import scan_all

BATCH = 12  # two PutEvents calls of ten


def _post(tag: str) -> dict[str, Any]:
    new, old, anon = f"{tag}-new@example.com", f"{tag}-old@example.com", f"{tag}-anon"
    events = [
        {
            "id": f"{tag}-0",
            "type": "form_submitted",
            "email": new,
            "anonymous_id": anon,
            "traits": {"first_name": "Ann", "plan": "pro", "phone": None},
        },
        {
            "id": f"{tag}-1",
            "type": "consent_confirmed",
            "email": old,
            "traits": {"plan": None, "city": "Oslo"},
        },
        {"id": f"{tag}-2", "type": "page_viewed", "anonymous_id": anon},
    ]
    events += [{"id": f"{tag}-{i}", "type": "cta_clicked", "email": old} for i in range(3, BATCH)]
    return {"batch": events}


def _ingestion(writes: Any = None, bus: Any = None, identities: Any = None) -> Ingestion:
    tables = wiring.tables()
    return Ingestion(
        writes or IngestWrites(tables.contacts_table, tables.events_table),
        bus or wiring.bus(),
        wiring.clock,
        identities or IdentityJoin(wiring.events(), wiring.aliases()),
    )


def _accept(ingestion: Ingestion, body: dict[str, Any]) -> int:
    return ingestion.accept(SITE, parse_post(body), batched="batch" in body)


def _snapshot(tag: str) -> dict[str, Any]:
    """Every item the post touches: its two contacts, their events, the anonymous id's events and
    alias, and the id markers of its events. The anonymous visit is kept by id, not by owner:
    moving anonymous history to a contact is not undone (docs/tracking.md)."""
    contacts = {contact_id_for(f"{tag}-{who}@example.com") for who in ("new", "old")}
    owners = contacts | {f"anon#{tag}-anon", f"alias#{tag}-anon"}
    visit = event_id(SITE, f"{tag}-h")
    markers = {f"id#{event_id(SITE, f'{tag}-{i}')}" for i in [*range(BATCH), "s"]}
    events = [i for i in scan_all("events_table") if i["pk"] in owners or i["pk"] in markers]
    return {
        "contacts": sorted((i for i in scan_all("contacts_table") if i["pk"] in contacts), key=str),
        "events": sorted((i for i in events if i.get("id") != visit), key=str),
        "visit": [
            i["sk"] for i in scan_all("events_table") if i.get("id") == visit or i["pk"] == f"id#{visit}"
        ],
    }


def _history(tag: str) -> None:
    """What the post starts from: an anonymous visit, and a contact with a plan."""
    _accept(
        _ingestion(),
        {
            "batch": [
                {"id": f"{tag}-h", "type": "page_viewed", "anonymous_id": f"{tag}-anon"},
                {
                    "id": f"{tag}-s",
                    "type": "form_submitted",
                    "email": f"{tag}-old@example.com",
                    "traits": {"plan": "basic"},
                },
            ]
        },
    )


def _assert_complete(tag: str) -> None:
    new = wiring.contacts().get(contact_id_for(f"{tag}-new@example.com"))
    old = wiring.contacts().get(contact_id_for(f"{tag}-old@example.com"))
    assert new is not None
    assert old is not None
    assert (new.first_name, new.properties, new.anonymous_ids) == ("Ann", {"plan": "pro"}, [f"{tag}-anon"])
    assert old.properties == {"city": "Oslo"}
    assert old.consent is not None
    assert old.consent.status == "confirmed"
    new_history = sorted(e.type for e in wiring.events().history(new.id) if e.type != "score_changed")
    assert new_history == [
        "form_submitted",
        "page_viewed",
        "page_viewed",
    ]  # the visit moved, the later one joined
    old_history = [e.type for e in wiring.events().history(old.id) if e.type == "cta_clicked"]
    assert len(old_history) == BATCH - 3
    assert wiring.events().history(f"anon#{tag}-anon") == []
    assert wiring.aliases().contact_of(f"{tag}-anon") == new.id


class CountingBus:
    def __init__(self, real: Any) -> None:
        self._real, self.published = real, 0

    def publish(self, events: list[Any]) -> None:
        self._real.publish(events)
        self.published += len(events)


def _faulty(kind: str, method: str, call: int) -> Ingestion:
    tables = wiring.tables()
    writes: Any = IngestWrites(tables.contacts_table, tables.events_table)
    bus: Any = wiring.bus()
    identities: Any = IdentityJoin(wiring.events(), wiring.aliases())
    if kind == "writes":
        writes = FailingAfter(writes, method, call)
    elif kind == "identities":
        identities = FailingAfter(identities, method, call)
    elif kind == "bus" and call == 0:
        bus = FailingOnce(bus, method)  # refused outright: nothing was published
    else:
        bus = FailingAfter(bus, method, call)
    return _ingestion(writes, bus, identities)


# Each write of the path: the first, second and last event's transaction, the join's settling
# (alias unlinks, anonymous history moved), and publishing (refused, after the first call of ten,
# after the last).
FAULTS = [
    ("writes", "commit", 1, True),
    ("writes", "commit", 2, True),
    ("writes", "commit", BATCH, True),
    ("identities", "settle", 1, False),
    ("bus", "publish", 0, True),
    ("bus", "publish", 1, False),
    ("bus", "publish", 2, False),
]


@pytest.mark.parametrize(("kind", "method", "call", "undone"), FAULTS)
def test_a_failure_after_any_write_leaves_nothing_partial(
    harness: Harness, kind: str, method: str, call: int, undone: bool
) -> None:
    tag = f"flt-{kind}-{method}-{call}"
    _history(tag)
    before = _snapshot(tag)
    with pytest.raises(InjectedFailure):
        _accept(_faulty(kind, method, call), _post(tag))
    if undone:  # nothing published yet: the post's every transaction was undone
        assert _snapshot(tag) == before
    bus = CountingBus(wiring.bus())
    assert _accept(_ingestion(bus=bus), _post(tag)) == BATCH  # the client's retry
    assert bus.published == BATCH
    _assert_complete(tag)
    harness.stack.drain()


def test_an_undo_that_fails_too_is_completed_by_the_retry(harness: Harness) -> None:
    tag = "flt-undo"
    _history(tag)
    tables = wiring.tables()
    writes = FailingAfter(
        FailingAfter(IngestWrites(tables.contacts_table, tables.events_table), "commit", 3), "undo", 1
    )
    with pytest.raises(InjectedFailure):
        _accept(_ingestion(writes=writes), _post(tag))
    _accept(_ingestion(), _post(tag))
    _assert_complete(tag)
    harness.stack.drain()


def test_a_retried_post_after_success_changes_nothing(harness: Harness) -> None:
    tag = "flt-twice"
    _history(tag)
    _accept(_ingestion(), _post(tag))
    after = _snapshot(tag)
    _accept(_ingestion(), _post(tag))
    assert _snapshot(tag) == after
    harness.stack.drain()


def test_a_failed_enrolment_is_completed_by_the_redelivery_once(harness: Harness) -> None:
    from nurtureflow.aws.stepfunctions import Executions
    from nurtureflow.enrolment.dispatch import Dispatcher
    from nurtureflow.events.model import TrackedEvent
    from tests.integration.conftest import MARKETER

    workflow = {
        "schema": "workflow/v1",
        "id": "it-fault-enrol",
        "name": "Fault enrol",
        "trigger": {"event": "content_downloaded"},
        "start": "pause",
        "steps": {"pause": {"type": "wait", "for": "P1D"}},
    }
    assert harness.http("PUT", "/admin/workflows/it-fault-enrol", workflow, token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/it-fault-enrol/activate", token=MARKETER)
    for target, method in (("runs", "claim"), ("runner", "start")):
        address = f"enrol-{method}@example.com"
        _accept(_ingestion(), {"id": f"enrol-{method}", "type": "page_viewed", "email": address})
        contact_id = contact_id_for(address)
        now = wiring.clock.now().isoformat()
        event = TrackedEvent(
            id=f"e-{method}",
            type="content_downloaded",
            contact_id=contact_id,
            occurred_at=now,
            received_at=now,
        )
        parts: dict[str, Any] = {"runs": wiring.runs(), "runner": Executions()}
        parts[target] = FailingAfter(parts[target], method)
        failing = Dispatcher(
            wiring.contacts(),
            parts["runs"],
            wiring.workflows(),
            wiring.events(),
            wiring.sends(),
            parts["runner"],
            wiring.clock,
        )
        with pytest.raises(InjectedFailure):
            failing.handle(event)
        assert wiring.dispatcher().handle(event).enrolled == ["it-fault-enrol"]  # EventBridge's redelivery
        run = wiring.runs().get(contact_id, "it-fault-enrol")
        assert run is not None
        assert (run["status"], run["runs"], run["enrolment"]) == ("running", 1, event.id)
        arn = run["execution_arn"].rsplit(":", 1)[0].replace(":execution:", ":stateMachine:")
        executions = harness.stack.runtime.list_executions(arn)["executions"]
        assert len([e for e in executions if e["name"] == run["execution_arn"].rsplit(":", 1)[1]]) == 1
    harness.http("POST", "/admin/workflows/it-fault-enrol/pause", token=MARKETER)


class RacedOnce:
    """Wraps ``IngestWrites``: just before the first commit, another post writes the same contact."""

    def __init__(self, real: IngestWrites, other_post: dict[str, Any]) -> None:
        self._real, self._other, self.raced = real, other_post, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def commit(self, write: Any) -> bool:
        if not self.raced:
            self.raced = True
            _accept(_ingestion(), self._other)
        return self._real.commit(write)


@pytest.mark.parametrize("exists", [False, True])
def test_a_contact_written_between_plan_and_write_is_planned_again_and_keeps_both(
    harness: Harness, exists: bool
) -> None:
    address = f"race-{exists}@example.com"
    if exists:
        _accept(_ingestion(), {"type": "page_viewed", "email": address, "traits": {"seen": 1}})
    tables = wiring.tables()
    other = {"id": f"race-{exists}-b", "type": "page_viewed", "email": address, "traits": {"plan": "pro"}}
    writes = RacedOnce(IngestWrites(tables.contacts_table, tables.events_table), other)
    mine = {"id": f"race-{exists}-a", "type": "form_submitted", "email": address, "traits": {"city": "Oslo"}}
    assert _accept(_ingestion(writes=writes), mine) == 1
    contact = wiring.contacts().get(contact_id_for(address))
    assert contact is not None
    assert contact.properties == {"plan": "pro", "city": "Oslo", **({"seen": 1} if exists else {})}
    kinds = sorted(e.type for e in wiring.events().history(contact.id))
    assert kinds == ["form_submitted", "page_viewed", *(["page_viewed"] if exists else [])]
    harness.stack.drain()
