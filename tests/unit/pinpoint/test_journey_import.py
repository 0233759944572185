"""A Pinpoint journey as a workflow: each activity and setting mapped and reported, and the input
checked against botocore's own ``pinpoint`` shapes, every problem named by its JSON Pointer.

The shapes are the service model's (``JourneyResponse``, ``WriteJourneyRequest``, ``Activity``...:
https://docs.aws.amazon.com/pinpoint/latest/apireference/apps-application-id-journeys-journey-id.html).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from nurtureflow.pinpoint.journey import JourneyInvalidError, import_journey
from nurtureflow.workflow.validate import validate_workflow

WELCOME = json.loads((Path(__file__).parent / "welcome_journey.json").read_text())


def _journey() -> dict[str, Any]:
    return copy.deepcopy(WELCOME["JourneyResponse"])


def _outcomes(report: list[dict[str, Any]]) -> dict[str, tuple[str | None, str]]:
    return {line["from"]: (line["to"], line["outcome"]) for line in report}


def test_the_welcome_journey_becomes_a_valid_workflow_that_does_the_same_thing() -> None:
    imported = import_journey(WELCOME)
    workflow = imported.workflow
    validate_workflow(workflow, lambda name: name in imported.templates)
    steps = workflow["steps"]
    assert (workflow["id"], workflow["trigger"], workflow["start"]) == (
        "welcome-series",
        {"event": "signed_up"},
        "welcome",
    )
    assert steps["welcome"] == {"type": "email", "template": "welcome_email", "next": "waittwodays"}
    assert steps["waittwodays"] == {"type": "wait", "for": "P2D", "next": "openedwelcome-wait"}
    # The split waits its evaluation time, then branches on the welcome email's open.
    assert steps["openedwelcome-wait"] == {"type": "wait", "for": "PT12H", "next": "openedwelcome"}
    assert steps["openedwelcome"] == {
        "type": "branch",
        "cases": [{"when": {"email": "welcome", "opened": True}, "next": "offer"}],
        "default": "nudge",  # the SMS between them is dropped: its path goes on to the next email
    }
    assert steps["abtest"]["paths"] == [{"percent": 50, "next": "offer"}, {"percent": 50, "next": "hold"}]
    # 10 % are held out; the stats measure the lift of the rest against them.
    assert steps["hold"] == {"type": "holdout", "percent": 10, "next": "offer"}
    assert "next" not in steps["offer"]
    assert workflow["settings"] == {
        "timezone": "contact",
        "quiet_hours": {"from": "22:00", "to": "07:00"},
        "frequency_caps": [{"emails": 3, "within": "P1D", "scope": "workflow"}],
    }
    assert workflow["reentry"] == {"policy": "never"}
    assert imported.templates == ["nudge", "spring-offer", "welcome_email"]


def test_every_activity_and_setting_is_reported_with_its_pointer_on_both_sides() -> None:
    outcomes = _outcomes(import_journey(WELCOME).report)
    base = "/JourneyResponse"
    assert outcomes[f"{base}/Activities/TextNudge/SMS"] == (None, "dropped")
    assert outcomes[f"{base}/Activities/Hold/Holdout"] == ("/steps/hold", "converted")
    assert outcomes[f"{base}/Activities/Offer/EMAIL"] == ("/steps/offer", "changed")  # its FromAddress
    assert outcomes[f"{base}/Activities/Welcome/EMAIL"] == ("/steps/welcome", "converted")
    assert outcomes[f"{base}/Limits/MessagesPerSecond"] == (None, "dropped")
    assert outcomes[f"{base}/State"] == (None, "changed")  # uploaded paused
    assert outcomes[f"{base}/Schedule"] == (None, "dropped")
    for activity_id, activity in WELCOME["JourneyResponse"]["Activities"].items():
        kind = next(k for k in activity if k != "Description")
        assert f"{base}/Activities/{activity_id}/{kind}" in outcomes, activity_id


def test_get_journey_and_create_journey_json_with_or_without_the_outer_key_import_alike() -> None:
    journey = _journey()
    write = {k: v for k, v in journey.items() if k not in ("Id", "ApplicationId", "tags")}
    expected = import_journey(WELCOME).workflow
    for document in (journey, {"WriteJourneyRequest": write}, write):
        assert import_journey(document).workflow == expected


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        (lambda j: j["Activities"]["WaitTwoDays"]["Wait"]["WaitTime"].update(WaitFor="3d"),
         "/JourneyResponse/Activities/WaitTwoDays/Wait/WaitTime/WaitFor", "ISO 8601 duration"),
        (lambda j: j["Activities"]["Welcome"].update(NextActivity="WaitTwoDays"),
         "/JourneyResponse/Activities/Welcome/NextActivity", "Activity has no member 'NextActivity'"),
        (lambda j: j["Activities"]["Nudge"]["EMAIL"].update(NextActivity="Nowhere"),
         "/JourneyResponse/Activities/Nudge/EMAIL/NextActivity", "no activity is called 'Nowhere'"),
        (lambda j: j["Activities"]["Hold"]["Holdout"].update(Percentage="10"),
         "/JourneyResponse/Activities/Hold/Holdout/Percentage", "whole number"),
        (lambda j: j.update(State="RUNNING"), "/JourneyResponse/State", "must be one of DRAFT"),
        (lambda j: j["Activities"]["ABTest"]["RandomSplit"]["Branches"][0].update(Percentage=60),
         "/JourneyResponse/Activities/ABTest/RandomSplit/Branches", "add up to 110"),
        (lambda j: j.pop("Name"), "/JourneyResponse/Name", "requires Name"),
        (lambda j: j["Schedule"].update(StartTime="next monday"), "/JourneyResponse/Schedule/StartTime",
         "ISO 8601 date"),
        (lambda j: j.update(StartActivity="Nope"), "/JourneyResponse/StartActivity", "no activity"),
    ],
)  # fmt: skip
def test_a_journey_pinpoint_would_refuse_is_refused_naming_the_pointer(
    change: Any, where: str, says: str
) -> None:
    journey = _journey()
    change(journey)
    with pytest.raises(JourneyInvalidError) as refused:
        import_journey({"JourneyResponse": journey})
    assert any(p.pointer == where and says in p.message for p in refused.value.problems), (
        refused.value.problems
    )


def test_activity_ids_become_valid_step_ids_without_collisions() -> None:
    journey = {
        "Name": "Ids",
        "StartActivity": "Step 1",
        "Activities": {
            "Step 1": {"EMAIL": {"TemplateName": "a", "NextActivity": "step-1"}},
            "step-1": {"EMAIL": {"TemplateName": "b", "NextActivity": "STEP_1"}},
            "STEP_1": {"EMAIL": {"TemplateName": "c"}},
        },
    }
    imported = import_journey(journey)
    assert list(imported.workflow["steps"]) == ["step-1", "step-1-2", "step_1"]
    validate_workflow(imported.workflow, lambda name: True)
    assert imported.workflow["steps"]["step-1"]["next"] == "step-1-2"


def test_a_multi_condition_split_on_custom_events_and_attributes_becomes_a_branch() -> None:
    journey = {
        "Name": "Buyers",
        "StartActivity": "Which",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": "seg-1"}},
        "Activities": {
            "Which": {
                "MultiCondition": {
                    "EvaluationWaitTime": {"WaitFor": "P1D"},
                    "Branches": [
                        {
                            "Condition": {"EventCondition": {"Dimensions": {
                                "EventType": {"Values": ["order_completed"]},
                                "Metrics": {"value": {"ComparisonOperator": "GREATER_THAN", "Value": 50}},
                            }}},
                            "NextActivity": "Big",
                        },
                        {
                            "Condition": {"SegmentDimensions": {
                                "UserAttributes": {"FirstName": {"Values": ["Ana"]}},  # INCLUSIVE by default
                                "Attributes": {"Plan": {"AttributeType": "EXCLUSIVE", "Values": ["free"]}},
                            }},
                            "NextActivity": "Paid",
                        },
                        {"Condition": {"SegmentCondition": {"SegmentId": "seg-2"}}, "NextActivity": "Paid"},
                    ],
                    "DefaultActivity": "Paid",
                }
            },
            "Big": {"EMAIL": {"TemplateName": "big"}},
            "Paid": {"EMAIL": {"TemplateName": "paid"}},
        },
    }  # fmt: skip
    imported = import_journey(journey)
    validate_workflow(imported.workflow, lambda name: True)
    assert imported.workflow["trigger"] == {"manual": True}  # Pinpoint segments do not come over
    branch = imported.workflow["steps"]["which"]
    assert branch["cases"] == [
        {"when": {"event": "order_completed", "within": "P1D",
                  "where": {"field": "event.value", "op": "gt", "value": 50}}, "next": "big"},
        {"when": {"all": [{"field": "contact.first_name", "op": "in", "value": ["Ana"]},
                          {"field": "contact.properties.Plan", "op": "not_in", "value": ["free"]}]},
         "next": "paid"},
    ]  # fmt: skip
    assert branch["default"] == "paid"
    notes = [line["note"] for line in imported.report if line["outcome"] == "changed"]
    assert any("Pinpoint segment" in note for note in notes)


def test_a_path_that_leads_nowhere_ends_in_an_exit_even_beside_an_activity_called_end() -> None:
    journey = {
        "Name": "Ends",
        "StartActivity": "Coin",
        "Activities": {
            "Coin": {
                "RandomSplit": {"Branches": [{"Percentage": 50, "NextActivity": "End"}, {"Percentage": 50}]}
            },
            "End": {"EMAIL": {"TemplateName": "bye"}},
        },
    }
    imported = import_journey(journey)
    validate_workflow(imported.workflow, lambda name: True)
    steps = imported.workflow["steps"]
    assert steps["end"] == {"type": "email", "template": "bye"}
    assert steps["coin"]["paths"] == [{"percent": 50, "next": "end"}, {"percent": 50, "next": "end-2"}]
    assert steps["end-2"] == {"type": "exit"}


def test_waits_until_a_fixed_moment_come_over_as_waits_until_it() -> None:
    did_x = {"EventCondition": {"Dimensions": {"EventType": {"Values": ["x"]}}}}
    journey = {
        "Name": "Sale",
        "StartActivity": "Doors",
        "Activities": {
            "Doors": {"Wait": {"WaitTime": {"WaitUntil": "2026-12-24T09:00:00Z"}, "NextActivity": "Check"}},
            "Check": {"ConditionalSplit": {
                "Condition": {"Conditions": [did_x]},
                "EvaluationWaitTime": {"WaitUntil": "2026-12-26T09:00:00Z"},
                "TrueActivity": "Doors2", "FalseActivity": "Doors2",
            }},
            "Doors2": {"EMAIL": {"TemplateName": "sale"}},
        },
    }  # fmt: skip
    imported = import_journey(journey)
    validate_workflow(imported.workflow, lambda name: True)
    steps = imported.workflow["steps"]
    assert steps["doors"] == {"type": "wait", "until": "2026-12-24T09:00:00Z", "next": "check-wait"}
    assert steps["check-wait"] == {"type": "wait", "until": "2026-12-26T09:00:00Z", "next": "check"}
    broken = copy.deepcopy(journey)
    broken["Activities"]["Doors"]["Wait"]["WaitTime"] = {"WaitUntil": "24/12/2026"}
    with pytest.raises(JourneyInvalidError) as refused:
        import_journey(broken)
    assert [p.pointer for p in refused.value.problems] == ["/Activities/Doors/Wait/WaitTime/WaitUntil"]
    broken["Activities"]["Doors"]["Wait"]["WaitTime"] = {}
    with pytest.raises(JourneyInvalidError) as refused:
        import_journey(broken)
    assert [p.pointer for p in refused.value.problems] == ["/Activities/Doors/Wait/WaitTime"]


def test_delivery_bounce_and_complaint_conditions_come_over_as_email_conditions() -> None:
    def on(*events: str) -> dict[str, Any]:
        values = list(events)
        return {
            "EventCondition": {"Dimensions": {"EventType": {"Values": values}}, "MessageActivity": "Hello"}
        }

    journey = {
        "Name": "Arrived",
        "StartActivity": "Hello",
        "Activities": {
            "Hello": {"EMAIL": {"TemplateName": "hello", "NextActivity": "Which"}},
            "Which": {"MultiCondition": {
                "Branches": [
                    {"Condition": on("_email.hardbounce", "_email.softbounce"), "NextActivity": "Bye"},
                    {"Condition": on("_email.complaint"), "NextActivity": "Bye"},
                    {"Condition": on("_email.delivered", "_email.send"), "NextActivity": "Bye"},
                ],
                "DefaultActivity": "Bye",
            }},
            "Bye": {"EMAIL": {"TemplateName": "bye"}},
        },
    }  # fmt: skip
    imported = import_journey(journey)
    validate_workflow(imported.workflow, lambda name: True)
    cases = [case["when"] for case in imported.workflow["steps"]["which"]["cases"]]
    assert cases == [
        {"email": "hello", "bounced": True},
        {"email": "hello", "complained": True},
        {"email": "hello", "delivered": True},
    ]
    notes = [line["note"] for line in imported.report if line["outcome"] == "changed"]
    assert any(note.startswith("_email.send of an email is left out") for note in notes)


def test_pinpoint_s_caps_per_participant_become_this_workflow_s_frequency_caps() -> None:
    journey = _journey()
    journey["Limits"] = {
        "DailyCap": 2,
        "TotalCap": 5,
        "TimeframeCap": {"Cap": 3, "Days": 7},
        "EndpointReentryCap": 0,
    }
    imported = import_journey(journey)
    validate_workflow(imported.workflow, lambda name: True)
    assert imported.workflow["settings"]["frequency_caps"] == [
        {"emails": 2, "within": "P1D", "scope": "workflow"},
        {"emails": 5, "scope": "workflow"},
        {"emails": 3, "within": "P7D", "scope": "workflow"},
    ]
    outcomes = _outcomes(imported.report)
    assert outcomes["/Limits/TotalCap"] == ("/settings/frequency_caps/1", "converted")
    assert outcomes["/Limits/TimeframeCap"] == ("/settings/frequency_caps/2", "converted")


def test_email_open_hours_and_closed_days_become_the_sending_window() -> None:
    journey = _journey()
    journey["OpenHours"] = {
        "EMAIL": {"MONDAY": [{"StartTime": "09:00", "EndTime": "17:00"}], "FRIDAY": [{"StartTime": "09:00",
                                                                                   "EndTime": "12:00"}]},
        "SMS": {"MONDAY": [{"StartTime": "10:00", "EndTime": "11:00"}]},
    }  # fmt: skip
    journey["ClosedDays"] = {"EMAIL": [
        {"Name": "Christmas", "StartDateTime": "2026-12-24T12:00:00", "EndDateTime": "2026-12-26T00:00:00"}
    ]}  # fmt: skip
    imported = import_journey(journey)
    validate_workflow(imported.workflow, lambda name: True)
    assert imported.workflow["settings"]["sending_window"] == {
        "hours": {"mon": [{"from": "09:00", "to": "17:00"}], "fri": [{"from": "09:00", "to": "12:00"}]},
        "closed": ["2026-12-24", "2026-12-25"],
    }
    outcomes = _outcomes(imported.report)
    assert outcomes["/OpenHours/EMAIL"] == ("/settings/sending_window/hours", "converted")
    assert outcomes["/OpenHours"] == (None, "dropped")  # the SMS rules
    broken = _journey()
    broken["OpenHours"] = {"EMAIL": {"MONDAY": [{"StartTime": "17:00", "EndTime": "09:00"}]}}
    with pytest.raises(JourneyInvalidError) as refused:
        import_journey(broken)
    assert [p.pointer for p in refused.value.problems] == ["/OpenHours/EMAIL/MONDAY/0"]


@pytest.mark.parametrize("share", [0, 100])
def test_a_holdout_of_none_or_everyone_is_a_split_to_an_exit_marked_changed(share: int) -> None:
    journey = _journey()
    journey["Activities"]["Hold"]["Holdout"]["Percentage"] = share
    imported = import_journey({"JourneyResponse": journey})
    validate_workflow(imported.workflow, lambda name: name in imported.templates)
    assert imported.workflow["steps"]["hold"]["paths"] == [
        {"percent": share, "next": "hold-held-out"},
        {"percent": 100 - share, "next": "offer"},
    ]
    assert _outcomes(imported.report)["/JourneyResponse/Activities/Hold/Holdout"] == (
        "/steps/hold",
        "changed",
    )


def test_a_second_holdout_is_a_split_since_a_workflow_measures_one() -> None:
    journey = _journey()
    journey["Activities"]["Hold2"] = {"Holdout": {"Percentage": 20, "NextActivity": "Offer"}}
    journey["Activities"]["Hold"]["Holdout"]["NextActivity"] = "Hold2"
    imported = import_journey({"JourneyResponse": journey})
    steps = imported.workflow["steps"]
    validate_workflow(imported.workflow, lambda name: name in imported.templates)
    assert steps["hold"] == {"type": "holdout", "percent": 10, "next": "hold2"}
    assert steps["hold2"]["paths"] == [
        {"percent": 20, "next": "hold2-held-out"},
        {"percent": 80, "next": "offer"},
    ]
    line = _outcomes(imported.report)["/JourneyResponse/Activities/Hold2/Holdout"]
    assert line == ("/steps/hold2", "changed")


def _with_custom(uri: str) -> dict[str, Any]:
    journey = _journey()
    journey["Activities"]["Tell"] = {
        "CUSTOM": {
            "DeliveryUri": uri,
            "EndpointTypes": ["EMAIL"],
            "MessageConfig": {"Data": "x"},
            "NextActivity": "Offer",
        }
    }
    journey["Activities"]["Hold"]["Holdout"]["NextActivity"] = "Tell"
    return {"JourneyResponse": journey}


def test_a_custom_activity_calling_a_covered_endpoint_becomes_a_webhook_step() -> None:
    connections = {"crm": "https://crm.acme.net/", "leads": "https://crm.acme.net/hooks/"}
    imported = import_journey(_with_custom("https://crm.acme.net/hooks/pinpoint"), connections=connections)
    steps = imported.workflow["steps"]
    # the most specific base URL's connection
    assert steps["tell"] == {
        "type": "webhook",
        "connection": "leads",
        "url": "https://crm.acme.net/hooks/pinpoint",
        "next": "offer",
    }
    assert steps["hold"]["next"] == "tell"
    validate_workflow(imported.workflow, lambda name: name in imported.templates)
    to, outcome = _outcomes(imported.report)["/JourneyResponse/Activities/Tell/CUSTOM"]
    assert (to, outcome) == ("/steps/tell", "changed")


@pytest.mark.parametrize(("uri", "says"), [
    ("arn:aws:lambda:us-east-1:123456789012:function:notify", "a Lambda function is not called"),
    ("https://other.example.net/hook", "no webhook connection of this deployment covers https://other.example.net/hook"),
    ("https://crm.acme.net.evil.test/hook", "no webhook connection"),
])  # fmt: skip
def test_a_custom_activity_no_connection_covers_is_dropped_and_its_path_goes_on(uri: str, says: str) -> None:
    imported = import_journey(_with_custom(uri), connections={"crm": "https://crm.acme.net"})
    assert "tell" not in imported.workflow["steps"]
    assert imported.workflow["steps"]["hold"]["next"] == "offer"
    [line] = [r for r in imported.report if r["from"] == "/JourneyResponse/Activities/Tell/CUSTOM"]
    assert line["outcome"] == "dropped"
    assert says in line["note"]
