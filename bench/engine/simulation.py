"""``nurtureflow simulate`` at scale: the abandoned-cart workflow, N contacts over 30 virtual days.

``python -m bench.engine.simulation [--contacts N] [--days D]``. The whole forecast runs: the real step
and send logic on in-memory storage, the runtime on a virtual clock. The baseline, run in the same
process, validates one ``Contact`` and renders the reminder template per contact (the least any
forecast must do per contact): the ratio says how many such units a contact's whole journey costs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from nurtureflow.contacts.model import Contact
from nurtureflow.sending.templates import EmailTemplate, render_template
from nurtureflow.simulation.forecast import Simulation, SimulationRequest

CART = Path(__file__).parents[2] / "catalog" / "cart-recovery"


def _baseline(contacts: int, template: EmailTemplate) -> float:
    started = time.perf_counter()
    for index in range(contacts):
        contact = Contact(id=f"c{index}", email=f"c{index}@example.invalid", created_at="x", updated_at="x")
        render_template(template, contact.as_condition_data(), {"value": 42}, {"unsubscribe_url": "u"})
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engine.simulation")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--memory", action="store_true", help="also trace peak memory (slower)")
    args = parser.parse_args(argv)
    document = json.loads((CART / "workflow.json").read_text())
    templates = {p.stem: json.loads(p.read_text()) for p in (CART / "templates").glob("*.json")}
    request = SimulationRequest(
        contacts=args.contacts,
        days=args.days,
        open_rate=0.3,
        click_rate=0.05,
        goal_rate=0.1,
        seed=1,
        start=datetime(2026, 11, 30, 9, tzinfo=UTC),
    )
    if args.memory:
        tracemalloc.start()
    started = time.perf_counter()
    result = Simulation(document, templates, request).run()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if args.memory else None
    tracemalloc.stop()
    baseline = _baseline(args.contacts, EmailTemplate.model_validate(templates["cart-reminder"]))
    print(f"simulate cart-recovery: {args.contacts:,} contacts over {args.days} virtual days")
    print(f"  forecast   {elapsed:8.2f} s  ({elapsed / args.contacts * 1e3:.3f} ms a contact)")
    print(f"  baseline   {baseline:8.2f} s  (a Contact and one render per contact)")
    print(f"  ratio      {elapsed / baseline:8.1f}x")
    print(f"  emails {result['emails']:,}, transitions {result['transitions']:,}")
    if peak is not None:
        print(f"  peak traced memory {peak / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
