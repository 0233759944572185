"""The admin handler against moto: roles, templates, versions, validation without saving."""

from __future__ import annotations

import copy
from typing import Any

from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness

TEMPLATE = {"subject": "Hello {{ contact.first_name }}", "html": "<p>Hi</p>"}


def _workflow(workflow_id: str) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": workflow_id,
        "name": "Welcome",
        "trigger": {"event": "form_submitted"},
        "start": "hello",
        "steps": {"hello": {"type": "email", "template": "it-hello"}},
    }


def test_roles_guard_the_admin_routes(harness: Harness) -> None:
    assert harness.http("GET", "/admin/workflows").status == 401
    assert harness.http("GET", "/admin/workflows", token="wrong").status == 401
    assert harness.http("PUT", "/admin/templates/it-x", TEMPLATE, token=FINANCE).status == 403
    assert harness.http("GET", "/admin/costs?from=2026-01-01&to=2026-01-02", token=MARKETER).status == 403
    assert harness.http("GET", "/admin/workflows", token=FINANCE).status == 200


def test_a_template_with_a_syntax_error_is_refused_naming_the_field(harness: Harness) -> None:
    answer = harness.http(
        "PUT", "/admin/templates/it-broken", {"subject": "ok", "html": "<p>{{ contact.</p>"}, token=MARKETER
    )
    assert answer.status == 422
    assert answer.json()["details"][0]["field"] == "html"
    assert harness.http("GET", "/admin/templates/it-broken", token=MARKETER).status == 404


def test_uploading_an_id_again_publishes_a_new_version(harness: Harness) -> None:
    assert harness.http("PUT", "/admin/templates/it-hello", TEMPLATE, token=MARKETER).status == 201
    first = harness.http("PUT", "/admin/workflows/it-welcome", _workflow("it-welcome"), token=MARKETER)
    assert first.status == 201
    assert first.json()["version"] == 1
    assert first.json()["status"] == "paused"
    changed = copy.deepcopy(_workflow("it-welcome"))
    changed["name"] = "Welcome, v2"
    second = harness.http("PUT", "/admin/workflows/it-welcome", changed, token=ADMIN)
    assert (second.status, second.json()["version"]) == (200, 2)
    detail = harness.http("GET", "/admin/workflows/it-welcome", token=FINANCE).json()
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["versions"][1]["version_arn"].endswith(":2")
    assert detail["definition"]["StartAt"] == "hello"


def test_validate_compiles_without_saving(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-hello", TEMPLATE, token=MARKETER)
    answer = harness.http("POST", "/admin/workflows/validate", _workflow("it-unsaved"), token=MARKETER).json()
    assert answer["valid"] is True
    assert answer["definition"]["States"]["hello"]["Type"] == "Task"
    assert harness.http("GET", "/admin/workflows/it-unsaved", token=MARKETER).status == 404
    invalid = harness.http(
        "POST", "/admin/workflows/validate", {**_workflow("it-bad"), "extra": 1}, token=MARKETER
    ).json()
    assert invalid["valid"] is False
    assert invalid["errors"] == [{"pointer": "/extra", "message": "'extra' is not a known key here"}]


def test_a_hostile_step_subject_is_refused_like_a_hostile_template(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-hello", TEMPLATE, token=MARKETER)
    document = _workflow("it-hostile-subject")
    document["steps"]["hello"]["subject"] = '{{ "".__class__.__mro__ }}'
    answer = harness.http("PUT", "/admin/workflows/it-hostile-subject", document, token=MARKETER)
    assert answer.status == 422
    assert [d["pointer"] for d in answer.json()["details"]] == ["/steps/hello/subject"] * 2
    assert harness.http("GET", "/admin/workflows/it-hostile-subject", token=MARKETER).status == 404
    document["steps"]["hello"]["subject"] = "Last chance, {{ contact.first_name | default('friend') }}"
    assert harness.http("PUT", "/admin/workflows/it-hostile-subject", document, token=MARKETER).status == 201


def test_the_id_in_the_url_must_match_the_document(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-hello", TEMPLATE, token=MARKETER)
    answer = harness.http("PUT", "/admin/workflows/other-id", _workflow("it-welcome"), token=MARKETER)
    assert answer.status == 422
    assert answer.json()["details"][0]["pointer"] == "/id"


def test_the_workflow_schema_is_served_to_every_role(harness: Harness) -> None:
    answer = harness.http("GET", "/admin/schema/workflow", token=FINANCE)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/schema+json"
    assert answer.json()["$id"].endswith("workflow-v1.json")
    assert "steps" in answer.json()["properties"]


def test_the_diagram_is_served_as_svg_mermaid_or_both(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-hello", TEMPLATE, token=MARKETER)
    harness.http("PUT", "/admin/workflows/it-drawn", _workflow("it-drawn"), token=MARKETER)
    svg = harness.http(
        "GET", "/admin/workflows/it-drawn/diagram", token=FINANCE, headers={"Accept": "image/svg+xml"}
    )
    assert svg.status == 200
    assert svg.headers["Content-Type"] == "image/svg+xml"
    assert svg.body.startswith(b"<svg")
    both = harness.http("GET", "/admin/workflows/it-drawn/diagram", token=FINANCE).json()
    assert both["mermaid"].startswith("flowchart TD")
    assert harness.http("GET", "/admin/workflows/nope/diagram", token=FINANCE).status == 404


def test_documents_that_are_not_objects_get_422_and_nothing_is_stored(harness: Harness) -> None:
    for body in (b"[1, 2]", b'"workflow"', b"null", b"42"):
        answer = harness.http("PUT", "/admin/workflows/it-shapeless", body, token=MARKETER)
        assert answer.status == 422, body
        assert answer.json()["details"]
    assert harness.http("GET", "/admin/workflows/it-shapeless", token=MARKETER).status == 404


def test_the_cost_query_refuses_unknown_and_repeated_parameters_and_honours_accept(harness: Harness) -> None:
    base = "/admin/costs?from=2026-11-01&to=2026-11-30"
    for query, field in (("&groupby=day", "groupby"), ("&group_by=day&group_by=workflow", "group_by")):
        answer = harness.http("GET", base + query, token=FINANCE)
        assert answer.status == 400  # as for a bad from/to (docs/costs.md)
        assert answer.json()["details"][0]["field"] == field
    prefers_json = harness.http(
        "GET", base, token=FINANCE, headers={"Accept": "text/csv;q=0.9, application/json"}
    )
    assert prefers_json.headers["Content-Type"].startswith("application/json")
    csv = harness.http("GET", base, token=FINANCE, headers={"Accept": "text/csv"})
    assert csv.headers["Content-Type"].startswith("text/csv")


def test_a_template_id_is_plain(harness: Harness) -> None:
    for template_id in ("Bad%20Id", "-dash", "x" * 129, "a..b/c"):
        answer = harness.http("PUT", f"/admin/templates/{template_id}", TEMPLATE, token=MARKETER)
        # a slash never reaches the route: API Gateway answers 403 for a path it has no resource for
        assert answer.status in (403, 422), template_id
        if answer.status == 422:
            assert answer.json()["details"][0]["field"] == "id"
    assert harness.http("PUT", "/admin/templates/Spring.sale_2026-v2", TEMPLATE, token=MARKETER).status in (
        200,
        201,
    )
