"""The stats answer: versions summed, steps in the document's order, bad queries named."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from nurtureflow.stats.report import StatsQuery, StatsQueryError, build_stats, parse_stats_query

V1 = {"steps": {"hello": {"type": "email"}, "bye": {"type": "email"}}}
V2 = {"steps": {"hello": {"type": "email"}, "pause": {"type": "wait"}}}
COUNTERS: dict[int, dict[str, Any]] = {
    1: {"enrolled": 2, "ended": 2, "step#bye#sent": 2, "step#hello#sent": 2, "revenue#EUR": 10.005},
    2: {
        "enrolled": 3,
        "ended": 1,
        "step#hello#sent": 3,
        "step#hello#skipped#capped": 1,
        "step#gone#sent": 9,
        "conversions": 1,
        "revenue#EUR": 5,
    },
}
META = {"id": "wf", "name": "WF", "status": "active"}


def test_all_versions_are_summed_with_the_newest_steps_first() -> None:
    stats = build_stats(META, {1: V1, 2: V2}, COUNTERS, None)
    assert (stats["version"], stats["versions"], stats["enrolled"], stats["in_flight"]) == (
        None,
        [1, 2],
        5,
        2,
    )
    assert stats["revenue"] == {"EUR": 15.005}
    assert [(s["id"], s["type"], s["sent"]) for s in stats["steps"]] == [
        ("hello", "email", 5),
        ("pause", "wait", 0),
        ("bye", "email", 2),
    ]
    assert stats["steps"][0]["skipped"] == {"capped": 1}


def test_one_version_alone() -> None:
    stats = build_stats(META, {1: V1, 2: V2}, COUNTERS, 1)
    assert (stats["version"], stats["versions"], stats["enrolled"], stats["conversions"]) == (1, [1], 2, 0)
    assert [s["id"] for s in stats["steps"]] == ["hello", "bye"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"version": "x"}, "version"),
        ({"version": "0"}, "version"),
        ({"from": "1", "to": "2026-11-30"}, "from"),
        ({"from": "2026-11-01"}, "to"),  # a period needs both ends
        ({"to": "2026-11-30"}, "from"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # over 366 days
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"since": "2026-11-01"}, "since"),
    ],
)
def test_bad_queries_name_their_parameter(query: dict[str, str], field: str) -> None:
    with pytest.raises(StatsQueryError) as raised:
        parse_stats_query(query)
    assert raised.value.field == field


def test_version_and_period_are_optional() -> None:
    assert parse_stats_query({}) == StatsQuery()
    assert parse_stats_query({"version": "12"}) == StatsQuery(12)
    period = parse_stats_query({"from": "2026-11-01", "to": "2026-11-30"})
    assert period == StatsQuery(None, (date(2026, 11, 1), date(2026, 11, 30)))
    assert period.days == ("2026-11-01", "2026-11-30")


def test_a_period_counts_its_own_days_but_in_flight_is_now() -> None:
    in_period = {1: {"enrolled": 1, "ended": 2, "step#hello#sent": 1}}
    all_time = {1: {"enrolled": 5, "ended": 3}}
    stats = build_stats(META, {1: V1}, in_period, None, (date(2026, 11, 1), date(2026, 11, 30)), all_time)
    assert stats["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert (stats["enrolled"], stats["ended"], stats["in_flight"]) == (1, 2, 2)
    assert stats["steps"][0]["sent"] == 1
