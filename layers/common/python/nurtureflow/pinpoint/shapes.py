"""A Pinpoint document checked against the shapes of botocore's own ``pinpoint`` service model.

Every problem is named by its JSON Pointer (RFC 6901) in the document as given: a key the shape does
not have, a required member missing, a value of the wrong type, a string outside its enum. The
model is the one botocore ships (``botocore/data/pinpoint/2016-12-01/service-2.json``), the shapes
``aws pinpoint get-journey`` prints and ``create-journey`` takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Problem:
    pointer: str
    message: str


class PinpointInputError(Exception):
    """The input is not what Pinpoint would accept: ``problems``, each with its pointer."""

    def __init__(self, found: list[Problem]) -> None:
        super().__init__(f"{len(found)} problem(s)")
        self.problems = found


def pointer(*parts: str | int) -> str:
    """A JSON Pointer to ``parts`` (``~`` and ``/`` escaped as RFC 6901 says)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@cache
def _model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("pinpoint")


def shape(name: str) -> Any:
    return _model().shape_for(name)


def problems(value: Any, shape_name: str, at: str = "") -> list[Problem]:
    """Every way ``value`` departs from the shape ``shape_name``; ``at`` is its pointer."""
    found: list[Problem] = []
    _check(value, shape(shape_name), at, found)
    return found


def _check(value: Any, model: Any, at: str, found: list[Problem]) -> None:
    kind = model.type_name
    if kind == "structure":
        _structure(value, model, at, found)
    elif kind == "list":
        if not isinstance(value, list):
            found.append(Problem(at, f"must be a list ({model.name})"))
            return
        for index, item in enumerate(value):
            _check(item, model.member, f"{at}/{index}", found)
    elif kind == "map":
        if not isinstance(value, dict):
            found.append(Problem(at, f"must be an object ({model.name})"))
            return
        for key, item in value.items():
            _check(item, model.value, at + pointer(key), found)
    else:
        _scalar(value, model, at, found)


def _structure(value: Any, model: Any, at: str, found: list[Problem]) -> None:
    if not isinstance(value, dict):
        found.append(Problem(at, f"must be an object ({model.name})"))
        return
    members = model.members
    for key, item in value.items():
        if key not in members:
            known = ", ".join(sorted(members))
            found.append(Problem(at + pointer(key), f"{model.name} has no member {key!r} (it has: {known})"))
            continue
        _check(item, members[key], at + pointer(key), found)
    for name in model.required_members:
        if name not in value:
            found.append(Problem(at + pointer(name), f"{model.name} requires {name}"))


def _scalar(value: Any, model: Any, at: str, found: list[Problem]) -> None:
    kind = model.type_name
    if kind == "string":
        if not isinstance(value, str):
            found.append(Problem(at, "must be a string"))
        elif model.enum and value not in model.enum:
            found.append(Problem(at, f"must be one of {', '.join(model.enum)} (got {value!r})"))
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            found.append(Problem(at, "must be a whole number"))
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            found.append(Problem(at, "must be a number"))
    elif kind == "boolean" and not isinstance(value, bool):
        found.append(Problem(at, "must be true or false"))
    elif kind == "timestamp" and (not isinstance(value, str) or _iso_time(value) is None):
        found.append(Problem(at, "must be an ISO 8601 date and time, such as 2026-11-02T09:00:00Z"))


def _iso_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
