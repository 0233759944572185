"""A contact change planned from the contact as it stands: null unsets, and what follows starts
from what the change leaves."""

from __future__ import annotations

from typing import Any

from nurtureflow.contacts.changes import ContactChange
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.events.model import IncomingEvent
from nurtureflow.events.planning import PostPlanner

NOW = "2026-12-03T10:00:00+00:00"


def test_null_removes_a_named_trait_or_a_property_and_values_set_them() -> None:
    before = {
        "pk": "c_1",
        "id": "c_1",
        "email": "a@example.com",
        "first_name": "Ann",
        "updated_at": "x",
        "properties": {"plan": "pro", "city": "Oslo"},
    }
    change = ContactChange("c_1", "a@example.com", NOW, before)
    change.apply_traits({"first_name": None, "plan": None, "phone": "555", "never_had": None})
    after = change.after()
    assert "first_name" not in after
    assert after["properties"] == {"city": "Oslo", "phone": "555"}
    assert after["updated_at"] == NOW
    assert before["properties"] == {"plan": "pro", "city": "Oslo"}  # the plan never edits what it read


def test_a_new_contact_starts_as_a_subscriber_with_score_zero() -> None:
    change = ContactChange("c_2", "b@example.com", NOW, None)
    change.apply_traits({"last_name": "Berg", "plan": None})
    after = change.after()
    assert (after["score"], after["lifecycle_stage"], after["created_at"]) == (0, "subscriber", NOW)
    assert (after["last_name"], after["properties"]) == ("Berg", {})


class FakeWrites:
    """Reads only: what the planner may call."""

    def __init__(self, contacts: dict[str, dict[str, Any]]) -> None:
        self.contacts, self.reads = contacts, 0

    def contact_item(self, contact_id: str) -> dict[str, Any] | None:
        self.reads += 1
        return self.contacts.get(contact_id)

    def contact_items(self, contact_ids: list[str]) -> dict[str, dict[str, Any] | None]:
        self.reads += 1
        return {i: self.contacts.get(i) for i in contact_ids}

    def alias_item(self, anonymous_id: str) -> dict[str, Any] | None:
        return None


def test_the_second_event_for_a_contact_plans_on_top_of_the_first_with_one_read() -> None:
    writes = FakeWrites({})
    events = [
        IncomingEvent.model_validate(
            {"type": "form_submitted", "email": "c@example.com", "traits": {"plan": "pro"}}
        ),
        IncomingEvent.model_validate(
            {"type": "page_viewed", "email": "c@example.com", "traits": {"plan": None}}
        ),
    ]
    plan = PostPlanner(writes, None, NOW).plan([("e_1", events[0]), ("e_2", events[1])], batched=True)
    first, second = (w.contact for w in plan.writes)
    assert first is not None
    assert second is not None
    assert first.before is None
    assert second.before is not None
    assert second.before["properties"] == {"plan": "pro"}
    assert second.after()["properties"] == {}
    assert writes.reads == 1
    assert plan.problems == []


def test_a_batch_reads_every_contact_it_names_at_once() -> None:
    known = {"type": "page_viewed", "email": "known@example.com"}
    writes = FakeWrites({contact_id_for("known@example.com"): {"email": "known@example.com", "score": 5}})
    batch = [
        known,
        {"type": "page_viewed", "email": "new@example.com"},
        known,
        {"type": "page_viewed", "anonymous_id": "a-1"},
    ]
    events = [(f"e_{i}", IncomingEvent.model_validate(e)) for i, e in enumerate(batch)]
    plan = PostPlanner(writes, None, NOW).plan(events, batched=True)
    assert writes.reads == 1
    changes = [w.contact for w in plan.writes]
    assert changes[0] is not None
    assert changes[0].before is not None
    assert changes[1] is not None
    assert changes[1].before is None
    assert changes[3] is None  # anonymous, no identity join: no contact to read
