"""Erasure takes an address out of the broadcasts that named it, leaving the rest of each segment."""

from __future__ import annotations

import copy
from typing import Any

from nurtureflow.privacy.broadcast_audiences import ERASED, scrub_address, scrubbed
from nurtureflow.privacy.contact_data import ContactData
from tests.unit.privacy.test_contact_data import CID, Contacts, Events, Executions, Runs, Sends

SEGMENT = {
    "any": [
        {"field": "contact.email", "op": "eq", "value": "Ann@Example.com"},
        {"field": "contact.email", "op": "in", "value": ["bob@example.com", " ann@example.com"]},
        {"all": [{"field": "contact.properties.cohort", "op": "eq", "value": "spring"}]},
        {"not": {"field": "contact.properties.referrer", "op": "contains", "value": "ann@example.com"}},
    ]
}


class Broadcasts:
    def __init__(self) -> None:
        self.items = {
            "b_1": {"id": "b_1", "name": "Resend to ann@example.com", "segment": copy.deepcopy(SEGMENT)},
            "b_2": {
                "id": "b_2",
                "name": "Spring",
                "segment": {"field": "contact.score", "op": "gt", "value": 3},
            },
        }
        self.replaced: list[str] = []

    def audiences(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(item) for item in self.items.values()]

    def replace_audience(self, broadcast_id: str, name: str, segment: dict[str, Any]) -> bool:
        self.replaced.append(broadcast_id)
        self.items[broadcast_id].update(name=name, segment=segment)
        return True


def test_every_value_holding_the_address_is_replaced_and_nothing_else_changes() -> None:
    result = scrubbed(SEGMENT, "ann@example.com")
    assert result["any"][0]["value"] == ERASED
    assert result["any"][1]["value"] == ["bob@example.com", ERASED]
    assert result["any"][2] == SEGMENT["any"][2]
    assert result["any"][3]["not"]["value"] == ERASED
    assert result["any"][0]["field"] == "contact.email"
    assert "ann@" not in str(result).lower()


def test_only_the_broadcasts_naming_the_address_are_rewritten() -> None:
    broadcasts = Broadcasts()
    assert scrub_address(broadcasts, "ann@example.com") == 1
    assert broadcasts.replaced == ["b_1"]
    assert broadcasts.items["b_1"]["name"] == f"Resend to {ERASED}"
    assert "ann@" not in str(broadcasts.items).lower()
    assert scrub_address(broadcasts, "ann@example.com") == 0


def test_erasing_a_contact_by_id_scrubs_its_address_from_broadcasts_and_counts_them() -> None:
    contacts, broadcasts = Contacts(), Broadcasts()
    data = ContactData(contacts, Events(), Runs(), Sends(), Executions(contacts), broadcasts=broadcasts)
    assert data.erase(CID).broadcasts == 1
    assert "ann@" not in str(broadcasts.items).lower()
