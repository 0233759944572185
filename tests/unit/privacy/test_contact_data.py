"""Export and erasure over in-memory stand-ins of the repositories and Step Functions."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.contacts.model import Contact, contact_id_for
from nurtureflow.costs.ledger import LedgerEntry
from nurtureflow.events.model import TrackedEvent
from nurtureflow.privacy.contact_data import ContactData, ContactUnknownError, contact_id_of

EMAIL = "Ann@Example.com"
CID = contact_id_for(EMAIL)
NOW = "2026-03-01T10:00:00+00:00"


def _event(event_id: str, kind: str, **fields: Any) -> TrackedEvent:
    return TrackedEvent(id=event_id, type=kind, occurred_at=NOW, received_at=NOW, **fields)


class Contacts:
    def __init__(self) -> None:
        self.items = {CID: Contact(id=CID, email="ann@example.com", score=7, created_at=NOW, updated_at=NOW)}

    def get(self, contact_id: str) -> Contact | None:
        return self.items.get(contact_id)

    def delete(self, contact_id: str) -> bool:
        return self.items.pop(contact_id, None) is not None


class Events:
    def __init__(self) -> None:
        self.items: dict[str, list[TrackedEvent]] = {
            CID: [
                _event("e1", "page_viewed", contact_id=CID, anonymous_id="a1"),
                _event("s1-sent", "email_sent", contact_id=CID, send_id="s1"),
                _event("e2", "email_opened", contact_id=CID, send_id="s1"),
                _event("t1", "task_created", contact_id=CID, properties={"title": "Call"}),
            ],
            "anon#a1": [_event("e0", "page_viewed", anonymous_id="a1")],
            "anon#other": [_event("e9", "page_viewed", anonymous_id="other")],
        }

    def history(self, owner: str) -> list[TrackedEvent]:
        return list(self.items.get(owner, []))

    def erase(self, owner: str) -> int:
        return len(self.items.pop(owner, []))


def _run(workflow: str, status: str) -> dict[str, Any]:
    return {"pk": CID, "sk": workflow, "workflow": workflow, "status": status}


class Runs:
    def __init__(self) -> None:
        waiting = {"token": "secret", "event": "order_completed"}
        self.items = {
            "wf-a": {**_run("wf-a", "running"), "execution_arn": "arn:a", "waiting": waiting},
            "wf-b": {**_run("wf-b", "completed"), "execution_arn": "arn:b"},
        }

    def of_contact(self, contact_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.items.values() if r["pk"] == contact_id]

    def delete(self, contact_id: str, workflow_id: str) -> None:
        self.items.pop(workflow_id, None)


class Sends:
    def __init__(self) -> None:
        self.items = {"s1": {"pk": "s1", "id": "s1", "contact_id": CID, "email": "ann@example.com"}}

    def get(self, send_id: str) -> dict[str, Any] | None:
        return self.items.get(send_id)

    def of_contact(self, contact_id: str) -> list[str]:
        return [i for i, s in self.items.items() if s["contact_id"] == contact_id]

    def delete(self, send_id: str) -> bool:
        return self.items.pop(send_id, None) is not None


class Executions:
    def __init__(self, contacts: Contacts) -> None:
        self.stopped: list[str] = []
        self._contacts = contacts
        self.contact_present_when_stopping: list[bool] = []

    def stop(self, execution_arn: str, cause: str) -> bool:
        self.contact_present_when_stopping.append(CID in self._contacts.items)
        self.stopped.append(execution_arn)
        return True


@pytest.fixture
def world() -> tuple[ContactData, Contacts, Events, Runs, Sends, Executions]:
    contacts, events, runs, sends = Contacts(), Events(), Runs(), Sends()
    executions = Executions(contacts)
    return ContactData(contacts, events, runs, sends, executions), contacts, events, runs, sends, executions


def test_a_path_segment_is_an_id_or_an_email_normalised() -> None:
    assert contact_id_of(CID) == CID
    assert contact_id_of("  ANN@example.COM ") == CID
    with pytest.raises(ContactUnknownError):
        contact_id_of("not@an-address")


def test_the_export_holds_the_contact_its_events_tasks_sends_and_runs(world: Any) -> None:
    data = world[0]
    exported = data.export(EMAIL)
    assert exported["contact"]["id"] == CID
    assert exported["score"] == 7
    assert [e["id"] for e in exported["events"]] == ["e1", "s1-sent", "e2", "t1"]
    assert [e["id"] for e in exported["anonymous_events"]] == ["e0"]
    assert [t["properties"]["title"] for t in exported["tasks"]] == ["Call"]
    assert exported["sends"] == [{"id": "s1", "contact_id": CID, "email": "ann@example.com"}]
    assert sorted(r["workflow"] for r in exported["runs"]) == ["wf-a", "wf-b"]
    waiting = next(r for r in exported["runs"] if r["workflow"] == "wf-a")["waiting"]
    assert waiting == {"event": "order_completed"}, "a task token resumes a run: it is not exported"


def test_an_unknown_contact_has_no_export(world: Any) -> None:
    with pytest.raises(ContactUnknownError):
        world[0].export("nobody@example.com")


def test_erasure_removes_everything_but_the_ledger_and_stops_running_runs_after_the_contact(
    world: Any,
) -> None:
    data, contacts, events, runs, sends, executions = world
    erased = data.erase(CID)
    assert erased.as_dict() == {
        "contact": 1,
        "events": 4,
        "anonymous_events": 1,
        "sends": 1,
        "runs": 2,
        "executions_stopped": 1,
        "broadcasts": 0,
    }
    assert contacts.items == {}
    assert runs.items == {}
    assert sends.items == {}
    assert set(events.items) == {"anon#other"}
    assert executions.stopped == ["arn:a"], "only running executions are stopped"
    assert executions.contact_present_when_stopping == [False], "a mid-flight step finds the contact gone"


def test_a_second_erasure_finds_nothing_and_says_so(world: Any) -> None:
    data = world[0]
    data.erase(EMAIL)
    with pytest.raises(ContactUnknownError):
        data.erase(EMAIL)


def test_an_erasure_repeated_after_a_partial_failure_finishes_the_job(world: Any) -> None:
    data, contacts, events, *_ = world
    contacts.items.clear()  # the first attempt got as far as the contact item
    erased = data.erase(CID)
    assert erased.contact == 0
    assert erased.events == 4
    assert CID not in events.items


def test_ledger_lines_hold_no_contact_or_email() -> None:
    assert not {"contact_id", "email", "contact", "to"} & set(LedgerEntry.model_fields)
