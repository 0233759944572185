"""The forecast's presentation: the terminal report, the progress bar, and the funnel chart."""

from __future__ import annotations

import copy
import io
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from nurtureflow.simulation.chart import (
    PLOT_HEIGHT,
    PNG_DPI,
    PNG_SIZE_INCHES,
    SERIES,
    axis_scale,
    funnel_html,
    png_figure,
    write_chart,
)
from nurtureflow.simulation.present import progress, render_table, usd

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script>"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _step(type_: str, entered: int, sent: int = 0, reasons: dict[str, int] | None = None, **counts: int):
    reasons = reasons or {}
    return {
        "type": type_,
        "entered": entered,
        "sent": sent,
        "skipped": sum(reasons.values()),
        "skipped_by_reason": reasons,
        "opened": counts.get("opened", 0),
        "clicked": counts.get("clicked", 0),
        "exited": counts.get("exited", 0),
    }


def make_result(**overrides: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "workflow": "cart-recovery",
        "name": "Abandoned cart recovery",
        "contacts": 20000,
        "days": 30,
        "seed": 1,
        "rates": {"open": 0.3, "click": 0.05, "goal": 0.1},
        "steps": {
            "wait-1h": _step("wait", 20000, exited=12),
            "reminder": _step(
                "email",
                19988,
                19000,
                {"capped": 900, "unsubscribed": 88},
                opened=5700,
                clicked=950,
                exited=40,
            ),
            "bought?": _step("branch", 19948),
            "discount": _step("email", 12000, 12000, opened=3600, clicked=600, exited=1900),
        },
        "emails": 31000,
        "transitions": 210000,
        "cost": {
            "usd": {
                "ses": 3.1,
                "stepfunctions": 5.25,
                "lambda": 0.05,
                "dynamodb": 0.000461,
                "apigateway": 0.02,
            },
            "total_usd": 8.420461,
            "usd_per_1000_contacts": 0.421023,
        },
    }
    result.update(overrides)
    return result


def _row(table: str, first_cell: str) -> list[str]:
    """The cells of the table line that starts with ``first_cell`` (columns are 2+ spaces apart)."""
    (line,) = [line for line in table.splitlines() if line.strip().startswith(first_cell + " ")]
    return [cell.strip() for cell in line.strip().split("  ") if cell.strip()]


# The terminal report


def test_the_header_names_the_workflow_its_size_and_the_rates() -> None:
    first_line = render_table(make_result(), width=160).splitlines()[0]

    assert first_line == (
        "Abandoned cart recovery (cart-recovery) · 20,000 contacts · 30 days · seed 1 · "
        "rates: open 30%, click 5%, goal 10%"
    )


def test_each_step_has_a_row_in_workflow_order_with_its_numbers_and_rates_over_sent() -> None:
    table = render_table(make_result(), width=160)

    assert _row(table, "reminder") == [
        "reminder",
        "email",
        "19,988",
        "19,000",
        "988 (capped 900, unsubscribed 88)",
        "5,700 (30.0%)",
        "950 (5.0%)",
        "40",
    ]
    assert _row(table, "discount") == [
        "discount",
        "email",
        "12,000",
        "12,000",
        "0",
        "3,600 (30.0%)",
        "600 (5.0%)",
        "1,900",
    ]
    positions = [table.index(f" {step_id} ") for step_id in ("wait-1h", "reminder", "bought?", "discount")]
    assert positions == sorted(positions)


def test_steps_that_send_nothing_show_dashes_instead_of_email_figures() -> None:
    table = render_table(make_result(), width=160)

    assert _row(table, "wait-1h") == ["wait-1h", "wait", "20,000", "-", "-", "-", "-", "12"]
    assert _row(table, "bought?") == ["bought?", "branch", "19,948", "-", "-", "-", "-", "0"]


def test_an_email_step_that_sent_nothing_has_no_rate_rather_than_a_division_by_zero() -> None:
    steps = {"all-capped": _step("email", 10, 0, {"capped": 10})}

    table = render_table(make_result(steps=steps), width=160)

    assert _row(table, "all-capped") == [
        "all-capped",
        "email",
        "10",
        "0",
        "10 (capped 10)",
        "0 (-)",
        "0 (-)",
        "0",
    ]


def test_the_totals_and_the_cost_forecast_by_service() -> None:
    table = render_table(make_result(), width=160)

    assert "Emails sent: 31,000 · State transitions: 210,000" in table
    assert _row(table, "SES") == ["SES", "$3.10"]
    assert _row(table, "Step Functions") == ["Step Functions", "$5.25"]
    assert _row(table, "Lambda") == ["Lambda", "$0.05"]
    assert _row(table, "DynamoDB") == ["DynamoDB", "$0.000461"]
    assert _row(table, "API Gateway") == ["API Gateway", "$0.02"]
    assert _row(table, "Total") == ["Total", "$8.42"]
    assert "$0.421 per 1,000 contacts (total $8.42 for 20,000)" in table


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "$0.00"),
        (8.62, "$8.62"),
        (1234.5, "$1,234.50"),
        (0.431, "$0.431"),
        (0.05, "$0.05"),
        (0.000461, "$0.000461"),
        (0.0000012345, "$0.00000123"),
    ],
)
def test_dollars_keep_three_significant_digits_below_a_dollar(value: float, text: str) -> None:
    assert usd(value) == text


def test_markup_in_user_text_is_printed_as_typed() -> None:
    steps = {"[bold]promo[/bold]": _step("email", 5, 5), "[/]": _step("wait", 5)}

    table = render_table(make_result(name="[red]Sale[/]", workflow="[/]", steps=steps), width=160)

    assert table.startswith("[red]Sale[/] ([/]) ·")
    assert _row(table, "[bold]promo[/bold]")[:3] == ["[bold]promo[/bold]", "email", "5"]
    assert _row(table, "[/]")[:3] == ["[/]", "wait", "5"]


def test_the_text_is_plain_and_fits_the_width_asked_for() -> None:
    table = render_table(make_result(), width=72)

    assert "\x1b" not in table
    assert max(len(line) for line in table.splitlines()) <= 72
    assert all(line == line.rstrip() for line in table.splitlines())


# The progress bar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_disabled(capsys: pytest.CaptureFixture[str]) -> None:
    terminal = FakeTerminal()

    with progress(100, "walking contacts", enabled=False, stream=terminal) as update:
        update(50)
        update(100)
    with progress(100, "walking contacts", enabled=False) as update:
        update(100)

    assert terminal.getvalue() == ""
    assert capsys.readouterr() == ("", "")


def test_progress_is_silent_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    pipe = io.StringIO()

    with progress(100, "walking contacts", stream=pipe) as update:
        update(100)
    with progress(100, "walking contacts") as update:  # stderr, captured by pytest: not a terminal
        update(100)

    assert pipe.getvalue() == ""
    assert capsys.readouterr() == ("", "")


def test_progress_draws_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")  # rich draws no live bar on a dumb terminal
    monkeypatch.delenv("TTY_INTERACTIVE", raising=False)
    terminal = FakeTerminal()

    with progress(200, "walking [b]contacts[/b]", stream=terminal) as update:
        update(200)

    assert "walking [b]contacts[/b]" in terminal.getvalue()
    assert "100%" in terminal.getvalue()


# The chart


def _svg_groups(page: str) -> list[ET.Element]:
    root = ET.fromstring(page)
    (svg,) = root.iter(f"{SVG}svg")
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == "step"]


def test_the_html_page_is_well_formed_and_self_contained(tmp_path: Path) -> None:
    path = tmp_path / "funnel.html"

    write_chart(make_result(), path)

    page = path.read_text(encoding="utf-8")
    root = ET.fromstring(page)
    assert root.tag == "html"
    assert root.findtext("head/title") == "Forecast: Abandoned cart recovery"
    assert root.findtext("body/p") == (
        "cart-recovery · 20,000 contacts · 30 days · rates: open 30%, click 5%, goal 10% · 31,000 emails · "
        "forecast cost $8.42 ($0.421 per 1,000 contacts)"
    )
    assert len(list(root.iter(f"{SVG}svg"))) == 1
    assert not [element for element in root.iter() if element.tag in ("script", "link", "img", "iframe")]
    assert "src=" not in page
    assert "href=" not in page


def test_hostile_step_ids_and_names_are_escaped() -> None:
    hostile_step = f'{HOSTILE}" onload="x'
    steps = {hostile_step: _step("email", 10, 10, opened=3)}

    page = funnel_html(make_result(name=HOSTILE, workflow=f"&{HOSTILE}", steps=steps))

    assert "<script" not in page
    root = ET.fromstring(page)  # would fail on an unescaped quote or tag
    assert not list(root.iter("script"))
    assert root.findtext("head/title") == f"Forecast: {HOSTILE}"
    assert root.findtext("body/h1") == f"Forecast: {HOSTILE}"
    assert f"&{HOSTILE}" in (root.findtext("body/p") or "")
    (group,) = _svg_groups(page)
    assert group.get("data-step") == hostile_step
    assert group.get("onload") is None
    assert all(rect.get("onload") is None for rect in group.iter(f"{SVG}rect"))


def test_one_bar_group_per_step_in_order_with_a_bar_per_figure() -> None:
    result = make_result()

    groups = _svg_groups(funnel_html(result))

    assert [g.get("data-step") for g in groups] == list(result["steps"])
    for group, step in zip(groups, result["steps"].values(), strict=True):
        bars = list(group.iter(f"{SVG}rect"))
        assert [bar.get("data-series") for bar in bars] == [key for key, _, _ in SERIES]
        assert [int(bar.get("data-count", "")) for bar in bars] == [step[key] for key, _, _ in SERIES]


def test_bar_heights_are_proportional_to_counts_on_a_shared_baseline() -> None:
    bars = [bar for group in _svg_groups(funnel_html(make_result())) for bar in group.iter(f"{SVG}rect")]

    heights = {int(bar.get("data-count", "")): float(bar.get("height", "")) for bar in bars}
    bottoms = {round(float(bar.get("y", "")) + float(bar.get("height", "")), 2) for bar in bars}
    per_contact = heights[20000] / 20000
    for count, height in heights.items():
        assert height == pytest.approx(count * per_contact, abs=0.01)
    assert heights[0] == 0
    assert len(bottoms) == 1
    assert heights[20000] <= PLOT_HEIGHT


@pytest.mark.parametrize(
    ("largest", "scale"),
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (7, (8, 2)),
        (19988, (20000, 5000)),
        (20000, (20000, 5000)),
        (20001, (25000, 5000)),
    ],
)
def test_the_axis_ends_on_a_round_tick_at_or_above_the_largest_count(
    largest: int, scale: tuple[int, int]
) -> None:
    assert axis_scale(largest) == scale


def test_a_workflow_with_no_counts_still_draws(tmp_path: Path) -> None:
    result = make_result(steps={"only": _step("wait", 0)})

    (group,) = _svg_groups(funnel_html(result))

    assert {float(bar.get("height", "")) for bar in group.iter(f"{SVG}rect")} == {0.0}


def test_html_needs_no_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    path = tmp_path / "funnel.HTML"

    write_chart(make_result(), path)

    assert len(_svg_groups(path.read_text(encoding="utf-8"))) == 4
    with pytest.raises(ImportError, match=r"nurtureflow\[cli\]"):
        write_chart(make_result(), tmp_path / "funnel.png")


def test_the_png_is_a_png_of_the_expected_size(tmp_path: Path) -> None:
    path = tmp_path / "funnel.png"

    write_chart(make_result(), path)

    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (PNG_SIZE_INCHES[0] * PNG_DPI, PNG_SIZE_INCHES[1] * PNG_DPI) == (1200, 600)


def test_dollar_signs_in_user_text_are_not_read_as_mathtext(tmp_path: Path) -> None:
    # Unescaped, matplotlib would fail on the unknown command between the dollars.
    result = make_result(name=r"Save $\bogus$ now", steps={r"$\notacommand$ off": _step("email", 5, 5)})
    path = tmp_path / "funnel.png"

    write_chart(result, path)

    assert path.read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("name", ["funnel.svg", "funnel.txt", "funnel"])
def test_an_unknown_suffix_is_refused_naming_the_supported_ones(tmp_path: Path, name: str) -> None:
    path = tmp_path / name

    with pytest.raises(ValueError, match=r"supported suffixes are \.html, \.png") as raised:
        write_chart(make_result(), path)

    assert (path.suffix or "(no suffix)") in str(raised.value)
    assert not path.exists()


# Optional dependencies


def test_importing_the_modules_loads_neither_rich_nor_matplotlib() -> None:
    code = (
        "import sys, nurtureflow.simulation.present, nurtureflow.simulation.chart; "
        "print(sorted(m for m in ('rich', 'matplotlib') if m in sys.modules))"
    )

    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert loaded.strip() == "[]"


def test_without_rich_the_report_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)

    with pytest.raises(ImportError, match=r"pip install 'nurtureflow\[cli\]'"):
        render_table(make_result())


def test_the_result_is_not_modified() -> None:
    result = make_result()
    before = copy.deepcopy(result)

    render_table(result)
    funnel_html(result)

    assert result == before


_ONE_UNREACHED = {
    "check": _step("branch", 100),
    "vip-offer": _step("email", 0),
    "others": _step("email", 100, 100),
}


def test_every_bar_with_a_count_shows_it() -> None:
    for group in _svg_groups(funnel_html(make_result())):
        bars = {b.get("data-series"): int(b.get("data-count", "")) for b in group.iter(f"{SVG}rect")}
        values = {t.get("data-series"): t.text for t in group.iter(f"{SVG}text") if t.get("class") == "value"}
        assert values == {series: f"{n:,}" for series, n in bars.items() if n}


def test_a_step_no_synthetic_contact_reached_is_marked_and_explained() -> None:
    steps = {
        "check": _step("branch", 100),
        "vip-offer": _step("email", 0),
        "others": _step("email", 100, 100),
    }
    page = funnel_html(make_result(steps=steps))
    root = ET.fromstring(page)
    marked = [g.get("data-step") for g in _svg_groups(page) if g.get("data-unreached") == "true"]
    assert marked == ["vip-offer"]
    note = [p.text or "" for p in root.iter("p") if p.get("class") == "note"]
    assert len(note) == 1
    assert "says nothing about real contacts" in note[0]
    assert not [p for p in ET.fromstring(funnel_html(make_result())).iter("p") if p.get("class") == "note"]


def test_the_png_keeps_its_legend_off_the_bars_and_says_what_it_counts() -> None:
    steps = {
        "check": _step("branch", 100),
        "vip-offer": _step("email", 0),
        "others": _step("email", 100, 100),
    }
    figure = png_figure(make_result(steps=steps))
    (axes,) = figure.axes
    assert axes.get_legend() is None  # a legend inside the axes sat over the bars
    assert [t.get_text() for t in figure.legends[0].get_texts()] == [label for _, label, _ in SERIES]
    assert "emails" in axes.get_ylabel()
    assert "cost $8.42" in axes.get_title().replace("\\$", "$")  # escaped from mathtext
    labels = [t.get_text() for t in axes.texts]  # bar_label's counts
    assert sorted(label for label in labels if label) == ["100", "100", "100"]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["check", "vip-offer *", "others"]
    assert "says nothing about real contacts" in figure.get_supxlabel()
