"""The payload quota AWS enforces on a running execution: 262,144 bytes of UTF-8 JSON for a state's input
and output, a task's result and an execution's input (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
"""

from __future__ import annotations

from typing import Any

from .errors import DATA_LIMIT_EXCEEDED, StatesError
from .paths import to_json

MAX_PAYLOAD_BYTES = 262_144
# A character is at most 4 bytes in UTF-8: text this short is within the quota without encoding it.
_SURELY_WITHIN = MAX_PAYLOAD_BYTES // 4


def text_too_large(text: str) -> bool:
    """Whether JSON text is over the quota, counted in UTF-8 bytes as AWS counts it."""
    return len(text) > _SURELY_WITHIN and len(text.encode("utf-8", "surrogatepass")) > MAX_PAYLOAD_BYTES


def too_large(value: Any) -> bool:
    """Whether a value, written as Step Functions writes it (compact JSON), is over the quota."""
    return text_too_large(to_json(value))


def result_too_large(who: str) -> StatesError:
    """AWS's error for a state's output or a task's result over the quota; ``who`` is the state's name, or
    for a task the resource type (``lambda``) or function ARN (AWS-recorded, LocalStack's snapshots)."""
    cause = (
        f"The state/task '{who}' returned a result with a size exceeding the maximum number of bytes "
        "service limit."
    )
    return StatesError(DATA_LIMIT_EXCEEDED, cause)


def input_too_large(state_name: str) -> StatesError:
    """The error for a state whose input, after Parameters, is over the quota (AWS's text is undocumented)."""
    cause = (
        f"The state/task '{state_name}' has an input with a size exceeding the maximum number of bytes "
        "service limit."
    )
    return StatesError(DATA_LIMIT_EXCEEDED, cause)
