"""The website tracker (``tracker.js``), served by ``GET /v1/tracker.js``, and the local demo shop page."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def tracker_script() -> str:
    return files(__package__).joinpath("tracker.js").read_text(encoding="utf-8")


@cache
def demo_shop_page() -> str:
    return files(__package__).joinpath("demo_shop.html").read_text(encoding="utf-8")
