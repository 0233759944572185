"""Reading a workflow's stats: its versions' documents and counter items, a handful of reads."""

from __future__ import annotations

from typing import Any

from nurtureflow.stats.report import StatsQuery, build_stats
from nurtureflow.workflow.errors import WorkflowNotFoundError


class VersionNotFoundError(LookupError):
    """The workflow has no such version."""


class WorkflowStats:
    def __init__(self, workflows: Any, stats: Any) -> None:
        self._workflows, self._stats = workflows, stats

    def read(self, workflow_id: str, query: StatsQuery | None = None) -> dict[str, Any]:
        query = query or StatsQuery()
        meta = self._workflows.meta(workflow_id)
        if meta is None:
            raise WorkflowNotFoundError(workflow_id)
        documents = {int(v["version"]): v["document"] for v in self._workflows.versions(workflow_id)}
        if query.version is not None and query.version not in documents:
            raise VersionNotFoundError(f"workflow '{workflow_id}' has no version {query.version}")
        all_time = self._stats.of_workflow(workflow_id)
        if query.period is None:
            return build_stats(meta, documents, all_time, query.version)
        in_period = self._stats.of_workflow(workflow_id, query.days)
        return build_stats(meta, documents, in_period, query.version, query.period, all_time)
