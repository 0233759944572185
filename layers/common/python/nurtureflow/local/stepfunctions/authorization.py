"""IAM checks of the state machine's role, through an ``authorize`` callback, and how a denial reads.

``authorize(role_arn, action, resource_arn)`` returns when the role may act and raises AccessDeniedError
when it may not. The runtime asks it before each call it makes as the role: a Lambda invoke, a
``states:startExecution`` task, a Distributed Map's child executions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from .errors import AccessDeniedError

# (role ARN, action, resource[, condition keys as (key, value) pairs]); raises AccessDeniedError.
Authorize = Callable[..., None]
Context = tuple[tuple[str, str], ...]

INVOKE_FUNCTION = "lambda:InvokeFunction"
START_EXECUTION = "states:StartExecution"


def function_arn(identifier: str, region: str, account_id: str) -> str:
    """The ARN IAM evaluates for an invoke of ``identifier`` (name, ``name:qualifier``, partial or full
    ARN): qualified exactly when the identifier is, as Lambda authorizes it."""
    if identifier.startswith("arn:"):
        return identifier
    if ":function:" in identifier:  # a partial ARN: account:function:name[:qualifier]
        return f"arn:aws:lambda:{region}:{identifier}"
    return f"arn:aws:lambda:{region}:{account_id}:function:{identifier}"


def denial_message(role_arn: str, action: str, resource: str, denied: AccessDeniedError) -> str:
    """IAM's words for a denial, unless the authorizer gave its own."""
    if denied.message:
        return denied.message
    account, role_name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    caller = f"arn:aws:sts::{account}:assumed-role/{role_name}/{uuid.uuid4().hex[:16]}"
    return (
        f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


def sdk_cause(message: str, service: str, status: int, code: str) -> str:
    """A service error's cause as Step Functions writes it (its Java SDK's message format)."""
    return (
        f"{message} (Service: {service}; Status Code: {status}; Error Code: {code}; "
        f"Request ID: {uuid.uuid4()}; Proxy: null)"
    )
