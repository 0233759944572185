"""Reading a workflow's stats: its versions' documents and counter items, a handful of reads."""

from __future__ import annotations

from typing import Any

from nurtureflow.stats.report import build_stats
from nurtureflow.workflow.publishing import WorkflowNotFoundError


class VersionNotFoundError(LookupError):
    """The workflow has no such version."""


class WorkflowStats:
    def __init__(self, workflows: Any, stats: Any) -> None:
        self._workflows, self._stats = workflows, stats

    def read(self, workflow_id: str, version: int | None = None) -> dict[str, Any]:
        meta = self._workflows.meta(workflow_id)
        if meta is None:
            raise WorkflowNotFoundError(workflow_id)
        documents = {int(v["version"]): v["document"] for v in self._workflows.versions(workflow_id)}
        if version is not None and version not in documents:
            raise VersionNotFoundError(f"workflow '{workflow_id}' has no version {version}")
        return build_stats(meta, documents, self._stats.of_workflow(workflow_id), version)
