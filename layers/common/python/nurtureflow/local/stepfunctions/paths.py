"""Input and output processing: InputPath, payload templates (Parameters...), ResultPath, OutputPath.

Each function takes the state's definition (a dict) so that an absent field (default ``$``) and a field set
to null (``{}`` for InputPath/OutputPath, "discard the result" for ResultPath) stay distinct, as AWS has them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .context import context_object
from .errors import RESULT_PATH_MATCH_FAILURE, RUNTIME, StatesError
from .intrinsics import evaluate_intrinsic, is_intrinsic
from .jsonpath import PathMismatch, PathNotFound, PathSyntaxError, parse_path
from .templates import compiled


def to_json(value: Any) -> str:
    """Compact JSON text, as Step Functions writes inputs and outputs."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def query(path: str, data: Any, context: Any) -> Any:
    """The value a path selects: ``$...`` from the data, ``$$...`` from the context object.

    A definite path that selects nothing is a States.Runtime error, which no catcher sees.
    """
    try:
        parsed = parse_path(path)
        return parsed.get(context_object(context) if parsed.root == "$$" else data)
    except PathSyntaxError as error:
        raise StatesError(RUNTIME, f"Invalid path '{path}': {error}") from None
    except PathNotFound as missing:
        raise StatesError(RUNTIME, f"Invalid path '{path}' : {missing}") from None


def select(state: Mapping[str, Any], field: str, data: Any, context: Any) -> Any:
    """Apply InputPath or OutputPath: absent keeps everything, null keeps nothing (``{}``)."""
    if field not in state:
        return data
    path = state[field]
    return {} if path is None else query(path, data, context)


def resolve_dynamic(key: str, expression: Any, data: Any, context: Any) -> Any:
    """The value of a ``key.$`` field: a path into the data or context object, or an intrinsic call."""
    if not isinstance(expression, str):
        raise StatesError(RUNTIME, f"The value for the field '{key}' must be a path or intrinsic function")
    if is_intrinsic(expression):
        return evaluate_intrinsic(expression, data, context)
    try:
        return query(expression, data, context)
    except StatesError:
        raise StatesError(
            RUNTIME,
            f"The JSONPath '{expression}' specified for the field '{key}' could not be found "
            f"in the input '{to_json(data)}'",
        ) from None


def build_payload(template: Any, data: Any, context: Any) -> Any:
    """Evaluate a payload template (Parameters, ResultSelector, ItemSelector): ``.$`` keys are dynamic.

    The template is compiled on first use and must not change afterwards (a definition's never do); the
    payload shares the template's static parts.
    """
    return compiled(template, resolve_dynamic)(data, context)


def merge_result(state: Mapping[str, Any], raw_input: Any, result: Any) -> Any:
    """Apply ResultPath: absent replaces the input with the result, null discards the result,
    a reference path puts the result into (a copy of) the state's raw input."""
    if "ResultPath" not in state:
        return result
    path = state["ResultPath"]
    if path is None:
        return raw_input
    try:
        return parse_path(path).assign(raw_input, result)
    except (PathMismatch, PathSyntaxError) as error:
        raise StatesError(RESULT_PATH_MATCH_FAILURE, f"Unable to apply ResultPath {path}: {error}") from None


def process_result(state: Mapping[str, Any], raw_input: Any, result: Any, context: Any) -> Any:
    """ResultSelector, then ResultPath, then OutputPath: a state's output from its result."""
    if "ResultSelector" in state:
        result = build_payload(state["ResultSelector"], result, context)
    return select(state, "OutputPath", merge_result(state, raw_input, result), context)
