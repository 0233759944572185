"""The workflow document (``workflow/v1``) as pydantic models; unknown keys are errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from nurtureflow.conditions.model import Condition
from nurtureflow.sending.mailbox import check_mailbox
from nurtureflow.timezones import find_zone
from nurtureflow.workflow.durations import Duration, DurationOrZero, SignedDuration, parse_duration

STEP_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_STEPS = 1000
WORKFLOW_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"
CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
MAX_MONTHLY_BUDGET_USD = 1_000_000_000
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Triggers -----------------------------------------------------------------------------------


class DateTrigger(_Strict):
    field: str = Field(pattern=r"^contact\.[A-Za-z0-9_.]+$")
    every: Literal["year", "once"]
    offset: SignedDuration | None = None
    at: str = Field(default="09:00", pattern=CLOCK_TIME)


class Trigger(_Strict):
    event: str | None = Field(default=None, min_length=1)
    segment: Condition | None = None
    date: DateTrigger | None = None
    manual: Literal[True] | None = None
    where: Condition | None = None
    include_existing: bool = False

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> Trigger:
        kinds = [k for k in ("event", "segment", "date", "manual") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a trigger has exactly one of 'event', 'segment', 'date' or 'manual'")
        if self.where is not None and self.event is None:
            raise ValueError("'where' filters event triggers only")
        return self


class Reentry(_Strict):
    policy: Literal["never", "after_exit", "always"] = "never"
    cooldown: DurationOrZero | None = None


class ExitWhen(_Strict):
    event: str = Field(min_length=1)
    where: Condition | None = None


class QuietHours(_Strict):
    from_: str = Field(alias="from", pattern=CLOCK_TIME)
    to: str = Field(pattern=CLOCK_TIME)


# A number of US dollars, read exactly (0.1 is one tenth, not a binary fraction); strings and
# booleans are refused, as the language takes a number.
BudgetUsd = Annotated[
    Decimal,
    Field(gt=0, le=MAX_MONTHLY_BUDGET_USD, allow_inf_nan=False),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": MAX_MONTHLY_BUDGET_USD}),
    PlainSerializer(float, return_type=float, when_used="json"),  # a JSON number, as it was written
]


class Span(_Strict):
    from_: str = Field(alias="from", pattern=CLOCK_TIME)
    to: str = Field(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")

    @model_validator(mode="after")
    def _forwards(self) -> Span:
        if self.to != "24:00" and self.to <= self.from_:
            raise ValueError("a span ends after it starts (a night across midnight is two spans)")
        return self


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


class SendingWindow(_Strict):
    """When the workflow's emails may go: ``hours`` per weekday (a day left out sends nothing; no
    ``hours`` at all: every hour), never on the ``closed`` dates; outside, wait or skip."""

    hours: dict[Weekday, list[Span]] | None = None
    closed: list[Annotated[str, Field(pattern=ISO_DATE)]] = Field(default_factory=list, max_length=400)
    outside: Literal["wait", "skip"] = "wait"

    @model_validator(mode="after")
    def _opens_some_time(self) -> SendingWindow:
        if self.hours is not None and not any(self.hours.values()):
            raise ValueError("the window has no hour on any day: no email would ever go")
        for day in self.closed:
            date.fromisoformat(day)  # a real date: 2026-02-30 is refused
        return self


class FrequencyCap(_Strict):
    """At most ``emails`` emails to a contact within ``within`` (a rolling window; absent: ever),
    from every workflow (``account``) or from this one (``workflow``)."""

    emails: StrictInt = Field(ge=1, le=1000)
    within: Duration | None = None
    scope: Literal["account", "workflow"] = "account"

    @model_validator(mode="after")
    def _a_window_for_the_account(self) -> FrequencyCap:
        if self.within is None and self.scope == "account":
            raise ValueError(
                "an account-wide cap needs 'within' (a cap with no window counts this workflow's)"
            )
        return self


class Settings(_Strict):
    timezone: str = "UTC"
    quiet_hours: QuietHours | None = None
    max_emails_per_day: StrictInt | None = Field(default=None, ge=1)
    frequency_caps: list[FrequencyCap] = Field(default_factory=list, max_length=10)
    sending_window: SendingWindow | None = None
    from_: str | None = Field(default=None, alias="from")
    # "double_opt_in": the workflow's emails go only to contacts whose consent is confirmed.
    consent: Literal["double_opt_in"] | None = None
    # Spend per calendar month (UTC) over which the workflow's emails are skipped: docs/costs.md.
    monthly_budget_usd: BudgetUsd | None = None

    @field_validator("monthly_budget_usd", mode="before")
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | None):
            raise ValueError("monthly_budget_usd must be a number of US dollars, such as 50 or 12.5")
        return value

    @field_validator("from_")
    @classmethod
    def _one_mailbox(cls, value: str | None) -> str | None:
        return None if value is None else check_mailbox(value)

    @model_validator(mode="after")
    def _known_timezone(self) -> Settings:
        if self.timezone != "contact" and find_zone(self.timezone) is None:
            raise ValueError(f"timezone '{self.timezone}' is neither 'contact' nor an IANA name")
        return self


# Steps --------------------------------------------------------------------------------------


class _Step(_Strict):
    next: str | None = None


class EmailStep(_Step):
    type: Literal["email"]
    template: str = Field(min_length=1)
    subject: str | None = None


class UntilTime(_Strict):
    time: str = Field(pattern=CLOCK_TIME)
    days: list[Weekday] | None = None


class UntilDate(_Strict):
    field: str = Field(pattern=r"^contact\.[A-Za-z0-9_.]+$")
    offset: SignedDuration | None = None
    at: str = Field(default="09:00", pattern=CLOCK_TIME)


class BestTime(_Strict):
    within: Duration


class WaitStep(_Step):
    type: Literal["wait"]
    for_: Duration | None = Field(default=None, alias="for")
    # A fixed moment, the same for every contact (a sale's start): ISO 8601 with its offset.
    until: str | None = Field(default=None, examples=["2026-12-24T09:00:00Z"])
    until_time: UntilTime | None = None
    until_date: UntilDate | None = None
    best_time: BestTime | None = None

    @field_validator("until")
    @classmethod
    def _a_moment(cls, until: str | None) -> str | None:
        if until is not None:
            moment_of(until)
        return until

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> WaitStep:
        kinds = [self.for_, self.until, self.until_time, self.until_date, self.best_time]
        if sum(k is not None for k in kinds) != 1:
            raise ValueError(
                "a wait has exactly one of 'for', 'until', 'until_time', 'until_date' or 'best_time'"
            )
        return self


def moment_of(text: str) -> datetime:
    """A wait's ``until``: an ISO 8601 date and time with its offset (``Z`` for UTC), in UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("'until' is a date and time such as 2026-12-24T09:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError(
            "'until' needs its offset, such as 2026-12-24T09:00:00Z or 2026-12-24T10:00:00+01:00"
        )
    return moment.astimezone(UTC)


class AwaitedEvent(_Strict):
    """One of the events a ``wait_for`` with ``any`` waits for, and where the run goes if it is the
    first to come."""

    event: str = Field(min_length=1)
    where: Condition | None = None
    next: str


class WaitForStep(_Step):
    """Waits for ``event`` (then ``next``), or for the first of ``any`` (then that one's ``next``),
    until ``timeout`` (then ``on_timeout``)."""

    type: Literal["wait_for"]
    event: str | None = Field(default=None, min_length=1)
    where: Condition | None = None
    any: list[AwaitedEvent] | None = Field(default=None, min_length=2, max_length=10)
    timeout: Duration
    on_timeout: str | None = None

    @model_validator(mode="after")
    def _one_or_any(self) -> WaitForStep:
        if (self.event is None) == (self.any is None):
            raise ValueError("a wait_for has 'event' (with 'where' and 'next') or 'any', not both or neither")
        if self.any is not None and (self.where is not None or self.next is not None):
            raise ValueError("with 'any', each event has its own 'where' and 'next'")
        return self


class Case(_Strict):
    when: Condition
    next: str


class BranchStep(_Strict):
    type: Literal["branch"]
    cases: list[Case] = Field(min_length=1)
    default: str


class SplitPath(_Strict):
    percent: StrictInt = Field(ge=0, le=100)
    next: str


class SplitStep(_Strict):
    type: Literal["split"]
    paths: list[SplitPath] = Field(min_length=2)


# Step Functions ends an HTTP Task's request after 60 seconds (States.Http.Socket), whatever the
# state's TimeoutSeconds: https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html
MAX_WEBHOOK_TIMEOUT = "PT60S"
MAX_WEBHOOK_RETRIES = 5
WEBHOOK_URL = r"^https://[^\s/@?#]+(/[^\s#]*)?$"  # https, no user or password, no fragment


class WebhookStep(_Step):
    """POSTs (or PUTs, PATCHes) the contact and the run, signed, to a URL under one of the
    deployment's webhook connections; the answer (status, body) is kept for later branches."""

    type: Literal["webhook"]
    connection: str = Field(min_length=1)
    url: str = Field(pattern=WEBHOOK_URL)
    method: Literal["POST", "PUT", "PATCH"] = "POST"
    timeout: Duration = "PT10S"
    retries: StrictInt = Field(default=2, ge=0, le=MAX_WEBHOOK_RETRIES)
    # Where a run goes when every attempt failed; ``next`` when unset (a CRM outage does not stop
    # the nurture).
    on_failure: str | None = None

    @field_validator("timeout")
    @classmethod
    def _within_a_minute(cls, value: str) -> str:
        if parse_duration(value) > parse_duration(MAX_WEBHOOK_TIMEOUT):
            raise ValueError(
                f"a webhook waits at most {MAX_WEBHOOK_TIMEOUT} (Step Functions' HTTP Task limit)"
            )
        return value


# A holdout's group is measured this long at most: the stats markers live 400 days.
MAX_HOLDOUT_MEASURE = "P365D"


class HoldoutStep(_Strict):
    """Keeps a stable share of contacts (the control group) out of the rest of the workflow, so
    stats can compare their conversions and revenue with those who went on (docs/stats.md)."""

    type: Literal["holdout"]
    percent: StrictInt = Field(ge=1, le=99)
    # Orders count for a group from the moment its contact reached the step until this long after.
    measure_for: Duration = "P30D"
    next: str

    @field_validator("measure_for")
    @classmethod
    def _measured_within_a_year(cls, value: str) -> str:
        if parse_duration(value) > parse_duration(MAX_HOLDOUT_MEASURE):
            raise ValueError(f"a holdout is measured for at most {MAX_HOLDOUT_MEASURE}")
        return value


class UpdateStep(_Step):
    type: Literal["update"]
    set: dict[str, Any] | None = None
    add_to_lists: list[str] | None = None
    remove_from_lists: list[str] | None = None
    score: StrictInt | None = None
    lifecycle_stage: str | None = None


class TaskStep(_Step):
    type: Literal["task"]
    title: str = Field(min_length=1)
    assignee: str | None = None
    due: DurationOrZero | None = None
    notes: str | None = None


class ExitStep(_Strict):
    type: Literal["exit"]


Step = Annotated[
    EmailStep
    | WaitStep
    | WaitForStep
    | BranchStep
    | SplitStep
    | HoldoutStep
    | WebhookStep
    | UpdateStep
    | TaskStep
    | ExitStep,
    Field(discriminator="type"),
]


class Workflow(_Strict):
    schema_: Literal["workflow/v1"] = Field(alias="schema")
    id: str = Field(pattern=WORKFLOW_ID)
    name: str = Field(min_length=1)
    description: str | None = None
    trigger: Trigger
    reentry: Reentry = Reentry()
    exit_when: list[ExitWhen] = Field(default_factory=list)
    settings: Settings = Settings()
    start: str
    # At most 1,000 steps: the compiled definition stays well inside Step Functions' 1 MB limit.
    steps: dict[Annotated[str, Field(pattern=STEP_ID)], Step] = Field(min_length=1, max_length=MAX_STEPS)


def successors(step: BaseModel) -> list[tuple[str, str]]:
    """The (pointer suffix, step id) pairs a step can go to next."""
    pairs: list[tuple[str, str]] = []
    if isinstance(step, BranchStep):
        pairs += [(f"cases/{i}/next", case.next) for i, case in enumerate(step.cases)]
        pairs.append(("default", step.default))
    elif isinstance(step, SplitStep):
        pairs += [(f"paths/{i}/next", path.next) for i, path in enumerate(step.paths)]
    else:
        if isinstance(step, WaitForStep) and step.on_timeout is not None:
            pairs.append(("on_timeout", step.on_timeout))
        if isinstance(step, WaitForStep) and step.any is not None:
            pairs += [(f"any/{i}/next", awaited.next) for i, awaited in enumerate(step.any)]
        if isinstance(step, WebhookStep) and step.on_failure is not None:
            pairs.append(("on_failure", step.on_failure))
        nxt = getattr(step, "next", None)
        if nxt is not None:
            pairs.append(("next", nxt))
    return pairs
