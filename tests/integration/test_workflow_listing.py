"""Every event checks every workflow's trigger: the listing is read at most every few seconds by a
warm function, and a change made in the same process applies at once."""

from __future__ import annotations

import pytest

from nurtureflow import wiring
from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.store import workflows as store
from tests.integration.conftest import Harness

META = {"id": "it-listing", "name": "Listing", "status": "paused", "version": 1, "trigger": {"event": "x"}}


def test_the_listing_is_cached_until_a_write_here_or_its_age(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(store.time, "monotonic", lambda: now[0])
    repository = wiring.workflows()
    table = dynamodb_table(wiring.tables().workflows_table)
    # A meta item without versions: the harness compiles nothing for it.
    table.put_item(Item={**META, "pk": "it-listing", "sk": store.META})
    repository.set_status("it-listing", "paused", "2026-11-24T00:00:00Z")
    assert [m["status"] for m in repository.all_meta() if m["id"] == "it-listing"] == ["paused"]

    # Another function's write (straight to the table) is seen once the listing is old enough.
    table.update_item(
        Key={"pk": "it-listing", "sk": store.META},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "active"},
    )
    assert [m["status"] for m in wiring.workflows().all_meta() if m["id"] == "it-listing"] == ["paused"]
    now[0] += store.LISTING_MAX_AGE_SECONDS
    assert [m["status"] for m in wiring.workflows().all_meta() if m["id"] == "it-listing"] == ["active"]

    # A write through the repository in this process applies at once.
    repository.set_status("it-listing", "paused", "2026-11-24T00:00:00Z")
    assert [m["status"] for m in wiring.workflows().all_meta() if m["id"] == "it-listing"] == ["paused"]


def test_an_activation_in_the_admin_function_applies_at_once_in_the_trigger_function(
    harness: Harness,
) -> None:
    """Each function keeps its own listing, as in AWS; the stamp tells the trigger's that it moved."""
    lambdas = harness.stack.lambdas
    table = dynamodb_table(wiring.tables().workflows_table)
    table.put_item(Item={**META, "id": "it-stamp", "pk": "it-stamp", "sk": store.META})
    with lambdas.running_as("trigger"):
        assert [m["status"] for m in wiring.workflows().all_meta() if m["id"] == "it-stamp"] == ["paused"]
    with lambdas.running_as("admin"):
        wiring.workflows().set_status("it-stamp", "active", "2026-11-24T00:00:00Z")
    with lambdas.running_as("trigger"):
        assert [m["status"] for m in wiring.workflows().all_meta() if m["id"] == "it-stamp"] == ["active"]
