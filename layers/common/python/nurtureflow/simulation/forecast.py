"""The forecast: N synthetic contacts walked through a workflow over D virtual days, and what it costs.

Everything a production run does happens here, in-process: the workflow is validated, compiled and
published by ``WorkflowService``; the compiled state machine runs on the local Step Functions runtime;
its tasks run ``StepActions`` and ``Delivery`` (sending in dry run to a simulated inbox); opens, clicks
and goal events go through ``EmailFeedback`` and the ``Dispatcher``; ended runs go through
``RunLifecycle``. Only the storage (``simulation.memory``) and the clock (virtual) are stand-ins.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import random
import secrets
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from nurtureflow.clock import VirtualClock
from nurtureflow.contacts.model import Contact
from nurtureflow.costs.budget import WorkflowBudget
from nurtureflow.costs.ledger import ServiceCosts, cost_usage
from nurtureflow.costs.prices import PriceTable, load_price_table
from nurtureflow.enrolment.dispatch import Dispatcher
from nurtureflow.enrolment.lifecycle import RunLifecycle, came_through_api, run_usage
from nurtureflow.events.email_feedback import EmailFeedback
from nurtureflow.events.model import TrackedEvent
from nurtureflow.local.stepfunctions import Execution, LocalStepFunctions
from nurtureflow.local.stepfunctions.http_task import HTTP_TARGET
from nurtureflow.runs.actions import StepActions
from nurtureflow.scoring.service import Scoring
from nurtureflow.sending.delivery import Delivery, SendRequest
from nurtureflow.settings import SendingSettings, TrackingSettings, WebhookConnection
from nurtureflow.simulation.engagement import Feedback, Rates, SimulatedInbox
from nurtureflow.simulation.funnel import Funnel
from nurtureflow.simulation.memory import (
    CountingBudgetAlarm,
    MemoryContacts,
    MemoryEvents,
    MemoryLedger,
    MemoryRuns,
    MemoryScoringRules,
    MemorySends,
    MemoryTemplates,
    MemoryWorkflows,
)
from nurtureflow.simulation.runner import InProcessExecutions, InProcessMachines
from nurtureflow.simulation.synthetic import (
    contact_data,
    event_properties,
    horizon,
    satisfying,
    trigger_condition,
    trigger_kind,
)
from nurtureflow.workflow.compiler import TaskFunctions
from nurtureflow.workflow.models import Workflow
from nurtureflow.workflow.publishing import WorkflowService

_ACCOUNT = "000000000000"


class _AnyConnection(Mapping[str, WebhookConnection]):
    """Every connection name a workflow uses, allowing any URL: a forecast calls no webhook (each
    answers a simulated 200 at once), and the workflow was checked against the deployment's
    connections when it was uploaded."""

    def __getitem__(self, name: str) -> WebhookConnection:
        return WebhookConnection(
            arn=f"arn:aws:events:us-east-1:{_ACCOUNT}:connection/{name}/simulated", base_url="https://"
        )

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def get(self, name: str, default: Any = None) -> WebhookConnection:
        return self[name]


FUNCTIONS = TaskFunctions(
    step_arn=f"arn:aws:lambda:us-east-1:{_ACCOUNT}:function:nurtureflow-simulated-step",
    send_arn=f"arn:aws:lambda:us-east-1:{_ACCOUNT}:function:nurtureflow-simulated-send",
    connections=_AnyConnection(),
)
# What every webhook answers in a forecast.
SIMULATED_ANSWER = {"StatusCode": 200, "StatusText": "OK", "Headers": {}, "ResponseBody": {}}
ROLE_ARN = f"arn:aws:iam::{_ACCOUNT}:role/nurtureflow-simulated-workflows"
# Contacts arrive over the first hour, not all in the same millisecond, as a campaign's traffic does.
ARRIVALS = timedelta(hours=1)
# What a send costs in Lambda time in AWS: the SES call and five DynamoDB writes, about 120 ms.
SEND_SECONDS = 0.12
MAX_CONTACTS = 200_000
MAX_DAYS = 365

Progress = Callable[[float], None]
# Past the last arrival plus the workflow's longest run, a send may still wait this long for quiet
# hours or a contact's best time; nothing happens after that (the progress bar's 100 %).
WORK_SLACK = timedelta(days=1)


class SimulationRequest(BaseModel):
    """What to simulate; the field names are the admin API's, the CLI's flags spell them with dashes."""

    model_config = ConfigDict(extra="forbid")

    contacts: int = Field(default=1000, ge=1, le=MAX_CONTACTS)
    days: int = Field(default=30, ge=1, le=MAX_DAYS)
    open_rate: float = Field(default=0.25, ge=0, le=1)
    click_rate: float = Field(default=0.03, ge=0, le=1)
    goal_rate: float = Field(default=0.02, ge=0, le=1)
    seed: int | None = None
    start: datetime | None = None

    @field_validator("click_rate")
    @classmethod
    def _clicks_follow_opens(cls, click_rate: float, info: ValidationInfo) -> float:
        if click_rate > info.data.get("open_rate", 1.0):
            raise ValueError("click_rate can't exceed open_rate: every click follows an open")
        return click_rate

    @field_validator("start")
    @classmethod
    def _zoned(cls, start: datetime | None) -> datetime | None:
        if start is not None and start.tzinfo is None:
            raise ValueError("start needs a time zone offset, such as 2026-01-05T09:00:00Z")
        return start


def default_start(now: datetime) -> datetime:
    """Next Monday, 09:00 UTC: the same weekday and hour on every run, so forecasts compare."""
    days_ahead = (7 - now.weekday()) % 7 or 7
    return (
        (now + timedelta(days=days_ahead)).astimezone(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    )


class Simulation:
    """One simulation: build with a workflow document and its templates, then ``run()``."""

    def __init__(
        self,
        document: dict[str, Any],
        templates: dict[str, dict[str, Any]],
        request: SimulationRequest,
        *,
        prices: PriceTable | None = None,
        scoring: dict[str, Any] | None = None,
    ) -> None:
        """``scoring`` is the scoring rules document in force (None: the defaults), so that update
        steps and rules score as they would, and branches on the score or stage go the same way."""
        self.request = request
        self._scoring_document = scoring
        self.seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        self._rng = random.Random(self.seed)  # noqa: S311 - a reproducible simulation, not security
        self._start = request.start or default_start(datetime.now(UTC))
        self._clock = VirtualClock(self._start)
        self._prices = prices or load_price_table()
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._last_work = self._start  # set by _populate: when runs can no longer act
        self._conversions = 0  # goal events, whether or not the contact's run was still going
        self._sequence = itertools.count()
        self._build_stores(templates)
        self._runtime = LocalStepFunctions(
            self._invoke,
            clock=self._clock,
            random=self._rng.random,
            on_status_change=self._ended,
            # A forecast reads no history: it counts states as they are entered, and keeps memory flat.
            history=False,
            on_state_entered=self._state_entered,
        )
        self._executions = InProcessExecutions(self._runtime, before_stop=self._goal_reached)
        service = WorkflowService(
            self._workflows,
            self._templates.sendable,
            InProcessMachines(self._runtime),
            FUNCTIONS,
            ROLE_ARN,
            "nurtureflow-simulated-",
            self._clock,
        )
        published = service.upload(str(document.get("id")), document)  # WorkflowInvalidError if invalid
        service.set_status(published.id, "active")
        self.workflow: Workflow = service.current(published.id)
        self._funnel = Funnel(self.workflow)
        self._build_services()

    # -- assembly -----------------------------------------------------------------------------------

    def _build_stores(self, templates: dict[str, dict[str, Any]]) -> None:
        self._contacts, self._runs, self._events = MemoryContacts(), MemoryRuns(), MemoryEvents()
        self._sends, self._ledger = MemorySends(), MemoryLedger()
        self._budget_alarms = CountingBudgetAlarm()
        self._templates, self._workflows = MemoryTemplates(), MemoryWorkflows()
        self._scoring = Scoring(
            MemoryScoringRules(self._scoring_document), self._contacts, self._events, self._clock
        )
        for template_id, template in templates.items():
            self._templates.put(template_id, template)

    def _build_services(self) -> None:
        # Signed with a key of its own: a simulated link is worth nothing outside this process.
        tracking = TrackingSettings(
            public_base_url="https://simulation.invalid",
            link_keys={"sim": secrets.token_urlsafe(32)},
            link_key_id="sim",
        )
        self._dispatcher = Dispatcher(
            self._contacts,
            self._runs,
            self._workflows,
            self._events,
            self._sends,
            self._executions,
            self._clock,
            self._scoring,
        )
        self._actions = StepActions(
            self._contacts, self._runs, self._events, self._sends, self, self._clock, self._scoring
        )
        feedback = EmailFeedback(
            sends=self._sends,
            contacts=self._contacts,
            events=self._events,
            bus=self,
            ledger=self._ledger,
            clock=self._clock,
            tracking=tracking,
            prices=self._prices,
        )
        self._inbox = SimulatedInbox(
            Rates(self.request.open_rate, self.request.click_rate, self.request.goal_rate),
            self._rng,
            self._clock,
            self._schedule,
            Feedback(open=feedback.open, click=feedback.click),
        )
        self._delivery = Delivery(
            contacts=self._contacts,
            templates=self._templates,
            sends=self._sends,
            events=self._events,
            ledger=self._ledger,
            mailer=self._inbox,
            clock=self._clock,
            tracking=tracking,
            sending=SendingSettings(),
            prices=self._prices,
            billed_seconds=SEND_SECONDS,
            budget=WorkflowBudget(self._ledger, self._budget_alarms),
        )
        self._lifecycle = RunLifecycle(self._runs, self._ledger, self._executions, self._prices)

    # -- what the platform's pieces call --------------------------------------------------------------

    def publish(self, events: list[TrackedEvent]) -> None:
        """The event bus: each event reaches the trigger function's dispatcher at once."""
        for event in events:
            self._dispatcher.handle(event)

    def _invoke(self, function_name: str, payload: Any) -> Any:
        """A Lambda task: the send or the step function's handler logic, in-process; a webhook's
        HTTP Task answers a simulated 200."""
        if function_name == HTTP_TARGET:
            return SIMULATED_ANSWER
        execution = str(payload.get("execution", ""))
        calls = self._executions.lambda_calls
        calls[execution] = calls.get(execution, 0) + 1
        if function_name.rsplit(":", 1)[-1] == FUNCTIONS.send_arn.rsplit(":", 1)[-1]:
            return self._delivery.send(SendRequest.from_payload(payload))
        return self._actions.perform(payload)

    def _ended(self, detail: dict[str, Any]) -> None:
        self._lifecycle.ended(detail)

    def _state_entered(self, execution: Execution, state_name: str) -> None:
        self._funnel.state_entered(execution.arn, state_name)

    def _goal_reached(self, execution_arn: str) -> None:
        root = self._runtime.get_execution(execution_arn).root
        if root is not None:
            self._funnel.goal_reached(root.state_name)

    # -- the timeline ---------------------------------------------------------------------------------

    def _schedule(self, at: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (at, next(self._sequence), action))

    def _populate(self) -> None:
        """Create the contacts and schedule their enrolment, and the goal for those who convert."""
        trigger = self.workflow.trigger
        wanted = satisfying(trigger_condition(trigger), self._start)
        kind = trigger_kind(trigger)
        goal = self.workflow.exit_when[0] if self.workflow.exit_when else None
        goal_fields = satisfying(
            None if goal is None or goal.where is None else goal.where.model_dump(mode="json", by_alias=True),
            self._start,
        )
        longest = horizon(self.workflow, timedelta(days=self.request.days))
        self._last_work = self._start + ARRIVALS + longest + WORK_SLACK
        for index in range(1, self.request.contacts + 1):
            contact = Contact.model_validate(contact_data(index, self._rng, wanted["contact"], self._start))
            self._contacts.add(contact)
            arrives = self._start + ARRIVALS * self._rng.random()
            self._schedule(arrives, self._enrolment(contact.id, kind, event_properties(wanted["event"])))
            if goal is not None and self._rng.random() < self.request.goal_rate:
                converts = arrives + longest * self._rng.random()
                self._schedule(converts, self._conversion(contact.id, goal.event, goal_fields["event"]))

    def _enrolment(self, contact_id: str, kind: str, properties: dict[str, Any]) -> Callable[[], None]:
        def enrol() -> None:
            event = self._event(kind, contact_id, properties)
            self._events.record(event)
            starts_at = self._clock.now().isoformat() if self.workflow.trigger.date is not None else None
            self._dispatcher.enrol(self.workflow.id, event, starts_at)

        return enrol

    def _conversion(self, contact_id: str, kind: str, properties: dict[str, Any]) -> Callable[[], None]:
        def convert() -> None:
            event = self._event(kind, contact_id, event_properties(properties))
            if self._events.record(event):
                self._conversions += 1
                self.publish([event])

        return convert

    def _event(self, kind: str, contact_id: str, properties: dict[str, Any]) -> TrackedEvent:
        now = self._clock.now().isoformat()
        return TrackedEvent(
            id=f"sim_{next(self._sequence)}",
            type=kind,
            contact_id=contact_id,
            properties=properties,
            occurred_at=now,
            received_at=now,
        )

    def run(self, progress: Progress | None = None) -> dict[str, Any]:
        """Play the whole timeline; ``progress`` hears the share done, from 0 to 1: of the virtual time
        in which runs can still act (the last arrival plus the workflow's longest run)."""
        self._populate()
        # The contacts and the workflow live to the end: the cyclic collector need not walk them
        # again and again (it was a quarter of the time at 100,000 contacts).
        gc.freeze()
        try:
            return self._play(progress)
        finally:
            gc.unfreeze()

    def _play(self, progress: Progress | None) -> dict[str, Any]:
        end = self._start + timedelta(days=self.request.days)
        # Progress runs over the time in which runs can still do something, not the whole period:
        # a 2-day workflow forecast over 30 days did all its work in the first 7 % of the bar.
        span = (min(end, self._last_work) - self._start).total_seconds()
        while True:
            # The next thing to happen: a contact's action, or a timer of the runtime (a wait ending).
            due = [at for at in (self._queue[0][0] if self._queue else None, self._runtime.next_due()) if at]
            if not due or min(due) > end:
                break
            at = min(due)
            self._runtime.advance(max(at - self._clock.now(), timedelta(0)))
            while self._queue and self._queue[0][0] <= self._clock.now():
                heapq.heappop(self._queue)[2]()
                self._runtime.run_due()
            if progress is not None:
                progress(min((self._clock.now() - self._start).total_seconds() / span, 0.99))
        self._runtime.advance(max(end - self._clock.now(), timedelta(0)))
        if progress is not None:
            progress(1.0)
        return self._result()

    # -- the result -----------------------------------------------------------------------------------

    def _result(self) -> dict[str, Any]:
        costs, transitions = self._ledger.total(), 0
        for arn in self._executions.started:
            execution = self._runtime.get_execution(arn)
            transitions += execution.transitions
            if execution.running:  # still waiting at the end: what it has cost so far
                event = ((execution.input or {}).get("run") or {}).get("event") or {}
                usage = run_usage(*self._executions.transitions(execution.arn), came_through_api(event))
                costs += cost_usage(usage, self._prices)
        contacts = self.request.contacts
        total = costs.total
        return {
            "workflow": self.workflow.id,
            "name": self.workflow.name,
            "contacts": contacts,
            "days": self.request.days,
            "seed": self.seed,
            "start": self._start.isoformat(),
            "rates": {
                "open": self.request.open_rate,
                "click": self.request.click_rate,
                "goal": self.request.goal_rate,
            },
            "steps": self._funnel.report(self._sends.all()),
            "emails": self._inbox.accepted,
            "conversions": self._conversions,
            "transitions": transitions,
            "cost": {
                "usd": _dollars(costs),
                "total_usd": _round(total),
                "usd_per_1000_contacts": _round(total * 1000 / contacts),
            },
        }


def _round(value: Decimal) -> float:
    return float(round(value, 6))


def _dollars(costs: ServiceCosts) -> dict[str, float]:
    return {name: _round(value) for name, value in costs.model_dump(by_alias=True).items()}


def simulate(
    document: dict[str, Any],
    templates: dict[str, dict[str, Any]],
    request: SimulationRequest,
    progress: Progress | None = None,
    scoring: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Forecast ``document``'s funnel and cost; ``WorkflowInvalidError`` when it isn't valid."""
    return Simulation(document, templates, request, scoring=scoring).run(progress)
