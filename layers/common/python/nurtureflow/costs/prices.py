"""The price table: AWS prices as data the operator can change, never as constants in code.

The packaged ``prices.json`` holds the us-east-1 prices of November 2026: the table names its
``region`` and the month (or day) its prices were taken (``checked``), and each entry says where it
came from and whether it was confirmed on AWS's own page. An operator replaces the whole table with
a file of the same shape (``NURTUREFLOW_PRICE_TABLE_PATH``), for instance to pick the SES plan.
Free tiers are ignored on purpose: the ledger costs each send at the marginal price.
Money is ``decimal.Decimal`` throughout; numbers in the file are read as decimals, never floats.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Architecture = Literal["x86_64", "arm64"]
ApiType = Literal["REST", "HTTP"]


class PriceTableError(ValueError):
    """A price table that cannot be read or does not have the expected shape."""


class Price(BaseModel):
    """``usd`` dollars for every ``per`` units of ``unit``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit: str = Field(min_length=1)
    per: int = Field(default=1, gt=0)
    usd: Decimal = Field(ge=0)
    source: str = Field(min_length=1)
    confirmed: bool

    def cost(self, quantity: int | Decimal) -> Decimal:
        """The price of ``quantity`` units, unrounded."""
        return self.usd * Decimal(quantity) / self.per


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: Literal["USD"]
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")  # e.g. us-east-1
    # When the figures were taken from AWS's pages: a month (2026-11) or a day (2026-11-23).
    checked: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
    ses_plan: str  # a key of ``ses``: the plan the account is on
    apigateway_type: ApiType  # the kind of API serving the tracking routes
    ses: dict[str, Price]
    ses_attachment_gb: Price  # per byte count: ``per`` is the bytes of a GB
    stepfunctions_transition: Price
    lambda_request: Price
    lambda_gb_second: dict[Architecture, Price]
    dynamodb_write_unit: Price
    dynamodb_read_unit: Price
    apigateway_request: dict[ApiType, Price]
    scheduler_invocation: Price

    @model_validator(mode="after")
    def _complete(self) -> PriceTable:
        if self.ses_plan not in self.ses:
            priced = ", ".join(self.ses)
            raise ValueError(f"ses_plan '{self.ses_plan}' has no price in 'ses' (priced: {priced})")
        if self.apigateway_type not in self.apigateway_request:
            raise ValueError(f"apigateway_type '{self.apigateway_type}' has no price in 'apigateway_request'")
        missing = {"x86_64", "arm64"} - set(self.lambda_gb_second)
        if missing:
            raise ValueError(f"lambda_gb_second lacks {', '.join(sorted(missing))}")
        return self

    @property
    def ses_price(self) -> Price:
        """The per-recipient price of the plan the account is on."""
        return self.ses[self.ses_plan]


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(the table)"
        lines.append(f"{where}: {item['msg']}")
    return "; ".join(lines)


def parse_price_table(text: str, origin: str = "price table") -> PriceTable:
    """A price table from JSON text; ``PriceTableError`` says which fields are wrong."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PriceTableError(f"{origin} is not JSON: {exc.msg} at line {exc.lineno}") from None
    try:
        return PriceTable.model_validate(data)
    except ValidationError as exc:
        raise PriceTableError(f"{origin} is invalid: {_describe(exc)}") from None


@cache
def _packaged() -> PriceTable:
    text = resources.files("nurtureflow.costs").joinpath("prices.json").read_text(encoding="utf-8")
    return parse_price_table(text, "the packaged price table")


def load_price_table(path: str | None = None) -> PriceTable:
    """The table at ``path``, or the packaged defaults when ``path`` is None."""
    if path is None:
        return _packaged()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PriceTableError(f"the price table '{path}' cannot be read: {exc.strerror}") from None
    return parse_price_table(text, f"the price table '{path}'")
