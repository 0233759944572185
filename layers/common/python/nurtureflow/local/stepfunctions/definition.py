"""State machine definitions: parsed from JSON and checked enough to fail fast with a clear message."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .choice import operator_of
from .errors import InvalidDefinition, StatesError
from .intrinsics import is_intrinsic, parse_intrinsic
from .jsonpath import PathSyntaxError, parse_path

STATE_TYPES = frozenset({"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"})
_FLOWING = frozenset({"Pass", "Task", "Wait", "Parallel", "Map"})  # need exactly one of Next / End
_WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")


@dataclass(frozen=True)
class Scope:
    """A ``StartAt`` + ``States`` block: the machine itself, a Parallel branch, or a Map item processor."""

    start_at: str
    states: Mapping[str, Mapping[str, Any]]

    @classmethod
    def of(cls, block: Mapping[str, Any]) -> Scope:
        return cls(str(block["StartAt"]), block["States"])


@dataclass(frozen=True)
class Definition:
    """A parsed, checked definition; ``text`` is kept verbatim for DescribeStateMachine."""

    text: str
    document: Mapping[str, Any]

    @cached_property
    def root(self) -> Scope:
        return Scope.of(self.document)

    @property
    def timeout_seconds(self) -> int | None:
        value = self.document.get("TimeoutSeconds")
        return int(value) if value is not None else None


def parse_definition(text: str) -> Definition:
    """Parse and check a definition; InvalidDefinition says what is wrong and where."""
    try:
        document = json.loads(text)
    except (TypeError, ValueError) as error:
        raise _invalid("INVALID_JSON_DESCRIPTION", f"the definition is not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise _invalid("SCHEMA_VALIDATION_FAILED", "the definition must be a JSON object")
    if document.get("QueryLanguage", "JSONPath") != "JSONPath":
        raise _invalid("SCHEMA_VALIDATION_FAILED", "only the JSONPath query language is supported locally")
    timeout = document.get("TimeoutSeconds")
    if timeout is not None and (not _positive_int(timeout)):
        raise _invalid(
            "SCHEMA_VALIDATION_FAILED", "TimeoutSeconds must be a positive integer at /TimeoutSeconds"
        )
    _check_block(document, "")
    return Definition(text, document)


def _invalid(code: str, message: str) -> InvalidDefinition:
    return InvalidDefinition(f"Invalid State Machine Definition: '{code}: {message}'")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_block(block: Mapping[str, Any], where: str) -> None:
    states = block.get("States")
    if not isinstance(states, dict) or not states:
        raise _invalid("SCHEMA_VALIDATION_FAILED", f"States must be a non-empty object at {where}/States")
    start_at = block.get("StartAt")
    if not isinstance(start_at, str):
        raise _invalid("SCHEMA_VALIDATION_FAILED", f"StartAt is required at {where}/StartAt")
    if start_at not in states:
        raise _invalid(
            "MISSING_TRANSITION_TARGET", f"Missing 'StartAt' target: {start_at} at {where}/StartAt"
        )
    for name, state in states.items():
        _check_state(states, state, f"{where}/States/{name}")


def _target(states: Mapping[str, Any], name: Any, where: str) -> None:
    if not isinstance(name, str) or name not in states:
        raise _invalid("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {name} at {where}")


def _schema(message: str) -> InvalidDefinition:
    return _invalid("SCHEMA_VALIDATION_FAILED", message)


def _check_state(states: Mapping[str, Any], state: Any, where: str) -> None:
    if not isinstance(state, dict) or state.get("Type") not in STATE_TYPES:
        raise _schema(f"Type must be one of {sorted(STATE_TYPES)} at {where}/Type")
    _check_flow(states, state, where)
    _check_paths(state, where)
    kind = state["Type"]
    if kind == "Task" and not isinstance(state.get("Resource"), str):
        raise _schema(f"Resource is required at {where}/Resource")
    if kind == "Wait" and sum(field in state for field in _WAIT_FIELDS) != 1:
        raise _schema(f"exactly one of {', '.join(_WAIT_FIELDS)} is required at {where}")
    if kind == "Choice":
        _check_choice(states, state, where)
    if kind == "Parallel":
        branches = state.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise _schema(f"Branches must be a non-empty array at {where}/Branches")
        for number, branch in enumerate(branches):
            _check_block(_object(branch, f"{where}/Branches[{number}]"), f"{where}/Branches[{number}]")
    if kind == "Map":
        _check_map(state, where)


def _check_flow(states: Mapping[str, Any], state: Mapping[str, Any], where: str) -> None:
    """Next/End, and the targets of Next and of every catcher."""
    if state["Type"] in _FLOWING:
        if ("Next" in state) == (state.get("End") is True):
            raise _schema(f"exactly one of 'Next' or 'End' is required at {where}")
        if "Next" in state:
            _target(states, state["Next"], f"{where}/Next")
    elif "Next" in state or "End" in state:
        raise _schema(f"a {state['Type']} state takes neither 'Next' nor 'End' at {where}")
    for field in ("Retry", "Catch"):
        handlers = state.get(field, [])
        if not isinstance(handlers, list):
            raise _schema(f"{field} must be an array at {where}/{field}")
        for number, handler in enumerate(handlers):
            _check_error_handler(handler, f"{where}/{field}[{number}]")
            if field == "Catch":
                _target(states, handler.get("Next"), f"{where}/Catch[{number}]/Next")


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _invalid("SCHEMA_VALIDATION_FAILED", f"an object is required at {where}")
    return value


# What a Distributed Map can read or write beyond its input, which this runtime does not do.
_NOT_RUN_LOCALLY = ("ItemReader", "ItemBatcher", "ResultWriter")


def _check_map(state: Mapping[str, Any], where: str) -> None:
    field = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
    processor = _object(state.get(field), f"{where}/{field}")
    config = _object(processor.get("ProcessorConfig", {}), f"{where}/{field}/ProcessorConfig")
    mode = config.get("Mode", "INLINE")
    if mode not in ("INLINE", "DISTRIBUTED"):
        raise _schema(f"Mode must be INLINE or DISTRIBUTED at {where}/{field}/ProcessorConfig/Mode")
    unsupported = [name for name in _NOT_RUN_LOCALLY if name in state]
    if unsupported:
        raise _schema(f"{unsupported[0]} is not run by the local runtime (items come from ItemsPath) at "
                      f"{where}/{unsupported[0]}")  # fmt: skip
    if mode == "DISTRIBUTED":
        if config.get("ExecutionType") not in ("STANDARD", "EXPRESS"):
            raise _schema(f"a DISTRIBUTED Map needs ExecutionType STANDARD or EXPRESS at {where}/{field}")
        if field != "ItemProcessor":
            raise _schema(f"a DISTRIBUTED Map takes an ItemProcessor, not an Iterator at {where}")
    elif any(name.startswith("ToleratedFailure") or name == "Label" for name in state):
        raise _schema(f"Label and ToleratedFailure… belong to DISTRIBUTED Map states at {where}")
    _check_block(processor, f"{where}/{field}")


def _check_error_handler(handler: Any, where: str) -> None:
    errors = _object(handler, where).get("ErrorEquals")
    if not isinstance(errors, list) or not errors or not all(isinstance(name, str) for name in errors):
        raise _invalid("SCHEMA_VALIDATION_FAILED", f"ErrorEquals must be a non-empty array at {where}")


def _check_choice(states: Mapping[str, Any], state: Mapping[str, Any], where: str) -> None:
    choices = state.get("Choices")
    if not isinstance(choices, list) or not choices:
        raise _invalid("SCHEMA_VALIDATION_FAILED", f"Choices must be a non-empty array at {where}/Choices")
    for number, rule in enumerate(choices):
        _target(
            states, _object(rule, f"{where}/Choices[{number}]").get("Next"), f"{where}/Choices[{number}]/Next"
        )
        _check_rule(rule, f"{where}/Choices[{number}]")
    if "Default" in state:
        _target(states, state["Default"], f"{where}/Default")


def _check_rule(rule: Mapping[str, Any], where: str) -> None:
    for combinator in ("And", "Or"):
        if combinator in rule:
            for number, inner in enumerate(rule[combinator]):
                _check_rule(
                    _object(inner, f"{where}/{combinator}[{number}]"), f"{where}/{combinator}[{number}]"
                )
            return
    if "Not" in rule:
        _check_rule(_object(rule["Not"], f"{where}/Not"), f"{where}/Not")
        return
    try:
        name = operator_of(rule)
    except ValueError as error:
        raise _invalid("SCHEMA_VALIDATION_FAILED", f"{error} at {where}") from None
    _check_path(rule.get("Variable"), f"{where}/Variable", reference=False)
    if name.endswith("Path"):
        _check_path(rule[name], f"{where}/{name}", reference=False)


def _check_paths(state: Mapping[str, Any], where: str) -> None:
    for field in ("InputPath", "OutputPath", "ItemsPath", "SecondsPath", "TimestampPath"):
        if state.get(field) is not None:
            _check_path(state[field], f"{where}/{field}", reference=False)
    if state.get("ResultPath") is not None:
        _check_path(state["ResultPath"], f"{where}/ResultPath", reference=True)
    for field in ("Parameters", "ResultSelector", "ItemSelector"):
        if field in state:
            _check_template(state[field], f"{where}/{field}")


def _check_path(path: Any, where: str, *, reference: bool) -> None:
    try:
        parsed = parse_path(path)
    except PathSyntaxError as error:
        raise _invalid("SCHEMA_VALIDATION_FAILED", f"{error} at {where}") from None
    if reference and not parsed.is_reference:
        raise _invalid("SCHEMA_VALIDATION_FAILED", f"{path} is not a reference path at {where}")


def _check_template(template: Any, where: str) -> None:
    if isinstance(template, list):
        for number, item in enumerate(template):
            _check_template(item, f"{where}[{number}]")
    if not isinstance(template, dict):
        return
    for key, value in template.items():
        if not key.endswith(".$"):
            _check_template(value, f"{where}/{key}")
        elif isinstance(value, str) and is_intrinsic(value):
            try:
                parse_intrinsic(value)
            except StatesError as error:
                raise _invalid("SCHEMA_VALIDATION_FAILED", f"{error.cause} at {where}/{key}") from None
        else:
            _check_path(value, f"{where}/{key}", reference=False)
