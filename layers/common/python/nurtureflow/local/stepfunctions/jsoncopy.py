"""Deep copies of JSON values, as ``json.loads(json.dumps(value))`` makes them, several times faster.

Values made only of exact dicts (with string keys), lists, strings, numbers, booleans and None are copied
directly; anything else (tuples, enums, non-string keys, objects JSON can't write) takes the JSON round
trip itself, so the result, or the error, is the round trip's.
"""

from __future__ import annotations

import json
import sys
from typing import Any

_SCALARS = frozenset({str, int, float, bool, type(None)})


class _NotPlainJson(Exception):
    pass


def json_copy(value: Any) -> Any:
    """A copy sharing nothing mutable with ``value``; TypeError or ValueError if JSON can't write it."""
    try:
        return _copy(value)
    except (_NotPlainJson, RecursionError):
        return json.loads(json.dumps(value))


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlainJson
            copied[key] = item if type(item) in _SCALARS else _copy(item)
        return copied
    if kind is list:
        return [item if type(item) in _SCALARS else _copy(item) for item in value]
    if kind in _SCALARS:
        return value
    raise _NotPlainJson


def with_shared_keys(value: Any) -> Any:
    """A JSON document just parsed, its object keys interned: the inputs of 100,000 executions, alike in
    shape, then keep one copy of each key rather than 100,000 (``json.loads`` makes new ones every time)."""
    if type(value) is dict:
        return {sys.intern(key): with_shared_keys(item) for key, item in value.items()}
    if type(value) is list:
        return [with_shared_keys(item) for item in value]
    return value
