"""``GET /openapi.json``: the document, public, under the stage like every route, as docs/ has it."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import Harness

DOCS_COPY = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_the_document_is_served_without_credentials_and_is_the_docs_copy(harness: Harness) -> None:
    reply = harness.http("GET", "/openapi.json")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.body.decode() == DOCS_COPY.read_text()
    assert reply.json()["paths"]["/openapi.json"]["get"]["security"] == []


def test_the_document_sits_under_the_stage_as_every_route(harness: Harness) -> None:
    status, headers, _ = harness.stack.gateway.handle("GET", "/openapi.json", {}, b"", "127.0.0.1")
    assert status == 403
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_an_admin_token_is_neither_needed_nor_harmful(harness: Harness) -> None:
    assert harness.http("GET", "/openapi.json", token="not-a-token").status == 200
