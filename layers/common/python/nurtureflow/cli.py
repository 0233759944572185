"""The ``nurtureflow`` command: ``local`` starts the local stack, ``simulate`` forecasts a workflow,
``import pinpoint`` brings a Pinpoint journey over."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version

USAGE_ERROR = 2

_EXAMPLES = """\
examples:
  nurtureflow local
      the local stack on http://127.0.0.1:8080 with the sample workflows (run in a clone)
  nurtureflow simulate catalog/cart-recovery/workflow.json \\
      --templates catalog/cart-recovery/templates --contacts 5000 --chart funnel.png
      forecast a workflow's funnel and AWS cost with 5,000 synthetic contacts
  nurtureflow import pinpoint journey.json --templates templates --out imported
      an Amazon Pinpoint journey (aws pinpoint get-journey) as a workflow, with a report

Each command has its own help: nurtureflow local --help, nurtureflow simulate --help.
"""


def _version() -> str:
    try:
        return version("nurtureflow")
    except PackageNotFoundError:  # run from the source tree without an install
        return "unknown"


def parser() -> argparse.ArgumentParser:
    """The command and its subcommands; each subcommand's options come from its own module."""
    from nurtureflow.local.command import parser as local_parser
    from nurtureflow.pinpoint.command import parser as import_parser
    from nurtureflow.simulation.command import parser as simulate_parser

    top = argparse.ArgumentParser(
        prog="nurtureflow",
        description="NurtureFlow: marketing-automation workflows on AWS Step Functions and SES,\n"
        "run locally without an AWS account, and forecast before they send.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, build, summary in (
        ("local", local_parser, "start the local stack (no AWS account needed)"),
        ("simulate", simulate_parser, "forecast a workflow's funnel and AWS cost"),
        ("import", import_parser, "import an Amazon Pinpoint journey and its email templates"),
    ):
        sub = build()
        commands.add_parser(
            name,
            parents=[sub],
            add_help=False,
            help=summary,
            description=sub.description,
            epilog=sub.epilog,
            formatter_class=sub.formatter_class,
        )
    return top


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    command_line = parser()
    if not args:
        command_line.print_help(sys.stderr)
        sys.exit(USAGE_ERROR)
    parsed = command_line.parse_args(args)
    if parsed.command == "local":
        from nurtureflow.local.command import run as run_local

        run_local(parsed)
    elif parsed.command == "simulate":
        from nurtureflow.simulation.command import run as run_simulate

        run_simulate(parsed)
    elif parsed.command == "import":
        from nurtureflow.pinpoint.command import run as run_import

        run_import(parsed)
