"""``nurtureflow import pinpoint JOURNEY.json [--templates DIR] [--out DIR] [--id ID]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from nurtureflow.pinpoint.journey import Imported, JourneyInvalidError, import_journey, template_id
from nurtureflow.pinpoint.templates import TemplateInvalidError, convert_template
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow

INVALID = 1

_EPILOG = """\
examples:
  aws pinpoint get-journey --application-id APP --journey-id ID > journey.json
  aws pinpoint get-email-template --template-name Welcome > templates/Welcome.json
  nurtureflow import pinpoint journey.json --templates templates --out imported
      writes imported/workflow.json, imported/templates/*.json and imported/report.json
      (what every activity and setting became); upload them with PUT /admin/templates/{id} and
      PUT /admin/workflows/{id}. The guide: docs/pinpoint.md.
"""


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="nurtureflow import",
        description="Import an Amazon Pinpoint journey (get-journey or create-journey JSON) and its email "
        "templates as a NurtureFlow workflow, with a report of every difference.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("source", choices=["pinpoint"], help="where the journey comes from")
    command.add_argument("journey", type=Path, help="the journey's JSON file")
    command.add_argument("--templates", type=Path, help="a folder of get-email-template JSON files")
    command.add_argument("--out", type=Path, help="a folder to write the workflow, templates and report to")
    command.add_argument("--id", help="the workflow's id (default: from the journey's name)")
    command.add_argument(
        "--connection",
        action="append",
        default=[],
        metavar="NAME=BASE_URL",
        help="a webhook connection of your deployment (repeatable): a CUSTOM activity calling an "
        "HTTPS endpoint under BASE_URL becomes a webhook step through NAME",
    )
    return command


def _connection(text: str) -> tuple[str, str]:
    name, _, base = text.partition("=")
    if not name or not base.startswith("https://"):
        raise ValueError(f"--connection {text!r} is not NAME=https://…")
    return name, base


def run(args: argparse.Namespace) -> None:
    try:
        document = json.loads(args.journey.read_text(encoding="utf-8"))
        connections = dict(_connection(text) for text in args.connection)
        imported = import_journey(document, args.id, connections)
    except (OSError, ValueError) as error:
        _fail([f"{args.journey}: {error}"])
    except JourneyInvalidError as invalid:
        _fail([f"{args.journey}: {p.pointer or '/'}: {p.message}" for p in invalid.problems])
    templates, template_report = _templates(args.templates, imported)
    try:
        validate_workflow(imported.workflow, lambda name: name in templates)
    except WorkflowInvalidError as invalid:  # a template the journey names was not brought
        template_report += [{"pointer": i.pointer, "note": i.message} for i in invalid.issues]
    report = {"activities_and_settings": imported.report, "templates": template_report}
    if args.out is None:
        json.dump(
            {"workflow": imported.workflow, "templates": templates, "report": report}, sys.stdout, indent=2
        )
        print()
        return
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "templates").mkdir(exist_ok=True)
    (args.out / "workflow.json").write_text(json.dumps(imported.workflow, indent=2) + "\n", encoding="utf-8")
    for name, template in templates.items():
        (args.out / "templates" / f"{name}.json").write_text(
            json.dumps(template, indent=2) + "\n", encoding="utf-8"
        )
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for line in _summary(imported, report):
        print(line)


def _templates(folder: Path | None, imported: Imported) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The converted templates the workflow names, by their NurtureFlow id, and what was not converted."""
    converted: dict[str, Any] = {}
    report: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")) if folder else []:
        try:
            template = convert_template(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            _fail([f"{path}: {error}"])
        except TemplateInvalidError as invalid:
            _fail([f"{path}: {p.pointer or '/'}: {p.message}" for p in invalid.problems])
        name = template_id(template.name)
        if name in imported.templates:
            converted[name] = template.template
            report += [{"template": name, **item} for item in template.unconverted]
    return converted, report


def _summary(imported: Imported, report: dict[str, Any]) -> list[str]:
    counts: dict[str, int] = {}
    for line in imported.report:
        counts[line["outcome"]] = counts.get(line["outcome"], 0) + 1
    lines = [
        f"workflow {imported.workflow['id']}: {len(imported.workflow['steps'])} steps; "
        + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())),
    ]
    lines += [
        f"  {line['outcome']:<9} {line['from']}: {line['note']}"
        for line in imported.report
        if line["outcome"] != "converted"
    ]
    for item in report["templates"]:
        where = " ".join(filter(None, (item.get("template"), item["pointer"], item.get("text"))))
        lines.append(f"  template  {where}: {item['note']}")
    return lines


def _fail(lines: list[str]) -> Any:
    for line in lines:
        print(line, file=sys.stderr)
    sys.exit(INVALID)
