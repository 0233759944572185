"""``nurtureflow simulate``: the forecast from the command line, as a table, JSON and a chart."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from nurtureflow.sending.templates import EmailTemplate, validate_template
from nurtureflow.simulation.forecast import MAX_CONTACTS, MAX_DAYS, Simulation, SimulationRequest
from nurtureflow.workflow.errors import WorkflowInvalidError

USAGE_ERROR = 2


# The request model's defaults, so the command and the API forecast the same thing by default.
_DEFAULTS = {name: field.default for name, field in SimulationRequest.model_fields.items()}


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="nurtureflow simulate",
        description="Walk synthetic contacts through a workflow in virtual time (emails are not sent) "
        "and forecast its funnel and its AWS cost.",
    )
    parse.add_argument("workflow", type=Path, help="the workflow document (JSON)")
    parse.add_argument(
        "--templates", type=Path, required=True, help="a directory of templates, one <id>.json each"
    )
    parse.add_argument(
        "--contacts", type=int, default=_DEFAULTS["contacts"], help=f"synthetic contacts (1-{MAX_CONTACTS:,})"
    )
    parse.add_argument(
        "--days", type=int, default=_DEFAULTS["days"], help=f"virtual days to simulate (1-{MAX_DAYS})"
    )
    parse.add_argument(
        "--open-rate", type=float, default=_DEFAULTS["open_rate"], help="share of emails opened (0-1)"
    )
    parse.add_argument(
        "--click-rate", type=float, default=_DEFAULTS["click_rate"], help="share of emails clicked (0-1)"
    )
    parse.add_argument(
        "--goal-rate", type=float, default=_DEFAULTS["goal_rate"], help="share of contacts reaching the goal"
    )
    parse.add_argument("--seed", type=int, help="the random seed (the same seed, the same forecast)")
    parse.add_argument("--start", help="when the contacts arrive, ISO 8601 (default: next Monday 09:00 UTC)")
    parse.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parse.add_argument("--chart", type=Path, help="write the funnel as a chart: FILE.png or FILE.html")
    return parse


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)
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
    if args.chart is not None and args.chart.suffix.lower() not in (".png", ".html"):
        _fail(f"--chart: {args.chart} must end in .png or .html")
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
