"""Building DynamoDB update expressions with placeholders for every name and value."""

from __future__ import annotations

from typing import Any

from nurtureflow.store.items import to_dynamo


class UpdateBuilder:
    """``SET``/``ADD`` clauses whose attribute names and values never reach the expression text.

    Placeholders are ``#u…``/``:u…``: boto3's condition builder uses ``#n…``/``:v…`` beside them.
    """

    def __init__(self) -> None:
        self._sets: list[str] = []
        self._adds: list[str] = []
        self._removes: list[str] = []
        self._names: dict[str, str] = {}
        self._values: dict[str, Any] = {}

    def _name(self, attribute: str) -> str:
        placeholder = f"#u{len(self._names)}"
        self._names[placeholder] = attribute
        return placeholder

    def _value(self, value: Any) -> str:
        placeholder = f":u{len(self._values)}"
        self._values[placeholder] = value
        return placeholder

    def set(
        self, attribute: str, value: Any, *, under: str | None = None, if_absent: bool = False
    ) -> UpdateBuilder:
        """Set ``attribute`` (inside the map ``under`` when given); ``if_absent`` keeps a present value."""
        target = self._name(attribute) if under is None else f"{self._name(under)}.{self._name(attribute)}"
        placeholder = self._value(value)
        self._sets.append(
            f"{target} = if_not_exists({target}, {placeholder})" if if_absent else f"{target} = {placeholder}"
        )
        return self

    def set_all(self, fields: dict[str, Any], *, under: str | None = None) -> UpdateBuilder:
        for attribute, value in fields.items():
            self.set(attribute, value, under=under)
        return self

    def remove(self, attribute: str, *, under: str | None = None) -> UpdateBuilder:
        """Remove ``attribute`` (inside the map ``under`` when given)."""
        target = self._name(attribute) if under is None else f"{self._name(under)}.{self._name(attribute)}"
        self._removes.append(target)
        return self

    def add(self, attribute: str, amount: int) -> UpdateBuilder:
        self._adds.append(f"{self._name(attribute)} {self._value(amount)}")
        return self

    def kwargs(self) -> dict[str, Any]:
        """The ``update_item`` arguments: expression, names and values."""
        clauses = []
        if self._sets:
            clauses.append("SET " + ", ".join(self._sets))
        if self._adds:
            clauses.append("ADD " + ", ".join(self._adds))
        if self._removes:
            clauses.append("REMOVE " + ", ".join(self._removes))
        return {
            "UpdateExpression": " ".join(clauses),
            "ExpressionAttributeNames": self._names,
            "ExpressionAttributeValues": to_dynamo(self._values),
        }
