"""``POST /admin/import/pinpoint``: a journey and its templates imported into the stack.

Everything is checked before anything is written: the journey and each template against
Pinpoint's shapes, each converted template as ``PUT /admin/templates/{id}`` checks it, and the
workflow as ``PUT /admin/workflows/{id}`` validates it. Then the templates are stored (one already
stored under the same id is kept, never replaced) and the workflow is uploaded, paused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nurtureflow.pinpoint.journey import JourneyInvalidError, import_journey, template_id
from nurtureflow.pinpoint.templates import TemplateInvalidError, convert_template
from nurtureflow.sending.checks import check_upload
from nurtureflow.sending.problems import TemplateInvalidError as TemplateRefusedError
from nurtureflow.sending.templates import EmailTemplate
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow

_KEYS = {"journey", "templates", "id"}


class ImportRefusedError(Exception):
    """Nothing was written: ``details`` are ``{field, message}``, fields as JSON Pointers in the body."""

    def __init__(self, details: list[dict[str, str]]) -> None:
        super().__init__(f"the import was refused, nothing was saved: {len(details)} problem(s)")
        self.details = details


def import_pinpoint(
    body: Any,
    templates: Any,
    workflows: Any,
    postal_address: str,
    now: str,
    connections: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Import the body's ``journey`` (and ``templates``, a list of ``get-email-template`` JSON) with
    ``templates`` (the template repository) and ``workflows`` (the workflow service); ``connections``
    (webhook connection -> base URL) are the deployment's, for CUSTOM activities."""
    journey, exported, workflow_id = _body(body)
    try:
        imported = import_journey(journey, workflow_id, connections)
    except JourneyInvalidError as invalid:
        raise ImportRefusedError(
            [_detail("/journey" + p.pointer, p.message) for p in invalid.problems]
        ) from None
    # Templates stored already are kept as they are: each is read once.
    stored = {name for name in imported.templates if templates.get(name) is not None}
    wanted = [name for name in imported.templates if name not in stored]
    converted, template_report = _templates(exported, wanted, templates, postal_address)
    try:
        validate_workflow(imported.workflow, lambda name: name in converted or name in stored)
    except WorkflowInvalidError as invalid:
        raise ImportRefusedError([_missing(i.pointer, i.message) for i in invalid.issues]) from None
    for name, template in converted.items():
        templates.put(name, {**template, "updated_at": now})
    try:
        published = workflows.upload(imported.workflow["id"], imported.workflow)
    except Exception:
        # The upload failed (an archived workflow of that id, AWS refusing): nothing stays half-done.
        for name in converted:
            templates.delete_if_unchanged(name, now)
        raise
    return {
        "workflow": {
            "id": published.id,
            "version": published.version,
            "status": published.status,
            "state_machine_arn": published.state_machine_arn,
            "created": published.created,
        },
        "templates": {"created": sorted(converted), "kept": sorted(stored)},
        "report": {"activities_and_settings": imported.report, "templates": template_report},
    }


def _body(body: Any) -> tuple[Any, list[Any], str | None]:
    if not isinstance(body, dict):
        raise ImportRefusedError([_detail("body", "the body is {journey, templates?, id?}")])
    unknown = sorted(set(body) - _KEYS)
    if unknown:
        raise ImportRefusedError(
            [_detail(f"/{key}", "unknown key: the body is {journey, templates?, id?}") for key in unknown]
        )
    if "journey" not in body:
        raise ImportRefusedError(
            [_detail("/journey", "the journey, as get-journey or create-journey prints it")]
        )
    exported = body.get("templates", [])
    if not isinstance(exported, list):
        raise ImportRefusedError([_detail("/templates", "a list of get-email-template outputs")])
    workflow_id = body.get("id")
    if workflow_id is not None and not isinstance(workflow_id, str):
        raise ImportRefusedError([_detail("/id", "the workflow's id is a string")])
    return body["journey"], exported, workflow_id


def _templates(
    exported: list[Any], wanted: list[str], repository: Any, postal_address: str
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The converted templates among ``wanted`` (sent by the workflow, not stored), checked as an
    upload checks them."""
    converted: dict[str, dict[str, Any]] = {}
    report: list[dict[str, Any]] = []
    details: list[dict[str, str]] = []
    for index, document in enumerate(exported):
        at = f"/templates/{index}"
        try:
            template = convert_template(document)
        except TemplateInvalidError as invalid:
            details += [_detail(at + p.pointer, p.message) for p in invalid.problems]
            continue
        name = template_id(template.name)
        if name not in wanted:
            continue
        try:
            check_upload(name, EmailTemplate.model_validate(template.template), repository, postal_address)
        except TemplateRefusedError as refused:
            details += [
                _detail(at, f"converted, it would be refused: {p.field}: {p.message}")
                for p in refused.problems
            ]
            continue
        converted[name] = template.template
        report += [
            {"template": name, **item, "pointer": at + item["pointer"]} for item in template.unconverted
        ]
    if details:
        raise ImportRefusedError(details)
    return converted, report


def _missing(pointer: str, message: str) -> dict[str, str]:
    if pointer.endswith("/template") and "no email template" in message:
        message += ": add its get-email-template output to templates, or upload it first"
    return _detail("/workflow" + pointer, message)


def _detail(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}
