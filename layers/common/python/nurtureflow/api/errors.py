"""The contract's error body, and the one mapping from domain exceptions to HTTP statuses."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from nurtureflow.api.strict_json import JsonBodyError, parse_json_body
from nurtureflow.auth.roles import ForbiddenError, UnauthenticatedError
from nurtureflow.events.ingest import EventsInvalidError
from nurtureflow.events.protected_traits import ProtectedTraitError
from nurtureflow.events.rate_limits import RateLimitedError
from nurtureflow.scoring.errors import ScoringInvalidError
from nurtureflow.sending.link_hosts import LinkNotAllowedError
from nurtureflow.sending.problems import TemplateInvalidError
from nurtureflow.sending.tokens import InvalidTokenError
from nurtureflow.workflow.errors import WorkflowArchivedError, WorkflowInvalidError, WorkflowNotFoundError


class RequestInvalidError(Exception):
    """A request the caller must fix: ``field`` names what is wrong."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.status = field, status


class NotFoundError(Exception):
    """The route's resource does not exist."""


def error(
    status: int,
    code: str,
    message: str,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    body = {"error": code, "message": message, "details": details or []}
    return Response(
        status_code=status, content_type="application/json", body=json.dumps(body), headers=headers
    )


def install(app: APIGatewayRestResolver) -> None:
    """Register the mapping on an app: every route of it answers errors the same way."""

    @app.exception_handler(RequestInvalidError)
    def _invalid(exc: RequestInvalidError) -> Response[str]:
        return error(exc.status, "invalid_request", str(exc), [{"field": exc.field, "message": str(exc)}])

    @app.exception_handler(EventsInvalidError)
    def _events(exc: EventsInvalidError) -> Response[str]:
        fields = ", ".join(d["field"] for d in exc.details)
        return error(
            422, "invalid_events", f"the events were refused, nothing was stored: {fields}", exc.details
        )

    @app.exception_handler(WorkflowInvalidError)
    def _workflow(exc: WorkflowInvalidError) -> Response[str]:
        return error(
            422,
            "invalid_workflow",
            f"the workflow has {len(exc.issues)} error(s); nothing was saved",
            [i.as_dict() for i in exc.issues],
        )

    @app.exception_handler(ScoringInvalidError)
    def _scoring(exc: ScoringInvalidError) -> Response[str]:
        return error(
            422,
            "invalid_scoring",
            f"the scoring rules have {len(exc.issues)} error(s); nothing was saved",
            [i.as_dict() for i in exc.issues],
        )

    @app.exception_handler(TemplateInvalidError)
    def _template(exc: TemplateInvalidError) -> Response[str]:
        details = [p.as_dict() for p in exc.problems]
        return error(422, "invalid_template", f"the template was refused, nothing was saved: {exc}", details)

    @app.exception_handler(InvalidTokenError)
    def _token(exc: InvalidTokenError) -> Response[str]:
        return error(
            400, "invalid_token", "this link is not valid", [{"field": "token", "message": str(exc)}]
        )

    @app.exception_handler(UnauthenticatedError)
    def _unauthenticated(exc: UnauthenticatedError) -> Response[str]:
        return error(401, "unauthenticated", str(exc), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(ForbiddenError)
    def _forbidden(exc: ForbiddenError) -> Response[str]:
        return error(403, "forbidden", str(exc))

    @app.exception_handler(WorkflowNotFoundError)
    def _no_workflow(exc: WorkflowNotFoundError) -> Response[str]:
        return error(404, "not_found", f"no workflow is called '{exc}'")

    @app.exception_handler(WorkflowArchivedError)
    def _archived(exc: WorkflowArchivedError) -> Response[str]:
        return error(
            409,
            "workflow_archived",
            f"workflow '{exc}' is archived: it can be read, not activated, paused or changed",
            [{"field": "status", "message": "archived"}],
        )

    @app.exception_handler(NotFoundError)
    def _not_found(exc: NotFoundError) -> Response[str]:
        return error(404, "not_found", str(exc))

    _install_public_api(app)


def _install_public_api(app: APIGatewayRestResolver) -> None:
    """The refusals of the public tracking routes that protect recipients and the sender."""

    @app.exception_handler(LinkNotAllowedError)
    def _link_not_allowed(exc: LinkNotAllowedError) -> Response[str]:
        # The link's address is not echoed: the page must not become a way to show it either.
        return error(
            400,
            "link_not_allowed",
            "this link leads to a site this sender does not allow; it was not followed",
            [{"field": "token", "message": "the link's host is not on the account's allowlist"}],
            headers={"Cache-Control": "no-store"},
        )

    @app.exception_handler(ProtectedTraitError)
    def _protected_trait(exc: ProtectedTraitError) -> Response[str]:
        fields = ", ".join(d["field"] for d in exc.details)
        message = f"a publishable site key may not set {fields}; send them with a server key"
        return error(403, "protected_trait", message, exc.details)

    @app.exception_handler(RateLimitedError)
    def _rate_limited(exc: RateLimitedError) -> Response[str]:
        field = _RATE_LIMIT_FIELDS.get(exc.limit, exc.limit)
        return error(
            429,
            "rate_limited",
            f"too many events through this site key: {exc}; nothing was stored, retry later",
            [{"field": field, "message": str(exc), "limit": exc.limit}],
            headers={"Retry-After": str(exc.retry_after)},
        )


# What each limit counts by, as the request carries it.
_RATE_LIMIT_FIELDS = {
    "events_per_address": "email",
    "new_addresses_per_ip": "sourceIp",
    "new_addresses_per_site_key": "X-Site-Key",
}


def raw_body(app: APIGatewayRestResolver) -> bytes:
    """The request's body as the client sent it. The API's binary media types are ``*/*``, so API
    Gateway hands every body over base64-encoded (``isBase64Encoded``); a local or test event may
    carry it as text."""
    event = app.current_event
    body = event.body or ""
    if not event.is_base64_encoded:
        return body.encode("utf-8", errors="surrogateescape")
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise RequestInvalidError("body", "the body is not valid base64 as API Gateway sends it") from None


def json_body(app: APIGatewayRestResolver) -> Any:
    """The request's JSON body, or a 400 naming the body (or the path inside it): see ``strict_json``."""
    data = raw_body(app)
    if not data:
        raise RequestInvalidError("body", "the request needs a JSON body")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestInvalidError("body", "the body is not UTF-8 text") from None
    try:
        return parse_json_body(raw)
    except JsonBodyError as exc:
        raise RequestInvalidError(exc.field, str(exc)) from None
