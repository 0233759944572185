"""``/console``: the console's static build (``console/dist``, from ``npm run console:build``; ``make
dev`` builds it) served by the local stack, with the ``config.json`` that tells it where the API is.

The console is a client of the admin API like any other: these routes serve files, nothing else.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

from nurtureflow.local.gateway import LocalPage

PREFIX = "/console"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
_MISSING = "the console is not built: run `make console` (or `npm run console:build`), then restart"


def console_routes(root: Path, api_url: str, sign_in: dict[str, str]) -> dict[tuple[str, str], Any]:
    """A route per file of the build, the page at ``/console`` and ``/console/``, and its config:
    where the API is, and how people sign in (``sign_in``, as ``cdk deploy`` writes it)."""
    dist = root / "console" / "dist"
    # "local": the local stack's own pages (the demo shop and its clock), linked from the header.
    local = {"demoShop": "/_local/demo-shop"}
    config = LocalPage(json.dumps({"apiUrl": api_url, "signIn": sign_in, "local": local}), "application/json")
    routes: dict[tuple[str, str], Any] = {("GET", f"{PREFIX}/config.json"): lambda m, b: (200, config)}
    index = dist / "index.html"
    if not index.is_file():
        missing = {"error": "not_found", "message": _MISSING, "details": []}
        for path in (PREFIX, f"{PREFIX}/"):
            routes["GET", path] = lambda m, b: (404, missing)
        return routes
    for file in sorted(p for p in dist.rglob("*") if p.is_file()):
        kind = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if not kind.startswith(("text/", "application/json", "image/svg")):
            continue  # the build holds only text (no fonts or images): a LocalPage is text
        page = LocalPage(file.read_text(encoding="utf-8"), kind)
        routes["GET", f"{PREFIX}/{file.relative_to(dist).as_posix()}"] = lambda m, b, page=page: (200, page)
    page = LocalPage(index.read_text(encoding="utf-8"))
    for path in (PREFIX, f"{PREFIX}/"):
        routes["GET", path] = lambda m, b: (200, page)
    return routes
