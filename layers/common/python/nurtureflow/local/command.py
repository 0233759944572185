"""``nurtureflow local``: the local stack in the foreground, with the sample data."""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
from pathlib import Path

USAGE_ERROR = 2

_EPILOG = """\
examples:
  nurtureflow local                      in a clone of the repository: 127.0.0.1:8080, samples loaded
  PORT=9000 nurtureflow local --no-samples
  nurtureflow local --root ~/src/nurtureflow    from another directory

The local stack runs the project's handlers (functions/) and, with samples, its catalog
(catalog/), so it needs a clone of the repository; --root names it when you are elsewhere.
"""


def parser() -> argparse.ArgumentParser:
    """The options of ``nurtureflow local``."""
    parse = argparse.ArgumentParser(
        prog="nurtureflow local",
        description=textwrap.fill(
            "Start the local stack in the foreground: the same handlers and state machines as in AWS, "
            "with moto for DynamoDB and SES and a local clock, behind a local HTTP server. "
            "It prints its URLs and credentials; Ctrl-C stops it.",
            79,
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parse.add_argument(
        "--root",
        type=Path,
        default=Path.cwd(),
        help="the repository's folder, holding functions/ and catalog/ (default: the current folder)",
    )
    parse.add_argument(
        "--no-samples",
        action="store_true",
        help="start empty, without the catalog's workflows and templates (default: samples loaded)",
    )
    return parse


def missing_parts(root: Path, *, with_samples: bool) -> list[str]:
    """What ``root`` lacks to run the local stack, as folder names."""
    needed = ["functions"] + (["catalog"] if with_samples else [])
    return [name for name in needed if not (root / name).is_dir()]


def run(args: argparse.Namespace) -> None:
    """Start the stack named by ``args`` and serve until interrupted."""
    root = args.root.resolve()
    missing = missing_parts(root, with_samples=not args.no_samples)
    if missing:
        folders = " or ".join(f"{name}/" for name in missing)
        print(
            f"nurtureflow local: {root} is not a NurtureFlow repository (no {folders}). "
            "Run it in a clone of the repository, or name one with --root DIR.",
            file=sys.stderr,
        )
        sys.exit(USAGE_ERROR)
    from nurtureflow.local.stack import LocalStack

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stack = LocalStack(root)
    stack.start(with_samples=not args.no_samples)
    print(stack.banner(), flush=True)
    try:
        stack.gateway.serve_forever()
    except KeyboardInterrupt:
        stack.stop()


def main(argv: list[str] | None = None) -> None:
    run(parser().parse_args(argv))
