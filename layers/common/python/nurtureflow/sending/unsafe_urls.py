"""Neutralise URLs that would run code, wherever a rendered email holds a URL attribute.

Autoescaping keeps contact data from closing an attribute, not from being a ``javascript:`` URL:
``<a href="{{ contact.properties.site }}">`` with a trait set through the public tracking API
would otherwise send a script link (webmail, preview panes and our own preview show it). Such a
value becomes ``#``; everything else in the document is left byte for byte.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from nurtureflow.sending.attributes import attribute_values

URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "background", "poster", "cite", "longdesc", "xlink:href"}
)
_CODE_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_SAFE_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpe?g|webp)[;,]", re.IGNORECASE)
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_INSIDE_URL_DROPPED = re.compile("[\t\n\r]")  # browsers drop these anywhere in a URL
_EDGES = "".join(chr(c) for c in range(0x21))  # and C0 controls and spaces at its ends
REPLACEMENT = "#"


def runs_code(attribute: str, url: str) -> bool:
    """Would a browser run code (or render a page) from this URL in this attribute?"""
    cleaned = _INSIDE_URL_DROPPED.sub("", url).strip(_EDGES)
    scheme = _SCHEME.match(cleaned)
    if scheme is None or scheme.group(1).lower() not in _CODE_SCHEMES:
        return False
    # Inline raster images are a common, inert use of data: URLs (an SVG may hold script).
    return not (attribute == "src" and _SAFE_DATA_IMAGE.match(cleaned))


class _UnsafeFinder(HTMLParser):
    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", document)]
        self.spans: list[tuple[int, int, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        unsafe = {
            (name, value)
            for name, value in attrs
            if name in URL_ATTRIBUTES and value and runs_code(name, value)
        }
        if not unsafe:
            return
        line, column = self.getpos()
        offset = self._line_starts[line - 1] + column
        for attribute in attribute_values(self.get_starttag_text() or ""):
            if (attribute.name, unescape(attribute.raw)) in unsafe:
                self.spans.append((offset + attribute.start, offset + attribute.end, attribute.quoted))


def neutralise_unsafe_urls(html: str) -> str:
    """``html`` with every code-running URL attribute value replaced by ``#``."""
    finder = _UnsafeFinder(html)
    finder.feed(html)
    finder.close()
    if not finder.spans:
        return html
    pieces, cursor = [], 0
    for start, end, quoted in finder.spans:
        pieces += [html[cursor:start], REPLACEMENT if quoted else f'"{REPLACEMENT}"']
        cursor = end
    pieces.append(html[cursor:])
    return "".join(pieces)
