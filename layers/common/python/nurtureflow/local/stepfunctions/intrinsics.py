"""Intrinsic functions (``States.Format(...)`` and friends) in ``.$`` fields: a small parser and evaluator."""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .context import context_object
from .errors import INTRINSIC_FAILURE, RUNTIME, StatesError
from .intrinsic_functions import FUNCTIONS
from .jsonpath import JsonPath, PathNotFound, PathSyntaxError, parse_path


@dataclass(frozen=True)
class Literal:
    value: Any
    raw: str | None = None  # a string literal's text with its escapes, which States.Format needs


@dataclass(frozen=True)
class PathArg:
    path: JsonPath


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Literal | PathArg | Call, ...]


_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_KEYWORDS = {"true": True, "false": False, "null": None}
_ESCAPABLE = "'{}\\"


def is_intrinsic(text: str) -> bool:
    return text.startswith("States.")


@lru_cache(maxsize=1024)
def parse_intrinsic(text: str) -> Call:
    """Parse ``States.Name(arg, ...)``; StatesError(States.IntrinsicFailure) if malformed."""
    parser = _Parser(text)
    call = parser.call()
    parser.skip_spaces()
    if parser.position != len(text):
        raise parser.error("unexpected text after the closing parenthesis")
    return call


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def error(self, problem: str) -> StatesError:
        return StatesError(INTRINSIC_FAILURE, f"{problem} at {self.position} in {self.text!r}")

    def skip_spaces(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def call(self) -> Call:
        match = _NAME.match(self.text, self.position)
        if match is None:
            raise self.error("expected an intrinsic function name")
        self.position = match.end()
        self.skip_spaces()
        if self.peek() != "(":
            raise self.error("expected '('")
        self.position += 1
        args: list[Literal | PathArg | Call] = []
        self.skip_spaces()
        if self.peek() == ")":
            self.position += 1
            return Call(match.group(), ())
        while True:
            args.append(self.argument())
            self.skip_spaces()
            char, self.position = self.peek(), self.position + 1
            if char == ")":
                return Call(match.group(), tuple(args))
            if char != ",":
                self.position -= 1
                raise self.error("expected ',' or ')'")

    def argument(self) -> Literal | PathArg | Call:
        self.skip_spaces()
        char = self.peek()
        if char == "'":
            return self.string()
        if char == "$":
            return self.path()
        if self.text.startswith("States.", self.position):
            return self.call()
        for word, value in _KEYWORDS.items():
            if self.text.startswith(word, self.position):
                self.position += len(word)
                return Literal(value)
        if (match := _NUMBER.match(self.text, self.position)) is not None:
            self.position = match.end()
            return Literal(json.loads(match.group()))
        raise self.error("expected an argument")

    def string(self) -> Literal:
        self.position += 1
        start, chars = self.position, []
        while self.position < len(self.text):
            char = self.text[self.position]
            if char == "\\":
                escaped = self.text[self.position + 1 : self.position + 2]
                if not escaped or escaped not in _ESCAPABLE:
                    raise self.error("open escape '\\'")
                chars.append(escaped)
                self.position += 2
            elif char == "'":
                self.position += 1
                return Literal("".join(chars), self.text[start : self.position - 1])
            else:
                chars.append(char)
                self.position += 1
        raise self.error("unterminated string")

    def path(self) -> PathArg:
        start, depth, quote = self.position, 0, ""
        while self.position < len(self.text):
            char = self.text[self.position]
            if quote:
                if char == "\\":
                    self.position += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.position += 1
        try:
            return PathArg(parse_path(self.text[start : self.position].strip()))
        except PathSyntaxError as error:
            raise self.error(str(error)) from None


def evaluate_intrinsic(text: str, data: Any, context: Any) -> Any:
    """Evaluate an intrinsic call against the state's data (``$``) and the context object (``$$``)."""
    return _evaluate(parse_intrinsic(text), data, context)


def _evaluate(call: Call, data: Any, context: Any) -> Any:
    values = [_value(arg, data, context) for arg in call.args]
    if call.name == "States.Format":
        first = call.args[0] if call.args else None
        raw = first.raw if isinstance(first, Literal) and first.raw is not None else None
        return _format(values, raw)
    function = FUNCTIONS.get(call.name)
    if function is None:
        raise StatesError(INTRINSIC_FAILURE, f"unknown intrinsic function {call.name}")
    try:
        return function(values)
    except (TypeError, ValueError, IndexError, KeyError, binascii.Error) as error:
        raise StatesError(INTRINSIC_FAILURE, f"{call.name}: {error}") from None


def _value(arg: Literal | PathArg | Call, data: Any, context: Any) -> Any:
    if isinstance(arg, Literal):
        return arg.value
    if isinstance(arg, Call):
        return _evaluate(arg, data, context)
    try:
        return arg.path.get(context_object(context) if arg.path.root == "$$" else data)
    except PathNotFound:
        raise StatesError(RUNTIME, f"The JSONPath {arg.path.text} could not be found in the input") from None


def _format(values: Sequence[Any], raw_template: str | None) -> str:
    if not values or not isinstance(values[0], str):
        raise StatesError(INTRINSIC_FAILURE, "States.Format takes a string template first")
    template, escaped = (raw_template, True) if raw_template is not None else (values[0], False)
    pieces, arguments, position = [], list(values[1:]), 0
    while position < len(template):
        if escaped and template[position] == "\\":
            pieces.append(template[position + 1])
            position += 2
        elif template.startswith("{}", position):
            if not arguments:
                raise StatesError(INTRINSIC_FAILURE, "States.Format has more '{}' than arguments")
            pieces.append(_format_argument(arguments.pop(0)))
            position += 2
        else:
            pieces.append(template[position])
            position += 1
    if arguments:
        raise StatesError(INTRINSIC_FAILURE, "States.Format has more arguments than '{}'")
    return "".join(pieces)


def _format_argument(value: Any) -> str:
    """An argument as AWS writes it into the text: strings bare, objects ``{key=value, ...}`` and arrays
    ``[a, b]`` as Java's toString writes them, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_format_argument(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_format_argument(item) for item in value) + "]"
    return json.dumps(value)
