"""The intrinsic functions themselves (all but States.Format, which needs its template's escapes)."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any


def _arity(values: Sequence[Any], *counts: int) -> None:
    if len(values) not in counts:
        raise TypeError(f"takes {' or '.join(map(str, counts))} arguments, got {len(values)}")


def _typed(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expects {what}, got {json.dumps(value)}")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return int(_typed(value, int, "an integer"))


def _rounded(value: Any) -> int:
    """A number rounded to the nearest integer, ties upwards (Java's Math.round), as AWS rounds the
    arguments of States.MathAdd and States.MathRandom."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number: float = _typed(value, float, "a number")
    return math.floor(number + 0.5)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _string_to_json(values: Sequence[Any]) -> Any:
    _arity(values, 1)
    text = _typed(values[0], str, "a string")
    return None if not text.strip() else json.loads(text)  # AWS: a blank string is null


def _json_to_string(values: Sequence[Any]) -> str:
    _arity(values, 1)
    return json.dumps(values[0], separators=(",", ":"), ensure_ascii=False)


def _array_partition(values: Sequence[Any]) -> list[Any]:
    _arity(values, 2)
    items, size = _typed(values[0], list, "an array"), _integer(values[1])
    if size <= 0:
        raise ValueError("the chunk size must be positive")
    return [items[start : start + size] for start in range(0, len(items), size)]


def _array_range(values: Sequence[Any]) -> list[int]:
    _arity(values, 3)
    start, end, step = (_integer(value) for value in values)
    if step == 0:
        raise ValueError("the step must not be 0")
    result = list(range(start, end + (1 if step > 0 else -1), step))
    if len(result) > 1000:
        raise ValueError("the range would have more than 1000 items")
    return result


def _array_unique(values: Sequence[Any]) -> list[Any]:
    _arity(values, 1)
    seen: dict[str, Any] = {}
    for item in _typed(values[0], list, "an array"):
        seen.setdefault(_key(item), item)
    return list(seen.values())


def _hash(values: Sequence[Any]) -> str:
    _arity(values, 2)
    algorithms = {
        "MD5": "md5",
        "SHA-1": "sha1",
        "SHA-256": "sha256",
        "SHA-384": "sha384",
        "SHA-512": "sha512",
    }
    data = values[0] if isinstance(values[0], str) else _json_to_string(values[:1])
    algorithm = algorithms[_typed(values[1], str, "an algorithm name")]
    return hashlib.new(algorithm, data.encode(), usedforsecurity=False).hexdigest()


def _json_merge(values: Sequence[Any]) -> dict[str, Any]:
    _arity(values, 3)
    if values[2] is not False:
        raise ValueError("only shallow merging (false) is supported, as in AWS")
    return {**_typed(values[0], dict, "an object"), **_typed(values[1], dict, "an object")}


def _math_random(values: Sequence[Any]) -> int:
    _arity(values, 2, 3)
    start, end = _rounded(values[0]), _rounded(values[1])
    seed = _rounded(values[2]) if len(values) == 3 else None
    # Not for security: a workflow's own dice, reproducible when the definition gives a seed.
    return random.Random(seed).randrange(start, end)  # noqa: S311


def _math_add(values: Sequence[Any]) -> int:
    _arity(values, 2)
    return _rounded(values[0]) + _rounded(values[1])


def _string_split(values: Sequence[Any]) -> list[str]:
    _arity(values, 2)
    text, delimiters = _typed(values[0], str, "a string"), _typed(values[1], str, "a string")
    if not delimiters:
        return [text]
    return [piece for piece in re.split(f"[{re.escape(delimiters)}]", text) if piece]


def _array_get_item(values: Sequence[Any]) -> Any:
    _arity(values, 2)
    items, index = _typed(values[0], list, "an array"), _integer(values[1])
    if not 0 <= index < len(items):
        raise IndexError(f"index {index} is out of bounds")
    return items[index]


def _base64_encode(values: Sequence[Any]) -> str:
    _arity(values, 1)
    return base64.b64encode(_typed(values[0], str, "a string").encode()).decode()


def _base64_decode(values: Sequence[Any]) -> str:
    _arity(values, 1)
    return base64.b64decode(_typed(values[0], str, "a string"), validate=True).decode()


def _array_contains(values: Sequence[Any]) -> bool:
    _arity(values, 2)
    return any(_key(item) == _key(values[1]) for item in _typed(values[0], list, "an array"))


def _array_length(values: Sequence[Any]) -> int:
    _arity(values, 1)
    return len(_typed(values[0], list, "an array"))


def _uuid(values: Sequence[Any]) -> str:
    _arity(values, 0)
    return str(uuid.uuid4())


FUNCTIONS: dict[str, Callable[[Sequence[Any]], Any]] = {
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": list,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
