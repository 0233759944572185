"""The forecast in a terminal: the funnel and cost report, and a progress bar while it runs.

Both need ``rich`` (the ``cli`` extra, not shipped in the Lambda layer), imported only when called so
that importing this module costs nothing. Step ids and the workflow name come from user documents:
they are always given to rich as ``Text``, never as markup, so a ``[bold]`` or ``[/]`` in them prints
as typed instead of styling the report or raising ``MarkupError``.
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table

INSTALL_HINT = "pip install 'nurtureflow[cli]'"
SERVICE_NAMES = {
    "ses": "SES",
    "stepfunctions": "Step Functions",
    "lambda": "Lambda",
    "dynamodb": "DynamoDB",
    "apigateway": "API Gateway",
}
NOT_APPLICABLE = "-"  # an email-only column on a step that sends nothing


def _require_rich() -> None:
    try:
        import rich  # noqa: F401
    except ImportError as error:
        raise ImportError(f"the simulator's report needs rich: {INSTALL_HINT}") from error


def count(value: int) -> str:
    return f"{value:,}"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else NOT_APPLICABLE


def rate(value: float) -> str:
    return f"{100 * value:.4g}%"


def usd(value: float) -> str:
    """Dollars with three significant digits below a dollar (forecasts are often fractions of a cent)."""
    if value == 0:
        return "$0.00"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    decimals = 2 - math.floor(math.log10(abs(value)))
    digits = f"{value:.{decimals}f}".rstrip("0")
    whole, _, fraction = digits.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def skipped_cell(step: Mapping[str, Any]) -> str:
    """``988 (capped 900, unsubscribed 88)``: the count, then each reason's share."""
    reasons = ", ".join(f"{reason} {count(n)}" for reason, n in step["skipped_by_reason"].items())
    return f"{count(step['skipped'])} ({reasons})" if reasons else count(step["skipped"])


def _sends(step: Mapping[str, Any]) -> bool:
    return bool(step["type"] == "email" or step["sent"] or step["skipped"])


def _header(result: Mapping[str, Any]) -> RenderableType:
    from rich.text import Text

    rates = result["rates"]
    header = Text()
    header.append(str(result["name"]), style="bold")
    header.append(f" ({result['workflow']})")
    header.append(
        f" · {count(result['contacts'])} contacts · {count(result['days'])} days · seed {result['seed']}"
        f" · rates: open {rate(rates['open'])}, click {rate(rates['click'])}, goal {rate(rates['goal'])}"
    )
    return header


def _steps_table(result: Mapping[str, Any]) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    steps = result["steps"]
    table = Table(
        title="Funnel", title_justify="left", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False
    )
    # On a narrow terminal the other columns wrap before a step id is cut.
    table.add_column("Step", min_width=min(max((len(str(s)) for s in steps), default=4), 24))
    table.add_column("Type")
    for column in ("Entered", "Sent"):
        table.add_column(column, justify="right")
    table.add_column("Skipped", overflow="fold")
    for column in ("Opened", "Clicked", "Goal exits"):
        table.add_column(column, justify="right")
    for step_id, step in steps.items():
        if _sends(step):
            sent = step["sent"]
            email_cells = [
                count(sent),
                skipped_cell(step),
                f"{count(step['opened'])} ({percent(step['opened'], sent)})",
                f"{count(step['clicked'])} ({percent(step['clicked'], sent)})",
            ]
        else:
            email_cells = [NOT_APPLICABLE] * 4
        table.add_row(
            Text(str(step_id)),
            Text(str(step["type"])),
            count(step["entered"]),
            *(Text(cell) for cell in email_cells),
            count(step["exited"]),
        )
    return table


def _cost_table(result: Mapping[str, Any]) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    cost = result["cost"]
    table = Table(
        title="Cost forecast", title_justify="left", box=box.SIMPLE, pad_edge=False, show_footer=True
    )
    table.add_column("Service", footer="Total")
    table.add_column("USD", justify="right", footer=usd(cost["total_usd"]))
    for service, value in cost["usd"].items():
        table.add_row(Text(SERVICE_NAMES.get(service, str(service))), usd(value))
    return table


def report_renderable(result: Mapping[str, Any]) -> RenderableType:
    """The whole report as one rich renderable, for a caller that prints to its own console."""
    _require_rich()
    from rich.console import Group
    from rich.text import Text

    totals = Text(
        f"Emails sent: {count(result['emails'])} · State transitions: {count(result['transitions'])}"
    )
    per_thousand = Text(
        f"{usd(result['cost']['usd_per_1000_contacts'])} per 1,000 contacts "
        f"(total {usd(result['cost']['total_usd'])} for {count(result['contacts'])})"
    )
    return Group(_header(result), _steps_table(result), totals, Text(), _cost_table(result), per_thousand)


def print_report(result: Mapping[str, Any], console: Console) -> None:
    console.print(report_renderable(result))


def render_table(result: Mapping[str, Any], *, width: int = 120) -> str:
    """The report as plain text (no colours, no terminal codes): stable in tests, pipes and files."""
    _require_rich()
    from rich.console import Console

    out = io.StringIO()
    print_report(result, Console(file=out, width=width, color_system=None, force_terminal=False))
    # Rich pads every line to the width; trailing blanks are noise in a diff or a test.
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def _ignore(done: float) -> None:
    del done


@contextmanager
def progress(
    total: float, description: str, *, enabled: bool = True, stream: TextIO | None = None
) -> Iterator[Callable[[float], None]]:
    """Yields ``update(done)``, ``done`` being the amount completed so far (not an increment).

    Draws on ``stream`` (stderr by default) only when enabled and that stream is a terminal: under
    ``--json``, in a pipe or in tests nothing is written. The bar is transient, gone once finished.
    """
    stream = sys.stderr if stream is None else stream
    if not enabled or not stream.isatty():
        yield _ignore
        return
    _require_rich()
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    # Not markup: the description may name the workflow.
    label = TextColumn("{task.description}", markup=False)
    columns = (label, BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(file=stream), transient=True) as bar:
        task = bar.add_task(description, total=total)

        def update(done: float) -> None:
            bar.update(task, completed=done)

        yield update
