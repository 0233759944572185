"""Events through the track handler in-process (moto behind it), against bare ``put_item`` of the same items.

``python -m bench.ingest [--events N] [--repeat R] [--imports R]``: each round posts N events (one
per request, then in batches of 100) through ``functions/track/handler.py`` under ``moto.mock_aws``
on empty tables, and writes the same event items with bare ``put_item`` calls as the baseline;
best of R rounds. The handler also reads the contact, writes its change and an id marker in the
event's transaction and publishes to EventBridge: the ratio is what one event costs beyond its one write.
Then the cold-start import time of each ``functions/*/handler.py`` in a fresh
interpreter, with the environment a Lambda would have, against ``import boto3`` in one: in pairs
(the handler, then boto3), R of them (``--imports``, 11), the median of the pairs' ratios. The first
row is ``bench/floor/handler.py``: boto3, Powertools' Logger and one pydantic model, the least any
function imports.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from statistics import median_high
from types import ModuleType
from typing import Any

from bench.compile import best_of

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "common" / "python"
FLOOR = ROOT / "bench" / "floor" / "handler.py"
SITE_KEY, ORIGIN = "bench-site", "https://shop.example"
# What Lambda and the stack set: region, fake credentials (nothing is called at import), Powertools.
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_LAMBDA_FUNCTION_NAME": "nurtureflow-bench",
    "POWERTOOLS_SERVICE_NAME": "nurtureflow",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_NAMESPACE": "NurtureFlow",
    "PYDANTIC_DISABLE_PLUGINS": "__all__",
    "NURTUREFLOW_SITE_KEYS": json.dumps({SITE_KEY: [ORIGIN]}),
}


def _load_handler(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}_handler", ROOT / "functions" / name / "handler.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _create_resources() -> None:
    import boto3

    from nurtureflow.settings import BusSettings, TableSettings
    from nurtureflow.store.tables import create_tables

    names = TableSettings()
    dynamodb = boto3.client("dynamodb")
    create_tables(dynamodb, names)
    boto3.client("events").create_event_bus(Name=BusSettings().event_bus_name)


def _events(prefix: str, count: int) -> list[dict[str, Any]]:
    """Website events as posted: an id, a known contact (10 distinct people) and a few properties."""
    return [
        {
            "id": f"{prefix}-{n}",
            "type": "page_viewed",
            "email": f"visitor{n % 10}@example.com",
            "properties": {"path": f"/products/{n}", "referrer": "https://search.example/"},
            "occurred_at": "2026-11-23T10:00:00+00:00",
        }
        for n in range(count)
    ]


def _request(body: Any) -> dict[str, Any]:
    from nurtureflow.local.gateway import proxy_event

    headers = {"Content-Type": "application/json", "X-Site-Key": SITE_KEY, "Origin": ORIGIN}
    found = proxy_event("POST", "/v1/events", headers, json.dumps(body).encode(), "198.51.100.7")
    assert found is not None
    return found[1]


def _stored_items(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items the handler stores for ``events``: same keys, ids and attributes."""
    from nurtureflow.contacts.model import contact_id_for
    from nurtureflow.events.ingest import event_id
    from nurtureflow.events.retention import DEFAULT_RETENTION_DAYS, expires_at

    items = []
    for event in events:
        contact_id, tracked_id = contact_id_for(event["email"]), event_id(SITE_KEY, event["id"])
        items.append(
            {
                "pk": contact_id,
                "sk": f"{event['occurred_at']}#{tracked_id}",
                "id": tracked_id,
                "type": event["type"],
                "contact_id": contact_id,
                "properties": event["properties"],
                "occurred_at": event["occurred_at"],
                "received_at": event["occurred_at"],
                "expires_at": expires_at(event["occurred_at"], event["occurred_at"], DEFAULT_RETENTION_DAYS),
            }
        )
    return items


def _fresh_rounds(repeat: int, prepare: Callable[[], Callable[[], object]]) -> float:
    """Best of ``repeat``: each round starts on empty tables (moto copies a whole table per
    transaction, so a fuller table would slow later rounds); only ``work`` is timed."""
    from moto import mock_aws

    timings = []
    for _ in range(repeat):
        with mock_aws():
            _create_resources()
            work = prepare()
            timings.append(best_of(1, work))
    return min(timings)


def ingest_figures(count: int, repeat: int) -> dict[str, float]:
    """Seconds per round: single-event requests, batches of 100, and the bare put_item baseline."""
    from nurtureflow.aws.clients import dynamodb_table
    from nurtureflow.local.lambdas import LocalContext
    from nurtureflow.settings import TableSettings

    os.environ.update(LAMBDA_ENV)
    track = _load_handler("track")  # once: its import is the cold start, measured apart
    context = LocalContext(function_name="nurtureflow-track")
    events = _events("bench", count)

    def singles() -> Callable[[], object]:
        requests = [_request(event) for event in events]
        return lambda: [track.handler(r, context)["statusCode"] == 202 or _fail(r) for r in requests]

    def batches() -> Callable[[], object]:
        requests = [_request({"batch": events[i : i + 100]}) for i in range(0, count, 100)]
        return lambda: [track.handler(r, context)["statusCode"] == 202 or _fail(r) for r in requests]

    def bare() -> Callable[[], object]:
        table, items = dynamodb_table(TableSettings().events_table), _stored_items(events)
        return lambda: [table.put_item(Item=item) for item in items]

    return {
        "bare": _fresh_rounds(repeat, bare),
        "single": _fresh_rounds(repeat, singles),
        "batch": _fresh_rounds(repeat, batches),
    }


def _fail(request: dict[str, Any]) -> bool:
    raise AssertionError(f"the track handler refused {request['body'][:200]}")


_IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_environment() -> dict[str, str]:
    """A Lambda's environment, with the layer's package on the path (bytecode written as usual)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(LAYER),
        "PYTHONDONTWRITEBYTECODE": "",
        **LAMBDA_ENV,
    }


def importer(module: str, cwd: Path, *flags: str) -> Callable[[], float]:
    """A fresh interpreter's time to ``import module`` (with the interpreter's ``flags``), each
    time it is called."""
    env = import_environment()

    def once() -> float:
        out = subprocess.run(  # noqa: S603 - our interpreter, our fixed snippet
            [sys.executable, *flags, "-c", _IMPORT.format(module=module)],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return float(out.stdout.strip())

    return once


def paired_import(cwd: Path, repeat: int) -> tuple[float, float, float]:
    """``import handler`` in ``cwd`` and ``import boto3``, in turn, ``repeat`` pairs of fresh
    interpreters: the best of each, and the median of the pairs' ratios. A ratio taken within a pair
    holds when the machine's speed drifts between pairs (on a shared machine it does, by a third)."""
    handler, boto3 = importer("handler", cwd), importer("boto3", ROOT)
    handler(), boto3()  # bytecode caches, as a deployed package ships them compiled
    pairs = [(handler(), boto3()) for _ in range(repeat)]
    ratios = [h / b for h, b in pairs]
    return min(h for h, _ in pairs), min(b for _, b in pairs), median_high(ratios)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--imports", type=int, default=11, help="pairs of fresh interpreters per handler")
    parser.add_argument("--cold-only", action="store_true", help="only the cold-start imports")
    args = parser.parse_args(argv)
    if not args.cold_only:
        ingest_report(args.events, args.repeat)
    cold_start_report(args.imports)


def ingest_report(events: int, repeat: int) -> None:
    """Events per second through the track handler against bare ``put_item``."""
    seconds = ingest_figures(events, repeat)
    rate = {name: events / value for name, value in seconds.items()}
    print(f"ingest: {events} events per round, best of {repeat}, moto DynamoDB in-process")
    print(f"baseline bare put_item:          {rate['bare']:9.0f} events/s")
    print(f"track handler, 1 per request:    {rate['single']:9.0f} events/s")
    print(f"track handler, 100 per request:  {rate['batch']:9.0f} events/s")
    print(
        f"ratio (put_item / handler):      {rate['bare'] / rate['single']:9.1f}x single, "
        f"{rate['bare'] / rate['batch']:.1f}x batched"
    )


def cold_start_report(imports: int) -> None:
    """Each handler module's import in fresh interpreters against ``import boto3`` alone, in pairs."""
    print(f"cold-start import: {imports} pairs of fresh interpreters (the handler, then boto3 alone)")
    print(f"{'':33s}{'handler':>9s}    {'boto3':>6s}   median of the pairs' ratios")
    # The floor first: boto3, Powertools' Logger and one pydantic model, which every function needs.
    for handler in [FLOOR, *sorted((ROOT / "functions").glob("*/handler.py"))]:
        best, baseline, ratio = paired_import(handler.parent, imports)
        name = str(handler.relative_to(ROOT))
        print(f"{name:33s}{best * 1000:7.1f} ms  {baseline * 1000:6.1f} ms  {ratio:5.2f}x boto3")


if __name__ == "__main__":
    main()
