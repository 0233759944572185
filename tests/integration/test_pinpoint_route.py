"""``POST /admin/import/pinpoint``: the journey and its templates checked whole, then the templates
stored and the workflow uploaded paused; a refusal names each problem's pointer in the body and
saves nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from nurtureflow import wiring
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness
from tests.unit.pinpoint.test_template_import import EXPORTED

_EXPORTED_JOURNEY = json.loads(
    (Path(__file__).parents[1] / "unit" / "pinpoint" / "welcome_journey.json").read_text()
)
ROUTE = "/admin/import/pinpoint"


def _own_templates(journey: dict[str, Any]) -> dict[str, Any]:
    """The journey with template names of this module's own (the session's stack is shared)."""
    renamed = copy.deepcopy(journey)
    for activity in renamed["JourneyResponse"]["Activities"].values():
        if "EMAIL" in activity:
            activity["EMAIL"]["TemplateName"] = "Route " + activity["EMAIL"]["TemplateName"]
    return renamed


JOURNEY = _own_templates(_EXPORTED_JOURNEY)


def _template(name: str, subject: str) -> dict[str, Any]:
    response = copy.deepcopy(EXPORTED["EmailTemplateResponse"])
    response.update(TemplateName="Route " + name, Subject=subject, DefaultSubstitutions="")
    return {"EmailTemplateResponse": response}


WELCOME = {
    "EmailTemplateResponse": {**EXPORTED["EmailTemplateResponse"], "TemplateName": "Route Welcome_Email"}
}
ALL = [WELCOME, _template("Nudge", "Still there?"), _template("Spring Offer", "Spring")]


def _tables(harness: Harness) -> Any:
    return harness.http("GET", "/_local/tables").json()["tables"]


def test_a_journey_is_imported_paused_with_its_templates_and_a_report(harness: Harness) -> None:
    body = {
        "journey": JOURNEY,
        "id": "it-pp-route",
        "templates": ALL,
    }
    reply = harness.http("POST", ROUTE, body, token=MARKETER)
    assert reply.status == 201, reply.body
    answer = reply.json()
    assert (answer["workflow"]["id"], answer["workflow"]["status"]) == ("it-pp-route", "paused")
    assert answer["templates"] == {
        "created": ["route-nudge", "route-spring-offer", "route-welcome_email"],
        "kept": [],
    }
    dropped = [
        line["from"] for line in answer["report"]["activities_and_settings"] if line["outcome"] == "dropped"
    ]
    assert "/JourneyResponse/Activities/TextNudge/SMS" in dropped
    unconverted = {item["text"] for item in answer["report"]["templates"]}
    assert unconverted == {"{{#if User.UserAttributes.VIP}}", "{{/if}}", "{{Location.City}}"}
    stored = harness.http("GET", "/admin/templates/route-welcome_email", token=MARKETER).json()
    assert stored["subject"] == 'Welcome, {{ contact.first_name or "there" }}!'
    # Again: a new version, and the templates stored since are kept as they are.
    harness.http(
        "PUT", "/admin/templates/route-nudge", {"subject": "Mine", "html": "<p>mine</p>"}, token=MARKETER
    )
    again = harness.http("POST", ROUTE, body, token=ADMIN)
    assert again.status == 200
    kept = ["route-nudge", "route-spring-offer", "route-welcome_email"]
    assert again.json()["templates"] == {"created": [], "kept": kept}
    assert harness.http("GET", "/admin/templates/route-nudge", token=MARKETER).json()["subject"] == "Mine"


def test_a_broken_journey_or_template_is_refused_naming_each_pointer_and_nothing_is_saved(
    harness: Harness,
) -> None:
    broken = copy.deepcopy(JOURNEY)
    broken["JourneyResponse"]["Activities"]["WaitTwoDays"]["Wait"]["WaitTime"]["WaitFor"] = "3d"
    unbrought = copy.deepcopy(JOURNEY)
    unbrought["JourneyResponse"]["Activities"]["Nudge"]["EMAIL"]["TemplateName"] = "Never_Brought"
    bad_template = _template("Nudge", "x")
    bad_template["EmailTemplateResponse"]["Subjet"] = "typo"
    before = _tables(harness)
    for body, fields in (
        ({"journey": broken, "id": "it-pp-broken"},
         ["/journey/JourneyResponse/Activities/WaitTwoDays/Wait/WaitTime/WaitFor"]),
        ({"journey": JOURNEY, "id": "it-pp-broken", "templates": [WELCOME, bad_template]},
         ["/templates/1/EmailTemplateResponse/Subjet"]),
        ({"journey": unbrought, "id": "it-pp-broken", "templates": [WELCOME]},
         ["/workflow/steps/nudge/template"]),
        ({"journey": JOURNEY, "colour": "blue"}, ["/colour"]),
        ([1, 2], ["body"]),
    ):  # fmt: skip
        reply = harness.http("POST", ROUTE, body, token=MARKETER)
        assert reply.status == 422, body
        assert [d["field"] for d in reply.json()["details"]] == fields
    assert _tables(harness) == before
    assert wiring.workflows().meta("it-pp-broken") is None


def test_finance_may_not_import(harness: Harness) -> None:
    assert harness.http("POST", ROUTE, {"journey": JOURNEY}, token=FINANCE).status == 403


def test_an_import_into_an_archived_workflow_is_refused_and_undoes_its_templates(harness: Harness) -> None:
    assert harness.http("POST", ROUTE, {"journey": JOURNEY, "id": "it-pp-archived", "templates": ALL},
                        token=MARKETER).status == 201  # fmt: skip
    assert harness.http("DELETE", "/admin/workflows/it-pp-archived", token=ADMIN).status == 200
    renamed = copy.deepcopy(JOURNEY)
    renamed["JourneyResponse"]["Activities"]["Welcome"]["EMAIL"]["TemplateName"] = "Route Archived Hello"
    hello = {
        "EmailTemplateResponse": {**WELCOME["EmailTemplateResponse"], "TemplateName": "Route Archived Hello"}
    }
    refused = harness.http("POST", ROUTE, {"journey": renamed, "id": "it-pp-archived", "templates": [hello]},
                           token=MARKETER)  # fmt: skip
    assert refused.status == 409
    assert harness.http("GET", "/admin/templates/route-archived-hello", token=MARKETER).status == 404


def test_a_custom_activity_calls_the_deployment_s_connection_as_a_webhook_step(harness: Harness) -> None:
    """The local deployment's connection ``crm`` covers https://crm.shop.internal/: a CUSTOM activity
    calling an endpoint there imports as a webhook step, and the workflow uploads (compiles) with it."""
    journey = copy.deepcopy(JOURNEY)
    activities = journey["JourneyResponse"]["Activities"]
    activities["Tell"] = {
        "CUSTOM": {"DeliveryUri": "https://crm.shop.internal/pinpoint", "NextActivity": "Offer"}
    }
    activities["Hold"]["Holdout"]["NextActivity"] = "Tell"
    body = {
        "journey": journey,
        "id": "it-pp-custom",
        "templates": ALL,
    }
    reply = harness.http("POST", ROUTE, body, token=MARKETER)
    assert reply.status == 201, reply.body
    stored = harness.http("GET", "/admin/workflows/it-pp-custom", token=MARKETER).json()
    assert stored["definition"]["States"]["tell.call"]["Resource"] == "arn:aws:states:::http:invoke"
    assert stored["document"]["steps"]["tell"] == {
        "type": "webhook",
        "connection": "crm",
        "url": "https://crm.shop.internal/pinpoint",
        "next": "offer",
    }
