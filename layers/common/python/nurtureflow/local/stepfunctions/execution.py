"""An execution's record: what DescribeExecution, ListExecutions and the status-change event report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .definition import Definition
from .history import History
from .timestamps import epoch_millis

if TYPE_CHECKING:
    from .runs import Run


class ExecutionStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


@dataclass(eq=False, slots=True)
class Execution:
    """One execution. ``transitions`` counts state transitions as AWS bills them: every state entered
    (in branches and iterations too) and every retry attempt."""

    arn: str
    name: str
    state_machine_arn: str
    version_arn: str | None
    definition: Definition
    role_arn: str
    input_text: str
    input: Any
    start_date: datetime
    status: ExecutionStatus = ExecutionStatus.RUNNING
    stop_date: datetime | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    transitions: int = 0
    history: History = field(default_factory=History)
    root: Run | None = None
    # A Distributed Map's child execution: its map run, and the parent's run in the Map state.
    map_run_arn: str | None = None
    map_parent: Run | None = None
    input_bound: int = 0  # a bound of the input's size (limits.text_bound): the context object holds it

    @property
    def running(self) -> bool:
        return self.status is ExecutionStatus.RUNNING

    def summary(self) -> dict[str, Any]:
        """The ListExecutions entry."""
        summary: dict[str, Any] = {
            "executionArn": self.arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status.value,
            "startDate": self.start_date,
            "redriveCount": 0,
        }
        if self.stop_date is not None:
            summary["stopDate"] = self.stop_date
        if self.version_arn is not None:
            summary["stateMachineVersionArn"] = self.version_arn
        if self.map_run_arn is not None:
            summary["mapRunArn"] = self.map_run_arn
        return summary

    def describe(self) -> dict[str, Any]:
        """The DescribeExecution response, plus ``nurtureflowTransitions`` for cost accounting."""
        description = {
            **self.summary(),
            "input": self.input_text,
            "inputDetails": {"included": True},
            "nurtureflowTransitions": self.transitions,
        }
        if self.output is not None:
            description["output"] = self.output
            description["outputDetails"] = {"included": True}
        for key, value in (("error", self.error), ("cause", self.cause)):
            if value:
                description[key] = value
        return description

    def status_change_detail(self) -> dict[str, Any]:
        """The detail of EventBridge's "Step Functions Execution Status Change" event."""
        return {
            "executionArn": self.arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status.value,
            "startDate": epoch_millis(self.start_date),
            "stopDate": epoch_millis(self.stop_date) if self.stop_date is not None else None,
            "input": self.input_text,
            "output": self.output,
            "error": self.error or None,
            "cause": self.cause,
        }
