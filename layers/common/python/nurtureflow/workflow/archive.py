"""Archiving a workflow: it enrols nobody again, and every run in flight, of every version, stops."""

from __future__ import annotations

from typing import Any, Protocol

from nurtureflow.clock import Clock
from nurtureflow.workflow.errors import WorkflowNotFoundError
from nurtureflow.workflow.publishing import summary

ARCHIVED = "archived"


class RunStopper(Protocol):
    """The slice of Step Functions archiving needs (``aws.stepfunctions.Executions``)."""

    def running(self, state_machine_arn: str) -> list[str]: ...
    def stop(self, execution_arn: str, cause: str) -> bool: ...


class WorkflowArchive:
    def __init__(self, workflows: Any, executions: RunStopper, clock: Clock) -> None:
        self._workflows, self._executions, self._clock = workflows, executions, clock

    def archive(self, workflow_id: str) -> dict[str, Any]:
        """Archive first (no new enrolment), then stop the runs; a repeat stops any run left over."""
        meta = self._workflows.meta(workflow_id)
        if meta is None:
            raise WorkflowNotFoundError(workflow_id)
        if meta.get("status") != ARCHIVED:
            meta = self._workflows.set_status(workflow_id, ARCHIVED, self._clock.now().isoformat())
        stopped = 0
        # The machine's ARN lists the executions of all its versions and aliases.
        for execution_arn in self._executions.running(meta["state_machine_arn"]):
            stopped += self._executions.stop(execution_arn, f"workflow {workflow_id} archived")
        return {**summary(meta), "runs_stopped": stopped}
