"""Workflow steps that need live data: branch, split, timed waits, wait_for, update and task."""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.runs.actions import RunDocument

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = RunDocument.model_validate(event["run"])
    actions = wiring.step_actions()
    match event["action"]:
        case "branch":
            return actions.branch(run, event["execution"], event["cases"], event["default"])
        case "wait_for":
            return actions.wait_for(
                run, event["execution"], event["step"], event["event"], event.get("where"), event["token"]
            )
        case "update":
            return actions.update(run, event["changes"])
        case "split":
            return actions.split(run, event["step"], event["paths"])
        case "task":
            return actions.task(run, event["execution"], event["step"], event["entered"], event["task"])
        case "wait_until":
            return actions.wait_until(run, event["wait"], event["timezone"])
    raise ValueError(f"unknown action {event['action']!r}")
