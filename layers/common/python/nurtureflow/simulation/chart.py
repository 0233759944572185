"""The forecast's funnel as a chart: per step, bars for entered, sent, opened, clicked and exited.

Steps come in the order the workflow flows (``simulation.funnel.step_order``); every bar carries
its count; the y axis says what the bars count (contacts for entered and exited, emails for the
rest); the forecast cost is in the title; a step no synthetic contact reached is marked, with a
note saying why that is not a forecast of real contacts.

``.html`` is a self-contained page with a hand-drawn inline SVG (no script, no CDN, opens offline and
in a mail attachment); ``.png`` is drawn by matplotlib (the ``cli`` extra), imported only when a PNG
is asked for. Step ids and the workflow name come from user documents: escaped in the HTML, and
their ``$`` escaped for matplotlib, which would otherwise read ``$...$`` as mathtext.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from nurtureflow.simulation.present import count, rate, usd

INSTALL_HINT = "pip install 'nurtureflow[cli]'"
# (result key, legend label, colour), drawn left to right within a step's group.
SERIES = (
    ("entered", "entered", "#9aa5b1"),
    ("sent", "sent", "#3e7cb1"),
    ("opened", "opened", "#f2a541"),
    ("clicked", "clicked", "#e4572e"),
    ("exited", "exited (goal)", "#2e9e5b"),
)
SUPPORTED_SUFFIXES = (".html", ".png")
LABEL_CHARS = 28  # longer step ids are shortened under the axis (in full in the bar's tooltip)

# The SVG's geometry, in px.
PLOT_HEIGHT = 320
BAR_WIDTH = 14
BAR_GAP = 2
GROUP_GAP = 30
LEFT = 100  # tick labels, the axis title, and room for the first step id slanting left
TOP = 90  # the legend, then room for the tallest bar's count written above it
BOTTOM = 130  # room for the slanted step ids
RIGHT = 20
GROUP_WIDTH = len(SERIES) * BAR_WIDTH + (len(SERIES) - 1) * BAR_GAP
LEGEND_ENTRY = 110
MAX_TICKS = 5
Y_AXIS_TITLE = "contacts (entered, exited) · emails (sent, opened, clicked)"
UNREACHED_MARK = " *"
UNREACHED_NOTE = (
    "* No synthetic contact reached this step. Synthetic contacts carry only what the trigger and "
    "goal ask for (score 0, no other traits, no history), so a branch on other data never sends "
    "them its way: this says nothing about real contacts. Preview it with a real contact instead."
)

# The PNG: 1200 x 600 px.
PNG_SIZE_INCHES = (12.0, 6.0)
PNG_DPI = 100


def write_chart(result: Mapping[str, Any], path: Path) -> None:
    """Writes the funnel chart to ``path``, in the format its suffix names (``.html`` or ``.png``)."""
    suffix = path.suffix.lower()
    if suffix == ".html":
        path.write_text(funnel_html(result), encoding="utf-8")
    elif suffix == ".png":
        _write_png(result, path)
    else:
        raise ValueError(
            f"cannot draw a chart as {path.suffix or '(no suffix)'!r} ({path.name}): "
            f"supported suffixes are {', '.join(SUPPORTED_SUFFIXES)}"
        )


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _unreached(step: Mapping[str, Any]) -> bool:
    return int(step["entered"]) == 0


def _step_label(step_id: str, step: Mapping[str, Any]) -> str:
    return _short(step_id) + (UNREACHED_MARK if _unreached(step) else "")


def _title(result: Mapping[str, Any]) -> str:
    cost = result["cost"]
    return (
        f"Forecast funnel: {result['name']} ({count(result['contacts'])} contacts, "
        f"{count(result['days'])} days) · cost {usd(cost['total_usd'])}"
    )


def axis_scale(largest: int) -> tuple[int, int]:
    """The axis top and tick step: the finest round step (1, 2 or 5 times a power of ten) that needs
    at most ``MAX_TICKS`` steps to reach ``largest``, so the tallest bar fills most of the plot."""
    if largest <= 0:
        return 1, 1
    magnitude = 10 ** max(0, math.floor(math.log10(largest / MAX_TICKS)))
    step = next(m * magnitude for m in (1, 2, 5, 10) if math.ceil(largest / (m * magnitude)) <= MAX_TICKS)
    return math.ceil(largest / step) * step, step


def funnel_svg(result: Mapping[str, Any]) -> str:
    """The chart as an SVG element; bar heights are proportional to counts on one shared axis."""
    steps: Mapping[str, Mapping[str, Any]] = result["steps"]
    top, tick = axis_scale(max((step[key] for step in steps.values() for key, _, _ in SERIES), default=0))
    width = LEFT + max(len(steps) * (GROUP_WIDTH + GROUP_GAP), len(SERIES) * LEGEND_ENTRY) + RIGHT
    height = TOP + PLOT_HEIGHT + BOTTOM
    baseline = TOP + PLOT_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(_title(result))}</title>',
        f'<text class="axis-title" x="14" y="{TOP + PLOT_HEIGHT / 2}" text-anchor="middle" fill="#555" '
        f'transform="rotate(-90 14 {TOP + PLOT_HEIGHT / 2})">{escape(Y_AXIS_TITLE)}</text>',
    ]
    for position, (_, label, colour) in enumerate(SERIES):  # the legend, along the top
        x = LEFT + LEGEND_ENTRY * position
        parts.append(
            f'<g class="legend"><rect x="{x}" y="14" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="24">{escape(label)}</text></g>'
        )
    for value in range(0, top + 1, tick):
        y = baseline - PLOT_HEIGHT * value / top
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.2f}" x2="{width - RIGHT}" y2="{y:.2f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 8}" y="{y + 4:.2f}" text-anchor="end" fill="#555">{count(value)}</text>'
        )
    for index, (step_id, step) in enumerate(steps.items()):
        parts.append(
            _bar_group(str(step_id), step, LEFT + GROUP_GAP / 2 + index * (GROUP_WIDTH + GROUP_GAP), top)
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _bar_group(step_id: str, step: Mapping[str, Any], left: float, top: int) -> str:
    baseline = TOP + PLOT_HEIGHT
    bars = []
    for position, (key, label, colour) in enumerate(SERIES):
        value = int(step[key])
        bar_height = PLOT_HEIGHT * value / top
        x = left + position * (BAR_WIDTH + BAR_GAP)
        bars.append(
            f'<rect class="bar" data-series="{key}" data-count="{value}" x="{x:.2f}" '
            f'y="{baseline - bar_height:.2f}" width="{BAR_WIDTH}" height="{bar_height:.2f}" fill="{colour}">'
            f"<title>{escape(step_id)} · {escape(label)}: {count(value)}</title></rect>"
        )
        if value:  # the count above its bar, written upwards to fit the bar's width
            value_x, value_y = x + BAR_WIDTH / 2 + 4, baseline - bar_height - 4
            bars.append(
                f'<text class="value" data-series="{key}" x="{value_x:.2f}" y="{value_y:.2f}" '
                f'font-size="10" fill="#333" transform="rotate(-90 {value_x:.2f} {value_y:.2f})">'
                f"{count(value)}</text>"
            )
    label_x, label_y = left + GROUP_WIDTH / 2, baseline + 16
    unreached = ' data-unreached="true"' if _unreached(step) else ""
    return (
        f'<g class="step" data-step="{escape(step_id)}"{unreached}>'
        + "".join(bars)
        + f'<text x="{label_x:.2f}" y="{label_y}" text-anchor="end" '
        f'transform="rotate(-35 {label_x:.2f} {label_y})">{escape(_step_label(step_id, step))}</text></g>'
    )


def funnel_html(result: Mapping[str, Any]) -> str:
    """A standalone page (well-formed XML too, so any parser reads it) around the SVG chart."""
    name, workflow = escape(str(result["name"])), escape(str(result["workflow"]))
    rates = result["rates"]
    cost = result["cost"]
    summary = (
        f"{workflow} · {count(result['contacts'])} contacts · {count(result['days'])} days · "
        f"rates: open {rate(rates['open'])}, click {rate(rates['click'])}, goal {rate(rates['goal'])} · "
        f"{count(result['emails'])} emails · forecast cost {usd(cost['total_usd'])} "
        f"({usd(cost['usd_per_1000_contacts'])} per 1,000 contacts)"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8"/>',
            f"<title>Forecast: {name}</title>",
            "<style>body{font-family:sans-serif;margin:2em;color:#222}svg{max-width:100%;height:auto}</style>",
            "</head>",
            "<body>",
            f"<h1>Forecast: {name}</h1>",
            f"<p>{summary}</p>",
            funnel_svg(result),
            *(
                [f'<p class="note">{escape(UNREACHED_NOTE)}</p>']
                if any(_unreached(step) for step in result["steps"].values())
                else []
            ),
            "</body>",
            "</html>",
            "",
        ]
    )


def _mathtext_safe(text: str) -> str:
    return text.replace("$", r"\$")


def _write_png(result: Mapping[str, Any], path: Path) -> None:
    png_figure(result).savefig(path, format="png")


def png_figure(result: Mapping[str, Any]) -> Any:
    """The PNG's matplotlib figure (its legend above the plot, where no bar can be)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import StrMethodFormatter
    except ImportError as error:
        raise ImportError(f"a .png chart needs matplotlib: {INSTALL_HINT} (or write .html)") from error

    # The Agg canvas directly, not pyplot: no global backend switch, no GUI, nothing left open.
    figure = Figure(figsize=PNG_SIZE_INCHES, dpi=PNG_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    steps = list(result["steps"].items())
    bar_width = 0.8 / len(SERIES)
    for position, (key, label, colour) in enumerate(SERIES):
        offset = (position - (len(SERIES) - 1) / 2) * bar_width
        xs = [index + offset for index in range(len(steps))]
        bars = axes.bar(xs, [step[key] for _, step in steps], bar_width, label=label, color=colour)
        counts = [count(int(step[key])) if step[key] else "" for _, step in steps]
        axes.bar_label(bars, counts, rotation=90, padding=2, fontsize=7)
    labels = [_mathtext_safe(_step_label(str(step_id), step)) for step_id, step in steps]
    axes.set_xticks(range(len(steps)), labels, rotation=35, ha="right")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_ylabel(Y_AXIS_TITLE)
    axes.margins(y=0.15)  # room above the tallest bar for its count
    axes.set_title(_mathtext_safe(_title(result)))
    figure.legend(loc="outside upper center", ncols=len(SERIES), frameon=False)
    if any(_unreached(step) for _, step in steps):
        figure.supxlabel(_mathtext_safe(UNREACHED_NOTE), fontsize=8, wrap=True)
    return figure
