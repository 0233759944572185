"""Uploading, validating, activating and reading workflows (the admin routes' domain)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from nurtureflow.aws.stepfunctions import PublishedMachine
from nurtureflow.clock import Clock
from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.errors import (
    ValidationIssue,
    WorkflowArchivedError,
    WorkflowInvalidError,
    WorkflowNotFoundError,
)
from nurtureflow.workflow.models import Workflow
from nurtureflow.workflow.pruning import VersionPruner
from nurtureflow.workflow.validate import validate_workflow


class WorkflowVersionNotFoundError(LookupError):
    """The workflow has no such version."""


class Publisher(Protocol):
    def publish(
        self, name: str, definition: dict[str, Any], role_arn: str, description: str, existing_arn: str | None
    ) -> PublishedMachine: ...


@dataclass(frozen=True)
class Published:
    id: str
    version: int
    status: str
    state_machine_arn: str
    created: bool


class WorkflowService:
    def __init__(
        self,
        workflows: Any,
        template_exists: Callable[[str], bool],
        machines: Publisher,
        functions: TaskFunctions,
        role_arn: str,
        prefix: str,
        clock: Clock,
        subject_problems: Callable[[str], list[str]] | None = None,
        pruner: VersionPruner | None = None,
    ) -> None:
        self._workflows, self._template_exists, self._machines = workflows, template_exists, machines
        self._subject_problems, self._pruner = subject_problems, pruner
        self._functions, self._role_arn, self._prefix, self._clock = functions, role_arn, prefix, clock

    def check(self, document: Any) -> tuple[Workflow, dict[str, Any]]:
        """Validate and compile without saving; ``WorkflowInvalidError`` with every error."""
        workflow = validate_workflow(document, self._template_exists, self._subject_problems)
        current = self._workflows.meta(workflow.id)
        version = (current or {}).get("version", 0) + 1
        return workflow, compile_workflow(workflow, version, self._functions)

    def upload(self, workflow_id: str, document: Any) -> Published:
        """Publish a new version: the state machine first, then the record, so nothing points nowhere."""
        if isinstance(document, dict) and document.get("id", workflow_id) != workflow_id:
            raise WorkflowInvalidError(
                [ValidationIssue("/id", f"the document's id must be '{workflow_id}', the id in the URL")]
            )
        workflow, definition = self.check(document)
        current = self._workflows.meta(workflow.id) or {}
        if current.get("status") == "archived":
            raise WorkflowArchivedError(workflow.id)
        version = current.get("version", 0) + 1
        machine = self._machines.publish(
            self._prefix + workflow.id,
            definition,
            self._role_arn,
            f"v{version}: {workflow.name}",
            current.get("state_machine_arn"),
        )
        machine_arn, version_arn = machine.machine_arn, machine.version_arn
        now = self._clock.now().isoformat()
        meta = {
            "id": workflow.id,
            "name": workflow.name,
            "version": version,
            "version_arn": version_arn,
            "alias_arn": machine.alias_arn,
            "state_machine_arn": machine_arn,
            "status": current.get("status", "paused"),
            "trigger": _json(workflow.trigger),
            "reentry": _json(workflow.reentry),
            "exit_when": [_json(goal) for goal in workflow.exit_when],
            "timezone": workflow.settings.timezone,
            "created_at": current.get("created_at", now),
            "updated_at": now,
        }
        record = {
            "version": version,
            "version_arn": version_arn,
            "document": document,
            "definition": definition,
            "created_at": now,
        }
        self._workflows.publish(meta, record, expected_version=current.get("version", 0))
        if self._pruner is not None:  # best-effort: never raises, so the upload stands as published
            self._pruner.prune(workflow.id, machine_arn, version_arn)
        return Published(workflow.id, version, meta["status"], machine_arn, created=not current)

    def set_status(self, workflow_id: str, status: str) -> dict[str, Any]:
        meta = self._workflows.meta(workflow_id)
        if meta is None:
            raise WorkflowNotFoundError(workflow_id)
        if meta.get("status") == "archived":
            raise WorkflowArchivedError(workflow_id)
        return summary(self._workflows.set_status(workflow_id, status, self._clock.now().isoformat()))

    def get(self, workflow_id: str) -> dict[str, Any]:
        meta = self._workflows.meta(workflow_id)
        if meta is None:
            raise WorkflowNotFoundError(workflow_id)
        versions = self._workflows.versions(workflow_id)
        current = next(v for v in versions if v["version"] == meta["version"])
        return {
            **summary(meta),
            "document": current["document"],
            "definition": current["definition"],
            # A pruned version is no longer in Step Functions (its version_arn names nothing now);
            # its record, document and stats stay.
            "versions": [
                {
                    "version": v["version"],
                    "version_arn": v["version_arn"],
                    "created_at": v["created_at"],
                    "pruned_at": v.get("pruned_at"),
                }
                for v in versions
            ],
        }

    def version(self, workflow_id: str, version: int) -> dict[str, Any]:
        """One version as uploaded: its document and ASL, pruned from Step Functions or not."""
        record = self._workflows.version(workflow_id, version) if version > 0 else None
        if record is None:
            raise WorkflowVersionNotFoundError(f"workflow '{workflow_id}' has no version {version}")
        return {
            "id": workflow_id,
            "version": record["version"],
            "version_arn": record["version_arn"],
            "created_at": record["created_at"],
            "pruned_at": record.get("pruned_at"),
            "document": record["document"],
            "definition": record["definition"],
        }

    def current(self, workflow_id: str) -> Workflow:
        """The current version's document, parsed (it was valid when uploaded)."""
        return Workflow.model_validate(self.get(workflow_id)["document"])

    def list(self) -> list[dict[str, Any]]:
        return [summary(meta) for meta in self._workflows.all_meta()]


def _json(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def summary(meta: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "version", "status", "state_machine_arn", "alias_arn", "created_at", "updated_at")
    return {k: meta.get(k) for k in keys}
