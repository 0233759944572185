"""What each tracking route says about itself in the OpenAPI document (``GET /openapi.json``)."""

from __future__ import annotations

from typing import Any

from nurtureflow.api.openapi_parts import answer, body, failures, header, operation, ref

_TOKEN_ERROR = {
    400: {
        "description": "The token is not one this platform signed (tampered, truncated, another key).",
        "content": {"application/json": {"schema": ref("Error")}},
    }
}
_NO_STORE = {"Cache-Control": {"description": "`no-store`", "schema": {"type": "string"}}}
_EVENT_EXAMPLE = {
    "type": "cart_updated",
    "email": "ana@example.com",
    "traits": {"first_name": "Ana"},
    "properties": {"value": 35, "currency": "EUR"},
}

PATH_PARAMETERS = {
    "token": ("The signed token of the email's link (opaque).", "eyJrIjoiYyJ9.k1.c2lnbmF0dXJl"),
}
MODEL_SCHEMAS = ("nurtureflow.events.model:IncomingEvent", "nurtureflow.events.model:EventBatch")

POST_EVENTS = operation(
    "Report events from a website",
    'One event, or `{"batch": [event, …]}` of at most 100, checked whole: one invalid event refuses '
    "the post (422, every problem named) and nothing is stored. The site key comes in `X-Site-Key` "
    "(or, for `tracker.js`'s beacons, which cannot set headers, the `site_key` query parameter); a "
    "browser's `Origin` must be one the key allows. Bodies up to 256 KiB. Known types: `page_viewed`, "
    "`form_submitted`, `cart_updated`, `checkout_started`, `order_completed` (with `properties.value` "
    "and `properties.currency`), `cta_clicked`, `content_downloaded`, `consent_confirmed`; any other "
    "type is a custom event. `traits` update the contact.\n\n"
    "A website's backend posts with its secret server key instead (`Authorization: Bearer <key>`, "
    "never from a browser): it may set any trait and is not rate limited. Through the publishable "
    "key, a trait that is protected or holds a link is refused (403 `protected_trait`), and new "
    "addresses are rate limited per address, per source IP and per key (429 `rate_limited`, with "
    "`Retry-After`); docs/security.md.",
    "tracking",
    {
        202: answer(
            "Stored and published: how many events.",
            {"type": "object", "required": ["accepted"], "properties": {"accepted": {"type": "integer"}}},
            {"accepted": 1},
        ),
        **failures(400, 401, 403, 413, 422),
        429: {
            **failures(429)[429],
            "headers": {
                "Retry-After": {
                    "description": "Seconds to the end of the window.",
                    "schema": {"type": "integer"},
                }
            },
        },
    },
    request_body=body(
        {"anyOf": [ref("IncomingEvent"), ref("EventBatch")]},
        "An event, or a batch of them.",
        _EVENT_EXAMPLE,
    ),
)
PREFLIGHT = operation(
    "CORS preflight for event posts",
    "A browser's preflight carries no site key: it is answered for an `Origin` that some site key "
    "allows, and refused (403) for any other.",
    "tracking",
    {
        204: {
            "description": "The origin may post events.",
            "content": {},
            "headers": {
                "Access-Control-Allow-Origin": {"schema": {"type": "string"}},
                "Access-Control-Allow-Methods": {"schema": {"type": "string"}},
                "Access-Control-Allow-Headers": {"schema": {"type": "string"}},
            },
        },
        **failures(403),
    },
    parameters=[header("Origin", "The page's origin, as the browser sends it.", required=True)],
)
TRACKER = operation(
    "The tracker script",
    "`tracker.js`: page views, opt-in forms and cart events, batched (docs/tracker.md). Cached an hour.",
    "tracking",
    {200: answer("The script.", {"type": "string"}, media_type="application/javascript")},
)
CLICK = operation(
    "Follow a tracked link",
    "Records `email_clicked` and redirects to the link the token signs, and only to it.",
    "email links",
    {
        302: {
            "description": "To the signed link.",
            "content": {},
            "headers": {"Location": {"schema": {"type": "string"}}, **_NO_STORE},
        },
        **_TOKEN_ERROR,
    },
)
OPEN_PIXEL = operation(
    "The open pixel",
    "A transparent 1x1 GIF; records `email_opened` (machine opens, such as Apple Mail Privacy "
    "Protection's, are told apart).",
    "email links",
    {
        200: answer(
            "The pixel.",
            {"type": "string", "contentMediaType": "image/gif"},
            media_type="image/gif",
            headers=_NO_STORE,
        ),
        **_TOKEN_ERROR,
    },
)
UNSUBSCRIBE_PAGE = operation(
    "The unsubscribe page",
    "A page with one button; fetching it unsubscribes nobody (link scanners fetch links).",
    "email links",
    {200: answer("The page.", {"type": "string"}, media_type="text/html"), **_TOKEN_ERROR},
)
_ONE_CLICK: dict[str, Any] = {
    "type": "object",
    "required": ["List-Unsubscribe"],
    "properties": {"List-Unsubscribe": {"const": "One-Click"}},
}
UNSUBSCRIBE = operation(
    "Unsubscribe (RFC 8058 one-click)",
    "The body `List-Unsubscribe=One-Click`, urlencoded (as mail providers send it) or as "
    "multipart/form-data; the contact gets no more marketing email.",
    "email links",
    {
        200: answer("Unsubscribed.", {"type": "string"}, media_type="text/html"),
        **_TOKEN_ERROR,
        400: {
            **_TOKEN_ERROR[400],
            "description": "The token is not valid, or the body is not the one-click form.",
        },
    },
    request_body={
        "required": True,
        "description": "The one-click form.",
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": _ONE_CLICK,
                "examples": {"example": {"value": {"List-Unsubscribe": "One-Click"}}},
            },
            "multipart/form-data": {"schema": _ONE_CLICK},
        },
    },
)
OPENAPI = operation(
    "This document",
    "The OpenAPI 3.1 document of every route, public: it holds no credential and no data. "
    "`docs/openapi.json` in the repository is the same document.",
    "documentation",
    {200: answer("The document.", {"type": "object", "required": ["openapi", "paths"]})},
)
