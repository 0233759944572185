"""The admin routes: workflows, templates and the cost report, each limited to its roles."""

from __future__ import annotations

import json
import re
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import ValidationError

from nurtureflow import wiring
from nurtureflow.api import admin_operations as ops
from nurtureflow.api import errors
from nurtureflow.api.errors import NotFoundError, RequestInvalidError
from nurtureflow.api.negotiation import prefers_csv
from nurtureflow.api.paging import page_of, parse_limit
from nurtureflow.api.routes import ROUTES
from nurtureflow.auth.people import looks_like_jwt, roles_of_person
from nurtureflow.auth.roles import bearer, require, role_of
from nurtureflow.clock import timestamp
from nurtureflow.settings import AuthSettings, EndpointSettings, SendingSettings, WebhookSettings
from nurtureflow.workflow.errors import WorkflowInvalidError

if TYPE_CHECKING:
    from nurtureflow.sending.templates import EmailTemplate

# A route's own domain modules (diagrams, template checks, the cost report, enrolment, GDPR export,
# the language's schema) load in the route, at its first request: the console's first page asks
# for a few routes, and the function's cold start no longer pays for all of them
# (docs/architecture.md).

app = APIGatewayRestResolver()
errors.install(app)
_auth = AuthSettings()
_cognito_endpoint = EndpointSettings().endpoint_cognito_idp
_ROLES = {(r.method, r.path): r.roles for r in ROUTES if r.function == "admin"}


def _authorise(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    event = app.current_event
    authorization = event.headers.get("Authorization") or event.headers.get("authorization")
    roles = _roles(authorization)
    require(roles, _ROLES.get((event.http_method, event.resource), ()))
    app.append_context(roles=roles)  # type: ignore[no-untyped-call]  # read by /admin/session
    return next_middleware(app)


def _roles(authorization: str | None) -> tuple[str, ...]:
    """A person's Cognito access token, when the stack has a user pool; otherwise a role token."""
    token = bearer(authorization)
    if _auth.people_pool_id and _auth.people_client_id and looks_like_jwt(token):
        return roles_of_person(token, _auth.people_pool_id, _auth.people_client_id, _cognito_endpoint)
    return (role_of(authorization, _auth.role_token_hashes),)


app.use(middlewares=[_authorise])


@app.get("/admin/session", **ops.SESSION)
def session() -> dict[str, Any]:
    held: tuple[str, ...] = app.context["roles"]
    may = sorted(f"{method} {path}" for (method, path), allowed in _ROLES.items() if set(held) & set(allowed))
    # The stack's clock, by which reports' "this month" is counted (the local stack's is virtual).
    return {"role": held[0], "roles": list(held), "may": may, "now": timestamp(wiring.clock.now())}


@app.get("/admin/schema/workflow", **ops.WORKFLOW_SCHEMA)
def workflow_schema() -> Response[str]:
    from nurtureflow.workflow.schema import workflow_json_schema

    # Powertools serialises dict bodies for application/json only.
    return Response(200, "application/schema+json", json.dumps(workflow_json_schema()))


@app.post("/admin/workflows/validate", **ops.VALIDATE_WORKFLOW)
def validate_workflow() -> dict[str, Any]:
    try:
        _, definition = wiring.workflow_service().check(errors.json_body(app))
    except WorkflowInvalidError as exc:
        return {"valid": False, "errors": [i.as_dict() for i in exc.issues], "definition": None}
    return {"valid": True, "errors": [], "definition": definition}


@app.get("/admin/workflows", **ops.LIST_WORKFLOWS)
def list_workflows() -> dict[str, Any]:
    workflows, following = page_of(
        wiring.workflow_service().list(), app.current_event.query_string_parameters
    )
    return {"workflows": workflows, "next": following}


@app.put("/admin/workflows/<workflow_id>", **ops.PUT_WORKFLOW)
def put_workflow(workflow_id: str) -> Response[dict[str, Any]]:
    published = wiring.workflow_service().upload(workflow_id, errors.json_body(app))
    body = {
        "id": published.id,
        "version": published.version,
        "status": published.status,
        "state_machine_arn": published.state_machine_arn,
    }
    return Response(201 if published.created else 200, "application/json", body)


@app.get("/admin/workflows/<workflow_id>", **ops.GET_WORKFLOW)
def get_workflow(workflow_id: str) -> dict[str, Any]:
    return wiring.workflow_service().get(workflow_id)


@app.get("/admin/workflows/<workflow_id>/versions/<version>", **ops.GET_WORKFLOW_VERSION)
def get_workflow_version(workflow_id: str, version: str) -> dict[str, Any]:
    """A version's document and ASL, also after its Step Functions version was pruned."""
    from nurtureflow.workflow.publishing import WorkflowVersionNotFoundError

    if not (version.isascii() and version.isdigit()) or len(version) > 9:
        raise RequestInvalidError("version", "the version must be a positive whole number", status=400)
    try:
        return wiring.workflow_service().version(workflow_id, int(version))
    except WorkflowVersionNotFoundError as exc:
        raise NotFoundError(str(exc)) from None


@app.delete("/admin/workflows/<workflow_id>", **ops.ARCHIVE_WORKFLOW)
def archive_workflow(workflow_id: str) -> dict[str, Any]:
    """Archive: no more enrolment, every run in flight stopped; a repeat answers the same way."""
    return wiring.workflow_archive().archive(workflow_id)


@app.get("/admin/workflows/<workflow_id>/stats", **ops.WORKFLOW_STATS)
def workflow_stats(workflow_id: str) -> dict[str, Any]:
    from nurtureflow.stats.report import StatsQueryError, parse_stats_query
    from nurtureflow.stats.service import VersionNotFoundError

    try:
        query = parse_stats_query(dict(app.current_event.query_string_parameters or {}))
        return wiring.workflow_stats().read(workflow_id, query)
    except StatsQueryError as exc:
        raise RequestInvalidError(exc.field, str(exc), status=422) from None
    except VersionNotFoundError as exc:
        raise NotFoundError(str(exc)) from None


@app.get("/admin/workflows/<workflow_id>/diagram", **ops.DIAGRAM)
def diagram(workflow_id: str) -> Response[Any]:
    from nurtureflow.workflow.diagram import to_mermaid, to_svg

    workflow = wiring.workflow_service().current(workflow_id)
    accept = app.current_event.headers.get("Accept") or app.current_event.headers.get("accept") or ""
    if "image/svg+xml" in accept:
        return Response(200, "image/svg+xml", to_svg(workflow))
    if "text/plain" in accept or "text/vnd.mermaid" in accept:
        return Response(200, "text/plain; charset=utf-8", to_mermaid(workflow))
    return Response(200, "application/json", {"mermaid": to_mermaid(workflow), "svg": to_svg(workflow)})


@app.post("/admin/workflows/<workflow_id>/activate", **ops.ACTIVATE)
def activate(workflow_id: str) -> dict[str, Any]:
    activated = wiring.workflow_service().set_status(workflow_id, "active")
    return {**activated, "backfilling": wiring.manual_enrolment().after_activation(workflow_id)}


@app.post("/admin/workflows/<workflow_id>/pause", **ops.PAUSE)
def pause(workflow_id: str) -> dict[str, Any]:
    return wiring.workflow_service().set_status(workflow_id, "paused")


@app.post("/admin/workflows/<workflow_id>/enroll", **ops.ENROLL)
def enroll(workflow_id: str) -> Response[dict[str, Any]]:
    from nurtureflow.enrolment.manual import EnrolmentRefusedError, EnrolRequest

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


@app.post("/admin/workflows/<workflow_id>/simulate", **ops.SIMULATE)
def simulate(workflow_id: str) -> Response[dict[str, Any]]:
    from nurtureflow.simulation.service import SimulationRefusedError

    body = errors.json_body(app) if errors.raw_body(app) else {}
    # RFC 7240: the client prefers an answer that does not wait for the work.
    prefer = (app.current_event.headers.get("Prefer") or "").lower()
    try:
        status, answered = wiring.forecasts().ask(workflow_id, body, respond_async="respond-async" in prefer)
    except SimulationRefusedError as exc:
        raise RequestInvalidError(exc.field, str(exc), status=exc.status) from None
    return Response(status, "application/json", answered)


@app.get("/admin/simulations/<simulation_id>", **ops.SIMULATION_JOB)
def simulation_job(simulation_id: str) -> dict[str, Any]:
    job = wiring.forecasts().job(simulation_id)
    if job is None:
        raise NotFoundError(f"no forecast job {simulation_id}")
    return job


@app.post("/admin/import/pinpoint", **ops.IMPORT_PINPOINT)
def import_pinpoint() -> Response[Any]:
    from nurtureflow.pinpoint.service import ImportRefusedError
    from nurtureflow.pinpoint.service import import_pinpoint as run_import

    try:
        imported = run_import(
            errors.json_body(app),
            wiring.templates(),
            wiring.workflow_service(),
            SendingSettings().postal_address,
            wiring.clock.now().isoformat(),
            {name: c.base_url for name, c in WebhookSettings().webhook_connections.items()},
        )
    except ImportRefusedError as refused:
        return errors.error(422, "invalid_import", str(refused), refused.details)
    return Response(201 if imported["workflow"].pop("created") else 200, "application/json", imported)


TEMPLATE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _template_from_body() -> EmailTemplate:
    from nurtureflow.sending.templates import EmailTemplate

    body = errors.json_body(app)
    try:
        return EmailTemplate.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        message = str(first["msg"]).removeprefix("Value error, ")
        if message.startswith("subject: "):
            field, message = "subject", message.removeprefix("subject: ")
        raise RequestInvalidError(
            field, f"{field}: {message} (a template is {{subject, html, text?, kind?}})", 422
        ) from None


@app.get("/admin/templates", **ops.LIST_TEMPLATES)
def list_templates() -> dict[str, Any]:
    templates, following = page_of(wiring.templates().summaries(), app.current_event.query_string_parameters)
    return {"templates": templates, "next": following}


@app.put("/admin/templates/<template_id>", **ops.PUT_TEMPLATE)
def put_template(template_id: str) -> Response[dict[str, Any]]:
    if not TEMPLATE_ID.match(template_id):
        # Ids are quoted in extends/include and named by workflow steps: plain, and one way to write.
        message = (
            "a template id uses letters, digits, '.', '_' and '-', starting with a letter or digit, up to 128"
        )
        raise RequestInvalidError("id", message, 422)
    from nurtureflow.sending.checks import check_upload
    from nurtureflow.sending.library import note_uploaded

    template = _template_from_body()
    warnings = check_upload(template_id, template, wiring.templates(), SendingSettings().postal_address)
    stored = {**template.model_dump(exclude_none=True), "updated_at": wiring.clock.now().isoformat()}
    created = wiring.templates().put(template_id, stored)
    note_uploaded(template_id)
    body = {"id": template_id, **template.model_dump(), "warnings": warnings}
    return Response(201 if created else 200, "application/json", body)


@app.get("/admin/templates/<template_id>", **ops.GET_TEMPLATE)
def get_template(template_id: str) -> dict[str, Any]:
    stored = wiring.templates().get(template_id)
    if stored is None:
        raise NotFoundError(f"no template is called '{template_id}'")
    return {
        "kind": "email",
        **{k: stored.get(k) for k in ("id", "subject", "html", "text", "kind") if k in stored},
    }


@app.post("/admin/templates/<template_id>/preview", **ops.PREVIEW)
def preview_template(template_id: str) -> dict[str, Any]:
    from nurtureflow.sending.preview import PreviewRefusedError
    from nurtureflow.sending.templates import TemplateRenderError

    try:
        email = wiring.template_preview().preview(template_id, errors.json_body(app))
    except LookupError as exc:
        raise NotFoundError(str(exc)) from None
    except PreviewRefusedError as exc:
        raise RequestInvalidError(exc.field, str(exc), status=exc.status) from None
    except TemplateRenderError as exc:
        raise RequestInvalidError(
            exc.field, f"the template fails for this contact: {exc.message}", 422
        ) from None
    return {"subject": email.subject, "html": email.html, "text": email.text}


@app.get("/admin/costs", **ops.COSTS)
def costs() -> Response[Any]:
    from nurtureflow.costs.budget import current_budget, with_budgets
    from nurtureflow.costs.lift import with_lift
    from nurtureflow.costs.report import (
        ReportQueryError,
        build_report_from_rollups,
        parse_report_query,
        report_to_csv,
    )

    repeated = [
        k for k, v in (app.current_event.multi_value_query_string_parameters or {}).items() if len(v) > 1
    ]
    if repeated:
        raise RequestInvalidError(repeated[0], f"'{repeated[0]}' is given more than once")
    try:
        query = parse_report_query(dict(app.current_event.query_string_parameters or {}))
    except ReportQueryError as exc:
        raise RequestInvalidError(exc.field, str(exc)) from None
    rollups = wiring.cost_rollups()
    report = build_report_from_rollups(
        rollups.between(query.group_by, query.start, query.end), query.start, query.end, query.group_by
    )
    accept = app.current_event.headers.get("Accept") or app.current_event.headers.get("accept") or ""
    if prefers_csv(accept):
        return Response(200, "text/csv", report_to_csv(report))
    body = report.model_dump(mode="json", by_alias=True)
    if query.group_by == "workflow":  # budgets are per workflow: docs/costs.md
        body["rows"] = with_budgets(
            body["rows"], partial(current_budget, wiring.workflows()), rollups, wiring.clock.now().date()
        )
        from nurtureflow.stats.report import period_lift  # loaded when a report by workflow asks

        # A holdout's lift in the same days: incremental revenue per USD (docs/costs.md).
        days, stats = (query.start.isoformat(), query.end.isoformat()), wiring.stats()
        body["rows"] = with_lift(
            body["rows"], lambda workflow: period_lift(stats.of_workflow(workflow, days))
        )
    return Response(200, "application/json", body)


@app.get("/admin/contacts/<contact>", **ops.EXPORT_CONTACT)
def export_contact(contact: str) -> dict[str, Any]:
    """Everything held on the contact (by id or email): the GDPR export."""
    from nurtureflow.privacy.contact_data import ContactUnknownError

    try:
        return wiring.contact_data().export(unquote(contact))
    except ContactUnknownError:
        raise NotFoundError(f"no contact is '{unquote(contact)}'") from None


@app.delete("/admin/contacts/<contact>", **ops.ERASE_CONTACT)
def erase_contact(contact: str) -> dict[str, Any]:
    """Erase the contact everywhere (GDPR); 404 once nothing is left, so a repeat says it is done."""
    from nurtureflow.privacy.contact_data import ContactUnknownError

    try:
        erased = wiring.contact_data().erase(unquote(contact))
    except ContactUnknownError:
        raise NotFoundError(f"nothing is held on '{unquote(contact)}'") from None
    return {"erased": erased.as_dict()}


@app.get("/admin/schema/scoring", **ops.SCORING_SCHEMA)
def scoring_schema() -> Response[str]:
    from nurtureflow.scoring.rules import scoring_json_schema

    return Response(200, "application/schema+json", json.dumps(scoring_json_schema()))


@app.get("/admin/scoring", **ops.GET_SCORING)
def get_scoring() -> dict[str, Any]:
    return wiring.scoring().document()


@app.put("/admin/scoring", **ops.PUT_SCORING)
def put_scoring() -> dict[str, Any]:
    return wiring.scoring().upload(errors.json_body(app))


@app.post("/admin/broadcasts", **ops.CREATE_BROADCAST)
def create_broadcast() -> Response[dict[str, Any]]:
    from nurtureflow.broadcasts.model import BroadcastInvalidError

    try:
        created = wiring.broadcast_service().create(errors.json_body(app))
    except BroadcastInvalidError as exc:
        raise RequestInvalidError(exc.field, str(exc), status=422) from None
    return Response(202, "application/json", created)


@app.get("/admin/broadcasts", **ops.LIST_BROADCASTS)
def list_broadcasts() -> dict[str, Any]:
    from nurtureflow.broadcasts.service import view

    query = app.current_event.query_string_parameters or {}
    limit = parse_limit(query) or 50
    try:
        found, following = wiring.broadcasts().newest(limit, query.get("after"))
    except KeyError:
        raise RequestInvalidError("after", f"no broadcast has id '{query.get('after')}'") from None
    return {"broadcasts": [view(item) for item in found], "next": following}


@app.post("/admin/broadcasts/audience", **ops.COUNT_AUDIENCE)
def count_audience() -> dict[str, Any]:
    from nurtureflow.broadcasts.model import BroadcastInvalidError

    try:
        return wiring.audience_count().count(errors.json_body(app))
    except BroadcastInvalidError as exc:
        raise RequestInvalidError(exc.field, str(exc), status=422) from None


@app.get("/admin/broadcasts/<broadcast_id>", **ops.GET_BROADCAST)
def get_broadcast(broadcast_id: str) -> dict[str, Any]:
    from nurtureflow.broadcasts.service import BroadcastNotFoundError

    try:
        return wiring.broadcast_service().get(broadcast_id)
    except BroadcastNotFoundError:
        raise NotFoundError(f"no broadcast has id '{broadcast_id}'") from None


@app.post("/admin/broadcasts/<broadcast_id>/cancel", **ops.CANCEL_BROADCAST)
def cancel_broadcast(broadcast_id: str) -> Response[Any]:
    from nurtureflow.broadcasts.service import BroadcastConflictError, BroadcastNotFoundError

    try:
        return Response(200, "application/json", wiring.broadcast_service().cancel(broadcast_id))
    except BroadcastNotFoundError:
        raise NotFoundError(f"no broadcast has id '{broadcast_id}'") from None
    except BroadcastConflictError as exc:
        return errors.error(409, "conflict", str(exc), [{"field": "status", "message": str(exc)}])
