"""Scoring applied: rules from the store (or the defaults), awards recorded in the contact's history as
``score_changed`` events, and the contact's score, decay clock and stage written together."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from aws_lambda_powertools import Logger

from nurtureflow.clock import Clock
from nurtureflow.contacts.model import Contact
from nurtureflow.events.model import TrackedEvent
from nurtureflow.scoring.rules import DEFAULT_RULES, ScoringRules
from nurtureflow.scoring.scorer import Award, PastAward, awards, decayed, reached_stage
from nurtureflow.workflow.durations import parse_duration

logger = Logger(child=True)
SCORE_CHANGED = "score_changed"
# A write loses only to a concurrent score change of the same contact; a few rereads settle it.
ATTEMPTS = 5
# Every tracked event is scored: a warm function reads the rules at most once a minute, so an upload
# reaches the other functions within a minute (the function that took the upload at once).
RULES_MAX_AGE_SECONDS = 60.0


@dataclass(frozen=True)
class Reason:
    """Why points were given, as the history tells it: a rule (about an event) or a workflow's step."""

    kind: Literal["rule", "step"]
    details: dict[str, Any]
    workflow: str | None = None


class ScoreContendedError(Exception):
    """The contact's score kept moving under us; the caller's retry applies the change later."""


class Scoring:
    def __init__(self, rules_store: Any, contacts: Any, events: Any, clock: Clock) -> None:
        self._store = rules_store
        self._contacts = contacts
        self._events = events
        self._clock = clock
        # When the rules were read, on the service's clock: the local stack's virtual clock ages the
        # cache as time passes in AWS, so a rules change reaches other functions a minute later there too.
        self._cached: tuple[datetime, ScoringRules] | None = None

    # The rules document --------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The rules in force: the uploaded document, or the defaults marked ``"default": true``."""
        stored = self._store.get()
        if stored is None:
            return {**DEFAULT_RULES.as_document(), "default": True}
        return {**stored, "default": False}

    def upload(self, document: Any) -> dict[str, Any]:
        """Validate and store a rules document (``ScoringInvalidError`` lists every error)."""
        # The admin's upload only: the functions that score never load the validator.
        from nurtureflow.scoring.validate import validate_rules

        rules = validate_rules(document)
        self._store.put(rules.as_document(), self._clock.now().isoformat())
        self._cached = (self._clock.now(), rules)
        return self.document()

    def rules(self) -> ScoringRules:
        """The rules in force, read from the store at most once every ``RULES_MAX_AGE_SECONDS``."""
        now = self._clock.now()
        if self._cached is not None and 0 <= (now - self._cached[0]).total_seconds() < RULES_MAX_AGE_SECONDS:
            return self._cached[1]
        stored = self._store.get()
        rules = (
            DEFAULT_RULES
            if stored is None
            else ScoringRules.model_validate({k: v for k, v in stored.items() if k != "updated_at"})
        )
        self._cached = (now, rules)
        return rules

    # Applying points -----------------------------------------------------------------------------

    def score_event(self, contact: Contact, event: TrackedEvent) -> Contact:
        """Apply the rules the event meets; the contact as it is afterwards.

        Each award's history event has an id derived from the tracked event and the rule: a
        redelivered event finds it recorded and scores nothing twice.
        """
        rules = self.rules()
        if not any(rule.event == event.type for rule in rules.rules):
            return contact
        now = self._clock.now()
        past = self._past(contact.id, now, rules.longest_cap())
        given = awards(rules, event.type, contact.as_condition_data(), event.as_condition_data(), past, now)
        keys = [_key(f"{event.id}|{award.source}") for award in given]
        return self._apply(
            contact, rules, given, keys, now, Reason("rule", {"event": event.type, "event_id": event.id})
        )

    def score_step(
        self, contact_id: str, points: int, workflow: str, step: str, *, advance: bool, visit: str | None
    ) -> None:
        """An ``update`` step's ``score``: the same decay, history and stages as a rule's points.

        ``advance`` is False when the step also sets ``lifecycle_stage``: the stage it names wins.
        ``visit`` (execution, step, entered time) keys the history event, so a retried step finds its
        points given; without it (a state machine compiled before it was passed) a retry re-applies.
        """
        contact: Contact | None = self._contacts.get(contact_id)
        if contact is None or points == 0:
            return
        rules = self.rules()
        if not advance:
            rules = rules.model_copy(update={"stages": []})
        reason = Reason("step", {}, workflow)
        key = _key(visit if visit is not None else uuid.uuid4().hex)
        self._apply(contact, rules, [Award(step, points)], [key], self._clock.now(), reason)

    def _past(self, contact_id: str, now: datetime, window: timedelta | None) -> list[PastAward]:
        if window is None:
            return []
        return [
            PastAward(
                str(e.properties["rule"]), int(e.properties["delta"]), datetime.fromisoformat(e.occurred_at)
            )
            for e in self._events.history(contact_id, since=(now - window).isoformat())
            if e.type == SCORE_CHANGED and "rule" in e.properties
        ]

    def _apply(
        self,
        contact: Contact,
        rules: ScoringRules,
        given: list[Award],
        keys: list[str],
        now: datetime,
        reason: Reason,
    ) -> Contact:
        if not given:
            return contact
        half_life = parse_duration(rules.decay.half_life) if rules.decay else None
        base = decayed(contact.score, _moment(contact.score_updated_at), now, half_life)
        # The history first: its ids make a redelivered event a no-op before anything is written.
        for i, (award, key, score, stage) in enumerate(
            zip(given, keys, *_running(rules, contact.lifecycle_stage, base, given), strict=True)
        ):
            properties = {"delta": award.points, "score": score, reason.kind: award.source, "stage": stage}
            recorded = self._events.record(
                TrackedEvent(
                    id=key,
                    type=SCORE_CHANGED,
                    contact_id=contact.id,
                    properties={**properties, **reason.details},
                    occurred_at=now.isoformat(),
                    received_at=now.isoformat(),
                    workflow=reason.workflow,
                    step=award.source if reason.kind == "step" else None,
                )
            )
            if not recorded and i == 0:
                logger.info("score already applied", extra={"contact": contact.id, "key": key})
                return self._contacts.get(contact.id) or contact
        return self._write(contact, rules, sum(a.points for a in given), now, half_life)

    def _write(
        self, contact: Contact, rules: ScoringRules, delta: int, now: datetime, half_life: timedelta | None
    ) -> Contact:
        for _ in range(ATTEMPTS):
            score = decayed(contact.score, _moment(contact.score_updated_at), now, half_life) + delta
            stage = reached_stage(rules.stages, contact.lifecycle_stage, score)
            if self._contacts.set_score(contact.id, score, stage, now.isoformat(), contact):
                changes: dict[str, Any] = {"score": score, "score_updated_at": now.isoformat()}
                return contact.model_copy(update={**changes, **({"lifecycle_stage": stage} if stage else {})})
            fresh: Contact | None = self._contacts.get(contact.id)
            if fresh is None:
                return contact  # erased meanwhile
            contact = fresh
        raise ScoreContendedError(contact.id)


def _running(rules: ScoringRules, stage: str, base: int, given: list[Award]) -> tuple[list[int], list[str]]:
    """The score and stage after each award in turn, as the history records them."""
    scores, stages = [], []
    score = base
    for award in given:
        score += award.points
        stage = reached_stage(rules.stages, stage, score) or stage
        scores.append(score)
        stages.append(stage)
    return scores, stages


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _key(seed: str) -> str:
    return "sc_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
