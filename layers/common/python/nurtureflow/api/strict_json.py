"""Reading a request body as JSON that every route can store: bounded depth, finite numbers, text.

Python's ``json`` accepts what no route can keep (``NaN``, ``Infinity``, lone UTF-16 surrogates
such as ``"\\ud800"``) and fails with errors other than ``JSONDecodeError`` on hostile input (a
``RecursionError`` on deep nesting, a ``ValueError`` on an integer over 4,300 digits): each is a
``JsonBodyError`` here, naming where it is.
"""

from __future__ import annotations

import json
from typing import Any

from nurtureflow.events.values import has_lone_surrogate

# Deeper than any document the API takes (workflows, conditions, events), shallow enough that
# every recursive reader after this one (pydantic, Jinja2, boto3's serializer) is safe.
MAX_BODY_DEPTH = 64


class JsonBodyError(Exception):
    """A body that is not JSON the API can take; ``field`` is the JSON path of the problem."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _refuse_constant(name: str) -> Any:
    raise JsonBodyError("body", f"the body is not valid JSON: {name} is not a JSON number")


def parse_json_body(raw: str) -> Any:
    """The parsed body, or ``JsonBodyError``."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonBodyError("body", f"the body is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise JsonBodyError("body", f"the body nests deeper than {MAX_BODY_DEPTH} levels") from None
    except ValueError as exc:  # an integer longer than Python converts (4,300 digits)
        raise JsonBodyError("body", f"the body is not JSON the API can read: {exc}") from None
    check_text_and_depth(value)
    return value


def check_text_and_depth(value: Any) -> None:
    """Refuse nesting past ``MAX_BODY_DEPTH`` and strings or keys with a lone surrogate.

    Iterative, so the check itself cannot run out of stack.
    """
    pending: list[tuple[Any, str, int]] = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                raise JsonBodyError(path or "body", "the text holds a lone UTF-16 surrogate (not Unicode)")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_BODY_DEPTH:
            raise JsonBodyError(path or "body", f"the body nests deeper than {MAX_BODY_DEPTH} levels")
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            child_path = f"{path}/{key}" if path else str(key)
            if isinstance(key, str) and has_lone_surrogate(key):
                raise JsonBodyError(path or "body", "a key holds a lone UTF-16 surrogate (not Unicode)")
            pending.append((child, child_path, depth + 1))
