"""The price table: packaged defaults, the reference's own example, operator overrides and errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nurtureflow.costs.ledger import Usage, cost_usage
from nurtureflow.costs.prices import PriceTableError, load_price_table

PACKAGED = Path(__file__).resolve().parents[3] / "layers/common/python/nurtureflow/costs/prices.json"


def packaged_data() -> dict[str, Any]:
    return json.loads(PACKAGED.read_text())  # type: ignore[no-any-return]


def write(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_packaged_table_holds_the_reference_prices_as_decimals() -> None:
    prices = load_price_table()
    assert prices.ses_plan == "PAYG"
    assert prices.ses_price.usd == Decimal("0.10")
    assert prices.ses["ESSENTIALS"].usd == Decimal("0.16")
    assert prices.stepfunctions_transition.usd == Decimal("0.025")
    assert prices.lambda_request.usd == Decimal("0.20")
    assert prices.lambda_gb_second["x86_64"].usd == Decimal("0.0000166667")
    assert prices.lambda_gb_second["arm64"].usd == Decimal("0.0000133334")
    assert prices.dynamodb_write_unit.usd == Decimal("0.625")
    assert prices.dynamodb_read_unit.usd == Decimal("0.125")
    assert prices.apigateway_request["REST"].usd == Decimal("3.50")
    assert prices.apigateway_request["HTTP"].usd == Decimal("1.00")
    assert prices.scheduler_invocation.usd == Decimal("1.00")


def test_unconfirmed_prices_are_flagged() -> None:
    prices = load_price_table()
    assert not prices.ses["ESSENTIALS"].confirmed
    assert not prices.lambda_gb_second["arm64"].confirmed
    assert not prices.dynamodb_write_unit.confirmed
    assert prices.ses["PAYG"].confirmed
    assert all(entry.source for entry in prices.ses.values())


def test_a_four_email_drip_for_1000_contacts_costs_what_the_reference_says() -> None:
    usd = cost_usage(Usage(emails=4000, transitions=12000), load_price_table())
    assert usd.ses == Decimal("0.40")
    assert usd.stepfunctions == Decimal("0.30")


def test_the_operator_can_pick_the_essentials_plan(tmp_path: Path) -> None:
    prices = load_price_table(write(tmp_path, {**packaged_data(), "ses_plan": "ESSENTIALS"}))
    assert cost_usage(Usage(emails=4000), prices).ses == Decimal("0.64")


def test_a_plan_without_a_price_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(PriceTableError, match="ses_plan 'PRO' has no price"):
        load_price_table(write(tmp_path, {**packaged_data(), "ses_plan": "PRO"}))


def test_validation_errors_name_the_field(tmp_path: Path) -> None:
    data = packaged_data()
    data["dynamodb_read_unit"]["usd"] = -1
    del data["lambda_request"]["source"]
    with pytest.raises(PriceTableError) as caught:
        load_price_table(write(tmp_path, data))
    message = str(caught.value)
    assert "dynamodb_read_unit.usd" in message
    assert "lambda_request.source" in message


def test_a_missing_file_and_bad_json_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(PriceTableError, match="cannot be read"):
        load_price_table(str(tmp_path / "nowhere.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    with pytest.raises(PriceTableError, match="not JSON"):
        load_price_table(str(broken))


def test_prices_in_the_file_are_read_exactly_not_as_floats(tmp_path: Path) -> None:
    text = PACKAGED.read_text().replace('"usd": 0.0000133334', '"usd": 0.1000000000000000055511151231257827')
    path = tmp_path / "exact.json"
    path.write_text(text)
    prices = load_price_table(str(path))
    assert prices.lambda_gb_second["arm64"].usd == Decimal("0.1000000000000000055511151231257827")


def test_the_table_names_its_region_and_when_its_prices_were_taken(tmp_path: Path) -> None:
    prices = load_price_table()
    assert (prices.region, prices.checked) == ("us-east-1", "2026-11")
    assert (
        load_price_table(write(tmp_path, {**packaged_data(), "checked": "2026-11-23"})).checked
        == "2026-11-23"
    )
    for field, wrong in (("checked", "last week"), ("checked", "2026-13"), ("region", "Virginia")):
        with pytest.raises(PriceTableError, match=field):
            load_price_table(write(tmp_path, {**packaged_data(), field: wrong}))


def test_a_table_without_the_attachment_price_is_refused(tmp_path: Path) -> None:
    data = packaged_data()
    del data["ses_attachment_gb"]
    with pytest.raises(PriceTableError, match="ses_attachment_gb"):
        load_price_table(write(tmp_path, data))
