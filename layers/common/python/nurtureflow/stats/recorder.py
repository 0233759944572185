"""Counting what happens in a workflow, once each, whatever Lambda, Step Functions or the bus redeliver.

Every count names the thing it counts (a send id, an execution, an event id) as its key; the store adds
the counters only on that key's first write (``StatsRepository.count_once``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from nurtureflow.clock import Clock
from nurtureflow.events.model import TrackedEvent
from nurtureflow.stats.counters import REVENUE_PREFIX, skipped_counter, step_counter
from nurtureflow.stats.lift import CONTROL, holdout_counter, revenue_counter, squares_counter

# A marker outlives every retry by far; an open or a click can come months after its send, so markers
# are kept as long as the events themselves (the default event retention).
MARKER_DAYS = 400
# An order counts for a workflow when its run was going, or had ended at most this long before.
ATTRIBUTION_WINDOW = timedelta(days=7)
CONVERSION_EVENT = "order_completed"


class StatsStore(Protocol):
    def count_once(
        self,
        key: str,
        workflow: str,
        version: int,
        counters: dict[str, int | Decimal],
        expires_at: int,
        day: str,
    ) -> bool: ...


class StatsRecorder:
    def __init__(self, store: StatsStore, clock: Clock, marker_days: int = MARKER_DAYS) -> None:
        self._store, self._clock, self._marker_days = store, clock, marker_days

    def _count(self, key: str, workflow: str, version: int, counters: dict[str, int | Decimal]) -> bool:
        now = self._clock.now().astimezone(UTC)
        expires = int((now + timedelta(days=self._marker_days)).timestamp())
        return self._store.count_once(key, workflow, version, counters, expires, now.date().isoformat())

    def send_outcome(
        self, workflow: str, version: int, step: str, send_id: str, outcome: dict[str, Any]
    ) -> None:
        """An email step's visit: sent, or skipped with its reason (a rejection is a skip, ``rejected``).

        A deferred send (quiet hours) is not an outcome: the run comes back and that visit counts.
        """
        status = outcome.get("status")
        if status == "deferred" or status is None:
            return
        if status in ("sent", "unconfirmed"):
            # unconfirmed: it may have gone out (a crash after SES answered), so it is not a skip.
            outcome_counter = step_counter(step, status)
        elif status == "rejected":
            outcome_counter = skipped_counter(step, "rejected")
        else:
            outcome_counter = skipped_counter(step, str(outcome.get("reason") or status))
        self._count(f"send#{send_id}", workflow, version, {outcome_counter: 1})

    def engagement(self, send: dict[str, Any], kind: str, machine: bool = False) -> None:
        """An open, click or unsubscribe of a send: counted once per send (unique, not total).

        Machine opens (scanners, Apple MPP) count apart, as ``machine_opened``; a click is also an
        open, as the engagement conditions see it.
        """
        counted = {"email_opened": "machine_opened" if machine else "opened", "email_clicked": "clicked"}
        name = counted.get(kind, "unsubscribed" if kind == "unsubscribed" else None)
        if name is None or not send.get("workflow") or not send.get("step"):
            return
        names = [name, "opened"] if name == "clicked" else [name]
        for counter in names:
            self._count(
                f"{counter}#{send['id']}",
                str(send["workflow"]),
                int(send.get("version") or 0),
                {step_counter(str(send["step"]), counter): 1},
            )

    def enrolled(self, workflow: str, version: int, execution_arn: str) -> None:
        self._count(f"enrolled#{execution_arn}", workflow, version, {"enrolled": 1})

    def run_ended(
        self, workflow: str, version: int, execution_arn: str, entered: list[str], goal: bool
    ) -> None:
        """A run's visits to each step (from its history) and, when a goal ended it, where it was."""
        counters: dict[str, int | Decimal] = {"ended": 1}
        previous = None
        for state in entered:
            # Helper states (``x.route``, ``x.later``, ``trigger.at``) are not steps, and an email
            # coming back from its quiet-hours wait (``x.later``) is the same visit, not a new one.
            if "." not in state and previous != f"{state}.later":
                key = step_counter(state, "entered")
                counters[key] = int(counters.get(key, 0)) + 1
            previous = state
        if goal and entered:
            counters[step_counter(entered[-1].split(".")[0], "exited_by_goal")] = 1
            counters["exited_by_goal"] = 1
        self._count(f"ended#{execution_arn}", workflow, version, counters)

    def held_out(self, workflow: str, version: int, contact_id: str, group: str) -> None:
        """A contact reached the workflow's holdout: counted once per contact, so a control contact
        who comes back (a reentry policy lets it) does not weigh more than one who stays."""
        self._count(
            f"holdout#{workflow}#{contact_id}", workflow, version, {holdout_counter(group, "contacts"): 1}
        )

    def conversion(self, event: TrackedEvent, runs: Iterable[dict[str, Any]]) -> list[str]:
        """Credit an order to each workflow the contact was in when it happened; the workflows credited.

        A run held out by a holdout is not credited (the workflow did nothing for it); the order
        counts for its group instead, as it does for the treated group, inside ``measure_for``.
        """
        if event.type != CONVERSION_EVENT:
            return []
        occurred = _moment(event.occurred_at)
        value = _amount(event.properties.get("value"))
        currency = _currency(event.properties.get("currency"))
        credited = []
        for run in runs:
            if occurred is None:
                continue
            held = run.get("holdout") or {}
            if held:
                self._holdout_order(event, run, held, occurred, value, currency)
            if held.get("group") == CONTROL or not _attributable(run, occurred):
                continue
            counters: dict[str, int | Decimal] = {"conversions": 1}
            if value is not None:
                counters[REVENUE_PREFIX + currency] = value
            if self._count(
                f"order#{event.id}#{run['workflow']}", run["workflow"], int(run["version"]), counters
            ):
                credited.append(str(run["workflow"]))
        return credited

    def _holdout_order(
        self,
        event: TrackedEvent,
        run: dict[str, Any],
        held: dict[str, Any],
        occurred: datetime,
        value: Decimal | None,
        currency: str,
    ) -> None:
        since, until = _moment(held.get("since")), _moment(held.get("until"))
        if since is None or until is None or not since <= occurred <= until:
            return
        workflow, version, group = str(run["workflow"]), int(run["version"]), str(held["group"])
        counters: dict[str, int | Decimal] = {holdout_counter(group, "orders"): 1}
        if value is not None:
            counters[revenue_counter(group, currency)] = value
            counters[squares_counter(group, currency)] = value * value
        self._count(f"holdout-order#{event.id}#{workflow}", workflow, version, counters)
        converted: dict[str, int | Decimal] = {holdout_counter(group, "converted"): 1}
        self._count(f"holdout-converted#{workflow}#{run['contact_id']}", workflow, version, converted)


def _attributable(run: dict[str, Any], occurred: datetime) -> bool:
    started = _moment(run.get("started_at"))
    if started is None or occurred < started:
        return False
    if run.get("status") == "running":
        return True
    ended = _moment(run.get("ended_at"))
    return ended is not None and occurred <= ended + ATTRIBUTION_WINDOW


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _amount(value: Any) -> Decimal | None:
    """The order's value as a number; a missing or malformed value counts the conversion alone."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _currency(value: Any) -> str:
    text = str(value or "").strip().upper()
    return text if len(text) == 3 and text.isalpha() else "unspecified"
