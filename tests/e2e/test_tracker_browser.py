"""``tracker.js`` in headless Chromium against the local stack's demo shop: a visitor browses, signs
up through an opted-in form and fills a cart; the cart-recovery email reaches the address typed in."""

from __future__ import annotations

import http.server
import threading
from typing import Any

from playwright.sync_api import Browser, Page, Route

from tests.e2e.conftest import LocalClient

ADMIN = "local-admin-token"


def _events_posted(page: Page) -> list[str]:
    """The bodies the page posts to /v1/events, beacons included (routed through, not blocked)."""
    posted: list[str] = []

    def capture(route: Route) -> None:
        posted.append(route.request.post_data or "")
        route.continue_()

    page.route("**/v1/events*", capture)
    return posted


def test_a_visitor_who_signs_up_and_fills_a_cart_gets_the_reminder(
    stack: LocalClient, browser: Browser
) -> None:
    assert stack.call("POST", "/admin/workflows/cart-recovery/activate", token=ADMIN).status == 200
    page = browser.new_page()
    posted = _events_posted(page)
    answered: list[int] = []
    urls: list[str] = []

    def on_response(response: Any) -> None:
        if "/v1/events" in response.url:
            answered.append(response.status)
            urls.append(response.url)

    page.on("response", on_response)
    page.goto(stack.base + "/_local/demo-shop")
    page.wait_for_function("window.nurtureflow && window.nurtureflow.version === 1")
    cookie = next(c for c in page.context.cookies() if c["name"] == "nf_aid")
    page.fill("input[type=email]", "Browser.Buyer@Example.com")
    page.fill("input[name=first_name]", "Bea")
    page.fill("input[name=password]", "hunter2")
    page.click("button[type=submit]")
    page.click("#add-to-cart")
    page.evaluate("nurtureflow.flush()")
    # One listener, registered before the page loaded: a post answered early is counted too.
    for _ in range(300):  # every post answered (beacons included) before the clock moves
        if len(answered) >= len(posted) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(answered) == len(posted)
    assert set(answered) == {202}
    # Posted under the API's base URL, stage included, as tracker.js must in AWS (the script's
    # own URL minus /v1/tracker.js), not to the host's root.
    assert all(url.startswith(stack.api + "/v1/events") for url in urls), urls
    bodies = " ".join(posted)
    assert "page_viewed" in bodies
    assert "form_submitted" in bodies
    assert "cart_updated" in bodies
    assert cookie["value"] in bodies  # the anonymous id rides along with every event
    assert "hunter2" not in bodies  # only the email and the fields marked as traits leave the page
    page.close()
    stack.call("POST", "/_local/clock", {"advance": "PT1H"})
    outbox = stack.call("GET", "/_local/outbox").json()["emails"]
    reminders = [e for e in outbox if e["to"] == "browser.buyer@example.com"]
    assert [e["step"] for e in reminders] == ["reminder"]
    assert "Bea" in reminders[0]["subject"]


def test_a_page_on_a_foreign_origin_is_refused(stack: LocalClient, browser: Browser) -> None:
    # The same tracker, loaded by a site on another origin that the site key doesn't allow.
    page_html = (
        f'<script src="{stack.api}/v1/tracker.js" data-site-key="local-site-key"></script>'
        "<script>setTimeout(function(){ nurtureflow.flush(); }, 100);</script>"
    ).encode()

    class Foreign(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Foreign)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        refusals: list[str] = []
        page.on("console", lambda message: refusals.append(message.text) if "CORS" in message.text else None)
        with page.expect_event("requestfailed", lambda request: "/v1/events" in request.url):
            page.goto(f"http://127.0.0.2:{server.server_address[1]}/")
        # The API answered 403 without Access-Control-Allow-Origin: the browser drops the response.
        assert any("Access-Control-Allow-Origin" in text for text in refusals)
        direct = stack.call(
            "POST",
            "/v1/events?site_key=local-site-key",
            {"type": "page_viewed", "anonymous_id": "a1"},
            headers={"Origin": f"http://127.0.0.2:{server.server_address[1]}"},
        )
        assert direct.status == 403
        assert direct.json()["details"][0]["field"] == "Origin"
        page.close()
    finally:
        server.shutdown()


def test_tracker_js_is_served_cacheable(stack: LocalClient) -> None:
    answer = stack.call("GET", "/v1/tracker.js")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/javascript")
    assert "max-age" in answer.headers["Cache-Control"]
    assert b"sendBeacon" in answer.body
