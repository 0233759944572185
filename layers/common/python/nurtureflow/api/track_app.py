"""The tracking routes: events from websites, and opens, clicks and unsubscribes from email."""

from __future__ import annotations

import base64
import fnmatch

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from nurtureflow import wiring
from nurtureflow.api import errors
from nurtureflow.api import track_operations as ops
from nurtureflow.api.errors import RequestInvalidError
from nurtureflow.auth.roles import role_of
from nurtureflow.events.ingest import is_batch, parse_post
from nurtureflow.events.machine_opens import OpenRequest
from nurtureflow.events.one_click import is_one_click
from nurtureflow.sending.urls import header_safe_url
from nurtureflow.settings import SiteSettings
from nurtureflow.tracker import tracker_script

app = APIGatewayRestResolver()
errors.install(app)
_sites = SiteSettings()
# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
MAX_BODY_BYTES = 256 * 1024


def _header(name: str) -> str | None:
    headers = app.current_event.headers
    return headers.get(name) or headers.get(name.lower())


def _identity() -> dict[str, str | None]:
    """Who API Gateway says is calling: ``sourceIp``, ``userAgent``."""
    return (app.current_event.get("requestContext") or {}).get("identity") or {}


def _allowed(origin: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(origin, pattern) for pattern in patterns)


def _site_origins() -> tuple[str, list[str] | None]:
    """The site posting, and the origins its publishable key allows (None: a secret server key).

    A server key comes as ``Authorization: Bearer …`` (held as hashes, like the admin tokens). A
    publishable key comes in ``X-Site-Key`` or, for ``tracker.js``'s beacons (which can't set
    headers), the ``site_key`` query parameter.
    """
    authorization = _header("Authorization")
    if authorization is not None:
        return role_of(authorization, _sites.server_key_hashes), None
    key = _header("X-Site-Key") or app.current_event.get_query_string_value("site_key")
    if not key or key not in _sites.site_keys:
        raise RequestInvalidError("X-Site-Key", "a valid X-Site-Key header is required", status=401)
    return key, _sites.site_keys[key]


@app.get("/v1/tracker.js", **ops.TRACKER)
def tracker() -> Response[str]:
    return Response(
        200,
        "application/javascript; charset=utf-8",
        tracker_script(),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@app.post("/v1/events", **ops.POST_EVENTS)
def post_events() -> Response[dict[str, int]]:
    site_key, origins = _site_origins()
    origin = _header("Origin")
    cors: dict[str, str] = {}
    if origin is not None:
        if origins is None:
            raise RequestInvalidError(
                "Authorization",
                "a server key is secret: post with it from a server, never a browser",
                status=403,
            )
        if not _allowed(origin, origins):
            raise RequestInvalidError(
                "Origin", f"origin '{origin}' is not allowed for this site key", status=403
            )
        cors = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    # Counted in bytes, as sent: a character count lets multi-byte text through at up to 4x the limit.
    if len(errors.raw_body(app)) > MAX_BODY_BYTES:
        raise RequestInvalidError("body", f"the body is larger than {MAX_BODY_BYTES} bytes", status=413)
    body = errors.json_body(app)
    events = parse_post(body, wiring.clock.now(), wiring.retention().event_retention_days)
    batched = is_batch(body)
    if origins is not None:  # the publishable key: protected traits and rate limits (docs/security.md)
        wiring.admission().admit(events, site_key, _identity().get("sourceIp"), batched=batched)
    accepted = wiring.ingestion().accept(site_key, events, batched)
    return Response(202, "application/json", {"accepted": accepted}, headers=cors)


@app.route("/v1/events", method="OPTIONS", **ops.PREFLIGHT)
def preflight() -> Response[str]:
    # A browser's preflight carries no X-Site-Key: answer for origins some site allows, refuse the rest.
    origin = _header("Origin")
    if origin is None or not any(_allowed(origin, patterns) for patterns in _sites.site_keys.values()):
        raise RequestInvalidError("Origin", f"origin '{origin}' is not allowed by any site key", status=403)
    return Response(
        204,
        "text/plain",
        "",
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type, X-Site-Key",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
    )


@app.get("/t/c/<token>", **ops.CLICK)
def click(token: str) -> Response[str]:
    # Encoded again: tokens signed before links were encoded may hold line breaks from contact data.
    url = header_safe_url(wiring.feedback().click(token))
    return Response(302, "text/plain", "", headers={"Location": url, "Cache-Control": "no-store"})


@app.get("/t/o/<token>", **ops.OPEN_PIXEL)
def open_pixel(token: str) -> Response[bytes]:
    identity = _identity()
    who = OpenRequest(
        user_agent=identity.get("userAgent") or _header("User-Agent"), source_ip=identity.get("sourceIp")
    )
    wiring.feedback().open(token, who)
    return Response(200, "image/gif", PIXEL, headers={"Cache-Control": "no-store"})


@app.get("/u/<token>", **ops.UNSUBSCRIBE_PAGE)
def unsubscribe_page(token: str) -> Response[str]:
    # Only the POST unsubscribes: scanners fetch links, people press the button.
    wiring.feedback().check_unsubscribe(token)
    page = (
        "<!doctype html><meta charset=utf-8><title>Unsubscribe</title>"
        "<h1>Unsubscribe</h1><p>Stop receiving these emails?</p>"
        "<form method=post><input type=hidden name=List-Unsubscribe value=One-Click>"
        "<button type=submit>Unsubscribe</button></form>"
    )
    return Response(200, "text/html; charset=utf-8", page)


@app.post("/u/<token>", **ops.UNSUBSCRIBE)
def unsubscribe(token: str) -> Response[str]:
    body = errors.raw_body(app)
    if not is_one_click(_header("Content-Type"), body):
        raise RequestInvalidError(
            "List-Unsubscribe",
            "the body must be List-Unsubscribe=One-Click (urlencoded or multipart/form-data)",
        )
    wiring.feedback().unsubscribe(token)
    page = "<!doctype html><meta charset=utf-8><title>Unsubscribed</title><p>You are unsubscribed.</p>"
    return Response(200, "text/html; charset=utf-8", page)


@app.get("/openapi.json", **ops.OPENAPI)
def openapi() -> Response[str]:
    # Built on the first request only: no cold start pays for importing the admin routes.
    from nurtureflow.api.openapi import openapi_json

    return Response(200, "application/json", openapi_json(), headers={"Cache-Control": "public, max-age=300"})
