"""A run's ledger line: its transitions and Lambda requests, and the API request that enrolled it."""

from __future__ import annotations

import json
from typing import Any

from nurtureflow.aws.stepfunctions import RunSummary
from nurtureflow.costs.prices import load_price_table
from nurtureflow.enrolment.lifecycle import RunLifecycle, came_through_api, run_usage
from nurtureflow.simulation.memory import MemoryRuns

PRICES = load_price_table()


class Ledger:
    def __init__(self) -> None:
        self.lines: list[Any] = []

    def record(self, entry: Any) -> bool:
        self.lines.append(entry)
        return True


class History:
    def run_history(self, execution_arn: str) -> RunSummary:
        return RunSummary(transitions=12, lambdas=3)


def _end(event: dict[str, Any]) -> Any:
    ledger = Ledger()
    run = {"workflow": "w", "version": 1, "contact_id": "c", "event": event, "enrolment": "e"}
    detail = {
        "status": "SUCCEEDED",
        "executionArn": "arn:x",
        "stopDate": 1795000000000,
        "input": json.dumps({"run": run}),
    }
    RunLifecycle(MemoryRuns(), ledger, History(), PRICES).ended(detail)
    [line] = ledger.lines
    return line


def test_a_run_enrolled_by_a_website_event_or_a_manual_enrolment_pays_one_api_request() -> None:
    for kind in ("cart_updated", "my_custom_event", "manual_enrolment"):
        line = _end({"id": "e1", "type": kind})
        assert line.usage.apigateway_requests == 1
        assert line.usd.apigateway == PRICES.apigateway_request["REST"].cost(1)
    assert (line.usage.transitions, line.usage.lambda_requests) == (12, 4)


def test_a_run_enrolled_by_the_platform_pays_no_api_request() -> None:
    for kind in ("segment_sweep", "segment_backfill", "date_reached", "email_opened", "email_bounced"):
        assert _end({"id": "e1", "type": kind}).usage.apigateway_requests == 0
    assert not came_through_api({})
    assert run_usage(5, 1).apigateway_requests == 0
