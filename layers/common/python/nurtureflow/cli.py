"""The ``nurtureflow`` command: ``nurtureflow local`` starts the local stack."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print("usage: nurtureflow local [--root DIR] [--no-samples]")
        return
    if args[0] == "local":
        from nurtureflow.local.__main__ import main as local_main

        local_main(args[1:])
        return
    sys.exit(f"nurtureflow: unknown command {args[0]!r}")
