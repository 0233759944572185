"""Rendering an email that extends a stored layout with a stored partial, as a warm Lambda does.

``python -m bench.templates [--renders N] [--repeat R]``. Three figures, best of R:

- baseline: Jinja2's stock ``ImmutableSandboxedEnvironment`` rendering the same email flattened
  into one source (layout and partial pasted in), compiled once: the least a sandboxed render costs;
- warm: ``render_template`` through a warm ``TemplateLibrary`` (layout and partial cached), with
  the hardened sandbox's budget, output cap and filters, and the text part derived from the html
  (the baseline derives no text: about 40% of the warm figure is ``html_to_text``);
- cold: a new library per render (every source read and compiled again), what caching saves.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from nurtureflow.sending.library import TemplateLibrary
from nurtureflow.sending.templates import EmailTemplate, render_template
from nurtureflow.simulation.memory import MemoryTemplates

CONTENT = (
    "<p>Hi {{ contact.first_name }}, your cart:</p><ul>{% for item in event.lines %}"
    "<li>{{ item.name }} x{{ item.quantity }}</li>{% endfor %}</ul>"
)
FOOTER = '<p>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
LAYOUT = "<html><body><h1>Shop</h1>{% block content %}{% endblock %}{% include 'footer' %}</body></html>"
EMAIL = EmailTemplate(
    subject="{{ contact.first_name }}, still thinking?",
    html="{% extends 'brand' %}{% block content %}" + CONTENT + "{% endblock %}",
)
FLAT = "<html><body><h1>Shop</h1>" + CONTENT + FOOTER + "</body></html>"
CONTACT = {"id": "c_1", "email": "ana@example.com", "first_name": "Ana", "properties": {}}
EVENT = {"type": "cart_updated", "properties": {"lines": [{"name": "Boots", "quantity": 1}] * 3}}
EXTRA = {"unsubscribe_url": "https://t.example/u/x", "postal_address": "1 Main St"}


def _store() -> MemoryTemplates:
    store = MemoryTemplates()
    store.put("brand", {"kind": "layout", "html": LAYOUT})
    store.put("footer", {"kind": "partial", "html": FOOTER})
    return store


def _best(repeat: int, run: Callable[[], Any]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.templates")
    parser.add_argument("--renders", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    stock = ImmutableSandboxedEnvironment(autoescape=True)
    subject, flat = stock.from_string(EMAIL.subject), stock.from_string(FLAT)
    context = {"contact": CONTACT, "event": EVENT["properties"], **EXTRA}
    store = _store()
    warm = TemplateLibrary(store)

    def baseline() -> None:
        for _ in range(args.renders):
            subject.render(context)
            flat.render(context)

    def warm_renders() -> None:
        for _ in range(args.renders):
            render_template(EMAIL, CONTACT, EVENT, EXTRA, warm)

    def cold_renders() -> None:
        for _ in range(max(1, args.renders // 20)):
            render_template(EMAIL, CONTACT, EVENT, EXTRA, TemplateLibrary(store))

    base = _best(args.repeat, baseline) / args.renders
    hot = _best(args.repeat, warm_renders) / args.renders
    cold = _best(args.repeat, cold_renders) / max(1, args.renders // 20)
    print(f"templates: stock sandbox, flattened  {base * 1e6:8.1f} µs per email (baseline)")
    print(f"templates: warm library, layout      {hot * 1e6:8.1f} µs per email  ratio {hot / base:.2f}")
    print(f"templates: cold library, layout      {cold * 1e6:8.1f} µs per email  ratio {cold / base:.2f}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
