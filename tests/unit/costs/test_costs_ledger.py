"""Ledger lines: costing usage by service, and the storage round trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from nurtureflow.costs.ledger import (
    LedgerEntry,
    PricedUsages,
    ServiceCosts,
    Usage,
    cost_usage,
    from_item,
    to_item,
)
from nurtureflow.costs.prices import load_price_table

PRICES = load_price_table()


def test_each_service_is_costed_from_its_own_usage() -> None:
    usage = Usage(
        emails=1,
        transitions=3,
        lambda_requests=2,
        lambda_gb_seconds=Decimal("0.5"),
        dynamodb_write_units=6,
        dynamodb_read_units=2,
        apigateway_requests=1,
    )
    usd = cost_usage(usage, PRICES)
    assert usd.ses == Decimal("0.0001")
    assert usd.stepfunctions == Decimal("0.000075")
    assert usd.lambda_ == Decimal("0.0000004") + Decimal("0.0000066667")
    assert usd.dynamodb == Decimal("0.00000375") + Decimal("0.00000025")
    assert usd.apigateway == Decimal("0.0000035")
    assert usd.total == usd.ses + usd.stepfunctions + usd.lambda_ + usd.dynamodb + usd.apigateway


def test_lambda_duration_is_priced_by_architecture() -> None:
    usage = Usage(lambda_gb_seconds=Decimal(1))
    assert cost_usage(usage, PRICES).lambda_ == Decimal("0.0000133334")
    assert cost_usage(usage, PRICES, architecture="x86_64").lambda_ == Decimal("0.0000166667")


def test_no_usage_costs_nothing() -> None:
    assert cost_usage(Usage(), PRICES).total == 0


def entry() -> LedgerEntry:
    usage = Usage(
        emails=1, lambda_gb_seconds=Decimal("0.0125"), dynamodb_write_units=6, dynamodb_read_units=2
    )
    return LedgerEntry(
        entry_id="s_1",
        day=date(2026, 11, 23),
        kind="send",
        workflow="cart-recovery",
        template="cart-1",
        usage=usage,
        usd=cost_usage(usage, PRICES),
    )


def test_storage_item_keeps_decimals_and_an_iso_day_and_calls_lambda_lambda() -> None:
    item = to_item(entry())
    assert item["day"] == "2026-11-23"
    assert item["usd"]["lambda"] == entry().usd.lambda_
    assert "lambda_" not in item["usd"]
    assert all(isinstance(value, Decimal) for value in item["usd"].values())
    assert not any(isinstance(value, float) for value in item["usage"].values())


def test_storage_round_trip_gives_the_same_entry() -> None:
    assert from_item(to_item(entry())) == entry()


def test_entry_reads_back_from_dynamodb_numbers_and_ignores_storage_keys() -> None:
    item = to_item(entry())
    item["usage"] = {key: Decimal(value) for key, value in item["usage"].items()}  # DynamoDB answers Decimals
    item.update(pk="2026-11-23", sk="s_1", expires_at=Decimal(1900000000))
    assert from_item(item) == entry()


def test_entry_without_template_stores_none_and_reads_back() -> None:
    run = entry().model_copy(update={"kind": "run", "template": None})
    item = to_item(run)
    assert "template" not in item
    assert from_item(item).template is None


def test_service_costs_add_up_by_service() -> None:
    a = ServiceCosts(ses=Decimal("0.1"), lambda_=Decimal("0.2"))
    b = ServiceCosts(ses=Decimal("0.3"), apigateway=Decimal("0.4"))
    assert a + b == ServiceCosts(ses=Decimal("0.4"), lambda_=Decimal("0.2"), apigateway=Decimal("0.4"))


def test_priced_usages_answer_what_cost_usage_answers_and_stay_bounded() -> None:
    priced = PricedUsages(PRICES, limit=3)
    usages = [
        Usage(emails=1, lambda_gb_seconds=Decimal(ms) / 1000, dynamodb_write_units=5, attachment_bytes=size)
        for ms in (1, 120, 121, 7_000)
        for size in (0, 1_048_576)
    ]
    for usage in usages * 2:  # every usage twice, through evictions
        assert priced(usage) == cost_usage(usage, PRICES)
    assert len(priced._priced) <= 3
