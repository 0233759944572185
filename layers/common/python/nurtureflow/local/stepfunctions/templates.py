"""Payload templates (Parameters, ResultSelector, ItemSelector) compiled once per template.

A compiled template keeps its static parts as they are (shared, never copied: nothing in the runtime changes
a value in place) and knows for each ``key.$`` field whether it is a path or an intrinsic call, so building
a payload is a walk over the dynamic fields only. Any failure goes through ``resolve_dynamic`` so that
errors read exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import context_object
from .intrinsics import is_intrinsic
from .jsonpath import JsonPath, PathNotFound, PathSyntaxError, parse_path

# (data, context) -> the built value
Builder = Callable[[Any, Any], Any]
ResolveDynamic = Callable[[str, Any, Any, Any], Any]

_CACHE_SIZE = 4096
# id(template) -> (template, builder); holding the template keeps its id from being reused.
_compiled: dict[int, tuple[Any, Builder]] = {}


def compiled(template: Any, resolve_dynamic: ResolveDynamic) -> Builder:
    """The builder for a template (from a definition: templates never change once used)."""
    entry = _compiled.get(id(template))
    if entry is not None and entry[0] is template:
        return entry[1]
    builder = _compile(template, resolve_dynamic)
    if len(_compiled) >= _CACHE_SIZE:
        _compiled.clear()
    _compiled[id(template)] = (template, builder)
    return builder


def _compile(template: Any, resolve_dynamic: ResolveDynamic) -> Builder:
    if not _dynamic(template):
        return lambda data, context: template
    if isinstance(template, list):
        items = [_compile(item, resolve_dynamic) for item in template]
        return lambda data, context: [item(data, context) for item in items]
    fields = [
        (key[:-2], _field(key, value, resolve_dynamic))
        if key.endswith(".$")
        else (key, _compile(value, resolve_dynamic))
        for key, value in template.items()
    ]

    def build(data: Any, context: Any) -> Any:
        payload = {}
        for name, field in fields:
            payload[name] = field(data, context)
        return payload

    return build


def _dynamic(template: Any) -> bool:
    """Whether a template has a ``.$`` key anywhere."""
    if isinstance(template, dict):
        return any(key.endswith(".$") or _dynamic(value) for key, value in template.items())
    if isinstance(template, list):
        return any(_dynamic(item) for item in template)
    return False


def _field(key: str, expression: Any, resolve_dynamic: ResolveDynamic) -> Builder:
    """A ``key.$`` field: a pre-parsed path, or anything else as resolve_dynamic has it."""

    def general(data: Any, context: Any) -> Any:
        return resolve_dynamic(key, expression, data, context)

    if not isinstance(expression, str) or is_intrinsic(expression):
        return general
    try:
        path = parse_path(expression)
    except PathSyntaxError:
        return general
    return _path_field(path, general)


def _path_field(path: JsonPath, general: Builder) -> Builder:
    from_context = path.root == "$$"

    def field(data: Any, context: Any) -> Any:
        try:
            return path.get(context_object(context) if from_context else data)
        except PathNotFound:
            return general(data, context)  # raises the error that names the field

    return field
