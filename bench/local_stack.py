"""The local stack at a realistic size: batches of 100 events, and a day of runs in flight.

``python -m bench.local_stack [--batches N] [--runs R]``:

1. posts N batches of 100 new contacts' events through the in-process local stack (gateway, track
   handler, moto), first with moto's own TransactWriteItems (which copies every table it names
   before each transaction: the baseline), then with ``local.moto_speed``; it reports the
   last batch's time of each and their ratio (the baseline grows with the tables);
2. enrols R contacts into a workflow that waits a day and sends an email, then advances the clock
   a day: the time it takes and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from nurtureflow.local import moto_speed
from nurtureflow.local.settings import LocalSettings
from nurtureflow.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[1]
SERVER_KEY, MARKETER, ADMIN, FINANCE = "bench-server", "bench-marketer", "bench-admin", "bench-finance"
WORKFLOW = {
    "schema": "workflow/v1",
    "id": "bench-day",
    "name": "A day later",
    "trigger": {"event": "form_submitted"},
    "start": "wait",
    "steps": {
        "wait": {"type": "wait", "for": "P1D", "next": "hello"},
        "hello": {"type": "email", "template": "bench-hello"},
    },
}
TEMPLATE = {
    "subject": "Hello",
    "html": '<p>Hi <a href="{{ unsubscribe_url }}">Unsubscribe</a> {{ postal_address }}</p>',
}


def _stack() -> LocalStack:
    settings = LocalSettings(
        port=0, admin_token=ADMIN, marketer_token=MARKETER, finance_token=FINANCE,
        site_key="bench-site", server_key=SERVER_KEY,
    )  # fmt: skip
    stack = LocalStack(ROOT, settings)
    stack.start(with_samples=False)
    return stack


def _call(stack: LocalStack, method: str, path: str, body: Any, token: str) -> int:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    status, _, _ = stack.gateway.handle(
        method, f"/{stack.gateway.stage}{path}", headers, json.dumps(body).encode(), "127.0.0.1"
    )
    return int(status)


def _batch(tag: str, k: int, kind: str = "page_viewed") -> dict[str, Any]:
    return {"batch": [{"type": kind, "email": f"{tag}{k}.{i}@example.com"} for i in range(100)]}


def batches(count: int) -> float:
    """Seconds for the last of ``count`` batches of 100 new contacts' events."""
    stack = _stack()
    try:
        last = 0.0
        for k in range(count):
            began = time.perf_counter()
            assert _call(stack, "POST", "/v1/events", _batch("b", k), SERVER_KEY) == 202
            last = time.perf_counter() - began
        return last
    finally:
        stack.stop()


def day_of_runs(runs: int) -> tuple[float, int]:
    """Seconds to advance a day with ``runs`` runs waiting, and emails sent."""
    stack = _stack()
    try:
        assert _call(stack, "PUT", "/admin/templates/bench-hello", TEMPLATE, MARKETER) in (200, 201)
        assert _call(stack, "PUT", "/admin/workflows/bench-day", WORKFLOW, MARKETER) in (200, 201)
        assert _call(stack, "POST", "/admin/workflows/bench-day/activate", {}, MARKETER) == 200
        for k in range(0, runs, 100):
            assert _call(stack, "POST", "/v1/events", _batch("d", k, "form_submitted"), SERVER_KEY) == 202
        began = time.perf_counter()
        stack.advance(timedelta(days=1, minutes=5))
        return time.perf_counter() - began, len(stack.outbox())
    finally:
        stack.stop()


def _measure(part: str, size: int) -> list[str]:
    """One measurement in a fresh interpreter: moto keeps its tables per process."""
    command = [sys.executable, "-m", "bench.local_stack", "--part", part, str(size)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout.split()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.local_stack", description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--part", nargs=2, metavar=("PART", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    if args.part:
        part, size = args.part[0], int(args.part[1])
        if part == "moto-copies":
            moto_speed.skip_install()
        result = batches(size) if part != "day" else day_of_runs(size)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(*result if isinstance(result, tuple) else (result,), peak)
        return
    baseline = float(_measure("moto-copies", args.batches)[0])
    ours = float(_measure("ours", args.batches)[0])
    print(
        f"local stack: batch {args.batches} of 100 events, moto's copies {baseline:.2f} s, ours {ours:.2f} s"
    )
    print(f"  ratio {ours / baseline:.2f} (lower is faster)")
    seconds, emails, peak = _measure("day", args.runs)
    day = f"{float(seconds):.1f} s, {emails} emails, peak {float(peak):.0f} MiB"
    print(f"  a day with {args.runs} runs in flight: {day}")


if __name__ == "__main__":
    main(sys.argv[1:])
