"""The JsonPath subset the States language uses: parse once, then query or (for reference paths) assign.

Supported: ``$`` / ``$$`` roots, ``.name``, ``['name']``, ``[n]`` (negative counts from the end), ``[*]``
and ``.*``, ``[start:stop:step]``, ``..name`` / ``..*`` and simple filters ``[?(@.a.b)]`` /
``[?(@.a op literal)]``.
A *definite* path (names and indices only) selects one value; any other path selects a list of matches.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any


class PathSyntaxError(ValueError):
    """The text is not a path this interpreter understands."""


class PathNotFound(LookupError):
    """A definite path selected nothing."""


class PathMismatch(ValueError):
    """A reference path could not be assigned into the given document."""


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Index:
    index: int


@dataclass(frozen=True)
class Wildcard:
    pass


@dataclass(frozen=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True)
class DeepScan:
    name: str | None  # None: every descendant


@dataclass(frozen=True)
class Filter:
    fields: tuple[str, ...]
    op: str | None  # None: the field exists
    literal: Any = None


Segment = Field | Index | Wildcard | Slice | DeepScan | Filter

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_FILTER = re.compile(r"^\?\(\s*@((?:\.[^.\s=!<>()]+)*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$")
_SLICE = re.compile(r"^(-?\d*):(-?\d*)(?::(-?\d*))?$")


@dataclass(frozen=True)
class JsonPath:
    """A parsed path; ``root`` is ``$`` (the data) or ``$$`` (the context object)."""

    text: str
    root: str
    segments: tuple[Segment, ...]

    @cached_property
    def definite(self) -> bool:
        return all(isinstance(segment, Field | Index) for segment in self.segments)

    @property
    def is_reference(self) -> bool:
        """Reference paths (ResultPath, Choice ``Variable``) may only name fields and indices of ``$``."""
        return self.root == "$" and self.definite

    def find(self, document: Any) -> list[Any]:
        """Every value the path selects, in document order."""
        values = [document]
        for segment in self.segments:
            values = [found for value in values for found in _step(value, segment)]
        return values

    def get(self, document: Any) -> Any:
        """The one value of a definite path (PathNotFound if absent), or the list of an indefinite one."""
        if not self.definite:
            return self.find(document)
        value = document
        for position, segment in enumerate(self.segments):  # names and indices only: one step down each
            if isinstance(segment, Field):
                if not isinstance(value, dict) or segment.name not in value:
                    raise PathNotFound(self._not_found(position))
                value = value[segment.name]
            else:
                assert isinstance(segment, Index)
                if not isinstance(value, list) or not -len(value) <= segment.index < len(value):
                    raise PathNotFound(self._not_found(position))
                value = value[segment.index]
        return value

    def _not_found(self, position: int) -> str:
        """Jayway JsonPath's words, which AWS passes on: the last step missing is "No results", an earlier
        one a "Missing property", each with the path normalised (``$['a'][0]``)."""
        if position == len(self.segments) - 1:
            return f"No results for path: {self._normalised(len(self.segments))}"
        return f"Missing property in path {self._normalised(position + 1)}"

    def _normalised(self, length: int) -> str:
        steps = (
            f"[{segment.index}]" if isinstance(segment, Index) else f"['{getattr(segment, 'name', '*')}']"
            for segment in self.segments[:length]
        )
        return self.root + "".join(steps)

    def exists(self, document: Any) -> bool:
        return bool(self.find(document))

    def assign(self, document: Any, value: Any) -> Any:
        """A copy of ``document`` with ``value`` at this reference path, creating missing objects on the way.

        Only the containers along the path are copied: the rest is shared, never mutated.
        """
        if not self.is_reference:
            raise PathMismatch(f"{self.text} is not a reference path")
        return _assign(document, self.segments, value, self.text)


def _assign(node: Any, segments: tuple[Segment, ...], value: Any, text: str) -> Any:
    if not segments:
        return value
    head, rest = segments[0], segments[1:]
    if isinstance(head, Field):
        if not isinstance(node, dict):
            raise PathMismatch(f"Unable to apply {text}: a non-object value sits on the path")
        copy = dict(node)
        child = copy.get(head.name, {} if rest else None)
        copy[head.name] = _assign(child, rest, value, text)
        return copy
    assert isinstance(head, Index)
    if not isinstance(node, list) or not -len(node) <= head.index < len(node):
        raise PathMismatch(f"Unable to apply {text}: no array element at index {head.index}")
    items = list(node)
    items[head.index] = _assign(items[head.index], rest, value, text)
    return items


def _step(value: Any, segment: Segment) -> Iterator[Any]:
    if isinstance(segment, Field):
        if isinstance(value, dict) and segment.name in value:
            yield value[segment.name]
    elif isinstance(segment, Index):
        if isinstance(value, list) and -len(value) <= segment.index < len(value):
            yield value[segment.index]
    elif isinstance(segment, Wildcard):
        yield from _children(value)
    elif isinstance(segment, Slice):
        if isinstance(value, list):
            yield from value[segment.start : segment.stop : segment.step]
    elif isinstance(segment, DeepScan):
        yield from _deep_scan(value, segment.name)
    elif isinstance(value, list):
        yield from (item for item in value if _passes(item, segment))


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _deep_scan(value: Any, name: str | None) -> Iterator[Any]:
    if name is not None and isinstance(value, dict) and name in value:
        yield value[name]
    for child in _children(value):
        if name is None:
            yield child
        yield from _deep_scan(child, name)


def _passes(item: Any, condition: Filter) -> bool:
    current = item
    for name in condition.fields:
        if not isinstance(current, dict) or name not in current:
            return False
        current = current[name]
    if condition.op is None:
        return True
    try:
        return bool(_COMPARE[condition.op](current, condition.literal))
    except TypeError:  # comparing a string with a number selects nothing, as in Jayway
        return False


@lru_cache(maxsize=4096)
def parse_path(text: str) -> JsonPath:
    """Parse a path such as ``$.a['b'][0]`` or ``$$.Execution.Id``; PathSyntaxError if malformed."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"a path must start with '$': {text!r}")
    root = "$$" if text.startswith("$$") else "$"
    position, segments = len(root), []
    while position < len(text):
        segment, position = _parse_segment(text, position)
        segments.append(segment)
    return JsonPath(text, root, tuple(segments))


def _parse_segment(text: str, position: int) -> tuple[Segment, int]:
    if text.startswith("..", position):
        if text.startswith("*", position + 2):
            return DeepScan(None), position + 3
        name, end = _read_name(text, position + 2)
        return DeepScan(name), end
    if text[position] == ".":
        if text.startswith("*", position + 1):
            return Wildcard(), position + 2
        name, end = _read_name(text, position + 1)
        return Field(name), end
    if text[position] == "[":
        end = _closing_bracket(text, position)
        return _parse_bracket(text[position + 1 : end].strip(), text), end + 1
    raise PathSyntaxError(f"unexpected {text[position]!r} at {position} in {text!r}")


def _read_name(text: str, position: int) -> tuple[str, int]:
    end = position
    while end < len(text) and text[end] not in ".[":
        end += 1
    if end == position:
        raise PathSyntaxError(f"empty field name at {position} in {text!r}")
    return text[position:end], end


def _closing_bracket(text: str, start: int) -> int:
    quote, depth, position = "", 0, start
    while position < len(text):
        char = text[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    raise PathSyntaxError(f"unclosed '[' in {text!r}")


def _parse_bracket(content: str, text: str) -> Segment:
    if content == "*":
        return Wildcard()
    if len(content) >= 2 and content[0] == content[-1] and content[0] in "'\"":
        return Field(re.sub(r"\\(.)", r"\1", content[1:-1]))
    if re.fullmatch(r"-?\d+", content):
        return Index(int(content))
    if (match := _SLICE.match(content)) is not None:
        start, stop, step = (int(part) if part else None for part in match.groups())
        return Slice(start, stop, step)
    if (match := _FILTER.match(content)) is not None:
        fields = tuple(name for name in match.group(1).split(".") if name)
        literal = _filter_literal(match.group(3), text) if match.group(2) else None
        return Filter(fields, match.group(2), literal)
    raise PathSyntaxError(f"unsupported bracket expression [{content}] in {text!r}")


def _filter_literal(raw: str, text: str) -> Any:
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])  # 'O\'Brien' is O'Brien
    try:
        return json.loads(raw)
    except ValueError:
        raise PathSyntaxError(f"unsupported filter literal {raw!r} in {text!r}") from None
