"""Sending one email step: checks, rendering, tracking, SES, the send record and its cost."""

from __future__ import annotations

import time as timer
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol

from nurtureflow.aws.errors import RetryableError
from nurtureflow.aws.mailer import (
    MessageRejectedError,
    SendingStoppedError,
    SendOutcomeUnknownError,
    SendThrottledError,
)
from nurtureflow.clock import Clock, timestamp
from nurtureflow.contacts.consent import has_consent
from nurtureflow.costs.attachments import attachment_bytes
from nurtureflow.costs.budget import WorkflowBudget
from nurtureflow.costs.ledger import LedgerEntry, PricedUsages, Usage
from nurtureflow.costs.prices import PriceTable
from nurtureflow.events.model import TrackedEvent
from nurtureflow.runs.document import RunDocument
from nurtureflow.runs.visit import visit_id
from nurtureflow.sending.compose import ComposeCache, WorkflowNames, compose_email
from nurtureflow.sending.headers import message_tags, unsubscribe_mailto
from nurtureflow.sending.library import TemplateLibrary
from nurtureflow.sending.list_id import list_id_header
from nurtureflow.sending.message import MessageInvalidError, build_mime
from nurtureflow.sending.retries import is_last_attempt
from nurtureflow.sending.templates import EmailTemplate, TemplateRenderError
from nurtureflow.sending.window import SendingWindow
from nurtureflow.settings import SendingSettings, TrackingSettings
from nurtureflow.stats.recorder import StatsRecorder
from nurtureflow.workflow.durations import parse_duration
from nurtureflow.workflow.schedule import next_slot, zone_for

# The DynamoDB work of one send: reads of the send record, contact and template; writes of the
# claim (1), the sent record (1), then one transaction (the send function's ``store.once.together``)
# of the email_sent event with its id marker (2 items, each written twice: 4), the ledger line with
# its three rollups (4 items: 8), and the step's stats with their day's and a marker (3 items: 6).
# tests/integration/test_tracking_costs.py counts the send function's writes and compares.
SEND_READ_UNITS = 3
SEND_WRITE_UNITS = 20
BUDGET_READ_UNITS = 1  # a workflow with a budget reads its month's rollups (a query under 4 KB)
LAMBDA_MEMORY_GB = Decimal("0.25")
EXPECTED_SEND_SECONDS = 0.2  # what a send is expected to bill, for the budget check before it


class Mailer(Protocol):
    def send(self, sender: str, to: str, raw: bytes, tags: Mapping[str, str]) -> str:
        """Hand the message to SES; its message id. Raises ``aws.mailer``'s outcome errors."""
        ...


def send_id_for(execution_arn: str, step: str, entered_at: str) -> str:
    """One id per visit of a run to an email step: Lambda retries share it, a loop's next visit does not."""
    return visit_id("s_", execution_arn, step, entered_at)


@dataclass(frozen=True)
class DailyCap:
    """At most ``per_day`` emails to a contact per calendar day in ``timezone`` (across workflows)."""

    per_day: int
    timezone: str  # an IANA name, or "contact" for the contact's own (UTC when it has none)

    def day_start(self, now: datetime, contact_timezone: str | None) -> datetime:
        local = now.astimezone(zone_for(self.timezone, contact_timezone))
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


@dataclass(frozen=True)
class WindowCap:
    """At most ``emails`` emails to a contact in the last ``within`` (None: ever), counting every
    workflow's (``scope`` "account") or this workflow's alone ("workflow")."""

    emails: int
    within: timedelta | None
    scope: str

    @classmethod
    def from_payload(cls, cap: dict[str, Any]) -> WindowCap:
        within = parse_duration(cap["within"]) if cap.get("within") else None
        return cls(int(cap["emails"]), within, str(cap.get("scope", "account")))


@dataclass(frozen=True)
class QuietHours:
    """No email between ``start`` and ``end`` local time (HH:MM; the span may cross midnight)."""

    start: str
    end: str
    timezone: str  # an IANA name, or "contact"

    def deferred_until(self, now: datetime, contact_timezone: str | None) -> datetime | None:
        """When the quiet hours end if ``now`` is inside them, else None.

        With ``"contact"`` and a contact whose timezone is unknown there is no local night to keep
        quiet: the email goes now.
        """
        if self.timezone == "contact" and not contact_timezone:
            return None
        zone = zone_for(self.timezone, contact_timezone)
        local = now.astimezone(zone).time()
        start, end = time.fromisoformat(self.start), time.fromisoformat(self.end)
        inside = start <= local < end if start <= end else (local >= start or local < end)
        return next_slot(now, zone, self.end) if inside else None


@dataclass(frozen=True)
class SendRequest:
    run: RunDocument
    step: str
    template: str
    execution_arn: str
    entered_at: str
    subject: str | None = None
    sender: str | None = None
    cap: DailyCap | None = None
    caps: tuple[WindowCap, ...] = ()  # settings.frequency_caps
    quiet: QuietHours | None = None
    window: SendingWindow | None = None  # settings.sending_window
    consent: str | None = None  # "double_opt_in": only contacts whose consent is confirmed
    attempt: int = 0  # the state's retry count: throttling gives up on the last one
    budget_usd: Decimal | None = None  # the workflow's monthly budget (settings.monthly_budget_usd)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> SendRequest:
        """The request an ``email`` state's payload describes (see ``workflow.compiler._email``)."""
        cap, quiet = payload.get("cap"), payload.get("quiet_hours")
        return cls(
            run=RunDocument.model_validate(payload["run"]),
            step=payload["step"],
            template=payload["template"],
            execution_arn=payload["execution"],
            entered_at=payload["entered"],
            subject=payload.get("subject"),
            sender=payload.get("from"),
            cap=DailyCap(per_day=cap["per_day"], timezone=cap["timezone"]) if cap else None,
            caps=tuple(WindowCap.from_payload(c) for c in payload.get("caps") or ()),
            window=SendingWindow.from_payload(payload["window"]) if payload.get("window") else None,
            quiet=QuietHours(quiet["from"], quiet["to"], quiet["timezone"]) if quiet else None,
            consent=payload.get("consent"),
            attempt=int(payload.get("attempt") or 0),
            budget_usd=Decimal(payload["budget"]["monthly_usd"]) if payload.get("budget") else None,
        )

    @cached_property  # a send reads it a dozen times; a SHA-256 each time was 2 % of a forecast
    def send_id(self) -> str:
        return send_id_for(self.execution_arn, self.step, self.entered_at)


class Delivery:
    def __init__(
        self,
        *,
        contacts: Any,
        templates: Any,
        sends: Any,
        events: Any,
        ledger: Any,
        mailer: Mailer,
        clock: Clock,
        tracking: TrackingSettings,
        sending: SendingSettings,
        prices: PriceTable,
        billed_seconds: float | None = None,
        stats: StatsRecorder | None = None,
        workflow_names: Callable[[str, int], str | None] | None = None,
        budget: WorkflowBudget | None = None,
    ) -> None:
        """``billed_seconds`` replaces the measured time of a send in its Lambda cost: a forecast
        prices a typical send, not the time its in-memory stand-ins took. ``workflow_names`` gives
        templates ``workflow.name`` (the id stands in without it). Without ``budget``, no workflow
        budget is checked."""
        self._billed_seconds, self._budget = billed_seconds, budget
        self._stats = stats
        self._library, self._workflow_names = TemplateLibrary(templates), WorkflowNames(workflow_names)
        self._contacts, self._templates, self._sends = contacts, templates, sends
        self._events, self._ledger, self._mailer, self._clock = events, ledger, mailer, clock
        self._tracking, self._sending = tracking, sending
        # A warm function sends one template to many contacts: its html is parsed once.
        self._compose_cache = ComposeCache(tracking)
        self._price = PricedUsages(prices)

    def send(self, request: SendRequest) -> dict[str, Any]:
        """Send the email once. A second call for the same send id answers the first outcome.

        Every answer has ``until`` (null unless deferred): the state machine reads it by path.
        """
        outcome = {"until": None, **self._send(request)}
        if self._stats is not None:  # counted once per send id, so a retry's answer adds nothing
            self._stats.send_outcome(
                request.run.workflow, request.run.version, request.step, request.send_id, outcome
            )
        return outcome

    def _send(self, request: SendRequest) -> dict[str, Any]:
        started = timer.perf_counter()
        earlier = self._sends.get(request.send_id)
        if earlier is not None:
            return self._again(request, earlier)
        contact = self._contacts.get(request.run.contact_id)
        deferred = self._deferred(request, contact)
        if deferred is not None:
            return deferred
        if contact is None:
            # Erased (GDPR): no send record, which would name the contact again after its erasure.
            return {"send_id": request.send_id, "status": "skipped", "reason": "contact_erased"}
        reason = (
            _skip_reason(contact, request)
            or self._outside_window(request, contact)
            or self._over_cap(request, contact)
            or self._over_budget(request)
        )
        record = self._record(request, contact.email)
        if reason is not None:
            return self._settled(request, {**record, "status": "skipped", "reason": reason})
        try:
            raw, sender = self._compose(request, contact.as_condition_data())
        except _UNBUILDABLE as error:
            # This contact's email cannot be built, and a retry would build it the same way: record
            # why (stats show the reason) and let the run go on, as for SES's permanent refusals.
            return self._settled(request, _unsent(record, "failed", _unbuildable_reason(error), error))
        return self._claim_and_send(request, record, contact.id, (raw, sender), started)

    def _claim_and_send(
        self,
        request: SendRequest,
        record: dict[str, Any],
        contact_id: str,
        message: tuple[bytes, str],
        started: float,
    ) -> dict[str, Any]:
        raw, sender = message
        # The claim: from here on, whatever fails, no later attempt sends this email again.
        if not self._sends.claim({**record, "status": "sending"}):
            return self._again(request, self._sends.get(request.send_id))
        tags = message_tags(
            workflow=request.run.workflow,
            version=request.run.version,
            step=request.step,
            contact_id=contact_id,
        )
        try:
            message_id = self._mailer.send(sender, record["email"], raw, tags)
        except MessageRejectedError as error:
            return self._settled(request, _unsent(record, "rejected", error.reason, error), claimed=True)
        except SendingStoppedError as error:
            return self._settled(request, _unsent(record, "failed", error.reason, error), claimed=True)
        except SendThrottledError as error:
            if is_last_attempt(request.attempt):
                return self._settled(request, _unsent(record, "failed", error.reason, error), claimed=True)
            self._sends.release(request.send_id)
            raise
        except SendOutcomeUnknownError:
            return self._unconfirmed(request)
        except Exception:
            # SES answered with an error, or was never reached: nothing went out, a retry may send.
            self._sends.release(request.send_id)
            raise
        sent = {**record, "status": "sent", "message_id": message_id}
        self._sends.put(sent)
        elapsed = timer.perf_counter() - started
        return self._after_sent(request, sent, elapsed, raw)

    def _deferred(self, request: SendRequest, contact: Any) -> dict[str, Any] | None:
        """Quiet hours and the sending window: nothing is recorded, the run waits until the email may
        go and comes back as a new visit (then both are checked again)."""
        if contact is None or _skip_reason(contact, request) is not None:
            return None
        now = self._clock.now()
        waits = []
        if request.quiet is not None:
            waits.append(request.quiet.deferred_until(now, contact.timezone))
        if request.window is not None and request.window.outside == "wait":
            waits.append(request.window.next_opening(now, contact.timezone))
        until = max((w for w in waits if w is not None), default=None)
        if until is None:
            return None
        return {"send_id": request.send_id, "status": "deferred", "until": timestamp(until)}

    def _after_sent(
        self, request: SendRequest, sent: dict[str, Any], elapsed: float, raw: bytes | None
    ) -> dict[str, Any]:
        """The event and the ledger line of a sent email: both idempotent by id, so a retry that
        finds the send recorded as sent writes them again without counting twice."""
        self._events.record(
            TrackedEvent(
                id=f"{request.send_id}-sent",
                type="email_sent",
                contact_id=sent["contact_id"],
                occurred_at=sent["sent_at"],
                received_at=sent["sent_at"],
                send_id=request.send_id,
                workflow=request.run.workflow,
                step=request.step,
            )
        )
        self._cost(request, elapsed if self._billed_seconds is None else self._billed_seconds, raw)
        return {"send_id": request.send_id, "status": "sent", "message_id": sent["message_id"]}

    def _settled(
        self, request: SendRequest, outcome: dict[str, Any], claimed: bool = False
    ) -> dict[str, Any]:
        """Record an outcome that sent nothing; a concurrent attempt's record wins over a new one."""
        if claimed:
            self._sends.put(outcome)
        elif not self._sends.claim(outcome):
            return self._again(request, self._sends.get(request.send_id))
        return {"send_id": request.send_id, "status": outcome["status"], "reason": outcome["reason"]}

    def _unconfirmed(self, request: SendRequest) -> dict[str, Any]:
        """An attempt may have sent and nobody knows: never send again (at most once); say so."""
        if self._sends.settle(request.send_id, "unconfirmed", "outcome_unknown"):
            return {"send_id": request.send_id, "status": "unconfirmed", "reason": "outcome_unknown"}
        return self._answer(request, self._sends.get(request.send_id))

    def _again(self, request: SendRequest, earlier: dict[str, Any] | None) -> dict[str, Any]:
        """A later attempt for a send id that has a record: answer it, never send again."""
        if earlier is None:
            # The holder released its claim (SES refused it) between our two reads: retry later.
            raise RetryableError(f"send {request.send_id} changed hands; retrying")
        if earlier["status"] == "sending":
            # A crashed attempt (or one still running): it may have sent.
            return self._unconfirmed(request)
        if earlier["status"] == "sent":
            return self._after_sent(request, earlier, 0.0, None)
        return self._answer(request, earlier)

    def _answer(self, request: SendRequest, record: dict[str, Any] | None) -> dict[str, Any]:
        if record is None:
            raise RetryableError(f"send {request.send_id} changed hands; retrying")
        answer = {"send_id": request.send_id, "status": record["status"]}
        return (
            {**answer, "message_id": record["message_id"]}
            if "message_id" in record
            else {
                **answer,
                "reason": record.get("reason"),
            }
        )

    def _outside_window(self, request: SendRequest, contact: Any) -> str | None:
        """With ``outside: "skip"``, an email due outside the window is skipped."""
        window = request.window
        if window is None or window.outside != "skip":
            return None
        return "outside_window" if window.next_opening(self._clock.now(), contact.timezone) else None

    def _over_cap(self, request: SendRequest, contact: Any) -> str | None:
        now = self._clock.now()
        # Every cap as (emails, counted from, scope): the daily cap counts from the local midnight.
        caps = [(c.emails, None if c.within is None else now - c.within, c.scope) for c in request.caps]
        if request.cap is not None:
            caps.append((request.cap.per_day, request.cap.day_start(now, contact.timezone), "account"))
        if not caps:
            return None
        starts = [start for _, start, _ in caps]
        # One read of the contact's history, back to the earliest moment a cap counts from.
        since = None if None in starts else min(s for s in starts if s is not None)
        sent = [
            e
            for e in self._events.history(contact.id, since=None if since is None else since.isoformat())
            if e.type == "email_sent"
        ]
        for emails, start, scope in caps:
            counted = sum(
                1
                for e in sent
                if (start is None or e.occurred_at >= start.isoformat())
                and (scope == "account" or e.workflow == request.run.workflow)
            )
            if counted >= emails:
                return "capped"
        return None

    def _record(self, request: SendRequest, email: str | None) -> dict[str, Any]:
        return {
            "id": request.send_id,
            "contact_id": request.run.contact_id,
            "email": email,
            "workflow": request.run.workflow,
            "version": request.run.version,
            "step": request.step,
            "template": request.template,
            "execution_arn": request.execution_arn,
            "sent_at": self._clock.now().isoformat(),
        }

    def _compose(self, request: SendRequest, contact: dict[str, Any]) -> tuple[bytes, str]:
        stored = self._templates.get(request.template)
        if stored is None:
            raise TemplateMissingError(f"template '{request.template}' does not exist")
        template = EmailTemplate.from_stored(stored, request.subject)
        event = (
            TrackedEvent.model_validate(request.run.event).as_condition_data() if request.run.event else None
        )
        workflow = self._workflow_names.variable(request.run.workflow, request.run.version, request.step)
        composed = compose_email(
            template,
            contact,
            event,
            send_id=request.send_id,
            workflow=workflow,
            tracking=self._tracking,
            cache=self._compose_cache,
            postal_address=self._sending.postal_address,
            library=self._library,
        )
        sender = request.sender or self._sending.sender
        mailbox = self._sending.unsubscribe_mailbox
        raw = build_mime(
            sender=sender,
            to=contact["email"],
            subject=composed.subject,
            html=composed.html,
            text=composed.text,
            unsubscribe_url=composed.unsubscribe_url,
            unsubscribe_mailto=unsubscribe_mailto(mailbox, composed.unsubscribe_url) if mailbox else None,
            list_id=list_id_header(workflow["name"], request.run.workflow, sender),
            headers={
                "X-NurtureFlow-Send": request.send_id,
                "X-NurtureFlow-Workflow": request.run.workflow,
                "X-NurtureFlow-Step": request.step,
                "X-NurtureFlow-Contact": request.run.contact_id,
            },
        )
        return raw, sender

    def _over_budget(self, request: SendRequest) -> str | None:
        if self._budget is None or request.budget_usd is None:
            return None
        expected = self._price(self._usage(request, EXPECTED_SEND_SECONDS, 0)).total
        now = self._clock.now()
        return self._budget.skip_reason(request.run.workflow, request.budget_usd, now.date(), expected)

    def _usage(self, request: SendRequest, elapsed_seconds: float, attachments: int) -> Usage:
        gb_seconds = LAMBDA_MEMORY_GB * Decimal(max(1, round(elapsed_seconds * 1000))) / 1000
        budget_reads = BUDGET_READ_UNITS if self._budget is not None and request.budget_usd is not None else 0
        return Usage(
            emails=1,
            lambda_gb_seconds=gb_seconds,
            dynamodb_read_units=SEND_READ_UNITS + budget_reads,
            dynamodb_write_units=SEND_WRITE_UNITS,
            attachment_bytes=attachments,
        )

    def _cost(self, request: SendRequest, elapsed_seconds: float, raw: bytes | None) -> None:
        """The send's ledger line; a retry that finds the send sent has no message (``raw`` None) and
        its line is a no-op, since the ledger keeps the first line of an id."""
        usage = self._usage(request, elapsed_seconds, attachment_bytes(raw) if raw is not None else 0)
        self._ledger.record(
            LedgerEntry(
                entry_id=request.send_id,
                day=self._clock.now().date(),
                kind="send",
                workflow=request.run.workflow,
                template=request.template,
                usage=usage,
                usd=self._price(usage),
            )
        )


def _skip_reason(contact: Any, request: SendRequest) -> str | None:
    if contact is None:
        return "contact_erased"
    if contact.unsubscribed:
        return "unsubscribed"
    if contact.suppressed:
        return "suppressed"
    if request.consent is not None and not has_consent(contact):
        return "no_consent"
    return None


class TemplateMissingError(LookupError):
    """The step's template was deleted after the workflow was published."""


# Failures of building one contact's email that no retry can change.
_UNBUILDABLE = (TemplateRenderError, TemplateMissingError, MessageInvalidError)


def _unbuildable_reason(error: Exception) -> str:
    if isinstance(error, TemplateRenderError):
        return "render_error"
    return "template_missing" if isinstance(error, TemplateMissingError) else "invalid_message"


def _unsent(record: dict[str, Any], status: str, reason: str, error: Exception) -> dict[str, Any]:
    """The record of a send SES refused: its status, a reason code, and SES's words (shortened)."""
    return {**record, "status": status, "reason": reason, "detail": str(error)[:500]}
