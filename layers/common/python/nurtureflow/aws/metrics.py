"""CloudWatch metrics as Embedded Metric Format log lines (Powertools): no API call, no client."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "NurtureFlow"
BUDGET_EXCEEDED = "BudgetExceeded"
VERSION_PRUNING_FAILED = "VersionPruningFailed"


class EmfBudgetAlarm:
    """Counts an email skipped over its workflow's budget, twice: by ``workflow`` (which one) and for
    the function as a whole (dimension ``service`` only, which Powertools adds from
    ``POWERTOOLS_SERVICE_NAME``), since a CloudWatch alarm watches one exact set of dimensions and
    cannot know the workflows in advance. The stack alarms on the second."""

    def budget_exceeded(self, workflow: str) -> None:
        _count_by_workflow_and_overall(BUDGET_EXCEEDED, workflow)


class EmfPruningAlarm:
    """Counts uploads whose pruning of old state machine versions failed (the upload itself did not),
    by ``workflow`` and for the function as a whole, as ``EmfBudgetAlarm`` does."""

    def pruning_failed(self, workflow: str) -> None:
        _count_by_workflow_and_overall(VERSION_PRUNING_FAILED, workflow)


def _count_by_workflow_and_overall(name: str, workflow: str) -> None:
    # Flushed at once: the functions that count these have no metrics decorator to flush at their end.
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="workflow", value=workflow)
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE):
        pass


INGEST_UNDO_FAILED = "IngestUndoFailed"


def ingest_undo_failed() -> None:
    """Counts a failed post whose writes could not all be undone (a retry of the post completes it)."""
    with single_metric(name=INGEST_UNDO_FAILED, unit=MetricUnit.Count, value=1, namespace=NAMESPACE):
        pass
