"""The pieces a route's OpenAPI operation is written with, as keyword arguments of Powertools' route
decorators (``summary``, ``description``, ``tags``, ``responses``, ``openapi_extensions``).

Plain dictionaries only: every cold start builds them, so nothing here imports a model. Named schemas
are ``$ref`` s to ``components/schemas``, which ``nurtureflow.api.openapi`` fills when it builds the
document (the only time a pydantic model's JSON Schema is computed).

Powertools documents a request body only for a ``Body()`` parameter it validates itself, and lets
path parameters overwrite any ``parameters`` given; the handlers read bodies and queries themselves
(their errors are the contract's, not Powertools' validation errors), so a body travels as the
operation's ``requestBody``, and query and header parameters as ``x-nurtureflow-parameters``, which
the document builder folds into ``parameters``.
"""

from __future__ import annotations

from typing import Any

JSON = "application/json"
PARAMETERS_EXTENSION = "x-nurtureflow-parameters"

# Why each status is answered, as every route that can give it says it.
ERROR_MEANINGS = {
    400: "The request is malformed: no body, a body that is not JSON, or a parameter out of range.",
    401: "No credentials, or credentials that are not valid.",
    403: "The credentials are valid but do not allow this (a role, an origin).",
    404: "Nothing exists under this id.",
    409: "The resource's state does not allow this now (archived, already finished).",
    413: "The body is larger than the route accepts.",
    422: "The body is well-formed JSON but refused: every problem is listed in `details`.",
    429: "Too many requests in the current window: `Retry-After` says how many seconds to wait.",
}


def ref(name: str) -> dict[str, str]:
    """A reference to the named schema in ``components/schemas``."""
    return {"$ref": f"#/components/schemas/{name}"}


def answer(
    description: str,
    schema: dict[str, Any] | None = None,
    example: Any = None,
    media_type: str = JSON,
    headers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One response: a body of ``media_type`` described by ``schema``, with an example."""
    response: dict[str, Any] = {"description": description}
    if schema is not None:
        content: dict[str, Any] = {"schema": schema}
        if example is not None:
            content["examples"] = {"example": {"value": example}}
        response["content"] = {media_type: content}
    if headers:
        response["headers"] = headers
    return response


def failures(*statuses: int) -> dict[int, dict[str, Any]]:
    """The contract's error body for each status, with what it means."""
    return {
        status: {
            "description": ERROR_MEANINGS[status],
            "content": {JSON: {"schema": ref("Error")}},
        }
        for status in statuses
    }


def body(
    schema: dict[str, Any],
    description: str,
    example: Any = None,
    media_type: str = JSON,
    required: bool = True,
) -> dict[str, Any]:
    """A request body (an OpenAPI Request Body Object)."""
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["examples"] = {"example": {"value": example}}
    return {"description": description, "required": required, "content": {media_type: content}}


def query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    """A query parameter (an OpenAPI Parameter Object)."""
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def header(name: str, description: str, required: bool = False) -> dict[str, Any]:
    """A request header the route reads (an OpenAPI Parameter Object)."""
    schema = {"type": "string"}
    return {"name": name, "in": "header", "required": required, "description": description, "schema": schema}


def operation(
    summary: str,
    description: str,
    tag: str,
    responses: dict[int, dict[str, Any]],
    *,
    request_body: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for a Powertools route decorator: the route's whole OpenAPI operation."""
    extensions: dict[str, Any] = {}
    if request_body is not None:
        extensions["requestBody"] = request_body
    if parameters:
        extensions[PARAMETERS_EXTENSION] = parameters
    return {
        "summary": summary,
        "description": description,
        "tags": [tag],
        "responses": dict(sorted(responses.items())),
        "openapi_extensions": extensions or None,
    }
