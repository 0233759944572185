"""An imported Pinpoint journey runs in the local stack as the journey described it: the welcome
email with the converted template on sign-up, then after two days and the split's twelve hours,
the nudge for a contact who did not open it (the SMS between them dropped), then the offer."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from nurtureflow.pinpoint.journey import import_journey
from nurtureflow.pinpoint.templates import convert_template
from tests.integration.conftest import MARKETER, SERVER, Harness
from tests.unit.pinpoint.test_template_import import EXPORTED

JOURNEY = json.loads((Path(__file__).parents[1] / "unit" / "pinpoint" / "welcome_journey.json").read_text())


def test_the_imported_welcome_journey_sends_the_welcome_then_the_nudge(harness: Harness) -> None:
    imported = import_journey(JOURNEY, "it-pinpoint-welcome")
    welcome = convert_template(EXPORTED).template
    others = {"nudge": {"subject": "Still there?", "html": "<p>Nudge</p>"},
              "spring-offer": {"subject": "Spring", "html": "<p>Offer</p>"}}  # fmt: skip
    for name, template in {"welcome_email": welcome, **others}.items():
        assert harness.http("PUT", f"/admin/templates/{name}", template, token=MARKETER).status in (200, 201)
    workflow = {**imported.workflow, "settings": {**imported.workflow["settings"], "timezone": "UTC"}}
    workflow["settings"].pop("quiet_hours")  # the test's clock may sit in them; quiet hours are tested apart
    assert harness.http("PUT", "/admin/workflows/it-pinpoint-welcome", workflow, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-pinpoint-welcome/activate", token=MARKETER).status == 200

    event = {"type": "signed_up", "email": "pp-ana@example.com", "traits": {"first_name": "Ana"}}
    assert harness.http("POST", "/v1/events", event, token=SERVER).status == 202
    [first] = harness.sent_to("pp-ana@example.com")
    assert first["subject"] == "Welcome, Ana!"
    assert "Hi Ana," in first["html"]

    harness.stack.advance(timedelta(days=2, hours=12, minutes=5))
    subjects = [e["subject"] for e in harness.sent_to("pp-ana@example.com")]
    # The nudge leads straight to the A/B split, whose paths (and the holdout's 90 %) lead to the
    # offer: a split is stable per contact, and Ana's paths reach it.
    assert subjects == ["Welcome, Ana!", "Still there?", "Spring"]
