"""What a tracked event does to runs: end runs whose goal it meets, resume waits, enrol contacts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from nurtureflow.aws.stepfunctions import AlreadyEnrolledError
from nurtureflow.clock import Clock
from nurtureflow.conditions.evaluate import ConditionContext, resolve
from nurtureflow.contacts.model import Contact
from nurtureflow.enrolment.dates import due_today, start_at
from nurtureflow.enrolment.policy import matches, may_reenter
from nurtureflow.events.model import TrackedEvent
from nurtureflow.runs.history import RunHistory
from nurtureflow.scoring.service import Scoring
from nurtureflow.stats.recorder import StatsRecorder
from nurtureflow.store.runs import RunClaimedError
from nurtureflow.workflow.durations import parse_offset
from nurtureflow.workflow.schedule import zone_for

logger = Logger(child=True)


class Runner(Protocol):
    """The slice of Step Functions enrolment needs (``aws.stepfunctions.Executions``)."""

    def start(self, target_arn: str, name: str, run_input: dict[str, Any]) -> str: ...
    def stop(self, execution_arn: str, cause: str) -> bool: ...
    def resume(self, token: str, output: dict[str, Any]) -> bool: ...


@dataclass
class Outcome:
    enrolled: list[str]
    resumed: list[str]
    exited: list[str]


def execution_name(contact_id: str, enrolment_key: str) -> str:
    """Names carry the enrolment key: a redelivered event maps to the same, already-started run."""
    digest = hashlib.sha256(f"{contact_id}:{enrolment_key}".encode()).hexdigest()[:32]
    return f"{contact_id}-{digest}"[:80]


class Dispatcher:
    def __init__(
        self,
        contacts: Any,
        runs: Any,
        workflows: Any,
        events: Any,
        sends: Any,
        runner: Runner,
        clock: Clock,
        scoring: Scoring | None = None,
        stats: StatsRecorder | None = None,
    ) -> None:
        self._stats = stats
        self._contacts = contacts
        self._runs = runs
        self._workflows = workflows
        self._events = events
        self._sends = sends
        self._runner = runner
        self._clock = clock
        self._scoring = scoring

    def handle(self, event: TrackedEvent) -> Outcome:
        outcome = Outcome([], [], [])
        if event.contact_id is None:
            return outcome  # anonymous history waits until an event names the contact
        contact: Contact | None = self._contacts.get(event.contact_id)
        if contact is None:
            return outcome
        if self._scoring is not None:  # first: goals, waits and triggers see the new score and stage
            contact = self._scoring.score_event(contact, event)
        data, event_data, now = contact.as_condition_data(), event.as_condition_data(), self._clock.now()
        runs = {run["workflow"]: run for run in self._runs.of_contact(contact.id)}
        for run in runs.values():
            if run.get("status") != "running":
                continue
            if any(
                goal["event"] == event.type and matches(goal.get("where"), data, event_data, now)
                for goal in run.get("exit_when", [])
            ):
                self._exit(run, event)
                outcome.exited.append(run["workflow"])
            elif self._resume(run, event, data, event_data):
                outcome.resumed.append(run["workflow"])
        for workflow in self._workflows.all_meta():
            if self._should_enrol(workflow, event, data, event_data, runs.get(workflow["id"])):
                self._enrol(workflow, contact, event, runs.get(workflow["id"]))
                outcome.enrolled.append(workflow["id"])
        if self._stats is not None:  # an order credits the workflows whose runs it happened in
            self._stats.conversion(event, runs.values())
        return outcome

    def enrol_manually(self, workflow_id: str, contact_ids: list[str], key: str) -> list[str]:
        """Enrol contacts into a ``manual`` workflow; the ids enrolled (reentry rules apply).

        ``key`` names the request: the same request delivered twice enrols each contact once.
        """
        return [
            contact_id
            for contact_id in contact_ids
            if self.enrol(
                workflow_id, self._enrolling_event(f"m_{key}", "manual_enrolment", contact_id, workflow_id)
            )
        ]

    def enrol(self, workflow_id: str, event: TrackedEvent, starts_at: str | None = None) -> bool:
        """Enrol the event's contact whatever the trigger says (manual enrolment, simulations).

        The workflow must be active and the reentry policy must let the contact in; the same event
        delivered twice enrols once. ``starts_at`` is when a date trigger's run may begin.
        """
        workflow = self._workflows.meta(workflow_id)
        if workflow is None or workflow.get("status") != "active":
            logger.warning("enrolment into an inactive workflow", extra={"workflow": workflow_id})
            return False
        contact: Contact | None = self._contacts.get(str(event.contact_id))
        if contact is None:
            return False
        previous = self._runs.get(contact.id, workflow_id)
        if not (
            _same(previous, event) or may_reenter(workflow.get("reentry", {}), previous, self._clock.now())
        ):
            return False
        self._enrol(workflow, contact, event, previous, starts_at)
        return True

    def _enrolling_event(
        self, key: str, kind: str, contact_id: str, workflow_id: str, properties: dict[str, Any] | None = None
    ) -> TrackedEvent:
        """The event a run is enrolled by when no tracked event did it (manual, backfill, date)."""
        now = self._clock.now().isoformat()
        return TrackedEvent(
            id=key,
            type=kind,
            contact_id=contact_id,
            properties=properties or {},
            occurred_at=now,
            received_at=now,
            workflow=workflow_id,
        )

    def _exit(self, run: dict[str, Any], event: TrackedEvent) -> None:
        ended = self._clock.now().isoformat()
        self._runs.update(
            run["contact_id"],
            run["workflow"],
            run["execution_arn"],
            {"status": "exited", "exit_reason": f"goal:{event.type}", "ended_at": ended},
        )
        self._runner.stop(run["execution_arn"], f"goal reached: {event.type}")

    def _resume(
        self, run: dict[str, Any], event: TrackedEvent, data: dict[str, Any], event_data: dict[str, Any]
    ) -> bool:
        waiting = run.get("waiting")
        if not waiting:
            return False
        awaited = waiting.get("events") or [waiting]  # several (wait_for "any"), or one
        matched = next(
            (
                i
                for i, a in enumerate(awaited)
                if a.get("event") == event.type
                and matches(a.get("where"), data, event_data, self._clock.now())
            ),
            None,
        )
        if matched is None:
            return False
        # Taking the token off the run first makes a duplicate event a no-op, not a second resume.
        if not self._runs.clear_wait(run["contact_id"], run["workflow"], waiting["token"]):
            return False
        output = {"event": event_data, "event_id": event.id, "matched": matched}
        return self._runner.resume(waiting["token"], output)

    def _should_enrol(
        self,
        workflow: dict[str, Any],
        event: TrackedEvent,
        data: dict[str, Any],
        event_data: dict[str, Any],
        previous: dict[str, Any] | None,
    ) -> bool:
        if workflow.get("status") != "active" or not self._trigger_holds(
            workflow.get("trigger", {}), event, data, event_data
        ):
            return False
        if previous is not None and previous.get("enrolment") == event.id:
            return True  # our own earlier attempt: finish it (the start is idempotent)
        return may_reenter(workflow.get("reentry", {}), previous, self._clock.now())

    def _trigger_holds(
        self, trigger: dict[str, Any], event: TrackedEvent, data: dict[str, Any], event_data: dict[str, Any]
    ) -> bool:
        """An event trigger on this event type whose ``where`` holds, or a segment the contact matches.

        Segments are evaluated whenever something happens to the contact (every tracked event,
        and ``contact_updated`` from update steps), with the contact's history at hand.
        """
        now = self._clock.now()
        if "segment" in trigger:
            history = RunHistory(self._events, self._sends, str(event.contact_id), execution_arn="")
            return matches(trigger["segment"], data, event_data, now, history)
        return trigger.get("event") == event.type and matches(trigger.get("where"), data, event_data, now)

    def segment_sweeps(self) -> list[tuple[str, str]]:
        """The daily sweep of every active segment workflow, as (workflow, enrolment key) for
        ``enrolment.backfill`` to run in parts: time alone (90 days without an open) can bring a
        contact in. Keyed by the day, so a repeated daily run enrols nobody twice."""
        today = self._clock.now().date().isoformat()
        return [
            (workflow["id"], f"s_{today}")
            for workflow in self._workflows.all_meta()
            if workflow.get("status") == "active" and "segment" in (workflow.get("trigger") or {})
        ]

    def daily(self) -> dict[str, list[str]]:
        """The daily run's date triggers: enrol contacts whose date (plus offset) is today.

        Each occurrence of a date is its own enrolment (a birthday comes every year), keyed by the
        day, so a repeated daily run enrols nobody twice; a run still going blocks the next one.
        """
        enrolled: dict[str, list[str]] = {}
        date_workflows = [
            w
            for w in self._workflows.all_meta()
            if w.get("status") == "active" and "date" in (w.get("trigger") or {})
        ]
        if not date_workflows:
            return enrolled
        now = self._clock.now()
        for contact in self._contacts.scan():
            for workflow in date_workflows:
                if self._enrol_on_date(workflow, contact, now):
                    enrolled.setdefault(workflow["id"], []).append(contact.id)
        return enrolled

    def _enrol_on_date(self, workflow: dict[str, Any], contact: Contact, now: datetime) -> bool:
        spec = workflow["trigger"]["date"]
        data = contact.as_condition_data()
        value = resolve(spec["field"], ConditionContext(data, None, now))
        offset = parse_offset(spec["offset"]) if spec.get("offset") else timedelta(0)
        zone = zone_for(workflow.get("timezone", "UTC"), contact.timezone)
        today = now.astimezone(zone).date()
        if not isinstance(value, str) or not due_today(value, spec["every"], offset, today):
            return False
        event = self._enrolling_event(
            f"d_{today.isoformat()}",
            "date_reached",
            contact.id,
            workflow["id"],
            {"field": spec["field"], "date": value},
        )
        previous = self._runs.get(contact.id, workflow["id"])
        if previous is not None and (
            previous.get("status") == "running" or previous.get("enrolment") == event.id
        ):
            return False
        self._enrol(workflow, contact, event, previous, start_at(today, spec.get("at", "09:00"), zone))
        return True

    def backfill_key(self, workflow_id: str) -> str | None:
        """The enrolment key of a segment workflow's ``include_existing`` backfill (one per version:
        a redelivered backfill enrols nobody twice), or None when it takes none now."""
        workflow = self._workflows.meta(workflow_id)
        if (
            workflow is None
            or workflow.get("status") != "active"
            or "segment" not in workflow.get("trigger", {})
        ):
            return None
        return f"b_{workflow_id}_{workflow['version']}"

    def active_workflow(self, workflow_id: str) -> dict[str, Any] | None:
        """The workflow's current record while it is active; None once paused or archived."""
        workflow: dict[str, Any] | None = self._workflows.meta(workflow_id)
        return workflow if workflow is not None and workflow.get("status") == "active" else None

    def sweep_contact(self, workflow: dict[str, Any], contact: Contact, key: str, kind: str) -> bool:
        """Enrol one contact the segment matches now, under the reentry policy (``enrolment.backfill``).

        A throttled start raises (the run stays claimed under ``key``): calling again with the same
        key finishes that enrolment, once."""
        return self._sweep_one(workflow, contact, key, kind)

    def _sweep_one(self, workflow: dict[str, Any], contact: Contact, key: str, kind: str) -> bool:
        event = self._enrolling_event(key, kind, contact.id, workflow["id"])
        previous = self._runs.get(contact.id, workflow["id"])
        if not self._should_enrol(
            workflow, event, contact.as_condition_data(), event.as_condition_data(), previous
        ):
            return False
        self._enrol(workflow, contact, event, previous)
        return True

    def _enrol(
        self,
        workflow: dict[str, Any],
        contact: Contact,
        event: TrackedEvent,
        previous: dict[str, Any] | None,
        starts_at: str | None = None,
    ) -> None:
        name = execution_name(contact.id, event.id)
        run_doc = {
            "workflow": workflow["id"],
            "version": workflow["version"],
            "contact_id": contact.id,
            "event": event.model_dump(mode="json", exclude_none=True),
            "enrolment": event.id,
            # Date triggers: the state machine's first state waits until then.
            **({"start_at": starts_at} if starts_at else {}),
        }
        arn = workflow["state_machine_arn"].replace(":stateMachine:", ":execution:") + f":{name}"
        run = {
            "contact_id": contact.id,
            "workflow": workflow["id"],
            "version": workflow["version"],
            "enrolment": event.id,
            "execution_arn": arn,
            "status": "running",
            "started_at": self._clock.now().isoformat(),
            "exit_when": workflow.get("exit_when", []),
            "runs": int((previous or {}).get("runs", 0)) + (0 if _same(previous, event) else 1),
        }
        if not _same(previous, event):
            try:
                self._runs.claim(run, None if previous is None else previous.get("enrolment"))
            except RunClaimedError:
                logger.info("run claimed concurrently", extra={"workflow": workflow["id"]})
                return
        try:
            # The live alias routes to the newest version; the run keeps it to its end.
            self._runner.start(workflow["alias_arn"], name, {"run": run_doc})
        except AlreadyEnrolledError:
            logger.info("already enrolled", extra={"workflow": workflow["id"], "name": name})
        if self._stats is not None:  # once per run, however often the enrolment is retried
            self._stats.enrolled(workflow["id"], int(workflow["version"]), arn)


def _same(previous: dict[str, Any] | None, event: TrackedEvent) -> bool:
    return previous is not None and previous.get("enrolment") == event.id
