"""What pip and PyPI show of the package: an SPDX licence backed by a LICENSE file, and
dependencies whose extras exist (pip installs a missing extra silently, with a warning only)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_licence_is_an_spdx_expression_with_its_text_in_the_repository() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert metadata("nurtureflow")["License-Expression"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text


def test_authors_classifiers_and_a_changelog_are_there() -> None:
    assert PROJECT["authors"]
    assert "Programming Language :: Python :: 3.11" in PROJECT["classifiers"]
    assert (ROOT / "CHANGELOG.md").read_text().startswith("# Changelog")


def _requirements() -> list[str]:
    extras = PROJECT["optional-dependencies"].values()
    return [*PROJECT["dependencies"], *(req for group in extras for req in group)]


@pytest.mark.parametrize("requirement", [r for r in _requirements() if "[" in r])
def test_every_extra_asked_of_a_dependency_exists(requirement: str) -> None:
    match = re.match(r"([A-Za-z0-9_.-]+)\[([^\]]+)\]", requirement)
    assert match is not None
    name, wanted = match.group(1), {e.strip() for e in match.group(2).split(",")}
    provided = set(metadata(name).get_all("Provides-Extra") or [])
    assert wanted <= provided, f"{name} has no extra {sorted(wanted - provided)}"
