"""``python -m nurtureflow.local``: start the local stack in the foreground with the sample data."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from nurtureflow.local.stack import LocalStack


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="nurtureflow local", description=__doc__)
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="the project folder (functions/, catalog/)"
    )
    parser.add_argument("--no-samples", action="store_true", help="start without the catalog")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stack = LocalStack(args.root.resolve())
    stack.start(with_samples=not args.no_samples)
    print(stack.banner(), flush=True)
    try:
        stack.gateway.serve_forever()
    except KeyboardInterrupt:
        stack.stop()


if __name__ == "__main__":
    main()
