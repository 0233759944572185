"""Asking another of the stack's functions to run, without waiting for it (Lambda's ``Event``
invocation: Lambda queues the event and answers 202 at once)."""

from __future__ import annotations

import json
from typing import Any

from nurtureflow.aws.clients import client


def invoke_later(function_name: str, payload: dict[str, Any]) -> None:
    """Queue ``payload`` for ``function_name``; raises when Lambda refuses it."""
    client("lambda").invoke(
        FunctionName=function_name, InvocationType="Event", Payload=json.dumps(payload).encode()
    )
