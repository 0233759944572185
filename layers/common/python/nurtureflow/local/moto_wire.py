"""moto's DynamoDB wire format at the local stack's sizes: item values read and written as they are.

moto (5.x) turns every request body into parameters, and every answer into its body, by walking the
service model: each DynamoDB ``AttributeValue`` is a structure of ten members, and for each member
the response serializer asks five alias rules where the value might be. Reading a contact or a run
(a few dozen attributes, some nested) spent more time there than in everything else moto does for a
GetItem, and the local stack's day was mostly such calls.

An ``AttributeValue`` holding a string (``S``, ``N``), a boolean (``BOOL``, ``NULL``), a list or
map of such values (``L``, ``M``) or a set of strings (``SS``, ``NS``) comes out of moto's walk
exactly as it went in, so it is now copied as it is. Anything else (binary values, which moto
decodes and encodes, a value of the wrong type, a value with more than one member) takes moto's own
walk and gets moto's own answer. ``tests/unit/local_moto/test_moto_wire.py`` compares the two on
generated items. Local only: nothing deployed uses this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.parse import JSONParser
from moto.core.serialize import JSONSerializer

_ATTRIBUTE_VALUE = "AttributeValue"
_SERVICES = {"dynamodb", "dynamodbstreams"}


def plain(value: Any) -> Any:
    """``value`` copied when it is an AttributeValue of the plain kinds; None when it is not."""
    if type(value) is not dict or len(value) != 1:
        return None
    ((kind, inner),) = value.items()
    if kind in ("S", "N"):
        return {kind: inner} if type(inner) is str else None
    if kind in ("BOOL", "NULL"):
        return {kind: inner} if type(inner) is bool else None
    if kind in ("SS", "NS"):
        return {kind: list(inner)} if type(inner) is list and all(type(s) is str for s in inner) else None
    copied = _plain_map(inner) if kind == "M" else _plain_list(inner) if kind == "L" else None
    return None if copied is None else {kind: copied}


def _plain_map(inner: Any) -> dict[str, Any] | None:
    if type(inner) is not dict:
        return None
    members = {}
    for name, member in inner.items():
        copied = plain(member)
        if copied is None or type(name) is not str or not name:
            return None  # an empty name: moto's walk writes such a member in an odd place; keep it
        members[name] = copied
    return members


def _plain_list(inner: Any) -> list[Any] | None:
    if type(inner) is not list:
        return None
    items = []
    for member in inner:
        copied = plain(member)
        if copied is None:
            return None
        items.append(copied)
    return items


# moto's own walks, kept for ``moto_walk()`` and for everything the copies do not cover.
_moto_parse = JSONParser._parse_structure
_moto_serialize = JSONSerializer._serialize_type_structure


def _parse(self: Any, shape: Any, value: Any) -> Any:
    if shape.name == _ATTRIBUTE_VALUE and _dynamodb(self.operation_model):
        copied = plain(value)
        if copied is not None:
            return copied
    return _moto_parse(self, shape, value)  # type: ignore[no-untyped-call]  # moto's parser is untyped


def _serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
    if key and shape.name == _ATTRIBUTE_VALUE and _dynamodb(self.operation_model):
        copied = plain(value)
        if copied is not None:
            self._default_serialize(serialized, copied, shape, key)
            return
    _moto_serialize(self, serialized, value, shape, key)


def install() -> None:
    """Patch moto's JSON parser and serializer in this process (idempotent)."""
    JSONParser._parse_structure = _parse  # type: ignore[method-assign]
    JSONSerializer._serialize_type_structure = _serialize  # type: ignore[method-assign]


@contextmanager
def moto_walk() -> Iterator[None]:
    """Inside: moto's own walks, as if never installed (to compare, and for benchmarks' baselines)."""
    parse, serialize = JSONParser._parse_structure, JSONSerializer._serialize_type_structure
    JSONParser._parse_structure = _moto_parse  # type: ignore[method-assign]
    JSONSerializer._serialize_type_structure = _moto_serialize  # type: ignore[method-assign]
    try:
        yield
    finally:
        JSONParser._parse_structure = parse  # type: ignore[method-assign]
        JSONSerializer._serialize_type_structure = serialize  # type: ignore[method-assign]


def _dynamodb(operation_model: Any) -> bool:
    return operation_model.service_model.service_name in _SERVICES
