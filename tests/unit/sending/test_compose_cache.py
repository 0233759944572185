"""Composing through ``ComposeCache`` gives exactly the email composed without it, send after send:
the cache only spares parsing the same html again (docs/simulation.md, the forecast's speed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nurtureflow.sending.compose import ComposeCache, compose_email
from nurtureflow.sending.templates import STANDALONE, EmailTemplate
from nurtureflow.settings import TrackingSettings

TRACKING = TrackingSettings(
    public_base_url="https://t.example.com/",
    link_keys={"k1": "secret"},
    link_key_id="k1",
    link_hosts=["shop.example"],
)
CATALOG = Path(__file__).parents[3] / "catalog"
FOOTER = '<p>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
TRICKY = {
    "derived text": {"subject": "Hi", "html": f'<p><a href="https://shop.example/a">A</a></p>{FOOTER}'},
    "own text part": {
        "subject": "Hi",
        "html": f"<p>Hello</p>{FOOTER}",
        "text": "Hello https://shop.example/x. Leave: {{ unsubscribe_url }}",
    },
    "the URL inside a link": {
        "subject": "Hi",
        "html": '<p><a href="https://shop.example/bye?next={{ unsubscribe_url | urlencode }}">x</a>'
        '<a href="https://shop.example/go?u={{ unsubscribe_url }}">y</a></p>',
    },
    "the URL transformed": {
        "subject": "Hi",
        "html": "<p>{{ unsubscribe_url | upper }} {{ unsubscribe_url[:30] }}</p>",
    },
    "contact data in a link": {
        "subject": "Hi",
        "html": '<p><a href="{{ contact.properties.site }}">site</a> <a href="https://elsewhere.example/">no</a>'
        ' <a data-nf-notrack href="https://shop.example/n">n</a> <a href="mailto:a@shop.example">m</a></p>',
    },
    "no body tag": {"subject": "Hi", "html": "<html><p>{{ contact.first_name }}</p></html>"},
}


def _catalog() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(CATALOG.glob("*/templates/*.json"))}


def _compose(
    template: dict[str, Any], contact: dict[str, Any], send_id: str, cache: ComposeCache | None
) -> Any:
    return compose_email(
        EmailTemplate.model_validate(template),
        contact,
        {"type": "cart_updated", "properties": {"value": 42}},
        send_id=send_id,
        workflow={"id": "wf", "name": "Workflow", "version": 1, "step": "s"},
        tracking=TRACKING,
        postal_address="1 Example Street",
        library=STANDALONE,
        cache=cache,
    )


def _contact(n: int, site: str = "https://shop.example/mine") -> dict[str, Any]:
    return {
        "id": f"c_{n}",
        "email": f"p{n}@shop.example",
        "first_name": f"P{n % 3}",
        "properties": {"site": site},
    }


@pytest.mark.parametrize("name", [*TRICKY, *_catalog()])
def test_every_send_through_the_cache_is_the_send_without_it(name: str) -> None:
    template = {**_catalog(), **TRICKY}[name]
    cache = ComposeCache(TRACKING)
    for n in range(12):  # the same html again and again: the cache answers after the first
        send_id = f"s_{n:024d}"
        assert _compose(template, _contact(n), send_id, cache) == _compose(
            template, _contact(n), send_id, None
        )


@settings(max_examples=60, deadline=None)
@given(site=st.text(max_size=40), send=st.integers(0, 10**6), body=st.text(max_size=60))
def test_any_contact_data_and_body_compose_alike(site: str, send: int, body: str) -> None:
    template = {
        "subject": "Hi",
        "html": f'<p>{body}<a href="{{{{ contact.properties.site }}}}">s</a></p>{FOOTER}',
    }
    cache = ComposeCache(TRACKING)
    for n in range(2):
        send_id = f"s_{send + n:024d}"
        expected = _compose(template, _contact(n, site), send_id, None)
        assert _compose(template, _contact(n, site), send_id, cache) == expected
