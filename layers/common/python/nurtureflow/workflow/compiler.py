"""Pass two of the compiler: emit Amazon States Language (Standard, JSONPath) for a valid workflow.

State names are the step ids; a step that needs a second state (the Choice that routes a
``branch`` or the outcome of a ``wait_for``) gets ``<id>.route`` / ``<id>.outcome``. Transitions
per step: email 1, wait ``for`` 1, other waits 2 (work out the moment, then wait), update 1, task 1,
exit 1, branch and split 2 (decide on live data, then route), wait_for 2 (the token task, then
its outcome).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from nurtureflow.conditions.model import reads_webhooks
from nurtureflow.sending.retries import SEND_THROTTLE_RETRY
from nurtureflow.settings import WebhookConnection
from nurtureflow.webhooks.delivery import DELIVERY_HEADER
from nurtureflow.webhooks.signing import SIGNATURE_HEADER
from nurtureflow.workflow.durations import seconds
from nurtureflow.workflow.errors import ValidationIssue, WorkflowInvalidError
from nurtureflow.workflow.models import (
    BranchStep,
    EmailStep,
    ExitStep,
    HoldoutStep,
    Settings,
    SplitStep,
    TaskStep,
    UpdateStep,
    WaitForStep,
    WaitStep,
    WebhookStep,
    Workflow,
    moment_of,
)

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
# AWS's advice: retry Lambda's transient errors, with backoff and jitter so retries spread out.
LAMBDA_RETRY = {
    "ErrorEquals": [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ],
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 60,
    "JitterStrategy": "FULL",
}
# Our own handlers raise RetryableError for throttling and passing AWS failures (aws/errors.py).
PLATFORM_RETRY = {
    "ErrorEquals": ["RetryableError"],
    "IntervalSeconds": 1,
    "MaxAttempts": 5,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 30,
    "JitterStrategy": "FULL",
}
END_STATE = "end"
FAILED_STATE = "run.failed"
# After retries: any error ends the run through the failure path (which records it).
FAILURE_CATCH = {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": FAILED_STATE}
TRIGGER_AT = "trigger.at"


@dataclass(frozen=True)
class TaskFunctions:
    """The Lambda functions compiled workflows call, and the deployment's webhook connections."""

    step_arn: str
    send_arn: str
    connections: Mapping[str, WebhookConnection] = field(default_factory=dict)


@dataclass(frozen=True)
class _Target:
    """What every emitter may need beside its step: the task functions and the workflow's settings."""

    functions: TaskFunctions
    settings: Settings


State = dict[str, Any]
Emitter = Callable[[str, Any, _Target], dict[str, State]]


def compile_workflow(workflow: Workflow, version: int, functions: TaskFunctions) -> dict[str, Any]:
    """The state machine definition for one version of a workflow; same input, same output."""
    unsupported = [
        ValidationIssue(f"/steps/{sid}", f"step type '{step.type}' is not supported by this release yet")
        for sid, step in workflow.steps.items()
        if type(step) not in _EMITTERS
    ]
    issues = unsupported + webhook_issues(workflow, functions.connections)
    if issues:
        raise WorkflowInvalidError(issues)
    target = _Target(functions, workflow.settings)
    states: dict[str, State] = {}
    for step_id in sorted(workflow.steps):
        step = workflow.steps[step_id]
        states.update(_EMITTERS[type(step)](step_id, step, target))
    if any(_goes_to(state, END_STATE) for state in states.values()):
        states[END_STATE] = {"Type": "Succeed", "Comment": "the last step had no next"}
    if any(state["Type"] == "Task" for state in states.values()):
        states.update(_failure_path(target))
    start = workflow.start
    if workflow.trigger.date is not None:
        # Enrolled by the daily run on the day; the run itself starts at the trigger's local time.
        states[TRIGGER_AT] = {"Type": "Wait", "TimestampPath": "$.run.start_at", "Next": start}
        start = TRIGGER_AT
    return {
        "Comment": f"NurtureFlow workflow {workflow.id} v{version}: {workflow.name}",
        "StartAt": start,
        "States": states,
    }


def _goes_to(state: State, name: str) -> bool:
    rules = [rule.get("Next") for rule in state.get("Choices", [])]
    return name in [state.get("Next"), state.get("Default"), *rules]


def _then(state: State, next_step: str | None) -> State:
    """A step without ``next`` ends the run there."""
    return {**state, **({"Next": next_step} if next_step else {"End": True})}


def _payload(action: str, step_id: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": action,
        "step": step_id,
        **extra,
        "run.$": "$.run",
        "execution.$": "$$.Execution.Id",
    }


def _lambda_task(
    function_arn: str, payload: dict[str, Any], *, callback: bool = False, sends: bool = False
) -> State:
    # An email task also retries SES throttling, on its own budget (``sending.retries``).
    retry = [LAMBDA_RETRY, SEND_THROTTLE_RETRY, PLATFORM_RETRY] if sends else [LAMBDA_RETRY, PLATFORM_RETRY]
    return {
        "Type": "Task",
        "Resource": LAMBDA_CALLBACK if callback else LAMBDA_INVOKE,
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "Retry": retry,
        "Catch": [FAILURE_CATCH],
    }


def _failure_path(target: _Target) -> dict[str, State]:
    """Where any task's unrecoverable error goes: record it on the run, then end the run."""
    record = {
        "Type": "Task",
        "Comment": "a step failed for good: record it on the run",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {
            "FunctionName": target.functions.step_arn,
            "Payload": {
                "action": "fail",
                "failure.$": "$.failure",
                "run.$": "$.run",
                "execution.$": "$$.Execution.Id",
            },
        },
        "Retry": [LAMBDA_RETRY, PLATFORM_RETRY],
        "ResultPath": None,
        "End": True,
    }
    return {FAILED_STATE: record}


def _dump(model: BaseModel | None) -> Any:
    return None if model is None else model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _email(step_id: str, step: EmailStep, target: _Target) -> dict[str, State]:
    # The retry count lets the send handler give up on throttling on its last attempt and record
    # the email as failed, so the run goes on.
    extra: dict[str, Any] = {
        "template": step.template,
        "entered.$": "$$.State.EnteredTime",
        "attempt.$": "$$.State.RetryCount",
    }
    if target.settings.consent is not None:
        extra["consent"] = target.settings.consent
    if step.subject:
        extra["subject"] = step.subject
    if target.settings.max_emails_per_day is not None:
        # The cap is counted in the workflow's timezone; "contact" means the contact's own.
        extra["cap"] = {"per_day": target.settings.max_emails_per_day, "timezone": target.settings.timezone}
    if target.settings.frequency_caps:
        extra["caps"] = [c.model_dump(mode="json", exclude_none=True) for c in target.settings.frequency_caps]
    if target.settings.from_:
        extra["from"] = target.settings.from_
    if target.settings.monthly_budget_usd is not None:
        # As text: the send function reads the exact Decimal back, never a binary float.
        extra["budget"] = {"monthly_usd": str(target.settings.monthly_budget_usd)}
    task = _lambda_task(target.functions.send_arn, _payload("email", step_id, extra), sends=True)
    quiet, window = target.settings.quiet_hours, target.settings.sending_window
    if quiet is None and window is None:
        return {step_id: _then({**task, "ResultPath": None}, step.next)}
    # Quiet hours and sending windows: the send function may answer "deferred" with the moment the
    # email may go; the run waits for it and comes back. Two transitions per email when nothing is
    # deferred.
    if quiet is not None:
        extra["quiet_hours"] = {"from": quiet.from_, "to": quiet.to, "timezone": target.settings.timezone}
    if window is not None:
        extra["window"] = {
            **window.model_dump(mode="json", by_alias=True),
            "timezone": target.settings.timezone,
        }
    task = _lambda_task(target.functions.send_arn, _payload("email", step_id, extra), sends=True)
    check, later = f"{step_id}.quiet", f"{step_id}.later"
    return {
        step_id: {
            **task,
            "ResultSelector": {"status.$": "$.Payload.status", "until.$": "$.Payload.until"},
            "ResultPath": "$.sent",
            "Next": check,
        },
        check: {
            "Type": "Choice",
            "Choices": [{"Variable": "$.sent.status", "StringEquals": "deferred", "Next": later}],
            "Default": step.next or END_STATE,
        },
        later: {"Type": "Wait", "TimestampPath": "$.sent.until", "Next": step_id},
    }


def _wait(step_id: str, step: WaitStep, target: _Target) -> dict[str, State]:
    if step.for_ is not None:
        return {step_id: _then({"Type": "Wait", "Seconds": seconds(step.for_)}, step.next)}
    if step.until is not None:  # the same moment for everyone: Step Functions' Timestamp, in UTC
        timestamp = moment_of(step.until).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {step_id: _then({"Type": "Wait", "Timestamp": timestamp}, step.next)}
    # The end of a timed wait depends on the contact (timezone, dates, habits): the step function
    # works it out, a Wait state waits for it.
    spec = step.model_dump(mode="json", by_alias=True, exclude={"type", "next"}, exclude_none=True)
    timer = f"{step_id}.timer"
    extra = {"wait": spec, "timezone": target.settings.timezone}
    task = {
        **_lambda_task(target.functions.step_arn, _payload("wait_until", step_id, extra)),
        "ResultSelector": {"until.$": "$.Payload.until"},
        "ResultPath": "$.wait",
        "Next": timer,
    }
    return {step_id: task, timer: _then({"Type": "Wait", "TimestampPath": "$.wait.until"}, step.next)}


def _routed(
    step_id: str, action: str, extra: dict[str, Any], targets: list[str], default: str, target: _Target
) -> dict[str, State]:
    """A step function task that answers which step comes next, and the Choice that goes there."""
    route = f"{step_id}.route"
    task = {
        **_lambda_task(target.functions.step_arn, _payload(action, step_id, extra)),
        "ResultSelector": {"next.$": "$.Payload.next"},
        "ResultPath": "$.branch",
        "Next": route,
    }
    choice = {
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.branch.next", "StringEquals": t, "Next": t} for t in dict.fromkeys(targets)
        ],
        "Default": default,
    }
    return {step_id: task, route: choice}


def _split(step_id: str, step: SplitStep, target: _Target) -> dict[str, State]:
    paths = [{"percent": p.percent, "next": p.next} for p in step.paths]
    nexts = [p.next for p in step.paths]
    return _routed(step_id, "split", {"paths": paths}, nexts[:-1], nexts[-1], target)


def _holdout(step_id: str, step: HoldoutStep, target: _Target) -> dict[str, State]:
    """The step function draws the contact's stable group and records it on the run; the control
    group ends its run in ``<step>.control``, the treated group goes on."""
    control = f"{step_id}.control"
    extra = {"percent": step.percent, "measure_for": step.measure_for, "treated": step.next}
    states = _routed(step_id, "holdout", extra, [step.next], control, target)
    states[control] = {"Type": "Succeed", "Comment": "held out: the control group gets nothing more"}
    return states


def webhook_issues(workflow: Workflow, connections: Mapping[str, WebhookConnection]) -> list[ValidationIssue]:
    """Each webhook names a connection of this deployment and a URL under the connection's base URL
    (the state-machine role may call nothing else)."""
    issues = []
    for step_id, step in workflow.steps.items():
        if not isinstance(step, WebhookStep):
            continue
        connection = connections.get(step.connection)
        if connection is None:
            known = ", ".join(sorted(connections)) or "none: see docs/webhooks.md"
            message = f"no webhook connection is called '{step.connection}' (this deployment has {known})"
            issues.append(ValidationIssue(f"/steps/{step_id}/connection", message))
        elif not step.url.startswith(under(connection.base_url)):
            message = f"connection '{step.connection}' may call URLs under {under(connection.base_url)} only"
            issues.append(ValidationIssue(f"/steps/{step_id}/url", message))
    return issues


def under(base_url: str) -> str:
    """The prefix a URL under ``base_url`` has: with its slash, so ``https://crm.example`` does not
    let ``https://crm.example.evil.test/`` through."""
    return base_url if base_url.endswith("/") else base_url + "/"


HTTP_INVOKE = "arn:aws:states:::http:invoke"
# What Step Functions names an HTTP Task's failures: a non-2xx answer, and no answer in 60 s.
# https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html
_RETRIED_HTTP_ERRORS = [
    *(f"States.Http.StatusCode.{code}" for code in (408, 429, 500, 502, 503, 504)),
    "States.Http.Socket",
    "States.Timeout",
]


def _webhook(step_id: str, step: WebhookStep, target: _Target) -> dict[str, State]:
    """The step function signs the payload; Step Functions' HTTP Task sends it through the
    connection (which holds the receiver's credentials), retrying what may pass on another try;
    the step function keeps the answer, or the failure, on the run for later branches."""
    connection = target.functions.connections[step.connection]
    call, keep, lost = f"{step_id}.call", f"{step_id}.answer", f"{step_id}.failed"
    prepare = {
        **_lambda_task(
            target.functions.step_arn, _payload("webhook", step_id, {"entered.$": "$$.State.EnteredTime"})
        ),
        "ResultSelector": {
            "body.$": "$.Payload.body",
            "signature.$": "$.Payload.signature",
            "delivery.$": "$.Payload.delivery",
        },
        "ResultPath": "$.hook",
        "Next": call,
    }
    request = {
        "Type": "Task",
        "Resource": HTTP_INVOKE,
        "Parameters": {
            "ApiEndpoint": step.url,
            "Method": step.method,
            "Authentication": {"ConnectionArn": connection.arn},
            "Headers": {
                "Content-Type": "application/json",
                f"{SIGNATURE_HEADER}.$": "$.hook.signature",
                f"{DELIVERY_HEADER}.$": "$.hook.delivery",
            },
            "RequestBody.$": "$.hook.body",  # text: sent as signed, byte for byte
        },
        "TimeoutSeconds": seconds(step.timeout),
        "ResultSelector": {"status.$": "$.StatusCode", "body.$": "$.ResponseBody"},
        "ResultPath": "$.hook.answer",
        "Next": keep,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.hook.error", "Next": lost}],
    }
    if step.retries:
        request["Retry"] = [
            {
                "ErrorEquals": _RETRIED_HTTP_ERRORS,
                "IntervalSeconds": 2,
                "MaxAttempts": step.retries,
                "BackoffRate": 2.0,
                "JitterStrategy": "FULL",
            }
        ]

    def record(kind: str, path: str, then: str | None) -> State:
        payload = _payload("webhook_answer", step_id, {kind + ".$": path})
        return _then({**_lambda_task(target.functions.step_arn, payload), "ResultPath": None}, then)

    return {
        step_id: prepare,
        call: request,
        keep: record("answer", "$.hook.answer", step.next),
        lost: record("error", "$.hook.error", step.on_failure or step.next),
    }


def _wait_for(step_id: str, step: WaitForStep, target: _Target) -> dict[str, State]:
    extra: dict[str, Any] = {"token.$": "$$.Task.Token"}
    if step.any is not None:
        # The trigger resumes the run with the index of the first event that came ("matched").
        extra["events"] = [
            {"event": a.event, **({"where": _dump(a.where)} if a.where else {})} for a in step.any
        ]
    else:
        extra["event"] = step.event
    if step.where is not None:
        extra["where"] = _dump(step.where)
    outcome = f"{step_id}.outcome"
    task = {
        **_lambda_task(target.functions.step_arn, _payload("wait_for", step_id, extra), callback=True),
        "TimeoutSeconds": seconds(step.timeout),
        "ResultPath": "$.waited",
        "Catch": [
            {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.waited", "Next": outcome},
            FAILURE_CATCH,
        ],
        "Next": outcome,
    }
    timed_out = {"Variable": "$.waited.Error", "IsPresent": True, "Next": step.on_timeout or END_STATE}
    if step.any is not None:
        names = ", ".join(f"'{a.event}'" for a in step.any)
        route = {
            "Type": "Choice",
            "Comment": f"which of {names} came first, or the timeout?",
            "Choices": [
                timed_out,
                *(
                    {"Variable": "$.waited.matched", "NumericEquals": i, "Next": a.next}
                    for i, a in enumerate(step.any)
                ),
            ],
            "Default": step.any[0].next,
        }
        return {step_id: task, outcome: route}
    route = {
        "Type": "Choice",
        "Comment": f"did the contact do '{step.event}' before the timeout?",
        "Choices": [timed_out],
        "Default": step.next or END_STATE,
    }
    return {step_id: task, outcome: route}


def _branch(step_id: str, step: BranchStep, target: _Target) -> dict[str, State]:
    cases = [{"when": _dump(case.when), "next": case.next} for case in step.cases]
    extra: dict[str, Any] = {"cases": cases, "default": step.default}
    if any(reads_webhooks(case.when) for case in step.cases):  # the run's answers are read only then
        extra["webhooks"] = True
    return _routed(step_id, "branch", extra, [case.next for case in step.cases], step.default, target)


def _update(step_id: str, step: UpdateStep, target: _Target) -> dict[str, State]:
    changes = step.model_dump(mode="json", exclude={"type", "next"}, exclude_none=True)
    # The entered time names the visit: a retried update scores once.
    extra = {"changes": changes, "entered.$": "$$.State.EnteredTime"}
    task = _lambda_task(target.functions.step_arn, _payload("update", step_id, extra))
    return {step_id: _then({**task, "ResultPath": None}, step.next)}


def _task(step_id: str, step: TaskStep, target: _Target) -> dict[str, State]:
    spec = step.model_dump(mode="json", exclude={"type", "next"}, exclude_none=True)
    extra = {"task": spec, "entered.$": "$$.State.EnteredTime"}
    task = _lambda_task(target.functions.step_arn, _payload("task", step_id, extra))
    return {step_id: _then({**task, "ResultPath": None}, step.next)}


def _exit(step_id: str, step: ExitStep, target: _Target) -> dict[str, State]:
    return {step_id: {"Type": "Succeed"}}


_EMITTERS: dict[type, Emitter] = {
    EmailStep: _email,
    WaitStep: _wait,
    WaitForStep: _wait_for,
    BranchStep: _branch,
    SplitStep: _split,
    HoldoutStep: _holdout,
    WebhookStep: _webhook,
    UpdateStep: _update,
    TaskStep: _task,
    ExitStep: _exit,
}
