"""A workflow's monthly budget (``settings.monthly_budget_usd``): the check before each send.

Before an email goes out, the workflow's spend this calendar month (UTC days, from the cost
rollups) plus the email's expected cost is compared with its budget; over it, the email is skipped
with reason ``budget`` (the run goes on) and the alarm metric is emitted. The check is a soft limit:
sends running at the same moment read the same spend, so a month can end over budget by what they
cost together (at most the send function's concurrency times the cost of an email), and a run's
Step Functions cost lands when the run ends, after its sends were checked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from nurtureflow.costs.rollups import month_of

SKIP_REASON = "budget"
_MICRO = Decimal("0.000001")


class MonthlySpend(Protocol):
    def workflow_month_spend(self, workflow: str, month: str) -> Decimal: ...


class BudgetAlarm(Protocol):
    def budget_exceeded(self, workflow: str) -> None: ...


class WorkflowBudget:
    def __init__(self, spend: MonthlySpend, alarm: BudgetAlarm) -> None:
        self._spend, self._alarm = spend, alarm

    def skip_reason(
        self, workflow: str, monthly_usd: Decimal | None, today: date, expected_usd: Decimal
    ) -> str | None:
        """``"budget"`` when this email would take ``workflow`` over its budget for ``today``'s month."""
        if monthly_usd is None:
            return None
        spent = self._spend.workflow_month_spend(workflow, month_of(today))
        if spent + expected_usd <= monthly_usd:
            return None
        self._alarm.budget_exceeded(workflow)
        return SKIP_REASON


def budget_status(monthly_usd: Decimal, spent_usd: Decimal, month: str) -> dict[str, Any]:
    """A workflow's budget as the cost report shows it: this month's spend against the budget."""

    def rounded(value: Decimal) -> float:
        return float(value.quantize(_MICRO))

    return {
        "month": month,
        "monthly_usd": rounded(monthly_usd),
        "spent_usd": rounded(spent_usd),
        "remaining_usd": rounded(max(monthly_usd - spent_usd, Decimal(0))),
        "exceeded": spent_usd > monthly_usd,
    }


def with_budgets(
    rows: list[dict[str, Any]], budget_of: Callable[[str], Decimal | None], spend: MonthlySpend, today: date
) -> list[dict[str, Any]]:
    """The cost report's workflow rows, each with a ``budget`` block when its workflow has a budget.

    The block is about the current calendar month (UTC), whatever the report's range: a budget is
    monthly, and what a reader of costs needs is how much of this month's is left.
    """
    month = month_of(today)
    shown = []
    for row in rows:
        monthly = budget_of(row["key"])
        if monthly is not None:
            row = {
                **row,
                "budget": budget_status(monthly, spend.workflow_month_spend(row["key"], month), month),
            }
        shown.append(row)
    return shown


def current_budget(workflows: Any, workflow_id: str) -> Decimal | None:
    """The monthly budget of the workflow's current version (``workflows``: the workflows store),
    or None when it has none or no longer exists."""
    meta = workflows.meta(workflow_id)
    version = workflows.version(workflow_id, meta["version"]) if meta else None
    if version is None:
        return None
    from nurtureflow.workflow.models import Settings  # the admin's report only: sends never load it

    return Settings.model_validate(version["document"].get("settings") or {}).monthly_budget_usd
