"""``nurtureflow simulate``: JSON for tools, a table for people, clear refusals naming the option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nurtureflow.cli import main

CART = Path(__file__).parents[3] / "catalog" / "cart-recovery"
BASE = [str(CART / "workflow.json"), "--templates", str(CART / "templates"), "--seed", "5"]


def test_json_prints_one_object_with_the_contract_keys(capsys: pytest.CaptureFixture[str]) -> None:
    main(["simulate", *BASE, "--contacts", "60", "--days", "3", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert {"contacts", "days", "steps", "emails", "transitions", "cost"} <= set(result)
    assert result["contacts"] == 60
    assert set(result["steps"]["reminder"]) >= {"entered", "sent", "skipped", "opened", "clicked", "exited"}
    assert set(result["cost"]) == {"usd", "total_usd", "usd_per_1000_contacts"}


def test_the_table_and_an_html_chart(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    chart = tmp_path / "funnel.html"
    main(["simulate", *BASE, "--contacts", "30", "--days", "2", "--chart", str(chart)])
    out = capsys.readouterr().out
    assert "reminder" in out
    assert "per 1,000 contacts" in out
    assert chart.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--contacts", "0"], "--contacts"),
        (["--open-rate", "0.1", "--click-rate", "0.2"], "--click-rate"),
        (["--chart", "funnel.svg"], "--chart"),
        (["--start", "2026-12-01T09:00:00"], "--start"),
    ],
)
def test_bad_options_are_refused_naming_them(
    extra: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["simulate", *BASE, *extra])
    assert stopped.value.code == 2
    assert named in capsys.readouterr().err


def test_an_invalid_workflow_or_template_names_the_file_and_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = json.loads((CART / "workflow.json").read_text())
    broken["steps"]["reminder"]["next"] = "nowhere"
    (tmp_path / "workflow.json").write_text(json.dumps(broken))
    with pytest.raises(SystemExit):
        main(["simulate", str(tmp_path / "workflow.json"), "--templates", str(CART / "templates")])
    assert "/steps/reminder/next" in capsys.readouterr().err
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "cart-reminder.json").write_text(json.dumps({"subject": "{{ oops", "html": "<p></p>"}))
    with pytest.raises(SystemExit):
        main(["simulate", str(CART / "workflow.json"), "--templates", str(templates)])
    assert "cart-reminder.json: subject" in capsys.readouterr().err
