"""The broadcast state machine's ASL on the local runtime, with the broadcast tasks on in-memory stores."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from nurtureflow.broadcasts.definition import broadcast_definition, start_input
from nurtureflow.broadcasts.sending import execution_transitions
from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import LambdaFunctionError, LocalStepFunctions
from nurtureflow.sending.delivery import SendRequest
from tests.support.asl import asl_problems
from tests.support.broadcasts import FakeBroadcasts, FakeContacts, contact, sender

FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:nurtureflow-broadcast"
ROLE = "arn:aws:iam::000000000000:role/sfn"


def test_the_definition_passes_asl_validator() -> None:
    assert asl_problems([broadcast_definition(FUNCTION)]) == ""


def _setup(
    sfn: LocalStepFunctions, invoker: Any, clock: VirtualClock, people: int, **settings: Any
) -> tuple[FakeBroadcasts, list[tuple[str, Any]], str]:
    store = FakeBroadcasts()
    store.create(
        {"id": "b_1", "name": "n", "template": "t", "status": "scheduled", "send_at": "",
         "segment": {"field": "contact.properties.vip", "op": "eq", "value": True}}
    )  # fmt: skip
    sent: list[tuple[str, Any]] = []

    def deliver(request: SendRequest) -> dict[str, Any]:
        sent.append((request.run.contact_id, clock.now()))
        return {"status": "sent"}

    contacts = FakeContacts([contact(n, properties={"vip": True}) for n in range(people)])
    tasks = sender(store, contacts, deliver, clock, **settings)
    invoker.functions["nurtureflow-broadcast"] = tasks.perform
    arn = sfn.create_state_machine("broadcasts", json.dumps(broadcast_definition(FUNCTION)), ROLE)
    return store, sent, str(arn["stateMachineArn"])


def test_the_machine_waits_for_send_at_then_sends_everyone_once_at_the_rate(
    sfn: LocalStepFunctions, invoker: Any, clock: VirtualClock
) -> None:
    store, sent, machine = _setup(
        sfn,
        invoker,
        clock,
        25,
        broadcast_rate_per_second=1,
        broadcast_page_seconds=10,
        broadcast_batch_size=4,
    )
    send_at = clock.now() + timedelta(hours=1)
    execution = sfn.start_execution(
        machine, name="b_1", input=json.dumps(start_input("b_1", send_at.strftime("%Y-%m-%dT%H:%M:%SZ")))
    )
    sfn.run_due()
    assert sent == []
    sfn.advance(timedelta(hours=1))
    assert len(sent) == 10, "the first page: 10 s of sending at 1/s"
    sfn.advance(timedelta(minutes=1))
    assert sorted(c for c, _ in sent) == [f"c_{n:04d}" for n in range(25)]
    assert sfn.describe_execution(execution["executionArn"])["status"] == "SUCCEEDED"
    assert store.items["b_1"]["status"] == "completed"
    assert store.items["b_1"]["sent"] == 25
    # Pages of 10 at 1/s: the third page leaves 20 s after the first.
    moments = sorted({moment for _, moment in sent})
    assert [int((m - moments[0]).total_seconds()) for m in moments] == [0, 10, 20]


def test_a_failing_page_marks_the_broadcast_failed_and_the_execution_fails(
    sfn: LocalStepFunctions, invoker: Any, clock: VirtualClock
) -> None:
    store, _, machine = _setup(sfn, invoker, clock, 3)
    store.items["b_1"]["segment"] = {"field": "contact.x", "op": "nope"}  # stored wrong: every page fails
    execution = sfn.start_execution(
        machine, name="b_1", input=json.dumps(start_input("b_1", clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")))
    )
    sfn.advance(timedelta(minutes=5))
    assert sfn.describe_execution(execution["executionArn"])["status"] == "FAILED"
    assert store.items["b_1"]["status"] == "failed"
    assert "ValidationError" in store.items["b_1"]["failure"]


def _all_transitions(sfn: LocalStepFunctions, machine: str) -> tuple[list[str], int]:
    """The machine's executions by name, and the transitions of them and of their map runs' children."""
    names, transitions = [], 0
    for summary in sfn.list_executions(machine)["executions"]:
        names.append(summary["name"])
        transitions += sfn.describe_execution(summary["executionArn"])["nurtureflowTransitions"]
        for event in sfn.get_execution_history(summary["executionArn"])["events"]:
            if event["type"] == "MapRunStarted":
                run = event["mapRunStartedEventDetails"]["mapRunArn"]
                children = sfn.list_executions(None, map_run_arn=run, max_results=1000)["executions"]
                transitions += sum(
                    sfn.describe_execution(c["executionArn"])["nurtureflowTransitions"] for c in children
                )
    return sorted(names), transitions


def test_the_broadcast_continues_as_new_executions_keeping_the_pace_and_the_counts(
    sfn: LocalStepFunctions, invoker: Any, clock: VirtualClock
) -> None:
    store, sent, machine = _setup(
        sfn,
        invoker,
        clock,
        25,
        broadcast_rate_per_second=1,
        broadcast_page_seconds=5,
        broadcast_batch_size=2,
        broadcast_pages_per_execution=2,
    )
    first = sfn.start_execution(
        machine, name="b_1", input=json.dumps(start_input("b_1", clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")))
    )
    sfn.advance(timedelta(minutes=2))
    assert sorted(c for c, _ in sent) == [f"c_{n:04d}" for n in range(25)]
    moments = sorted({moment for _, moment in sent})
    # Pages of 5 at 1/s, two per execution: the successor waits for the page's next_at as Pace would.
    assert [int((m - moments[0]).total_seconds()) for m in moments] == [0, 5, 10, 15, 20]
    names, transitions = _all_transitions(sfn, machine)
    assert names == ["b_1", "b_1-g1", "b_1-g2"]
    statuses = {sfn.describe_execution(first["executionArn"].replace("b_1", n))["status"] for n in names}
    assert statuses == {"SUCCEEDED"}
    item = store.items["b_1"]
    assert (item["status"], item["sent"], item["matched"]) == ("completed", 25, 25)
    assert (item["pages"], item["batches"], item["generations"]) == (5, 15, 3)
    assert item["execution_arn"].endswith(":execution:broadcasts:b_1-g2")
    # The cost line's formula counts what the runtime counted, every generation and child included.
    assert execution_transitions(5, 15, 3) == transitions


def test_a_broadcast_cancelled_between_generations_sends_nothing_more(
    sfn: LocalStepFunctions, invoker: Any, clock: VirtualClock
) -> None:
    store, sent, machine = _setup(
        sfn,
        invoker,
        clock,
        12,
        broadcast_rate_per_second=1,
        broadcast_page_seconds=4,
        broadcast_batch_size=2,
        broadcast_pages_per_execution=1,
    )
    now = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    sfn.start_execution(machine, name="b_1", input=json.dumps(start_input("b_1", now)))
    sfn.run_due()
    assert len(sent) == 4, "the first generation's one page; its successor waits for next_at"
    store.move("b_1", ("sending",), "cancelled", {})
    sfn.advance(timedelta(minutes=1))
    assert len(sent) == 4
    names, _ = _all_transitions(sfn, machine)
    assert names == ["b_1", "b_1-g1"]
    assert store.items["b_1"]["status"] == "cancelled"


def test_a_batch_that_fails_for_good_fails_the_map_run_and_the_broadcast(
    sfn: LocalStepFunctions, invoker: Any, clock: VirtualClock
) -> None:
    store, _, machine = _setup(sfn, invoker, clock, 3)
    perform = invoker.functions["nurtureflow-broadcast"]

    def broken_batches(payload: dict[str, Any]) -> Any:
        if payload["action"] == "batch":
            raise LambdaFunctionError("KeyError", "'contacts'")
        return perform(payload)

    invoker.functions["nurtureflow-broadcast"] = broken_batches
    now = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    execution = sfn.start_execution(machine, name="b_1", input=json.dumps(start_input("b_1", now)))
    sfn.advance(timedelta(minutes=1))
    assert sfn.describe_execution(execution["executionArn"])["status"] == "FAILED"
    assert store.items["b_1"]["status"] == "failed"
    assert store.items["b_1"]["failure"].startswith("States.ExceedToleratedFailureThreshold")
