"""When a run ends: record how it ended on the run, and cost its state transitions."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from nurtureflow.costs.ledger import LedgerEntry, Usage, cost_usage
from nurtureflow.costs.prices import PriceTable
from nurtureflow.events.model import PLATFORM_TYPES

if TYPE_CHECKING:
    from nurtureflow.aws.stepfunctions import RunSummary
    from nurtureflow.stats.recorder import StatsRecorder

_STATUS = {"SUCCEEDED": "completed", "FAILED": "failed", "TIMED_OUT": "failed", "ABORTED": "stopped"}


class History(Protocol):
    def run_history(self, execution_arn: str) -> RunSummary: ...


class RunLifecycle:
    def __init__(
        self, runs: Any, ledger: Any, history: History, prices: PriceTable, stats: StatsRecorder | None = None
    ) -> None:
        self._runs, self._ledger, self._history, self._prices = runs, ledger, history, prices
        self._stats = stats

    def ended(self, detail: dict[str, Any]) -> None:
        """Handle Step Functions' "Execution Status Change" for a run that ended."""
        status = _STATUS.get(str(detail.get("status")))
        if status is None:
            return  # RUNNING: nothing to do
        run = json.loads(detail.get("input") or "{}").get("run") or {}
        arn = str(detail["executionArn"])
        stopped = datetime.fromtimestamp(int(detail.get("stopDate") or 0) / 1000, UTC)
        current: dict[str, Any] = {}
        if run:
            error = str(detail["error"])[:256] if detail.get("error") else None
            current = self._runs.end(
                run["contact_id"], run["workflow"], arn, status, stopped.isoformat(), error
            )
        history = self._history.run_history(arn)
        if self._stats is not None and run:
            goal = current.get("execution_arn") == arn and str(current.get("exit_reason", "")).startswith(
                "goal:"
            )
            self._stats.run_ended(run["workflow"], int(run["version"]), arn, history.entered, goal)
        usage = run_usage(history.transitions, history.lambdas, came_through_api(run.get("event") or {}))
        self._ledger.record(
            LedgerEntry(
                entry_id="run#" + hashlib.sha256(arn.encode()).hexdigest()[:24],
                day=stopped.date(),
                kind="run",
                workflow=run.get("workflow", "(unknown)"),
                template=None,
                usage=usage,
                usd=cost_usage(usage, self._prices),
            )
        )


def came_through_api(event: dict[str, Any]) -> bool:
    """Whether the event that enrolled a run arrived through API Gateway: a website's event
    (``POST /v1/events``) or a manual enrolment (``POST /admin/workflows/{id}/enroll``). The
    platform's own events (segment sweeps, dates, SES notifications) did not; tracking hits (opens,
    clicks) did, but their request is already on their own ``tracking`` line."""
    kind = str(event.get("type") or "")
    return bool(kind) and (kind not in PLATFORM_TYPES or kind == "manual_enrolment")


def run_usage(transitions: int, lambdas: int, through_api: bool = False) -> Usage:
    """What a run consumed beyond its sends: its state transitions, its own Lambda requests (step and
    send tasks) and the trigger's that started it, the run record's reads and writes, and the API
    Gateway request that brought its enrolling event, if one did (a whole request per run: a batch
    of events or an event enrolling in several workflows was one request, so this errs high by at
    most one request price a run)."""
    return Usage(
        transitions=transitions,
        lambda_requests=lambdas + 1,
        dynamodb_write_units=2,
        dynamodb_read_units=2,
        apigateway_requests=1 if through_api else 0,
    )
