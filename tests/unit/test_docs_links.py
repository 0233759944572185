"""The docs say everything themselves: every link in the README and docs/ resolves inside the
repository, and nothing sends a reader to a folder outside it that users never get."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])
# [text](target) with a relative target; web addresses and in-page anchors are not files.
LINK = re.compile(r"\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"\.\./shared|/work/shared|\.\./\.\./")


def _targets(page: Path) -> list[str]:
    return [
        target.split("#", 1)[0]
        for target in LINK.findall(page.read_text())
        if not re.match(r"[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file_of_the_repository(page: Path) -> None:
    missing = [t for t in _targets(page) if not (page.parent / t).resolve().exists()]
    escaping = [t for t in _targets(page) if ROOT not in (page.parent / t).resolve().parents]
    assert not missing, f"{page.name}: links to nothing: {missing}"
    assert not escaping, f"{page.name}: links outside the repository: {escaping}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_points_outside_the_repository(page: Path) -> None:
    found = [line for line in page.read_text().splitlines() if OUTSIDE.search(line)]
    assert not found, f"{page.name} points outside the repository: {found}"


def test_the_api_document_points_nowhere_outside_the_repository() -> None:
    assert not OUTSIDE.search((ROOT / "docs" / "openapi.json").read_text())


def test_the_check_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("See [the contract](../shared/contract/http-api.md) and [here](gone.md#x).")
    assert _targets(page) == ["../shared/contract/http-api.md", "gone.md"]
    assert OUTSIDE.search(page.read_text())
