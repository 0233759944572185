"""The OpenAPI 3.1 document of the whole HTTP API, generated from the two apps that serve it.

Powertools' Event Handler writes each app's paths, parameters and responses from its routes
(``get_openapi_json_schema``) and merges the two (``OpenAPIMerge``); this module adds what it cannot
know: who may call each route (from ``ROUTES``, the table the admin function authorises with), the
security schemes, the contract's error body, the request bodies' schemas from the pydantic models
the handlers validate with, and the servers. ``GET /openapi.json`` serves it, ``make openapi``
writes its copy to ``docs/openapi.json``, and a test keeps that copy equal.
"""

from __future__ import annotations

import importlib
import json
import re
from functools import cache
from typing import Any

from nurtureflow.api.openapi_parts import PARAMETERS_EXTENSION, failures
from nurtureflow.api.routes import ROUTES, Route

TITLE = "NurtureFlow HTTP API"
VERSION = "1"
ROLES_EXTENSION = "x-nurtureflow-roles"
DESCRIPTION = """\
The HTTP API of NurtureFlow, served by API Gateway in AWS and by the local stack (`make dev`).

**Base URL.** Every path below sits under the API's stage, `v1`: the stack's `ApiUrl` output ends \
with it (`https://{api_id}.execute-api.{region}.amazonaws.com/v1`), so `POST /v1/events` is \
`…amazonaws.com/v1/v1/events`. A custom domain (`apiDomain`) maps the stage at its root. Locally the \
API is `http://127.0.0.1:8080/v1`.

**Credentials.** Admin routes take `Authorization: Bearer <token>`; each token carries one role \
(`admin`, `marketer`, `finance`), and each route lists the roles it allows (`x-nurtureflow-roles`). \
`POST /v1/events` takes a publishable site key (`X-Site-Key`), or from a site's backend its secret \
server key (`Authorization: Bearer <key>`). Email links carry a signed token in \
their path. This document is public.

**Errors.** Every error the platform answers is `{"error": code, "message": sentence, "details": \
[…]}` (the `Error` schema) with a 4xx status for the caller's mistakes; a 5xx means the platform \
failed and nothing was half-written. API Gateway itself may answer `403 {"message": "Missing \
Authentication Token"}` for a path or method no route has, and `429` when the stage's throttle \
(100 requests a second, bursts of 200) is exceeded.

docs/http-api.md in the repository explains the API with examples."""

SERVERS = [
    {
        "url": "https://{api_id}.execute-api.{region}.amazonaws.com/v1",
        "description": "API Gateway: the stack's ApiUrl output, stage included",
        "variables": {
            "api_id": {"default": "abcdef1234", "description": "the REST API's id"},
            "region": {"default": "eu-west-1", "description": "the stack's region"},
        },
    },
    {
        "url": "https://{api_domain}",
        "description": "the custom domain (-c apiDomain=...), mapped to the stage at its root",
        "variables": {"api_domain": {"default": "api.example.com"}},
    },
    {"url": "http://127.0.0.1:8080/v1", "description": "the local stack (make dev)"},
]
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A role token or a person's sign-in. A role token (for scripts and CI): the "
        "stack holds only its SHA-256 hash, mapped to one role: `admin`, `marketer` or `finance` "
        "(docs/deploy.md); locally `local-admin-token`, `local-marketer-token`, "
        "`local-finance-token`. A person's sign-in: the access token (a JWT) of the stack's Cognito "
        "user pool, issued to the console's app client; the person's roles are their groups among "
        "`admin`, `marketer` and `finance` (docs/security.md).",
    },
    "siteKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Site-Key",
        "description": "A website's publishable key, with the origins it allows. Locally: `local-site-key`.",
    },
    "serverKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A site's secret server key, for its backend only: the stack holds its SHA-256 "
        "hash, mapped to the site (`serverKeyHashes`, docs/security.md). Locally: `local-server-key`.",
    },
    "siteKeyQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "site_key",
        "description": "The site key as a query parameter, for beacons that cannot set headers.",
    },
}
TAGS = [
    {"name": "tracking", "description": "Events from websites, and the tracker script."},
    {
        "name": "email links",
        "description": "Opens, clicks and unsubscribes: public, each with a signed token.",
    },
    {"name": "session", "description": "The role a token holds and what it may call."},
    {"name": "workflows", "description": "Workflow documents, their versions, status, stats and forecasts."},
    {"name": "templates", "description": "Email templates in Jinja2."},
    {"name": "broadcasts", "description": "One-off emails to a segment."},
    {"name": "costs", "description": "What sending cost, per workflow, template or day."},
    {"name": "contacts", "description": "GDPR export and erasure."},
    {"name": "scoring", "description": "Lead-scoring rules."},
    {"name": "documentation", "description": "This document."},
]
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The contract's error body, for every 4xx and 5xx the platform answers.",
    "required": ["error", "message", "details"],
    "properties": {
        "error": {"type": "string", "description": "A code: `invalid_request`, `not_found`, …"},
        "message": {"type": "string", "description": "A sentence for people."},
        "details": {
            "type": "array",
            "description": "What is wrong, one item each (`field` or `pointer`, and `message`).",
            "items": {"type": "object"},
        },
    },
    "example": {
        "error": "invalid_request",
        "message": "the body is not valid JSON: Expecting value at line 1",
        "details": [{"field": "body", "message": "the body is not valid JSON: Expecting value at line 1"}],
    },
}
REF_TEMPLATE = "#/components/schemas/{model}"
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _route_key(method: str, path: str) -> tuple[str, str]:
    # The code names a placeholder for what it holds ({workflow_id}); API Gateway's resources say {id}.
    return method.upper(), _PLACEHOLDER.sub("{}", path)


def _model(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _model_schemas() -> dict[str, Any]:
    """The JSON Schemas of the pydantic models the handlers check bodies with, and of the cost
    report, which a model dumps; each named by its class, with their shared definitions."""
    from pydantic.json_schema import models_json_schema

    from nurtureflow.api import admin_operations, track_operations
    from nurtureflow.costs.report import CostReport

    targets = ("nurtureflow.workflow.models:Workflow", *admin_operations.MODEL_SCHEMAS)
    models = [_model(t) for t in (*targets, *track_operations.MODEL_SCHEMAS)]
    _, definitions = models_json_schema(
        [(model, "validation") for model in models], by_alias=True, ref_template=REF_TEMPLATE
    )
    schemas: dict[str, Any] = dict(definitions["$defs"])
    report = CostReport.model_json_schema(mode="serialization", by_alias=True, ref_template=REF_TEMPLATE)
    schemas.update(report.pop("$defs"))
    schemas["CostReport"] = {**report, "description": "Costs between two days, one row per key."}
    schemas["Workflow"]["description"] = (
        "A `workflow/v1` document (docs/workflow-language.md). The upload also checks what a schema "
        "cannot: every `next` names a step, every step is reachable, templates exist, loops pause."
    )
    return schemas


def _finish_operation(route: Route, item: dict[str, Any]) -> None:
    """Roles, credentials and the answers they bring, from the route's row in ``ROUTES``."""
    from nurtureflow.api import admin_operations, track_operations

    meanings = admin_operations.PATH_PARAMETERS | track_operations.PATH_PARAMETERS
    for parameter in item.get("parameters", []):
        if parameter["in"] == "path":
            parameter["description"], parameter["example"] = meanings[parameter["name"]]
            parameter["schema"].pop("title", None)
    parameters = item.pop(PARAMETERS_EXTENSION, [])
    if parameters:
        item["parameters"] = [*item.get("parameters", []), *parameters]
    item[ROLES_EXTENSION] = list(route.roles)
    responses = item["responses"]
    if route.roles:
        item["security"] = [{"adminToken": []}]
        allowed = ", ".join(f"`{role}`" for role in route.roles)
        item["description"] = f"{item.get('description', '')}\n\nRoles: {allowed}.".strip()
        for status, response in failures(401, 403).items():
            responses.setdefault(str(status), response)
    elif route.path == "/v1/events" and route.method == "POST":
        item["security"] = [{"siteKey": []}, {"siteKeyQuery": []}, {"serverKey": []}]
        item["description"] = f"{item['description']}\n\nCredentials: a site key, or the site's server key."
    else:
        item["security"] = []
        item["description"] = f"{item.get('description', '')}\n\nPublic: no credentials.".strip()
    for response in responses.values():
        # An empty content map keeps Powertools from describing a body from the handler's return
        # type (a redirect, a 204); the document says "no body" by having none.
        if response.get("content") == {}:
            del response["content"]
    item["responses"] = dict(sorted(responses.items()))


def _merged_paths() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    from nurtureflow.api import admin_app, track_app

    merge = OpenAPIMerge(title=TITLE, version=VERSION, on_conflict="error")
    for app in (track_app.app, admin_app.app):
        merge.add_schema(json.loads(app.get_openapi_json_schema()))
    paths: dict[str, Any] = merge.get_openapi_schema()["paths"]
    return paths


@cache
def openapi_document() -> dict[str, Any]:
    """The document, checked against ``ROUTES``: every route once, and no route it does not list."""
    routes = {_route_key(r.method, r.path): r for r in ROUTES}
    order = list(routes)
    documented: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
    for path, methods in _merged_paths().items():
        for method, item in methods.items():
            key = _route_key(method, path)
            if key not in routes:
                raise LookupError(f"{method.upper()} {path} is served but not in ROUTES")
            _finish_operation(routes[key], item)
            documented[key] = (path, method, item)
    missing = [f"{m} {p}" for m, p in set(routes) - set(documented)]
    if missing:
        raise LookupError(f"in ROUTES but served by no app: {', '.join(sorted(missing))}")
    paths: dict[str, dict[str, Any]] = {}
    for key in sorted(documented, key=order.index):
        path, method, item = documented[key]
        paths.setdefault(path, {})[method] = item
    from nurtureflow.api import admin_operations

    schemas = {"Error": ERROR_SCHEMA, **admin_operations.SCHEMAS, **_model_schemas()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": SERVERS,
        "tags": TAGS,
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": SECURITY_SCHEMES},
    }


@cache
def openapi_json() -> str:
    """The document as ``GET /openapi.json`` answers it and ``docs/openapi.json`` holds it."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    print(openapi_json(), end="")


if __name__ == "__main__":
    main()
