"""Screenshots of the console's main pages for docs/console.md: ``python scripts/console_screenshots.py``.

Starts the local stack with the sample data in this process, runs one of each journey in Debian's
Chromium, and writes docs/images/console-*.png. Needs the console built (``make console``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from nurtureflow.local.settings import LocalSettings
from nurtureflow.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
sys.path.insert(0, str(ROOT))
from tests.e2e.test_console_browser import DRAFT  # noqa: E402  (the test's own draft)


def _shot(page: Page, name: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"console-{name}.png"))


def _sign_in(page: Page, base: str, email: str, password: str, shot: str | None = None) -> None:
    """As a person, through the local stand-in for Cognito's sign-in page."""
    page.goto(f"{base}/console/")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    if shot:
        _shot(page, shot)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#who").wait_for()


def main() -> None:
    logging.disable(logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    settings = LocalSettings(port=0)
    stack = LocalStack(ROOT, settings)
    stack.start(with_samples=True)
    stack.gateway.start()  # serve HTTP in a thread, for the browser
    base = f"http://127.0.0.1:{stack.gateway.port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            _sign_in(page, base, "marketer@shop.internal", settings.people_password, shot="sign-in")
            page.locator("tbody tr").first.wait_for()
            _shot(page, "workflows")
            page.get_by_role("link", name="New workflow").click()
            page.locator(".cm-content").click()
            page.keyboard.press("Control+A")
            page.keyboard.insert_text(json.dumps(DRAFT, indent=2))
            page.get_by_role("button", name="Save (publishes a version)").click()
            page.locator("#problems li").first.wait_for()
            _shot(page, "editor-problems")
            page.goto(f"{base}/console/#/workflows/cart-recovery")
            page.get_by_role("button", name="Forecast").click()
            page.get_by_role("region", name="Forecast").wait_for()
            page.get_by_role("region", name="Forecast").scroll_into_view_if_needed()
            _shot(page, "forecast")
            page.goto(f"{base}/console/#/workflows")
            page.locator("tr", has_text="cart-recovery").get_by_role("button", name="Activate").click()
            page.wait_for_timeout(300)
            for k in range(20):  # a few sends, for a costs page with figures
                stack.gateway.handle(
                    "POST",
                    f"/{stack.gateway.stage}/v1/events",
                    {"Content-Type": "application/json", "Authorization": f"Bearer {settings.server_key}"},
                    json.dumps(
                        {"type": "cart_updated", "email": f"shot{k}@example.com", "properties": {"value": 80}}
                    ).encode(),
                    "127.0.0.1",
                )
            # Through the clock's route, as a user would: it takes the gateway's lock, so it never runs
            # beside a request of the browser (each function swaps the process's environment).
            stack.gateway.handle("POST", "/_local/clock", {}, b'{"advance": "P3D"}', "127.0.0.1")
            page.goto(f"{base}/console/#/broadcasts")
            page.get_by_label("Name").fill("Winter sale")
            page.get_by_role("button", name="Count contacts").click()
            page.locator("#audience").filter(has_text="match").wait_for()
            _shot(page, "broadcasts")
            page.goto(f"{base}/console/#/scoring")
            page.locator(".cm-content").wait_for()
            _shot(page, "scoring")
            finance = browser.new_page(viewport={"width": 1200, "height": 800})
            _sign_in(finance, base, "finance@shop.internal", settings.people_password)
            today = stack.clock.now().date()
            finance.fill("#from", str(today - timedelta(days=7)))
            finance.fill("#to", str(today))
            finance.get_by_role("button", name="Show").click()
            finance.locator(".chart canvas").wait_for()
            _shot(finance, "costs")
            browser.close()
    finally:
        stack.stop()
    print(f"wrote {OUT}/console-*.png")


if __name__ == "__main__":
    main()
