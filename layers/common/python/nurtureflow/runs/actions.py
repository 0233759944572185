"""The work a workflow's step function does when a run reaches a step: branch, wait_for, update."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from nurtureflow.clock import Clock, timestamp
from nurtureflow.conditions.evaluate import ConditionContext, evaluate, resolve
from nurtureflow.conditions.model import parse_condition
from nurtureflow.events.ingest import Publisher
from nurtureflow.events.model import TrackedEvent
from nurtureflow.runs.document import RunDocument
from nurtureflow.runs.history import RunHistory
from nurtureflow.runs.send_time import best_send_time
from nurtureflow.scoring.service import Scoring
from nurtureflow.sending.templates import render_text
from nurtureflow.stats.lift import TREATED, holdout_group
from nurtureflow.stats.recorder import StatsRecorder
from nurtureflow.webhooks.delivery import answered, delivery_id, failed, request_body
from nurtureflow.webhooks.signing import signature
from nurtureflow.workflow.durations import parse_duration, parse_offset
from nurtureflow.workflow.schedule import date_slot, next_slot, zone_for


class ContactGoneError(Exception):
    """The contact was erased while its run was in flight."""


class StepActions:
    def __init__(
        self,
        contacts: Any,
        runs: Any,
        events: Any,
        sends: Any,
        bus: Publisher,
        clock: Clock,
        scoring: Scoring | None = None,
        engagement: Any = None,
        stats: StatsRecorder | None = None,
        webhook_keys: tuple[str, str] | None = None,
    ) -> None:
        self._stats = stats
        # (key id, key) signing webhook bodies; None where no webhook runs (the forecast signs with
        # a throwaway key: nothing leaves the process).
        self._webhook_keys = webhook_keys or ("forecast", "forecast")
        # ``store.engagement``: the audience's hours, for contacts with little history of their own.
        self._engagement = engagement
        self._contacts = contacts
        self._runs = runs
        self._events = events
        self._sends = sends
        self._bus = bus
        self._clock = clock
        self._scoring = scoring

    def perform(self, payload: dict[str, Any]) -> dict[str, str]:
        """Do what a compiled state's payload asks (see ``workflow.compiler``)."""
        run = RunDocument.model_validate(payload["run"])
        match payload["action"]:
            case "branch":
                return self.branch(
                    run,
                    payload["execution"],
                    payload["cases"],
                    payload["default"],
                    payload.get("webhooks", False),
                )
            case "wait_for":
                awaited = payload.get("events") or [
                    {
                        "event": payload["event"],
                        **({"where": payload["where"]} if payload.get("where") else {}),
                    }
                ]
                return self.wait_for(run, payload["execution"], payload["step"], awaited, payload["token"])
            case "update":
                visit = _visit(payload)
                return self.update(run, payload["changes"], payload.get("step", "update"), visit)
            case "split":
                return self.split(run, payload["step"], payload["paths"])
            case "holdout":
                return self.holdout(run, payload["execution"], payload["step"], payload)
            case "webhook":
                return self.webhook(run, payload["execution"], payload["step"], payload["entered"])
            case "webhook_answer":
                return self.webhook_answer(run, payload["execution"], payload["step"], payload)
            case "task":
                return self.task(
                    run, payload["execution"], payload["step"], payload["entered"], payload["task"]
                )
            case "wait_until":
                return self.wait_until(run, payload["wait"], payload["timezone"])
            case "fail":
                return self.fail(run, payload["execution"], payload["failure"])
        raise ValueError(f"unknown action {payload['action']!r}")

    def fail(self, run: RunDocument, execution_arn: str, failure: dict[str, Any]) -> dict[str, str]:
        """Record on the run that a step failed for good; the run then ends."""
        self._runs.update(
            run.contact_id,
            run.workflow,
            execution_arn,
            {
                "status": "failed",
                "error": str(failure.get("Error", ""))[:256],
                "cause": str(failure.get("Cause", ""))[:2000],
                "ended_at": self._clock.now().isoformat(),
            },
        )
        return {"failed": str(failure.get("Error", ""))}

    def _contact(self, run: RunDocument) -> dict[str, Any]:
        contact = self._contacts.get(run.contact_id)
        if contact is None:
            raise ContactGoneError(run.contact_id)
        return contact.as_condition_data()  # type: ignore[no-any-return]

    def branch(
        self,
        run: RunDocument,
        execution_arn: str,
        cases: list[dict[str, Any]],
        default: str,
        reads_webhooks: bool = False,
    ) -> dict[str, str]:
        """The first case whose condition holds on live data, else the default; ``reads_webhooks``
        (the compiler's flag) says a case reads the run's webhook answers, read from the run then."""
        event = TrackedEvent.model_validate(run.event).as_condition_data() if run.event else None
        history = RunHistory(self._events, self._sends, run.contact_id, execution_arn)
        answers: dict[str, Any] = {}
        if reads_webhooks:
            current = self._runs.get(run.contact_id, run.workflow) or {}
            answers = current.get("webhooks") or {} if current.get("execution_arn") == execution_arn else {}
        context = ConditionContext(self._contact(run), event, self._clock.now(), history, webhooks=answers)
        for case in cases:
            if evaluate(parse_condition(case["when"]), context):
                return {"next": case["next"]}
        return {"next": default}

    def split(self, run: RunDocument, step: str, paths: list[dict[str, Any]]) -> dict[str, str]:
        """The path of the contact's stable bucket (0-99): the same contact always takes the same path."""
        bucket = int(hashlib.sha256(f"{run.workflow}|{step}|{run.contact_id}".encode()).hexdigest(), 16) % 100
        ceiling = 0
        for path in paths:
            ceiling += int(path["percent"])
            if bucket < ceiling:
                return {"next": path["next"]}
        return {"next": paths[-1]["next"]}

    def holdout(
        self, run: RunDocument, execution_arn: str, step: str, spec: dict[str, Any]
    ) -> dict[str, str]:
        """Draw the contact's group (stable for the workflow, whatever its version or step id) and
        record it on the run: orders from now until ``measure_for`` later count for that group."""
        group = holdout_group(run.workflow, run.contact_id, int(spec["percent"]))
        now = self._clock.now()
        until = now + parse_duration(spec["measure_for"])
        membership = {"step": step, "group": group, "since": now.isoformat(), "until": until.isoformat()}
        if not self._runs.update(run.contact_id, run.workflow, execution_arn, {"holdout": membership}):
            raise ContactGoneError(f"run {execution_arn} is no longer the contact's run")
        if self._stats is not None:
            self._stats.held_out(run.workflow, run.version, run.contact_id, group)
        return {"next": spec["treated"] if group == TREATED else f"{step}.control"}

    def webhook(self, run: RunDocument, execution_arn: str, step: str, entered: str) -> dict[str, str]:
        """The body a webhook sends (the contact and the run, as JSON text) and its signature."""
        contact = self._contact(run)
        event = TrackedEvent.model_validate(run.event).as_condition_data() if run.event else None
        now = self._clock.now()
        delivery = delivery_id(execution_arn, step, entered)
        body = request_body(delivery, run.workflow, run.version, step, execution_arn, contact, event, now)
        key_id, key = self._webhook_keys
        return {"body": body, "signature": signature(body, now, key_id, key), "delivery": delivery}

    def webhook_answer(
        self, run: RunDocument, execution_arn: str, step: str, payload: dict[str, Any]
    ) -> dict[str, str]:
        """Keep the answer (or the failure) on the run: ``webhook.<step>.…`` in later branches."""
        kept = answered(payload["answer"]) if "answer" in payload else failed(payload.get("error") or {})
        current = self._runs.get(run.contact_id, run.workflow) or {}
        answers = {**(current.get("webhooks") or {}), step: kept}
        if not self._runs.update(run.contact_id, run.workflow, execution_arn, {"webhooks": answers}):
            raise ContactGoneError(f"run {execution_arn} is no longer the contact's run")
        return {"ok": str(kept["ok"]).lower(), "status": str(kept["status"])}

    def wait_until(self, run: RunDocument, wait: dict[str, Any], timezone: str) -> dict[str, str]:
        """When a timed wait ends, as a Wait state's timestamp; now when the moment is unknown or past."""
        contact = self._contact(run)
        now = self._clock.now()
        zone = zone_for(timezone, contact.get("timezone"))
        until: datetime | None = None
        if "until_time" in wait:
            until = next_slot(now, zone, wait["until_time"]["time"], wait["until_time"].get("days"))
        elif "until_date" in wait:
            spec = wait["until_date"]
            held = resolve(spec["field"], ConditionContext(contact, None, now))
            offset = parse_offset(spec["offset"]) if spec.get("offset") else timedelta(0)
            until = date_slot(held, offset, spec.get("at", "09:00"), zone) if isinstance(held, str) else None
        elif "best_time" in wait:
            engaged = [
                datetime.fromisoformat(e.occurred_at)
                for e in self._events.history(run.contact_id)
                if e.type in ("email_opened", "email_clicked") and not e.properties.get("machine")
            ]
            audience = self._engagement.hours(run.workflow) if self._engagement is not None else {}
            until = best_send_time(now, zone, parse_duration(wait["best_time"]["within"]), engaged, audience)
        moment = max(until or now, now)
        return {"until": timestamp(moment)}

    def wait_for(
        self, run: RunDocument, execution_arn: str, step: str, awaited: list[dict[str, Any]], token: str
    ) -> dict[str, str]:
        """Record what the run waits for (each ``{event, where?}``); the trigger function resumes it
        when one comes. One event is stored as before (``event``, ``where``): runs waiting since an
        earlier release read the same."""
        waiting: dict[str, Any] = {"step": step, "token": token, "since": self._clock.now().isoformat()}
        if len(awaited) == 1:
            waiting.update(awaited[0])
        else:
            waiting["events"] = awaited
        if not self._runs.update(run.contact_id, run.workflow, execution_arn, {"waiting": waiting}):
            raise ContactGoneError(f"run {execution_arn} is no longer the contact's run")
        return {"waiting": ", ".join(a["event"] for a in awaited)}

    def task(
        self, run: RunDocument, execution_arn: str, step: str, entered: str, task: dict[str, Any]
    ) -> dict[str, str]:
        """Create a sales task: a ``task_created`` event in the contact's history, published on the
        bus where the owner's tools (CRM, chat) subscribe. Once per visit, whatever the retries."""
        contact = self._contact(run)
        event = TrackedEvent.model_validate(run.event).as_condition_data() if run.event else None
        now = self._clock.now()
        properties: dict[str, Any] = {"title": " ".join(render_text(task["title"], contact, event).split())}
        if task.get("notes"):
            properties["notes"] = render_text(task["notes"], contact, event)
        if task.get("assignee"):
            properties["assignee"] = task["assignee"]
        if task.get("due"):
            properties["due_at"] = (now + parse_duration(task["due"], allow_zero=True)).isoformat()
        task_id = "t_" + hashlib.sha256(f"{execution_arn}|{step}|{entered}".encode()).hexdigest()[:24]
        created = TrackedEvent(
            id=task_id,
            type="task_created",
            contact_id=run.contact_id,
            properties=properties,
            occurred_at=now.isoformat(),
            received_at=now.isoformat(),
            workflow=run.workflow,
            step=step,
        )
        if self._events.record(created):
            self._bus.publish([created])
        return {"task_id": task_id}

    def update(
        self, run: RunDocument, changes: dict[str, Any], step: str = "update", visit: str | None = None
    ) -> dict[str, str]:
        """Apply an ``update`` step: set fields, lists, score and lifecycle stage.

        ``visit`` names this visit of the run to the step (execution and entered time): the retries
        of one visit score once. Setting fields and lists is idempotent by nature.
        """
        contact = self._contact(run)
        fields: dict[str, Any] = {}
        properties = dict(contact.get("properties") or {})
        for path, value in (changes.get("set") or {}).items():
            key = path.removeprefix("contact.")
            if key.startswith("properties."):
                properties[key.removeprefix("properties.")] = value
            else:
                fields[key] = value
        if properties != contact.get("properties"):
            fields["properties"] = properties
        lists = [x for x in contact.get("lists", []) if x not in (changes.get("remove_from_lists") or [])]
        lists += [x for x in changes.get("add_to_lists") or [] if x not in lists]
        if lists != contact.get("lists"):
            fields["lists"] = lists
        if "lifecycle_stage" in changes:
            fields["lifecycle_stage"] = changes["lifecycle_stage"]
        now = self._clock.now().isoformat()
        points = int(changes.get("score", 0))
        if self._scoring is not None and points:
            # Scored like a rule's points (decay, history, stages); a stage the step names wins.
            advance = "lifecycle_stage" not in changes
            self._scoring.score_step(run.contact_id, points, run.workflow, step, advance=advance, visit=visit)
            points = 0
        self._contacts.apply(run.contact_id, fields, points, now)
        # Segments are re-evaluated when a contact changes: tell the trigger function it did.
        self._bus.publish(
            [
                TrackedEvent(
                    id=f"u_{uuid.uuid4().hex[:24]}",
                    type="contact_updated",
                    contact_id=run.contact_id,
                    occurred_at=now,
                    received_at=now,
                    workflow=run.workflow,
                )
            ]
        )
        return {"updated": run.contact_id}


def _visit(payload: dict[str, Any]) -> str | None:
    """The visit a task payload is about; None for state machines compiled before it was passed."""
    if "execution" in payload and "entered" in payload:
        return f"{payload['execution']}|{payload['step']}|{payload['entered']}"
    return None
