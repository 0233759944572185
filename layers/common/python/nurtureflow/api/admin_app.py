"""The admin routes: workflows, templates and the cost report, each limited to its roles."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import ValidationError

from nurtureflow import wiring
from nurtureflow.api import errors
from nurtureflow.api.errors import NotFoundError, RequestInvalidError
from nurtureflow.api.routes import ROUTES
from nurtureflow.auth.roles import require, role_of
from nurtureflow.costs.report import ReportQueryError, build_report, parse_report_query, report_to_csv
from nurtureflow.enrolment.manual import EnrolmentRefusedError, EnrolRequest
from nurtureflow.privacy.contact_data import ContactUnknownError
from nurtureflow.sending.templates import EmailTemplate, render_template, validate_template
from nurtureflow.settings import AuthSettings
from nurtureflow.workflow.diagram import to_mermaid, to_svg
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.schema import workflow_json_schema

app = APIGatewayRestResolver()
errors.install(app)
_auth = AuthSettings()
_ROLES = {(r.method, r.path): r.roles for r in ROUTES if r.function == "admin"}


def _authorise(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    event = app.current_event
    role = role_of(
        event.headers.get("Authorization") or event.headers.get("authorization"), _auth.role_token_hashes
    )
    require(role, _ROLES.get((event.http_method, event.resource), ()))
    return next_middleware(app)


app.use(middlewares=[_authorise])


@app.get("/admin/schema/workflow")
def workflow_schema() -> Response[str]:
    # Powertools serialises dict bodies for application/json only.
    return Response(200, "application/schema+json", json.dumps(workflow_json_schema()))


@app.post("/admin/workflows/validate")
def validate_workflow() -> dict[str, Any]:
    try:
        _, definition = wiring.workflow_service().check(errors.json_body(app))
    except WorkflowInvalidError as exc:
        return {"valid": False, "errors": [i.as_dict() for i in exc.issues], "definition": None}
    return {"valid": True, "errors": [], "definition": definition}


@app.get("/admin/workflows")
def list_workflows() -> dict[str, Any]:
    return {"workflows": wiring.workflow_service().list()}


@app.put("/admin/workflows/<workflow_id>")
def put_workflow(workflow_id: str) -> Response[dict[str, Any]]:
    published = wiring.workflow_service().upload(workflow_id, errors.json_body(app))
    body = {
        "id": published.id,
        "version": published.version,
        "status": published.status,
        "state_machine_arn": published.state_machine_arn,
    }
    return Response(201 if published.created else 200, "application/json", body)


@app.get("/admin/workflows/<workflow_id>")
def get_workflow(workflow_id: str) -> dict[str, Any]:
    return wiring.workflow_service().get(workflow_id)


@app.get("/admin/workflows/<workflow_id>/diagram")
def diagram(workflow_id: str) -> Response[Any]:
    workflow = wiring.workflow_service().current(workflow_id)
    accept = app.current_event.headers.get("Accept") or app.current_event.headers.get("accept") or ""
    if "image/svg+xml" in accept:
        return Response(200, "image/svg+xml", to_svg(workflow))
    if "text/plain" in accept or "text/vnd.mermaid" in accept:
        return Response(200, "text/plain; charset=utf-8", to_mermaid(workflow))
    return Response(200, "application/json", {"mermaid": to_mermaid(workflow), "svg": to_svg(workflow)})


@app.post("/admin/workflows/<workflow_id>/activate")
def activate(workflow_id: str) -> dict[str, Any]:
    activated = wiring.workflow_service().set_status(workflow_id, "active")
    return {**activated, "backfilling": wiring.manual_enrolment().after_activation(workflow_id)}


@app.post("/admin/workflows/<workflow_id>/pause")
def pause(workflow_id: str) -> dict[str, Any]:
    return wiring.workflow_service().set_status(workflow_id, "paused")


@app.post("/admin/workflows/<workflow_id>/enroll")
def enroll(workflow_id: str) -> Response[dict[str, Any]]:
    try:
        request = EnrolRequest.model_validate(errors.json_body(app))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise RequestInvalidError(field, str(first["msg"]), status=422) from None
    try:
        return Response(202, "application/json", wiring.manual_enrolment().request(workflow_id, request))
    except EnrolmentRefusedError as exc:
        raise RequestInvalidError(exc.field, str(exc), status=exc.status) from None


@app.post("/admin/workflows/<workflow_id>/simulate")
def simulate(workflow_id: str) -> dict[str, Any]:
    from nurtureflow.simulation.service import SimulationRefusedError, simulate_stored

    body = errors.json_body(app) if app.current_event.body else {}
    try:
        return simulate_stored(workflow_id, body, wiring.workflows(), wiring.templates())
    except SimulationRefusedError as exc:
        raise RequestInvalidError(exc.field, str(exc), status=exc.status) from None


def _template_from_body() -> EmailTemplate:
    body = errors.json_body(app)
    try:
        template = EmailTemplate.model_validate(body)
    except ValueError as exc:
        raise RequestInvalidError(
            "body", f"a template is {{subject, html, text?}}: {exc}", status=422
        ) from None
    problems = validate_template(template)
    if problems:
        first = problems[0]
        raise RequestInvalidError(first.field, str(first.message), status=422)
    return template


@app.put("/admin/templates/<template_id>")
def put_template(template_id: str) -> Response[dict[str, Any]]:
    template = _template_from_body()
    created = wiring.templates().put(template_id, template.model_dump(exclude_none=True))
    return Response(201 if created else 200, "application/json", {"id": template_id, **template.model_dump()})


@app.get("/admin/templates/<template_id>")
def get_template(template_id: str) -> dict[str, Any]:
    stored = wiring.templates().get(template_id)
    if stored is None:
        raise NotFoundError(f"no template is called '{template_id}'")
    return {k: stored.get(k) for k in ("id", "subject", "html", "text")}


@app.post("/admin/templates/<template_id>/preview")
def preview_template(template_id: str) -> dict[str, Any]:
    stored = wiring.templates().get(template_id)
    if stored is None:
        raise NotFoundError(f"no template is called '{template_id}'")
    body = errors.json_body(app)
    contact: dict[str, Any] = body.get("contact") or {}
    if "contact_id" in body:
        found = wiring.contacts().get(str(body["contact_id"]))
        if found is None:
            raise RequestInvalidError("contact_id", f"no contact has id '{body['contact_id']}'", status=404)
        contact = found.as_condition_data()
    template = EmailTemplate(subject=stored["subject"], html=stored["html"], text=stored.get("text"))
    rendered = render_template(
        template, contact, body.get("event"), {"unsubscribe_url": "#", "postal_address": ""}
    )
    return {"subject": rendered.subject, "html": rendered.html, "text": rendered.text}


@app.get("/admin/costs")
def costs() -> Response[Any]:
    try:
        query = parse_report_query(dict(app.current_event.query_string_parameters or {}))
    except ReportQueryError as exc:
        raise RequestInvalidError(exc.field, str(exc)) from None
    report = build_report(
        wiring.ledger().between(query.start, query.end), query.start, query.end, query.group_by
    )
    accept = app.current_event.headers.get("Accept") or app.current_event.headers.get("accept") or ""
    if "text/csv" in accept:
        return Response(200, "text/csv", report_to_csv(report))
    return Response(200, "application/json", report.model_dump(mode="json", by_alias=True))


@app.get("/admin/contacts/<contact>")
def export_contact(contact: str) -> dict[str, Any]:
    """Everything held on the contact (by id or email): the GDPR export."""
    try:
        return wiring.contact_data().export(unquote(contact))
    except ContactUnknownError:
        raise NotFoundError(f"no contact is '{unquote(contact)}'") from None


@app.delete("/admin/contacts/<contact>")
def erase_contact(contact: str) -> dict[str, Any]:
    """Erase the contact everywhere (GDPR); 404 once nothing is left, so a repeat says it is done."""
    try:
        erased = wiring.contact_data().erase(unquote(contact))
    except ContactUnknownError:
        raise NotFoundError(f"nothing is held on '{unquote(contact)}'") from None
    return {"erased": erased.as_dict()}


@app.get("/admin/scoring")
def get_scoring() -> dict[str, Any]:
    return wiring.scoring().document()


@app.put("/admin/scoring")
def put_scoring() -> dict[str, Any]:
    return wiring.scoring().upload(errors.json_body(app))


@app.post("/admin/broadcasts")
def create_broadcast() -> Response[dict[str, Any]]:
    from nurtureflow.broadcasts.model import BroadcastInvalidError

    try:
        created = wiring.broadcast_service().create(errors.json_body(app))
    except BroadcastInvalidError as exc:
        raise RequestInvalidError(exc.field, str(exc), status=422) from None
    return Response(202, "application/json", created)


@app.get("/admin/broadcasts/<broadcast_id>")
def get_broadcast(broadcast_id: str) -> dict[str, Any]:
    from nurtureflow.broadcasts.service import BroadcastNotFoundError

    try:
        return wiring.broadcast_service().get(broadcast_id)
    except BroadcastNotFoundError:
        raise NotFoundError(f"no broadcast has id '{broadcast_id}'") from None


@app.post("/admin/broadcasts/<broadcast_id>/cancel")
def cancel_broadcast(broadcast_id: str) -> Response[Any]:
    from nurtureflow.broadcasts.service import BroadcastConflictError, BroadcastNotFoundError

    try:
        return Response(200, "application/json", wiring.broadcast_service().cancel(broadcast_id))
    except BroadcastNotFoundError:
        raise NotFoundError(f"no broadcast has id '{broadcast_id}'") from None
    except BroadcastConflictError as exc:
        return errors.error(409, "conflict", str(exc), [{"field": "status", "message": str(exc)}])
