"""The workflows and templates lists in pages: ``?limit=N&after=ID``, by id; whole without a limit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import MARKETER, Harness

TEMPLATE = {"subject": "Hi", "html": "<p>Hi</p>"}


def _all_pages(harness: Harness, path: str, key: str, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        query = f"?limit={limit}" + (f"&after={after}" if after else "")
        body: dict[str, Any] = harness.http("GET", path + query, token=MARKETER).json()
        pages.append([item["id"] for item in body[key]])
        after = body["next"]
        if after is None:
            return pages


def _workflow(workflow_id: str) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": workflow_id,
        "name": workflow_id,
        "trigger": {"event": "never_sent"},
        "start": "hello",
        "steps": {"hello": {"type": "email", "template": "page-a"}},
    }


LISTS = [("/admin/templates", "templates"), ("/admin/workflows", "workflows")]


@pytest.mark.parametrize(("path", "key"), LISTS)
def test_pages_cover_the_whole_list_once_in_id_order(harness: Harness, path: str, key: str) -> None:
    for name in ("page-c", "page-a", "page-b", "page-e", "page-d"):
        assert harness.http("PUT", f"/admin/templates/{name}", TEMPLATE, token=MARKETER).status in (200, 201)
    for name in ("page-wf-3", "page-wf-1", "page-wf-2"):
        uploaded = harness.http("PUT", f"/admin/workflows/{name}", _workflow(name), token=MARKETER)
        assert uploaded.status in (200, 201)
    whole = harness.http("GET", path, token=MARKETER).json()
    assert whole["next"] is None
    ids = [item["id"] for item in whole[key]]
    assert ids == sorted(ids)
    pages = _all_pages(harness, path, key, limit=2)
    assert [i for page in pages for i in page] == ids
    assert all(len(page) <= 2 for page in pages)
    assert pages[-1]  # the last page is never empty: next is null as soon as nothing follows


@pytest.mark.parametrize("limit", ["0", "1001", "two", "-1", "1.5"])
def test_a_limit_out_of_range_is_refused_naming_it(harness: Harness, limit: str) -> None:
    answer = harness.http("GET", f"/admin/templates?limit={limit}", token=MARKETER)
    assert answer.status == 400
    assert answer.json()["details"][0]["field"] == "limit"
