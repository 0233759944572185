"""``GET /_local/api`` shows the OpenAPI document as a page in a browser, with nothing fetched from
outside the local stack (a user's machine may have no network)."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser

from tests.e2e.conftest import LocalClient

DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


def test_the_page_lists_every_operation_of_the_served_document_without_the_network(
    stack: LocalClient, browser: Browser
) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(stack.base + "/_local/api")
    page.wait_for_selector(".opblock", timeout=30_000)
    shown = page.eval_on_selector_all(
        ".opblock-summary-path", "nodes => nodes.map(n => n.getAttribute('data-path'))"
    )
    expected = {path for path, methods in DOCUMENT["paths"].items() for _ in methods}
    assert set(shown) == expected
    assert len(shown) == sum(len(methods) for methods in DOCUMENT["paths"].values())
    assert page.inner_text(".info .title").startswith(DOCUMENT["info"]["title"])
    outside = [url for url in requested if not url.startswith(stack.base) and not url.startswith("data:")]
    assert not outside, outside
