"""The local bus routes by the template's rules with EventBridge's matching:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html"""

from __future__ import annotations

import pytest

from nurtureflow.local.deployed.event_patterns import UnsupportedPatternError, check_pattern, matches

STATUS = {
    "source": ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    "detail": {"stateMachineArn": [{"prefix": "arn:aws:states:us-east-1:1:stateMachine:nurtureflow-"}]},
}


def _event(machine: str) -> dict[str, object]:
    return {
        "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "detail": {
            "stateMachineArn": f"arn:aws:states:us-east-1:1:stateMachine:{machine}",
            "status": "SUCCEEDED",
        },
    }


def test_a_prefix_on_a_nested_field_picks_the_workflow_machines_only() -> None:
    assert matches(STATUS, _event("nurtureflow-cart"))
    assert not matches(STATUS, _event("NurtureFlowBroadcasts"))


def test_every_field_of_the_pattern_must_match_and_a_missing_one_never_does() -> None:
    assert not matches({"source": ["nurtureflow.track"]}, {"source": "nurtureflow.step"})
    assert not matches({"detail": {"kind": ["x"]}}, {"source": "a", "detail": {}})
    assert matches({"source": ["a", "b"]}, {"source": "b", "detail": {}})


def test_an_array_field_matches_when_any_element_does_and_types_must_agree() -> None:
    assert matches({"resources": ["r2"]}, {"resources": ["r1", "r2"]})
    assert not matches({"detail": {"count": [1]}}, {"detail": {"count": "1"}})


def test_an_operator_the_local_bus_does_not_implement_is_refused() -> None:
    with pytest.raises(UnsupportedPatternError):
        check_pattern({"detail": {"amount": [{"numeric": [">", 0]}]}})
