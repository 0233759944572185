"""The ``nurtureflow`` command: ``local`` starts the local stack, ``simulate`` forecasts a workflow."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print("usage: nurtureflow local [--root DIR] [--no-samples]")
        print("       nurtureflow simulate WORKFLOW.json --templates DIR [--contacts N] [--days D] [...]")
        return
    if args[0] == "local":
        from nurtureflow.local.__main__ import main as local_main

        local_main(args[1:])
        return
    if args[0] == "simulate":
        from nurtureflow.simulation.command import main as simulate_main

        simulate_main(args[1:])
        return
    sys.exit(f"nurtureflow: unknown command {args[0]!r}")
