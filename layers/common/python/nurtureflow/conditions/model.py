"""Conditions of the workflow language: leaves, combinators, engagement, history and lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, model_validator

from nurtureflow.workflow.durations import Duration, parse_duration

Operator = Literal[
    "eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "starts_with", "exists", "within"
]
FIELD_PATTERN = (
    r"^(contact|event)\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"
    # A webhook step's answer (branches only): webhook.<step id>.status, .ok or .body.<path>.
    r"|^webhook\.[a-z0-9][a-z0-9_-]{0,63}\.(status|ok|body(\.[A-Za-z0-9_-]+)*)$"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Leaf(_Strict):
    field: Annotated[str, Field(pattern=FIELD_PATTERN)]
    op: Operator
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Leaf:
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"'{self.op}' compares with a list of values")
        if self.op == "exists" and not isinstance(self.value, bool):
            raise ValueError("'exists' takes true or false")
        if self.op == "within":
            if not isinstance(self.value, str):
                raise ValueError("'within' takes a duration such as P30D")
            parse_duration(self.value)
        return self


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Strict):
    not_: Condition = Field(alias="not")


MEASURES = ("opened", "clicked", "delivered", "bounced", "complained")


class Engagement(_Strict):
    """What became of the email this run sent at step ``email``: opened or clicked by the contact,
    delivered to, bounced by or complained of at the mailbox (SES's notifications)."""

    email: str
    opened: bool | None = None
    clicked: bool | None = None
    delivered: bool | None = None
    bounced: bool | None = None
    complained: bool | None = None

    @model_validator(mode="after")
    def _one_measure(self) -> Engagement:
        if sum(getattr(self, m) is not None for m in MEASURES) != 1:
            raise ValueError(
                "an email condition takes exactly one of 'opened', 'clicked', 'delivered', 'bounced' or "
                "'complained'"
            )
        return self

    @property
    def measure(self) -> tuple[str, bool]:
        """The measure tested and the answer wanted."""
        name = next(m for m in MEASURES if getattr(self, m) is not None)
        return name, bool(getattr(self, name))


class History(_Strict):
    event: str = Field(min_length=1)
    where: Condition | None = None
    within: Duration | None = None
    min_count: int = Field(default=1, ge=1)


class InList(_Strict):
    in_list: str = Field(min_length=1)


_KEYED_TAGS = {
    "all": "all",
    "any": "any",
    "not": "not",
    "email": "email",
    "event": "event",
    "in_list": "in_list",
}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        tag = {
            Leaf: "leaf",
            AllOf: "all",
            AnyOf: "any",
            NotOf: "not",
            Engagement: "email",
            History: "event",
            InList: "in_list",
        }.get(type(value))
        return None if tag is None else f"cond:{tag}"
    if not isinstance(value, dict):
        return None
    if "field" in value:
        return "cond:leaf"
    return next((f"cond:{tag}" for key, tag in _KEYED_TAGS.items() if key in value), None)


Condition = Annotated[
    Annotated[Leaf, Tag("cond:leaf")]
    | Annotated[AllOf, Tag("cond:all")]
    | Annotated[AnyOf, Tag("cond:any")]
    | Annotated[NotOf, Tag("cond:not")]
    | Annotated[Engagement, Tag("cond:email")]
    | Annotated[History, Tag("cond:event")]
    | Annotated[InList, Tag("cond:in_list")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is a leaf {field, op, value}, "
            "or has one of the keys all, any, not, email, event, in_list"
        ),
    ),
]

for _model in (AllOf, AnyOf, NotOf, History):
    _model.model_rebuild()


_ADAPTER: TypeAdapter[Condition] = TypeAdapter(Condition)


def leaf_fields(condition: Condition, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Every leaf's (JSON Pointer below ``pointer``, field) inside ``condition``."""
    if isinstance(condition, Leaf):
        yield pointer, condition.field
    elif isinstance(condition, AllOf | AnyOf):
        children = condition.all if isinstance(condition, AllOf) else condition.any
        key = "all" if isinstance(condition, AllOf) else "any"
        for i, child in enumerate(children):
            yield from leaf_fields(child, f"{pointer}/{key}/{i}")
    elif isinstance(condition, NotOf):
        yield from leaf_fields(condition.not_, f"{pointer}/not")


def reads_webhooks(condition: Condition) -> bool:
    """Whether the condition reads a webhook step's answer (``webhook.<step>.…``)."""
    return any(field.startswith("webhook.") for _, field in leaf_fields(condition))


def parse_condition(data: Any) -> Condition:
    """A condition from its JSON form (as stored in runs and compiled state machines)."""
    return _ADAPTER.validate_python(data)
