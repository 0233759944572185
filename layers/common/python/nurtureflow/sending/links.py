"""Tracking links: click redirects, the open pixel and the unsubscribe URL of one send.

``track_links`` re-emits the html byte for byte except for the ``href`` values it rewrites and the
pixel it adds. It leaves alone: links that are not absolute http(s) (``mailto:``, ``tel:``,
``#anchors``, relative), anchors carrying ``data-nf-notrack``, and links already pointing at our own
tracking or unsubscribe routes (so the template's ``{{ unsubscribe_url }}`` is never click-tracked:
a redirect there would count a click and break the page the person expects), and links to a host
the account does not allow (``TrackingSettings.link_hosts``): those stay as the template rendered
them, unsigned, so our tracking domain never redirects there (docs/security.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser

from nurtureflow.sending.attributes import attribute_values
from nurtureflow.sending.link_hosts import allowed_link_hosts
from nurtureflow.sending.tokens import sign
from nurtureflow.sending.urls import header_safe_url
from nurtureflow.settings import TrackingSettings

_BARE_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?"


@dataclass(frozen=True)
class TrackedHtml:
    """The rewritten html, and the original URLs of the links rewritten (in document order)."""

    html: str
    links: list[str] = field(default_factory=list)


def _base(settings: TrackingSettings) -> str:
    return settings.public_base_url.rstrip("/")


def _token(payload: dict[str, str], settings: TrackingSettings) -> str:
    return sign(payload, settings.link_keys, settings.link_key_id)


def click_url(url: str, send_id: str, settings: TrackingSettings) -> str:
    """The tracking URL that records a click of this send and redirects to ``url``."""
    signed = {"k": "c", "s": send_id, "u": header_safe_url(url)}
    return f"{_base(settings)}/t/c/{_token(signed, settings)}"


def open_url(send_id: str, settings: TrackingSettings) -> str:
    """The open pixel's URL for this send."""
    return f"{_base(settings)}/t/o/{_token({'k': 'o', 's': send_id}, settings)}"


def unsubscribe_url(send_id: str, settings: TrackingSettings) -> str:
    """The unsubscribe page (GET) and RFC 8058 one-click (POST) URL for this send."""
    return f"{_base(settings)}/u/{_token({'k': 'u', 's': send_id}, settings)}"


MAX_TRACKED_URL = 2000


def _is_trackable(url: str, settings: TrackingSettings) -> bool:
    lowered = url.lower()
    # Longer URLs than browsers reliably follow stay as they are: their token would be too long.
    if not lowered.startswith(("http://", "https://")) or len(url) > MAX_TRACKED_URL:
        return False
    base = _base(settings)
    if url.startswith((f"{base}/t/", f"{base}/u/")):
        return False
    return allowed_link_hosts(settings).allows(url)


def open_pixel(send_id: str, settings: TrackingSettings) -> str:
    """The 1x1 image tag that records an open."""
    src = escape(open_url(send_id, settings), quote=True)
    return f'<img src="{src}" width="1" height="1" alt="" style="display:none">'


def _href_span(tag_text: str, expected: str) -> tuple[int, int, bool] | None:
    """Where the first href value sits in a start tag's text: (start, end, quoted).

    None when the value found is not the one the parser reported (then the link is left).
    """
    for attribute in attribute_values(tag_text):
        if attribute.name == "href":
            found = (attribute.start, attribute.end, attribute.quoted)
            return found if unescape(attribute.raw) == expected else None
    return None


class _AnchorFinder(HTMLParser):
    """Finds the href values to rewrite and the last ``</body>``, as offsets into the document."""

    def __init__(self, document: str, settings: TrackingSettings) -> None:
        super().__init__(convert_charrefs=True)
        self._settings = settings
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", document)]
        self.hrefs: list[tuple[int, int, bool, str]] = []
        self.body_end: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a" or any(name == "data-nf-notrack" for name, _ in attrs):
            return
        href = next((value for name, value in attrs if name == "href"), None)
        if href is None or not _is_trackable(href.strip(), self._settings):
            return
        tag_text = self.get_starttag_text() or ""
        span = _href_span(tag_text, href)
        if span is not None:
            start, end, quoted = span
            offset = self._offset()
            self.hrefs.append((offset + start, offset + end, quoted, href.strip()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "body":
            self.body_end = self._offset()


@dataclass(frozen=True)
class Anchors:
    """Where a document's trackable hrefs are (start, end, quoted, url) and where its body ends:
    the parse ``track_links`` needs, the same for every send of the same html."""

    hrefs: tuple[tuple[int, int, bool, str], ...]
    body_end: int | None


def find_anchors(html: str, settings: TrackingSettings) -> Anchors:
    finder = _AnchorFinder(html, settings)
    finder.feed(html)
    finder.close()
    return Anchors(tuple(finder.hrefs), finder.body_end)


def track_links(
    html: str, send_id: str, settings: TrackingSettings, anchors: Anchors | None = None
) -> TrackedHtml:
    """Rewrite each trackable link to its click URL and add the open pixel before ``</body>``;
    ``anchors``, when given, are ``find_anchors(html, settings)`` found before."""
    document = html
    finder = anchors or find_anchors(document, settings)
    pieces: list[str] = []
    cursor = 0
    for start, end, quoted, url in finder.hrefs:
        replacement = escape(click_url(url, send_id, settings), quote=True)
        pieces += [document[cursor:start], replacement if quoted else f'"{replacement}"']
        cursor = end
    pixel_at = finder.body_end if finder.body_end is not None and finder.body_end >= cursor else len(document)
    pieces += [document[cursor:pixel_at], open_pixel(send_id, settings), document[pixel_at:]]
    return TrackedHtml(html="".join(pieces), links=[url for *_, url in finder.hrefs])


def track_text_links(text: str, send_id: str, settings: TrackingSettings) -> str:
    """Rewrite the bare http(s) URLs of a plain-text part to their click URLs."""

    def rewrite(match: re.Match[str]) -> str:
        url = match.group(0)
        trailing = ""
        while url and url[-1] in _TRAILING_PUNCTUATION:
            url, trailing = url[:-1], url[-1] + trailing
        if not _is_trackable(url, settings):
            return match.group(0)
        return click_url(url, send_id, settings) + trailing

    return _BARE_URL.sub(rewrite, text)
