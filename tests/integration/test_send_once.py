"""At most one email per send id against moto: failures after SES accepted the message, retried by
the handler and by the local runtime's Step Functions retry; concurrent duplicates; throttling."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from nurtureflow import wiring
from nurtureflow.aws.mailer import SendThrottledError, SesMailer
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.local.lambdas import LocalContext
from nurtureflow.sending.delivery import Delivery
from nurtureflow.settings import SendingSettings, TrackingSettings
from tests.integration.conftest import MARKETER, Harness
from tests.support.faults import FailingOnce

TEMPLATE = {"subject": "Hi", "html": '<p>Hi <a href="{{ unsubscribe_url }}">unsubscribe</a></p>'}
# A passing DynamoDB failure: the handler turns it into RetryableError, which the state machine retries.
THROUGHPUT = ClientError(
    {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected"}}, "PutItem"
)
POINTS = [("sends", "put"), ("events", "record"), ("ledger", "record")]


def _delivery(faults: Mapping[str, tuple[str, Exception | None]] = {}, mailer: Any = None) -> Delivery:
    repositories: dict[str, Any] = {
        "sends": wiring.sends(),
        "events": wiring.events(),
        "ledger": wiring.ledger(),
    }
    for name, (method, error) in faults.items():
        repositories[name] = FailingOnce(repositories[name], method, error)
    sending = SendingSettings()
    return Delivery(
        contacts=wiring.contacts(),
        templates=wiring.templates(),
        mailer=mailer or SesMailer(sending.configuration_set),
        clock=wiring.clock,
        tracking=TrackingSettings(),
        sending=sending,
        prices=wiring.prices(),
        **repositories,
    )


@pytest.fixture
def send_handler(harness: Harness) -> Iterator[Any]:
    """The send function's real handler; the stack's own is restored after the test."""
    original = harness.stack.lambdas.replace("send", lambda event, context: original(event, context))
    yield original
    harness.stack.lambdas.replace("send", original)


def _payload(email: str, execution: str) -> dict[str, Any]:
    return {
        "action": "email",
        "step": "hello",
        "template": "it-once",
        "entered": "2026-11-23T10:00:00Z",
        "execution": execution,
        "attempt": 0,
        "run": {"workflow": "it-once", "version": 1, "contact_id": contact_id_for(email), "enrolment": "e"},
    }


def _contact(harness: Harness, email: str) -> None:
    harness.http("PUT", "/admin/templates/it-once", TEMPLATE, token=MARKETER)
    assert harness.event({"type": "page_viewed", "email": email}).status == 202


@pytest.mark.parametrize(("repository", "method"), POINTS)
def test_a_failure_after_ses_accepted_then_a_retry_through_the_handler_sends_one_email(
    harness: Harness, send_handler: Any, repository: str, method: str
) -> None:
    email = f"once-{repository}@example.com"
    _contact(harness, email)
    payload = _payload(email, f"arn:aws:states:us-east-1:1:execution:m:once-{repository}")
    context = LocalContext(function_name="nurtureflow-send")
    faulty = _delivery({repository: (method, None)})
    with pytest.raises(Exception, match="failed"):
        send_handler(payload, context, delivery=faulty)
    again = send_handler({**payload, "attempt": 1}, context)
    assert len(harness.sent_to(email)) == 1
    # Only a lost sent record leaves the outcome unknown; otherwise the retry completes the send.
    assert again["status"] == ("unconfirmed" if repository == "sends" else "sent")
    history = wiring.events().history(contact_id_for(email))
    assert len([e for e in history if e.type == "email_sent"]) == (0 if repository == "sends" else 1)


def _trigger(workflow_id: str) -> str:
    return workflow_id.replace("-", "_") + "_go"


def _activate(harness: Harness, workflow_id: str, steps: dict[str, Any], start: str) -> None:
    harness.http("PUT", "/admin/templates/it-once", TEMPLATE, token=MARKETER)
    workflow = {
        "schema": "workflow/v1",
        "id": workflow_id,
        "name": workflow_id,
        "trigger": {"event": _trigger(workflow_id)},
        "start": start,
        "steps": steps,
    }
    assert harness.http("PUT", f"/admin/workflows/{workflow_id}", workflow, token=MARKETER).status in (
        200,
        201,
    )
    assert harness.http("POST", f"/admin/workflows/{workflow_id}/activate", token=MARKETER).status == 200


def _run_with(harness: Harness, send_handler: Any, workflow_id: str, email: str, delivery: Delivery) -> Any:
    harness.stack.lambdas.replace(
        "send", lambda event, context: send_handler(event, context, delivery=delivery)
    )
    assert harness.event({"type": _trigger(workflow_id), "email": email}).status == 202
    harness.stack.advance(timedelta(hours=1))
    harness.http("POST", f"/admin/workflows/{workflow_id}/pause", token=MARKETER)
    return wiring.runs().get(contact_id_for(email), workflow_id)


@pytest.mark.parametrize(("repository", "method"), POINTS)
def test_the_state_machines_retry_after_a_failure_past_ses_sends_one_email_and_the_run_goes_on(
    harness: Harness, send_handler: Any, repository: str, method: str
) -> None:
    workflow_id = f"it-once-sfn-{repository}"
    steps = {
        "hello": {"type": "email", "template": "it-once", "next": "mark"},
        "mark": {"type": "update", "set": {"contact.properties.after": "yes"}},
    }
    _activate(harness, workflow_id, steps, "hello")
    email = f"sfn-{repository}@example.com"
    run = _run_with(harness, send_handler, workflow_id, email, _delivery({repository: (method, THROUGHPUT)}))
    assert len(harness.sent_to(email)) == 1
    assert run is not None
    assert run["status"] == "completed"
    assert wiring.contacts().get(contact_id_for(email)).properties["after"] == "yes"  # type: ignore[union-attr]


class _Throttled:
    def send(self, sender: str, to: str, raw: bytes, tags: Mapping[str, str]) -> str:
        raise SendThrottledError("throttled", "TooManyRequestsException: Maximum sending rate exceeded")


def test_throttling_to_the_last_retry_records_a_failed_send_and_the_run_goes_on(
    harness: Harness, send_handler: Any
) -> None:
    steps = {
        "hello": {"type": "email", "template": "it-once", "next": "mark"},
        "mark": {"type": "update", "set": {"contact.properties.after": "yes"}},
    }
    _activate(harness, "it-once-throttled", steps, "hello")
    email = "throttled@example.com"
    run = _run_with(harness, send_handler, "it-once-throttled", email, _delivery(mailer=_Throttled()))
    assert run is not None
    assert run["status"] == "completed"
    [send] = [s for s in _sends_of(email)]
    assert (send["status"], send["reason"]) == ("failed", "throttled")
    assert harness.sent_to(email) == []


def _sends_of(email: str) -> list[dict[str, Any]]:
    table = wiring.sends()._table
    items = table.scan()["Items"]
    return [dict(i) for i in items if i.get("contact_id") == contact_id_for(email)]


class _BothReadFirst:
    """The sends repository, with both concurrent attempts reading "no record" before either claims."""

    def __init__(self, real: Any) -> None:
        self._real, self._barrier = real, threading.Barrier(2, timeout=10)
        self._first_read = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get(self, send_id: str) -> Any:
        found = self._real.get(send_id)
        if not getattr(self._first_read, "done", False):
            self._first_read.done = True
            self._barrier.wait()
        return found


def test_two_concurrent_deliveries_of_one_send_id_send_one_email(harness: Harness, send_handler: Any) -> None:
    email = "twice@example.com"
    _contact(harness, email)
    payload = _payload(email, "arn:aws:states:us-east-1:1:execution:m:twice")
    sending = SendingSettings()
    shared = _BothReadFirst(wiring.sends())
    delivery = Delivery(
        contacts=wiring.contacts(),
        templates=wiring.templates(),
        sends=shared,
        events=wiring.events(),
        ledger=wiring.ledger(),
        mailer=SesMailer(sending.configuration_set),
        clock=wiring.clock,
        tracking=TrackingSettings(),
        sending=sending,
        prices=wiring.prices(),
    )
    outcomes: list[dict[str, Any]] = []

    def attempt() -> None:
        outcomes.append(
            send_handler(payload, LocalContext(function_name="nurtureflow-send"), delivery=delivery)
        )

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2
    assert len(harness.sent_to(email)) == 1
    assert "sent" in [o["status"] for o in outcomes]
    assert wiring.sends().get(payload_send_id(payload))["status"] == "sent"  # type: ignore[index]


def payload_send_id(payload: dict[str, Any]) -> str:
    from nurtureflow.sending.delivery import send_id_for

    return send_id_for(payload["execution"], payload["step"], payload["entered"])
