"""The broadcast state machine's ASL on the local runtime, with the broadcast tasks on in-memory stores."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from nurtureflow.broadcasts.definition import broadcast_definition, start_input
from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import LocalStepFunctions
from nurtureflow.sending.delivery import SendRequest
from tests.support.asl import asl_problems
from tests.support.broadcasts import FakeBroadcasts, FakeContacts, contact, sender

FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:nurtureflow-broadcast"
ROLE = "arn:aws:iam::000000000000:role/sfn"


def test_the_definition_passes_asl_validator() -> None:
    assert asl_problems([broadcast_definition(FUNCTION), broadcast_definition(FUNCTION, 10)]) == ""


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
