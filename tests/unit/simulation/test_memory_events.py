"""The forecast's in-memory event store keeps events as rows of their fields (a third of a model's
memory) and answers exactly as the DynamoDB store does: each id once, a history in the order of the
sort key ``{occurred_at}#{id}``, ``since`` as the key condition ``sk >= since``."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nurtureflow.events.model import TrackedEvent
from nurtureflow.simulation.memory import MemoryEvents

TIMESTAMPS = st.sampled_from(
    [
        "2026-11-30T09:00:00+00:00",
        "2026-11-30T09:00:00.5+00:00",
        "2026-11-30T09:00:00.123456+00:00",
        "2026-11-30T09:00:01+00:00",
        "2026-11-30T09:00:01Z",
        "2026-12-01T00:00:00+00:00",
    ]
)
IDS = st.text(alphabet="abc-_#019", min_size=1, max_size=4)


def event(event_id: str, at: str, **fields: Any) -> TrackedEvent:
    return TrackedEvent(
        id=event_id, type=fields.pop("type", "page_viewed"), occurred_at=at, received_at=at, **fields
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(IDS, TIMESTAMPS, st.sampled_from(["c1", "c2"])), max_size=25),
    st.one_of(st.none(), TIMESTAMPS, st.sampled_from(["2026-11-30T09:00:00", "2026-11-30T09:00:00.9"])),
)
def test_history_orders_and_filters_as_the_store_s_sort_key_does(
    posted: list[tuple[str, str, str]], since: str | None
) -> None:
    store = MemoryEvents()
    kept: dict[str, TrackedEvent] = {}
    for event_id, at, contact in posted:
        recorded = store.record(event(event_id, at, contact_id=contact))
        assert recorded == (event_id not in kept)  # an id is recorded once, whoever posts it again
        kept.setdefault(event_id, event(event_id, at, contact_id=contact))
    for contact in ("c1", "c2"):
        expected = sorted(
            (e for e in kept.values() if e.contact_id == contact), key=lambda e: f"{e.occurred_at}#{e.id}"
        )
        if since is not None:
            expected = [e for e in expected if f"{e.occurred_at}#{e.id}" >= since]
        assert store.history(contact, since) == expected


def test_an_event_reads_back_with_every_field_it_was_recorded_with() -> None:
    store = MemoryEvents()
    sent = event(
        "s_1-sent",
        "2026-11-30T09:00:00+00:00",
        type="email_sent",
        contact_id="c1",
        send_id="s_1",
        workflow="welcome",
        step="hello",
        properties={"template": "hello", "n": 0},
    )
    plain = event("e_1", "2026-11-30T09:00:01+00:00", contact_id="c1")
    store.record(sent)
    store.record(plain)
    assert store.history("c1") == [sent, plain]
    assert store.history("c1")[1].properties == {}


def test_rehoming_moves_an_anonymous_history_in_order_and_erasing_frees_the_ids() -> None:
    store = MemoryEvents()
    store.record(event("a2", "2026-11-30T09:00:02+00:00", anonymous_id="v1"))
    store.record(event("a1", "2026-11-30T09:00:00+00:00", anonymous_id="v1"))
    store.record(event("k1", "2026-11-30T09:00:01+00:00", contact_id="c1"))

    assert store.rehome("anon#v1", "c1") == 2
    assert [(e.id, e.contact_id) for e in store.history("c1")] == [("a1", "c1"), ("k1", "c1"), ("a2", "c1")]
    assert store.history("anon#v1") == []
    assert store.erase("c1") == 3
    assert store.record(event("a1", "2026-11-30T09:00:00+00:00", contact_id="c1"))


def test_packed_sends_runs_and_contacts_read_back_as_fresh_copies() -> None:
    """The stores keep sends, runs and contacts packed; a value read is the caller's own, as a
    DynamoDB read is: changing it changes nothing stored, and updates replace what was kept."""
    from nurtureflow.contacts.model import Contact
    from nurtureflow.simulation.memory import MemoryContacts, MemoryRuns, MemorySends

    sends = MemorySends()
    sends.put({"id": "s_1", "contact_id": "c1", "status": "sending", "workflow": "w", "step": "a"})
    read = sends.get("s_1")
    assert read is not None
    read["status"] = "changed by the reader"
    assert sends.settle("s_1", "failed", "bounced")
    sends.mark("s_1", "opened_at", "2026-11-30T10:00:00+00:00")
    assert sends.get("s_1") == {
        "id": "s_1",
        "contact_id": "c1",
        "status": "failed",
        "workflow": "w",
        "step": "a",
        "reason": "bounced",
        "opened_at": "2026-11-30T10:00:00+00:00",
    }
    assert list(sends.all()) == [sends.get("s_1")]

    runs = MemoryRuns()
    runs.claim({"contact_id": "c1", "workflow": "w", "execution_arn": "arn:1", "status": "running"}, None)
    runs.get("c1", "w")["status"] = "changed by the reader"  # type: ignore[index]
    assert runs.update("c1", "w", "arn:1", {"status": "completed"})
    assert not runs.update("c1", "w", "arn:other", {"status": "failed"})
    assert runs.of_contact("c1") == [
        {"contact_id": "c1", "workflow": "w", "execution_arn": "arn:1", "status": "completed"}
    ]

    contacts = MemoryContacts()
    at = "2026-11-30T09:00:00+00:00"
    contacts.add(
        Contact(id="c1", email="ada@example.com", properties={"plan": "pro"}, created_at=at, updated_at=at)
    )
    first = contacts.get("c1")
    assert first is not None
    first.properties["plan"] = "changed by the reader"
    contacts.set_properties("c1", {"seats": 3}, "2026-11-30T10:00:00+00:00")
    assert contacts.get("c1") == first.model_copy(
        update={"properties": {"plan": "pro", "seats": 3}, "updated_at": "2026-11-30T10:00:00+00:00"}
    )
