"""The stats table against moto: counters on per-step items, each key counted once, conflicts retried."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from nurtureflow import wiring
from nurtureflow.aws.clients import client
from nurtureflow.store.stats import StatsRepository
from tests.integration.conftest import Harness

EXPIRES = 2_000_000_000
DAY = "2026-11-30"


@pytest.fixture
def store(harness: Harness) -> StatsRepository:
    return wiring.stats()


def test_counters_add_up_on_step_items_and_a_key_counts_once(store: StatsRepository) -> None:
    first: dict[str, int | Decimal] = {"enrolled": 1, "step#a#entered": 2, "step#b#entered": 1}
    assert store.count_once("k1", "it-store", 1, first, EXPIRES, DAY) is True
    assert store.count_once("k1", "it-store", 1, {"enrolled": 5}, EXPIRES, DAY) is False
    assert store.count_once(
        "k2", "it-store", 1, {"step#a#entered": 1, "revenue#EUR": Decimal("2.5")}, EXPIRES, DAY
    )
    assert store.count_once("k3", "it-store", 2, {"step#a#skipped#budget": 1}, EXPIRES, DAY)
    assert store.of_workflow("it-store") == {
        1: {"enrolled": 1, "step#a#entered": 3, "step#b#entered": 1, "revenue#EUR": 2.5},
        2: {"step#a#skipped#budget": 1},
    }
    keys = client("dynamodb").query(
        TableName=wiring.tables().stats_table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "wf#it-store"}},
    )["Items"]
    totals = ["v#000001", "v#000001#step#a", "v#000001#step#b", "v#000002#step#a"]
    assert sorted(k["sk"]["S"] for k in keys) == sorted([*totals, *(f"d#{DAY}#{t}" for t in totals)])


def test_a_period_reads_the_counts_made_on_its_days_only(store: StatsRepository) -> None:
    assert store.count_once("p1", "it-days", 1, {"enrolled": 1, "step#a#sent": 1}, EXPIRES, "2026-10-31")
    assert store.count_once("p2", "it-days", 1, {"enrolled": 1, "step#a#sent": 1}, EXPIRES, "2026-11-01")
    assert store.count_once("p3", "it-days", 2, {"enrolled": 1}, EXPIRES, "2026-11-30")
    assert store.count_once("p4", "it-days", 2, {"step#a#sent": 1}, EXPIRES, "2026-12-01")
    assert store.of_workflow("it-days", ("2026-11-01", "2026-11-30")) == {
        1: {"enrolled": 1, "step#a#sent": 1},
        2: {"enrolled": 1},
    }
    assert store.of_workflow("it-days", ("2026-11-02", "2026-11-29")) == {}
    assert store.of_workflow("it-days") == {  # all time: the totals, not the days added again
        1: {"enrolled": 2, "step#a#sent": 2},
        2: {"enrolled": 1, "step#a#sent": 1},
    }


def test_a_run_through_more_steps_than_a_transaction_holds_is_counted_whole(store: StatsRepository) -> None:
    counters: dict[str, int | Decimal] = {f"step#s{n}#entered": 1 for n in range(150)}
    assert store.count_once("k-long", "it-long", 1, {**counters, "ended": 1}, EXPIRES, DAY) is True
    counted = store.of_workflow("it-long")[1]
    assert (len(counted), counted["ended"], counted["step#s149#entered"]) == (151, 1, 1)


def _cancelled(code: str) -> dict[str, Any]:
    return {"CancellationReasons": [{"Code": "None"}, {"Code": code}]}


def test_a_transaction_conflict_is_retried_and_other_failures_are_raised(store: StatsRepository) -> None:
    dynamodb = client("dynamodb")
    with Stubber(dynamodb) as stub:
        stub.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            modeled_fields=_cancelled("TransactionConflict"),
        )
        stub.add_response("transact_write_items", {})
        assert store.count_once("k-conflict", "it-conflict", 1, {"enrolled": 1}, EXPIRES, DAY) is True
        stub.assert_no_pending_responses()
        stub.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            modeled_fields=_cancelled("ValidationError"),
        )
        with pytest.raises(ClientError):
            store.count_once("k-invalid", "it-conflict", 1, {"enrolled": 1}, EXPIRES, DAY)
