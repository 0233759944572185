"""The values an event may carry in ``traits`` and ``properties``: what DynamoDB can hold faithfully.

Checked before the first write, so a value the table would refuse is a 422 naming its JSON path,
never a failed write halfway through a post. ``docs/tracking.md`` states the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from nurtureflow.contacts.model import NAMED_TRAITS

# Objects and arrays inside ``traits`` or ``properties``: the map itself is level 0.
MAX_VALUE_DEPTH = 32
MAX_KEY_BYTES = 255
# Traits per event: each is one clause of the contact's update, and DynamoDB caps an update
# expression at 4 KB.
MAX_TRAITS = 100
# DynamoDB's number type: 38 significant digits, magnitudes from 1E-130 to just under 1E+126.
MAX_DIGITS = 38
LARGEST = Decimal("9.9999999999999999999999999999999999999E+125")
SMALLEST = Decimal("1E-130")

Problem = tuple[str, str]  # (JSON path, sentence)


def has_lone_surrogate(text: str) -> bool:
    """True when the text holds half of a UTF-16 pair: it cannot be written as UTF-8."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def text_problem(text: str) -> str | None:
    """Why a string or key cannot be stored as text, or None."""
    if "\x00" in text:
        return "holds a NUL character"
    if has_lone_surrogate(text):
        return "holds a lone UTF-16 surrogate (not Unicode text)"
    return None


def number_problem(number: int | float) -> str | None:
    """Why DynamoDB cannot hold the number exactly, or None."""
    try:
        exact = Decimal(number) if isinstance(number, int) else Decimal(repr(number))
    except (InvalidOperation, ValueError):
        return "is not a number DynamoDB can hold"
    if not exact.is_finite():
        return "is not a finite number"
    if exact == 0:
        return None
    magnitude = abs(exact)
    if magnitude > LARGEST:
        return "is larger in magnitude than 9.9999999999999999999999999999999999999E+125"
    if magnitude < SMALLEST:
        return "is closer to zero than 1E-130 (and not zero)"
    # Counted without trailing zeros (1E+50 has one); not with normalize(), which rounds to 28.
    significant = "".join(map(str, exact.as_tuple().digits)).rstrip("0")
    if len(significant) > MAX_DIGITS:
        return f"has more than {MAX_DIGITS} significant digits"
    return None


def key_problem(key: str) -> str | None:
    if key == "":
        return "a key is empty"
    if len(key.encode("utf-8", errors="surrogatepass")) > MAX_KEY_BYTES:
        return f"a key is longer than {MAX_KEY_BYTES} bytes"
    problem = text_problem(key)
    return None if problem is None else f"a key {problem}"


def value_problems(values: dict[str, Any], path: str) -> Iterator[Problem]:
    """Every value under ``values`` (a ``traits`` or ``properties`` map) that cannot be stored."""
    pending: list[tuple[Any, str, int]] = [(values, path, 0)]
    while pending:
        value, where, depth = pending.pop()
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            if (problem := number_problem(value)) is not None:
                yield where, f"{where} {problem}"
            continue
        if isinstance(value, str):
            if (problem := text_problem(value)) is not None:
                yield where, f"{where} {problem}"
            continue
        if depth > MAX_VALUE_DEPTH:
            yield where, f"{where} nests deeper than {MAX_VALUE_DEPTH} levels"
            continue
        if isinstance(value, dict):
            for key, child in value.items():
                if (problem := key_problem(key)) is not None:
                    yield f"{where}/{key}", f"{where}: {problem}"
                    continue
                pending.append((child, f"{where}/{key}", depth + 1))
        else:
            pending.extend((child, f"{where}/{i}", depth + 1) for i, child in enumerate(value))


def trait_problems(traits: dict[str, Any], path: str) -> Iterator[Problem]:
    """``value_problems``, at most ``MAX_TRAITS`` keys, and the named traits (``first_name``…) are
    text or null."""
    if len(traits) > MAX_TRAITS:
        yield path, f"{path} has more than {MAX_TRAITS} keys"
        return
    for name in NAMED_TRAITS:
        if name in traits and not isinstance(traits[name], str | None):
            yield f"{path}/{name}", f"{path}/{name} must be text (or null to unset it)"
    yield from value_problems(traits, path)
