"""A tracking hit's ledger line costs the DynamoDB writes the hit makes: counted as DynamoDB bills
them (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html:
a write of up to 1 KB is one unit, twice that inside a transaction), not as a constant guessed
once (it said 4; a click writes 28)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from nurtureflow import wiring
from tests.integration.conftest import MARKETER, Harness
from tests.support.dynamodb_calls import DynamoCall, dynamodb_calls

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-track-cost",
    "name": "Tracking costs",
    "trigger": {"event": "it_track_cost"},
    "start": "hello",
    "steps": {"hello": {"type": "email", "template": "it-track-cost"}},
}
TEMPLATE = {
    "subject": "Hi",
    "html": '<p><a href="https://shop.example/">shop</a> <a href="{{ unsubscribe_url }}">unsubscribe</a></p>',
}


@contextmanager
def _write_units(function: str) -> Iterator[list[int]]:
    """The write units of every DynamoDB call the function named ``function`` makes meanwhile
    (what the event sets off downstream, scoring in the trigger say, is not the hit's)."""
    units: list[int] = []
    with dynamodb_calls() as calls:
        yield units
    units += [n for call in calls if call.function == function and (n := _write_units_of(call))]


def _write_units_of(call: DynamoCall) -> int:
    if call.operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 1
    if call.operation == "TransactWriteItems":
        return 2 * len(call.params["TransactItems"])
    if call.operation == "BatchWriteItem":
        return sum(len(requests) for requests in call.params["RequestItems"].values())
    return 0


def _tracking_line(event_day: Any) -> Any:
    lines = [e for e in wiring.ledger().between(event_day, event_day) if e.workflow == "it-track-cost"]
    return [e for e in lines if e.kind == "tracking"]


def test_a_click_an_open_and_an_unsubscribe_are_costed_at_the_writes_they_make(harness: Harness) -> None:
    assert harness.http("PUT", "/admin/templates/it-track-cost", TEMPLATE, token=MARKETER).status in (
        200,
        201,
    )
    assert harness.http("PUT", "/admin/workflows/it-track-cost", WORKFLOW, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-track-cost/activate", token=MARKETER).status == 200
    assert harness.event({"type": "it_track_cost", "email": "tc-ana@example.com"}).status == 202
    harness.stack.advance(timedelta(minutes=1))
    [email] = harness.sent_to("tc-ana@example.com")
    click = re.search(r'href="(http://[^"]+/t/c/[^"]+)"', email["html"])
    pixel = re.search(r'src="(http://[^"]+/t/o/[^"]+)"', email["html"])
    assert click is not None
    assert pixel is not None
    today = harness.stack.clock.now().date()
    track = harness.stack.lambdas.environment("track")["AWS_LAMBDA_FUNCTION_NAME"]

    with _write_units(track) as units:
        assert harness.http("GET", click.group(1), headers={"User-Agent": BROWSER}).status == 302
    [line] = _tracking_line(today)
    assert line.usage.dynamodb_write_units == sum(units)

    with _write_units(track) as units:
        assert harness.http("GET", pixel.group(1), headers={"User-Agent": BROWSER}).status == 200
    opened = [e for e in _tracking_line(today) if e.entry_id != line.entry_id]
    assert len(opened) == 1
    assert opened[0].usage.dynamodb_write_units == sum(units)

    unsubscribe = re.search(r'href="(http://[^"]+/u/[^"]+)"', email["html"])
    assert unsubscribe is not None
    seen = {e.entry_id for e in _tracking_line(today)}
    with _write_units(track) as units:
        one_click = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = harness.http("POST", unsubscribe.group(1), b"List-Unsubscribe=One-Click", headers=one_click)
        assert answer.status == 200
    [left] = [e for e in _tracking_line(today) if e.entry_id not in seen]
    assert left.usage.dynamodb_write_units == sum(units)


def test_a_send_is_costed_at_the_writes_it_makes(harness: Harness) -> None:
    """The same for an email: its ledger line's write units are the send function's writes."""
    uploaded = harness.http("PUT", "/admin/templates/it-track-cost", TEMPLATE, token=MARKETER)
    assert uploaded.status in (200, 201)
    workflow = {**WORKFLOW, "id": "it-send-cost", "trigger": {"event": "it_send_cost"}}
    assert harness.http("PUT", "/admin/workflows/it-send-cost", workflow, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-send-cost/activate", token=MARKETER).status == 200
    send = harness.stack.lambdas.environment("send")["AWS_LAMBDA_FUNCTION_NAME"]
    with _write_units(send) as units:
        assert harness.event({"type": "it_send_cost", "email": "sc-bo@example.com"}).status == 202
        harness.stack.advance(timedelta(minutes=1))
    assert len(harness.sent_to("sc-bo@example.com")) == 1
    today = harness.stack.clock.now().date()
    [line] = [
        e for e in wiring.ledger().between(today, today) if e.workflow == "it-send-cost" and e.kind == "send"
    ]
    assert line.usage.dynamodb_write_units == sum(units), units
    # The claim, the sent record, then the event, the ledger line and the counts in one transaction
    # (store.once): 2 + 4 + 3 items, each written twice.
    assert units == [1, 1, 18]
