"""The cost ledger: one line per costed thing (a send, a run, a tracking hit) with its usage and price.

Costs are computed when the line is written, at the prices of that day, and stored unrounded as
``Decimal`` so that a later change of the price table never rewrites history. ``to_item`` and
``from_item`` shape a line for storage (DynamoDB numbers are Decimals; days are ISO strings).

Every dollar figure (and a line's Lambda GB-seconds) is held to ``USD_QUANTUM`` (10^-15). The
packaged prices cost a send exactly at that scale; a price that divides without end (a GB is 2^30
bytes) is rounded there once, when the line is made, so the line and the rollups DynamoDB sums from
it (38 significant digits at most) hold the same exact numbers and add up to the same totals.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nurtureflow.costs.prices import Architecture, PriceTable

EntryKind = Literal["send", "run", "tracking"]
ZERO = Decimal(0)
USD_QUANTUM = Decimal("1e-15")


# DynamoDB's precision: a large sum still quantizes exactly. A context of its own rather than
# ``localcontext()`` per value, which was a tenth of a forecast's costing.
_PRECISE = Context(prec=38, rounding=ROUND_HALF_EVEN)


def _quantized(value: Decimal) -> Decimal:
    return value.quantize(USD_QUANTUM, context=_PRECISE)


class Usage(BaseModel):
    """What one costed thing consumed, in the units AWS bills."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    emails: int = Field(default=0, ge=0)
    transitions: int = Field(default=0, ge=0)
    lambda_requests: int = Field(default=0, ge=0)
    lambda_gb_seconds: Decimal = Field(default=ZERO, ge=0)
    dynamodb_write_units: int = Field(default=0, ge=0)
    dynamodb_read_units: int = Field(default=0, ge=0)
    apigateway_requests: int = Field(default=0, ge=0)
    attachment_bytes: int = Field(default=0, ge=0)  # SES bills attachments by the GB

    @field_validator("lambda_gb_seconds", mode="after")
    @classmethod
    def _to_quantum(cls, value: Decimal) -> Decimal:
        return _quantized(value)


class ServiceCosts(BaseModel):
    """US dollars by AWS service; ``lambda_`` is ``lambda`` outside Python."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    ses: Decimal = ZERO
    stepfunctions: Decimal = ZERO
    lambda_: Decimal = Field(default=ZERO, alias="lambda")
    dynamodb: Decimal = ZERO
    apigateway: Decimal = ZERO

    @field_validator("ses", "stepfunctions", "lambda_", "dynamodb", "apigateway", mode="after")
    @classmethod
    def _to_quantum(cls, value: Decimal) -> Decimal:
        return _quantized(value)

    @property
    def total(self) -> Decimal:
        return self.ses + self.stepfunctions + self.lambda_ + self.dynamodb + self.apigateway

    def __add__(self, other: ServiceCosts) -> ServiceCosts:
        return ServiceCosts(
            ses=self.ses + other.ses,
            stepfunctions=self.stepfunctions + other.stepfunctions,
            lambda_=self.lambda_ + other.lambda_,
            dynamodb=self.dynamodb + other.dynamodb,
            apigateway=self.apigateway + other.apigateway,
        )


class LedgerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_id: str = Field(min_length=1)
    day: date
    kind: EntryKind
    workflow: str
    template: str | None = None  # runs and tracking hits of non-email steps have none
    usage: Usage
    usd: ServiceCosts


def cost_usage(usage: Usage, prices: PriceTable, architecture: Architecture = "arm64") -> ServiceCosts:
    """What ``usage`` costs at ``prices``, by service, unrounded."""
    return ServiceCosts(
        ses=prices.ses_price.cost(usage.emails) + prices.ses_attachment_gb.cost(usage.attachment_bytes),
        stepfunctions=prices.stepfunctions_transition.cost(usage.transitions),
        lambda_=prices.lambda_request.cost(usage.lambda_requests)
        + prices.lambda_gb_second[architecture].cost(usage.lambda_gb_seconds),
        dynamodb=prices.dynamodb_write_unit.cost(usage.dynamodb_write_units)
        + prices.dynamodb_read_unit.cost(usage.dynamodb_read_units),
        apigateway=prices.apigateway_request[prices.apigateway_type].cost(usage.apigateway_requests),
    )


class PricedUsages:
    """``cost_usage`` at one price table, each distinct usage priced once: a warm function's sends
    and tracking hits use the same few amounts (the same reads and writes, the billed milliseconds),
    and a forecast prices hundreds of thousands of them."""

    def __init__(self, prices: PriceTable, limit: int = 1024) -> None:
        self.prices, self._limit = prices, limit
        self._priced: dict[Usage, ServiceCosts] = {}

    def __call__(self, usage: Usage) -> ServiceCosts:
        if (priced := self._priced.get(usage)) is None:
            if len(self._priced) >= self._limit:
                self._priced.clear()
            priced = self._priced[usage] = cost_usage(usage, self.prices)
        return priced


def to_item(entry: LedgerEntry) -> dict[str, Any]:
    """The entry as a storage item: Decimals and ints stay numbers, the day an ISO string."""
    item = entry.model_dump(mode="python", by_alias=True, exclude_none=True)
    item["day"] = entry.day.isoformat()
    return item


def from_item(item: dict[str, Any]) -> LedgerEntry:
    """The entry a storage item holds (numbers may come back as Decimals, as DynamoDB answers).

    Attributes that only storage knows (keys, a TTL) are ignored.
    """
    return LedgerEntry.model_validate({k: v for k, v in item.items() if k in LedgerEntry.model_fields})
