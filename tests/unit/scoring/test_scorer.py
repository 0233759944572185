"""The pure scorer: matching rules, caps over any sequence of events, decay and stages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.scoring.rules import DEFAULT_RULES, ScoringRules, Stage
from nurtureflow.scoring.scorer import Award, PastAward, awards, decayed, reached_stage

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
CONTACT: dict[str, Any] = {"score": 0, "lifecycle_stage": "subscriber", "lists": []}
STAGES = DEFAULT_RULES.stages


def test_only_rules_on_the_event_whose_where_holds_give_points() -> None:
    pricing = awards(DEFAULT_RULES, "page_viewed", CONTACT, {"path": "/pricing/teams"}, [], NOW)
    assert pricing == [Award("pricing-page", 5)]
    assert awards(DEFAULT_RULES, "page_viewed", CONTACT, {"path": "/blog"}, [], NOW) == []
    assert awards(DEFAULT_RULES, "unsubscribed", CONTACT, {}, [], NOW) == [Award("unsubscribe", -20)]


def test_a_cap_gives_what_is_left_of_it_then_nothing_until_the_window_moves_on() -> None:
    past = [PastAward("email-open", 1, NOW - timedelta(hours=h)) for h in (1, 2)]
    assert awards(DEFAULT_RULES, "email_opened", CONTACT, {}, past, NOW) == [Award("email-open", 1)]
    past.append(PastAward("email-open", 1, NOW - timedelta(hours=3)))
    assert awards(DEFAULT_RULES, "email_opened", CONTACT, {}, past, NOW) == []
    tomorrow = NOW + timedelta(days=1)
    assert awards(DEFAULT_RULES, "email_opened", CONTACT, {}, past, tomorrow) == [Award("email-open", 1)]


def test_a_capped_rule_gives_part_of_its_points_when_only_part_is_left() -> None:
    past = [PastAward("pricing-page", 5, NOW - timedelta(hours=1)), PastAward("pricing-page", 5, NOW)]
    rules = DEFAULT_RULES.model_copy(
        update={"rules": [r.model_copy(update={"points": 7}) for r in DEFAULT_RULES.rules[:1]]}
    )
    assert awards(rules, "page_viewed", CONTACT, {"path": "/pricing"}, past, NOW) == [
        Award("pricing-page", 5)
    ]


def _capped(points: int, cap: int, per_hours: int) -> ScoringRules:
    return ScoringRules.model_validate(
        {
            "schema": "scoring/v1",
            "rules": [
                {"id": "r", "event": "x", "points": points, "cap": {"points": cap, "per": f"PT{per_hours}H"}}
            ],
        }
    )


@given(
    points=st.integers(-50, 50).filter(bool),
    cap=st.integers(1, 100),
    per_hours=st.integers(1, 48),
    gaps=st.lists(st.integers(0, 600), min_size=1, max_size=60),
)
def test_a_cap_is_never_exceeded_in_any_window(
    points: int, cap: int, per_hours: int, gaps: list[int]
) -> None:
    rules, per = _capped(points, cap, per_hours), timedelta(hours=per_hours)
    past: list[PastAward] = []
    moment = NOW
    for gap in gaps:
        moment += timedelta(minutes=gap)
        for award in awards(rules, "x", CONTACT, {}, past, moment):
            assert award.points * points > 0, "a cap never flips a rule's sign"
            past.append(PastAward(award.source, award.points, moment))
    for end in (p.at for p in past):
        assert sum(abs(p.points) for p in past if end - per < p.at <= end) <= cap


@given(
    score=st.integers(-10_000, 10_000),
    days=st.floats(0, 3650, allow_nan=False),
    half_life_days=st.integers(1, 365),
)
def test_decay_moves_a_score_towards_zero_and_never_past_it(
    score: int, days: float, half_life_days: int
) -> None:
    after = decayed(score, NOW, NOW + timedelta(days=days), timedelta(days=half_life_days))
    assert abs(after) <= abs(score)
    assert after == 0 or (after > 0) == (score > 0)


@given(score=st.integers(1, 10_000), first=st.integers(0, 1000), second=st.integers(0, 1000))
def test_decay_never_increases_a_positive_score_over_time(score: int, first: int, second: int) -> None:
    half_life = timedelta(days=90)
    early, late = sorted((first, second))
    assert decayed(score, NOW, NOW + timedelta(days=late), half_life) <= decayed(
        score, NOW, NOW + timedelta(days=early), half_life
    )


def test_decay_halves_a_score_in_one_half_life_and_needs_a_half_life() -> None:
    assert decayed(80, NOW, NOW + timedelta(days=90), timedelta(days=90)) == 40
    assert decayed(80, NOW, NOW + timedelta(days=90), None) == 80
    assert decayed(80, None, NOW, timedelta(days=90)) == 80


def test_stages_advance_on_thresholds_and_never_demote() -> None:
    assert reached_stage(STAGES, "subscriber", 19) is None
    assert reached_stage(STAGES, "subscriber", 20) == "lead"
    assert reached_stage(STAGES, "lead", 120) == "sql"
    assert reached_stage(STAGES, "sql", 10) is None
    assert reached_stage(STAGES, "mql", 60) is None


def test_a_stage_set_by_hand_outside_the_rules_is_left_alone() -> None:
    assert reached_stage(STAGES, "customer", 500) is None
    assert reached_stage([Stage(stage="lead", at=-5)], "subscriber", 0) == "lead"


@given(scores=st.lists(st.integers(-200, 200), min_size=1, max_size=30))
def test_a_contact_s_stage_only_ever_moves_up(scores: list[int]) -> None:
    order = ["subscriber", *[s.stage for s in STAGES]]
    stage = "subscriber"
    for score in scores:
        moved = reached_stage(STAGES, stage, score)
        if moved is not None:
            assert order.index(moved) > order.index(stage)
            stage = moved
