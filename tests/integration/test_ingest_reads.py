"""Ingest reads the contacts a post names with BatchGetItem: the same items GetItem returns, across
more than one call of 100 keys."""

from __future__ import annotations

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.store.ingest_writes import IngestWrites
from tests.integration.conftest import SERVER, Harness


def test_contact_items_reads_as_many_as_asked_exactly_as_one_by_one(harness: Harness) -> None:
    addresses = [f"bulk-read-{i}@example.com" for i in range(130)]
    for start in range(0, 120, 60):  # 120 exist, 10 do not
        batch = [
            {"type": "page_viewed", "email": a, "traits": {"n": i}}
            for i, a in enumerate(addresses[start : start + 60])
        ]
        assert harness.http("POST", "/v1/events", {"batch": batch}, token=SERVER).status == 202
    tables = wiring.tables()
    writes = IngestWrites(tables.contacts_table, tables.events_table)
    ids = [contact_id_for(a) for a in addresses]
    found = writes.contact_items([*ids, ids[0]])  # a repeated id is read once
    assert list(found) == ids
    assert found == {i: writes.contact_item(i) for i in ids}
    assert [found[i] is None for i in ids] == [False] * 120 + [True] * 10
