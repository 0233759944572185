"""Handlers against moto: one in-process local stack (moto server, runtime, bus) for the session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from nurtureflow.local.settings import LocalSettings
from nurtureflow.local.stack import LocalStack
from tests.support.asl import asl_problems
from tests.support.http import Reply

ROOT = Path(__file__).resolve().parents[2]
ADMIN, MARKETER, FINANCE, SITE = "it-admin", "it-marketer", "it-finance", "it-site"
# The site's secret server key: what most tests post events with (one process, one source IP and a
# clock that moves only when told would otherwise run into the publishable key's rate limits).
SERVER = "it-server"


class Harness:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def http(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        source_ip: str = "127.0.0.1",
    ) -> Reply:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        # An API path sits under the stage, as under ApiUrl in AWS; a link from an email (a whole
        # URL) already has it, and the local routes have none.
        if path.startswith("http://"):
            split = urlsplit(path)
            staged = split.path + (f"?{split.query}" if split.query else "")
        elif path.startswith("/_local/"):
            staged = path
        else:
            staged = f"/{self.stack.gateway.stage}{path}"
        return Reply(*self.stack.gateway.handle(method, staged, all_headers, raw, source_ip))

    def event(self, body: Any) -> Reply:
        """Post events as the site's backend does: with its server key."""
        return self.http("POST", "/v1/events", body, token=SERVER)

    def site_event(self, body: Any, source_ip: str = "127.0.0.1", **headers: str) -> Reply:
        """Post events as a web page does: with the publishable site key (rate limited)."""
        return self.http(
            "POST", "/v1/events", body, headers={"X-Site-Key": SITE, **headers}, source_ip=source_ip
        )

    def sent_to(self, address: str) -> list[dict[str, Any]]:
        return [e for e in self.stack.outbox() if e["to"] == address]


@pytest.fixture(scope="session")
def harness() -> Iterator[Harness]:
    settings = LocalSettings(
        port=0,
        admin_token=ADMIN,
        marketer_token=MARKETER,
        finance_token=FINANCE,
        site_key=SITE,
        server_key=SERVER,
    )
    stack = LocalStack(ROOT, settings)
    stack.start(with_samples=False)
    harness = Harness(stack)
    yield harness
    # Every definition these tests compiled (through uploads) must pass asl-validator too. Read
    # from the local Step Functions runtime, not the tables: another directory's moto (the
    # differential suite's mock_aws) may have reset those backends by the end of the session.
    definitions = _published_definitions(stack.runtime)
    stack.stop()
    assert asl_problems(definitions) == ""


@pytest.fixture(autouse=True, scope="module")
def _pause_what_the_module_activated(harness: Harness) -> Iterator[None]:
    """Each module's active workflows are paused when it ends: the session's stack is shared, and a
    workflow left active made every later clock advance sweep its segment or dates over the whole
    session's contacts (a catalog test took 79 s in the suite and 1.3 s alone)."""
    yield
    listed = harness.http("GET", "/admin/workflows", token=ADMIN).json().get("workflows", [])
    for workflow in listed:
        if workflow["status"] == "active":
            harness.http("POST", f"/admin/workflows/{workflow['id']}/pause", token=ADMIN)


def _published_definitions(runtime: Any) -> list[dict[str, Any]]:
    """The ASL of every published version of every state machine in the local runtime."""
    definitions: list[dict[str, Any]] = []
    for machine in _pages(runtime.list_state_machines, "stateMachines"):
        versions = partial(runtime.list_state_machine_versions, machine["stateMachineArn"])
        for version in _pages(versions, "stateMachineVersions"):
            described = runtime.describe_state_machine(version["stateMachineVersionArn"])
            definitions.append(json.loads(described["definition"]))
    return definitions


def _pages(call: Any, key: str) -> Iterator[dict[str, Any]]:
    token = None
    while True:
        answer = call(next_token=token) if token else call()
        yield from answer[key]
        token = answer.get("nextToken")
        if not token:
            return
