"""``nurtureflow import pinpoint JOURNEY.json --templates DIR --out DIR``: the files a user uploads,
the report, and the exit status a script checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nurtureflow.cli import main
from tests.unit.pinpoint.test_template_import import EXPORTED

JOURNEY = Path(__file__).parent / "welcome_journey.json"


def test_the_workflow_its_templates_and_the_report_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = tmp_path / "exported"
    templates.mkdir()
    (templates / "Welcome_Email.json").write_text(json.dumps(EXPORTED))
    out = tmp_path / "imported"
    main(["import", "pinpoint", str(JOURNEY), "--templates", str(templates), "--out", str(out)])
    workflow = json.loads((out / "workflow.json").read_text())
    assert (workflow["id"], workflow["start"]) == ("welcome-series", "welcome")
    assert sorted(p.name for p in (out / "templates").iterdir()) == ["welcome_email.json"]
    report = json.loads((out / "report.json").read_text())
    dropped = [line["from"] for line in report["activities_and_settings"] if line["outcome"] == "dropped"]
    assert "/JourneyResponse/Activities/TextNudge/SMS" in dropped
    # The templates not brought are named, at the step that needs them.
    missing = {item["pointer"] for item in report["templates"] if "no email template" in item["note"]}
    assert missing == {"/steps/nudge/template", "/steps/offer/template"}
    printed = capsys.readouterr().out
    assert printed.startswith("workflow welcome-series: 8 steps")
    assert "dropped   /JourneyResponse/Activities/TextNudge/SMS" in printed
    assert (
        "template  welcome_email /EmailTemplateResponse/HtmlPart {{Location.City}}: this variable" in printed
    )
    assert "template  /steps/nudge/template: no email template is called 'nudge'" in printed


def test_a_broken_journey_exits_1_naming_each_problem_s_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = json.loads(JOURNEY.read_text())
    broken["JourneyResponse"]["Activities"]["WaitTwoDays"]["Wait"]["WaitTime"]["WaitFor"] = "3d"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(SystemExit) as exited:
        main(["import", "pinpoint", str(path), "--out", str(tmp_path / "out")])
    assert exited.value.code == 1
    assert "/JourneyResponse/Activities/WaitTwoDays/Wait/WaitTime/WaitFor: must be an ISO 8601 duration" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()
