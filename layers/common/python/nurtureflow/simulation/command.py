"""``nurtureflow simulate``: the forecast from the command line, as a table, JSON and a chart."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from nurtureflow.sending.templates import EmailTemplate, validate_template
from nurtureflow.simulation.forecast import MAX_CONTACTS, MAX_DAYS, Simulation, SimulationRequest
from nurtureflow.workflow.errors import WorkflowInvalidError

USAGE_ERROR = 2


# The request model's defaults, so the command and the API forecast the same thing by default.
_DEFAULTS = {name: field.default for name, field in SimulationRequest.model_fields.items()}


_EPILOG = """\
examples:
  nurtureflow simulate catalog/cart-recovery/workflow.json --templates catalog/cart-recovery/templates
  nurtureflow simulate workflow.json --templates templates/ --contacts 20000 --days 60 --chart funnel.png
  nurtureflow simulate workflow.json --templates templates/ --seed 7 --json > forecast.json

The same seed gives the same forecast. Costs use the packaged AWS price table (docs/costs.md).
"""


def parser() -> argparse.ArgumentParser:
    """The options of ``nurtureflow simulate``, each with its default."""
    parse = argparse.ArgumentParser(
        prog="nurtureflow simulate",
        description=textwrap.fill(
            "Forecast a workflow: walk synthetic contacts through it in virtual time, with the real "
            "step and send logic (no email is sent), and report its funnel and its AWS cost.",
            79,
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parse.add_argument("workflow", type=Path, help="the workflow document (a JSON file)")
    parse.add_argument(
        "--templates",
        type=Path,
        required=True,
        help="a directory of the workflow's email templates, one <id>.json each (required)",
    )
    parse.add_argument(
        "--contacts",
        type=int,
        default=_DEFAULTS["contacts"],
        help=f"how many synthetic contacts arrive, 1-{MAX_CONTACTS:,} (default: {_DEFAULTS['contacts']:,})",
    )
    parse.add_argument(
        "--days",
        type=int,
        default=_DEFAULTS["days"],
        help=f"virtual days to simulate, 1-{MAX_DAYS} (default: {_DEFAULTS['days']})",
    )
    parse.add_argument(
        "--open-rate",
        type=float,
        default=_DEFAULTS["open_rate"],
        help=f"share of delivered emails opened, 0-1 (default: {_DEFAULTS['open_rate']})",
    )
    parse.add_argument(
        "--click-rate",
        type=float,
        default=_DEFAULTS["click_rate"],
        help=f"share of delivered emails clicked, 0-1, at most the open rate "
        f"(default: {_DEFAULTS['click_rate']})",
    )
    parse.add_argument(
        "--goal-rate",
        type=float,
        default=_DEFAULTS["goal_rate"],
        help=f"share of contacts reaching the workflow's goal, 0-1 (default: {_DEFAULTS['goal_rate']})",
    )
    parse.add_argument(
        "--seed",
        type=int,
        help="the random seed: the same seed gives the same forecast (default: a random one)",
    )
    parse.add_argument(
        "--start", help="when the contacts arrive, ISO 8601 with an offset (default: next Monday 09:00 UTC)"
    )
    parse.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table (default: a table)"
    )
    parse.add_argument(
        "--chart",
        type=Path,
        help="also write the funnel as a chart, FILE.png or FILE.html; the path is checked before the run "
        "(default: none)",
    )
    return parse


def main(argv: list[str]) -> None:
    run(parser().parse_args(argv))


def run(args: argparse.Namespace) -> None:
    """The forecast ``args`` ask for, printed, and charted when asked; every input checked first."""
    if args.chart is not None:
        _check_chart_path(args.chart)
    document = _json_file(args.workflow, "workflow")
    if not isinstance(document, dict):
        _fail(f"{args.workflow}: a workflow document is a JSON object")
    templates = load_templates(args.templates)
    try:
        request = SimulationRequest(
            contacts=args.contacts,
            days=args.days,
            open_rate=args.open_rate,
            click_rate=args.click_rate,
            goal_rate=args.goal_rate,
            seed=args.seed,
            start=args.start,
        )
    except ValidationError as invalid:
        _fail(
            "\n".join(
                f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in invalid.errors()
            )
        )
    try:
        simulation = Simulation(document, templates, request)
    except WorkflowInvalidError as invalid:
        _fail("\n".join(f"{args.workflow}{issue.pointer}: {issue.message}" for issue in invalid.issues))
    from nurtureflow.simulation import present
    from nurtureflow.simulation.chart import write_chart

    with present.progress(1.0, f"Simulating {request.contacts:,} contacts", enabled=not args.json) as update:
        result = simulation.run(update)
    if args.chart is not None:
        write_chart(result, args.chart)
    if args.json:
        print(json.dumps(result))
    else:
        print(present.render_table(result))
        if args.chart is not None:
            print(f"Funnel chart: {args.chart}")


def _check_chart_path(chart: Path) -> None:
    # Checked before the run: a forecast of minutes is not thrown away for a typo in a path.
    if chart.suffix.lower() not in (".png", ".html"):
        _fail(f"--chart: {chart} must end in .png or .html")
    folder = chart.parent
    if not folder.is_dir():
        _fail(f"--chart: the folder {folder} does not exist")
    if chart.is_dir():
        _fail(f"--chart: {chart} is a folder")
    if not os.access(folder, os.W_OK) or (chart.exists() and not os.access(chart, os.W_OK)):
        _fail(f"--chart: {chart} can't be written")


def load_templates(directory: Path) -> dict[str, dict[str, Any]]:
    """Every ``<id>.json`` of ``directory``, each checked as the admin API checks an upload."""
    if not directory.is_dir():
        _fail(f"--templates: {directory} is not a directory")
    templates: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.json")):
        try:
            template = EmailTemplate.model_validate(_json_file(path, "template"))
        except ValidationError as invalid:
            problems += [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in invalid.errors()]
            continue
        problems += [f"{path}: {problem.field}: {problem.message}" for problem in validate_template(template)]
        templates[path.stem] = template.model_dump(exclude_none=True)
    if problems:
        _fail("\n".join(problems))
    return templates


def _json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        _fail(f"{path}: the {what} can't be read: {error.strerror}")
    except ValueError as error:
        _fail(f"{path}: the {what} is not valid JSON: {error}")


def _fail(message: str) -> NoReturn:
    print(f"nurtureflow simulate: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)
