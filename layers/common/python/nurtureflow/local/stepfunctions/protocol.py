"""The AWS JSON 1.0 wire protocol, as boto3's ``stepfunctions`` client speaks it, over LocalStepFunctions.

``X-Amz-Target: AWSStepFunctions.<Operation>``, a JSON body in the API reference's camelCase, dates as epoch
seconds; errors are HTTP 400 with ``{"__type": "<Code>", "message": "..."}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .errors import StepFunctionsApiError, UnknownOperation, ValidationException
from .service import LocalStepFunctions

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "AWSStepFunctions."
DEFAULT_PAGE_SIZE = 100  # AWS's default maxResults

logger = logging.getLogger(__name__)

Request = dict[str, Any]
Operation = Callable[[LocalStepFunctions, Request], dict[str, Any]]


def _page_size(request: Request) -> int:
    return int(request.get("maxResults") or DEFAULT_PAGE_SIZE)


_OPERATIONS: dict[str, Operation] = {
    "CreateStateMachine": lambda service, r: service.create_state_machine(
        r["name"],
        r["definition"],
        r["roleArn"],
        type=r.get("type", "STANDARD"),
        publish=bool(r.get("publish", False)),
        version_description=r.get("versionDescription"),
    ),
    "UpdateStateMachine": lambda service, r: service.update_state_machine(
        r["stateMachineArn"],
        definition=r.get("definition"),
        role_arn=r.get("roleArn"),
        publish=bool(r.get("publish", False)),
        version_description=r.get("versionDescription"),
    ),
    "PublishStateMachineVersion": lambda service, r: service.publish_state_machine_version(
        r["stateMachineArn"], r.get("description")
    ),
    "DeleteStateMachineVersion": lambda service, r: service.delete_state_machine_version(
        r["stateMachineVersionArn"]
    ),
    "DescribeStateMachine": lambda service, r: service.describe_state_machine(r["stateMachineArn"]),
    "CreateStateMachineAlias": lambda service, r: service.create_state_machine_alias(
        r["name"], r["routingConfiguration"], r.get("description")
    ),
    "UpdateStateMachineAlias": lambda service, r: service.update_state_machine_alias(
        r["stateMachineAliasArn"], r.get("routingConfiguration"), r.get("description")
    ),
    "DescribeStateMachineAlias": lambda service, r: service.describe_state_machine_alias(
        r["stateMachineAliasArn"]
    ),
    "ListStateMachines": lambda service, r: service.list_state_machines(_page_size(r), r.get("nextToken")),
    "ListStateMachineVersions": lambda service, r: service.list_state_machine_versions(
        r["stateMachineArn"], _page_size(r), r.get("nextToken")
    ),
    "DeleteStateMachine": lambda service, r: service.delete_state_machine(r["stateMachineArn"]),
    "StartExecution": lambda service, r: service.start_execution(
        r["stateMachineArn"], r.get("name"), r.get("input", "{}")
    ),
    "DescribeExecution": lambda service, r: service.describe_execution(r["executionArn"]),
    "ListExecutions": lambda service, r: service.list_executions(
        r.get("stateMachineArn"), r.get("statusFilter"), _page_size(r), r.get("nextToken"), r.get("mapRunArn")
    ),
    "StopExecution": lambda service, r: service.stop_execution(
        r["executionArn"], r.get("error"), r.get("cause")
    ),
    "GetExecutionHistory": lambda service, r: service.get_execution_history(
        r["executionArn"], bool(r.get("reverseOrder", False)), _page_size(r), r.get("nextToken")
    ),
    "SendTaskSuccess": lambda service, r: service.send_task_success(r["taskToken"], r["output"]),
    "SendTaskFailure": lambda service, r: service.send_task_failure(
        r["taskToken"], r.get("error"), r.get("cause")
    ),
    "SendTaskHeartbeat": lambda service, r: service.send_task_heartbeat(r["taskToken"]),
}


class StepFunctionsProtocol:
    """Turns wire requests into LocalStepFunctions calls and their results back into wire responses."""

    def __init__(self, service: LocalStepFunctions) -> None:
        self.service = service

    def handle_request(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Serve one request: ``target`` is the X-Amz-Target header; returns (HTTP status, JSON body)."""
        try:
            operation = _OPERATIONS.get(target.removeprefix(TARGET_PREFIX))
            if operation is None:
                raise UnknownOperation(f"Unknown operation: {target}")
            request = _decode(body)
            try:
                response = operation(self.service, request)
            except KeyError as missing:
                raise ValidationException(
                    f"1 validation error detected: {missing} must not be null"
                ) from None
        except StepFunctionsApiError as error:
            return error.status, {"__type": error.code, "message": error.message}
        except Exception as error:  # a bug here must still reach the client as a well-formed 500
            logger.exception("%s failed", target)
            return 500, {"__type": "InternalFailure", "message": f"{type(error).__name__}: {error}"}
        return 200, _wire(response)


def handle_request(service: LocalStepFunctions, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """Serve one wire request against ``service`` (see StepFunctionsProtocol.handle_request)."""
    return StepFunctionsProtocol(service).handle_request(target, body)


def _decode(body: bytes) -> Request:
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        raise ValidationException("The request body is not valid JSON") from None
    if not isinstance(request, dict):
        raise ValidationException("The request body must be a JSON object")
    return request


def _wire(value: Any) -> Any:
    """Dates become epoch seconds, as the JSON protocol carries timestamps."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value
