"""Twenty clients at once against the local stack: websites posting batches (each posted twice, as a
client retrying after a timeout would) while finance and marketers read stats and costs. No 5xx,
every event stored once, one run and one email per contact."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import LocalClient

pytestmark = pytest.mark.e2e
ADMIN, MARKETER, FINANCE = "local-admin-token", "local-marketer-token", "local-finance-token"
SERVER_KEY = "local-server-key"
POSTERS, BATCHES, PER_BATCH, READERS = 14, 3, 10, 6
# Each reader reads a fixed number of rounds: readers looping until the posters finish made the
# test's length depend on how the lock was shared out (over 600 s on a loaded CI machine).
READ_ROUNDS = 4
WORKFLOW = {
    "schema": "workflow/v1",
    "id": "load-welcome",
    "name": "Welcome under load",
    "trigger": {"event": "form_submitted"},
    "start": "hello",
    "steps": {"hello": {"type": "email", "template": "load-hello"}},
}
TEMPLATE = {
    "subject": "Hello {{ contact.first_name }}",
    "html": '<p>Hi</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a> {{ postal_address }}</p>',
}


def _batch(poster: int, batch: int) -> dict[str, Any]:
    return {
        "batch": [
            {
                "id": f"load-{poster}-{batch}-{i}",
                "type": "form_submitted",
                "email": f"load{poster}.{batch}.{i}@example.com",
                "traits": {"first_name": "Lee"},
            }
            for i in range(PER_BATCH)
        ]
    }


def test_twenty_clients_at_once_lose_nothing_and_double_nothing(stack: LocalClient) -> None:
    assert stack.call("PUT", "/admin/templates/load-hello", TEMPLATE, token=MARKETER).status == 201
    assert stack.call("PUT", "/admin/workflows/load-welcome", WORKFLOW, token=MARKETER).status == 201
    assert stack.call("POST", "/admin/workflows/load-welcome/activate", token=MARKETER).status == 200
    statuses: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()

    def post(poster: int) -> None:
        for batch in range(BATCHES):
            for _ in range(2):  # the same batch again: a retry after a lost answer
                reply = stack.call(
                    "POST",
                    "/v1/events",
                    _batch(poster, batch),
                    headers={"Authorization": f"Bearer {SERVER_KEY}"},
                )
                with lock:
                    statuses.append(reply.status)
                    if reply.status >= 300:
                        refused.append(f"POST /v1/events {reply.status} {reply.body[:300]!r}")

    today = date.today()

    def read(reader: int) -> None:
        for _ in range(READ_ROUNDS):
            for path, token in (
                ("/admin/workflows/load-welcome/stats", MARKETER),
                (f"/admin/costs?from={today - timedelta(days=30)}&to={today}&group_by=day", FINANCE),
                ("/admin/workflows", MARKETER),
            ):
                reply = stack.call("GET", path, token=token)
                with lock:
                    statuses.append(reply.status)
                    if reply.status >= 300:
                        refused.append(f"GET {path} {reply.status} {reply.body[:300]!r}")

    with ThreadPoolExecutor(POSTERS + READERS) as pool:
        readers = [pool.submit(read, r) for r in range(READERS)]
        for future in [pool.submit(post, p) for p in range(POSTERS)]:
            future.result()
        for future in readers:
            future.result()

    assert statuses, "nothing was answered"
    assert not refused, refused[:5]
    assert stack.call("POST", "/_local/clock", {"advance": "PT10M"}).status == 200
    emails = stack.call("GET", "/_local/outbox").json()["emails"]
    sent = [e["to"] for e in emails if e.get("workflow") == "load-welcome"]
    addresses = {
        f"load{p}.{b}.{i}@example.com"
        for p in range(POSTERS)
        for b in range(BATCHES)
        for i in range(PER_BATCH)
    }
    assert sorted(sent) == sorted(addresses), "one email per contact, none twice"
    stats = stack.call("GET", "/admin/workflows/load-welcome/stats", token=MARKETER).json()
    hello = next(step for step in stats["steps"] if step["id"] == "hello")
    assert (stats["enrolled"], hello["entered"], hello["sent"]) == (len(addresses),) * 3
    for address in sorted(addresses)[:: len(addresses) // 10]:  # a sample, exported one by one
        export = stack.call("GET", f"/admin/contacts/{address}", token=ADMIN).json()
        kinds = [e["type"] for e in export["events"]]
        assert kinds.count("form_submitted") == 1, (address, kinds)
        assert len([r for r in export["runs"] if r["workflow"] == "load-welcome"]) == 1
