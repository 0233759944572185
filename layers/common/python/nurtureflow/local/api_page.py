"""``GET /_local/api``: the OpenAPI document as a page, with Swagger UI from the project's own
``node_modules`` (npm's ``swagger-ui-dist``, installed by ``make install``): no network needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nurtureflow.local.gateway import LocalPage

PAGE = "/_local/api"
# The two files of swagger-ui-dist the page loads, served beside it.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>NurtureFlow HTTP API</title>
<link rel="stylesheet" href="{page}/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="{page}/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({{url: "{document}", dom_id: "#api", deepLinking: true}});
</script>
</body>
</html>
"""


def api_page_routes(root: Path, stage: str) -> dict[tuple[str, str], Any]:
    """The page and its assets as local routes; ``stage`` locates ``GET /openapi.json``."""
    folder = root / "node_modules" / "swagger-ui-dist"

    def asset(name: str, content_type: str) -> Any:
        def answer(method: str, body: bytes) -> tuple[int, Any]:
            path = folder / name
            if not path.is_file():
                message = f"{path} is missing: run `make install` (npm's swagger-ui-dist)"
                return 404, {"error": "not_found", "message": message, "details": []}
            return 200, LocalPage(path.read_text(encoding="utf-8"), content_type)

        return answer

    page = LocalPage(_HTML.format(page=PAGE, document=f"/{stage}/openapi.json"))
    routes: dict[tuple[str, str], Any] = {("GET", PAGE): lambda m, b: (200, page)}
    for name, content_type in ASSETS.items():
        routes["GET", f"{PAGE}/{name}"] = asset(name, content_type)
    return routes
