"""The HTTP contract's routes: which function serves each one, and which roles may call it.

API Gateway (``infra/``) and the local gateway are both built from this one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Function = Literal["track", "admin"]
Role = Literal["marketer", "finance", "admin"]

ALL_ROLES: tuple[Role, ...] = ("marketer", "finance", "admin")
EDITORS: tuple[Role, ...] = ("marketer", "admin")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: Function
    roles: tuple[Role, ...] = ()  # empty: public (the tracking routes)


ROUTES: tuple[Route, ...] = (
    Route("POST", "/v1/events", "track"),
    # The browser's CORS preflight carries no X-Site-Key: it is answered for any origin, and the
    # POST itself then checks the origin against the site key.
    Route("OPTIONS", "/v1/events", "track"),
    Route("GET", "/v1/tracker.js", "track"),
    Route("GET", "/t/o/{token}", "track"),
    Route("GET", "/t/c/{token}", "track"),
    Route("GET", "/u/{token}", "track"),
    Route("POST", "/u/{token}", "track"),
    # The OpenAPI document of every route: public, it holds no credential and no data.
    Route("GET", "/openapi.json", "track"),
    Route("GET", "/admin/session", "admin", ALL_ROLES),
    Route("GET", "/admin/schema/workflow", "admin", ALL_ROLES),
    Route("GET", "/admin/schema/scoring", "admin", ALL_ROLES),
    Route("POST", "/admin/workflows/validate", "admin", EDITORS),
    Route("GET", "/admin/workflows", "admin", ALL_ROLES),
    Route("PUT", "/admin/workflows/{id}", "admin", EDITORS),
    Route("GET", "/admin/workflows/{id}", "admin", ALL_ROLES),
    Route("GET", "/admin/workflows/{id}/diagram", "admin", ALL_ROLES),
    Route("GET", "/admin/workflows/{id}/versions/{version}", "admin", ALL_ROLES),
    # Archive: stops every run in flight, so admins only (the contract).
    Route("DELETE", "/admin/workflows/{id}", "admin", ("admin",)),
    Route("GET", "/admin/workflows/{id}/stats", "admin", ALL_ROLES),
    Route("POST", "/admin/workflows/{id}/activate", "admin", EDITORS),
    Route("POST", "/admin/workflows/{id}/pause", "admin", EDITORS),
    Route("POST", "/admin/workflows/{id}/enroll", "admin", EDITORS),
    Route("POST", "/admin/workflows/{id}/simulate", "admin", ALL_ROLES),
    Route("GET", "/admin/simulations/{id}", "admin", ALL_ROLES),
    Route("POST", "/admin/import/pinpoint", "admin", EDITORS),
    Route("GET", "/admin/templates", "admin", EDITORS),
    Route("PUT", "/admin/templates/{id}", "admin", EDITORS),
    Route("GET", "/admin/templates/{id}", "admin", EDITORS),
    Route("POST", "/admin/templates/{id}/preview", "admin", EDITORS),
    Route("POST", "/admin/broadcasts", "admin", EDITORS),
    Route("GET", "/admin/broadcasts", "admin", EDITORS),
    Route("POST", "/admin/broadcasts/audience", "admin", EDITORS),
    Route("GET", "/admin/broadcasts/{id}", "admin", EDITORS),
    Route("POST", "/admin/broadcasts/{id}/cancel", "admin", EDITORS),
    Route("GET", "/admin/costs", "admin", ("finance", "admin")),
    # GDPR export and erasure: everything held on one person, so admins only.
    Route("GET", "/admin/contacts/{id}", "admin", ("admin",)),
    Route("DELETE", "/admin/contacts/{id}", "admin", ("admin",)),
    Route("GET", "/admin/scoring", "admin", ALL_ROLES),
    Route("PUT", "/admin/scoring", "admin", EDITORS),
)
