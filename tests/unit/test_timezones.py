"""Time zones by IANA name only: host aliases and paths never pick a host file."""

from __future__ import annotations

import pytest

from nurtureflow.timezones import find_zone
from nurtureflow.workflow.schedule import zone_for


@pytest.mark.parametrize("name", ["Europe/Paris", " America/New_York ", "UTC", "Asia/Kolkata"])
def test_iana_names_are_found(name: str) -> None:
    zone = find_zone(name)
    assert zone is not None
    assert zone.key == name.strip()


@pytest.mark.parametrize(
    "name",
    [
        "localtime",
        "LocalTime",
        "posixrules",
        "Factory",
        "posix/Europe/Paris",
        "right/UTC",
        "../../etc/passwd",
        "/etc/localtime",
        "Nowhere/Special",
        "",
        None,
        "x" * 65,
    ],
)
def test_anything_else_is_no_zone_and_falls_back_where_zones_are_used(name: str | None) -> None:
    assert find_zone(name) is None
    assert zone_for("contact", name).key == "UTC"
