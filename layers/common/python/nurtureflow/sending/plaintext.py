"""Plain text from html: the text part of an email whose template has none.

Links keep their URL as "text (url)", list items become "- item" (numbered in an ordered list),
headings and paragraphs are separated by blank lines, images show their alt text, and scripts,
styles and the head are dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

from nurtureflow.sending.urls import header_safe_url

_SKIPPED = frozenset({"script", "style", "head", "title"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SECTIONS = frozenset({"section", "article", "header", "footer", "address", "blockquote", "pre", "hr"})
_BLOCKS = _HEADINGS | _SECTIONS | {"p", "div", "ul", "ol", "table", "tr"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0
        self._anchors: list[tuple[str, int]] = []  # (href, where its label starts in ``out``)
        self._lists: list[int | None] = []  # per open list: the next number (ol), or None (ul)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append("\n\n")
            if tag in ("ul", "ol"):
                self._lists.append(1 if tag == "ol" else None)
        elif tag == "li":
            self.out.append(self._bullet())
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "a":
            self._anchors.append((dict(attrs).get("href") or "", len(self.out)))
        elif tag == "img" and not self._skipping:
            self.out.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.out.append("\n\n")
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
        elif tag == "a" and self._anchors:
            href, start = self._anchors.pop()
            self.out.append(_link_suffix(href.strip(), " ".join("".join(self.out[start:]).split())))

    def _bullet(self) -> str:
        """A list item's marker: "1." in an ordered list, "-" otherwise."""
        number = self._lists[-1] if self._lists else None
        if number is None:
            return "\n- "
        self._lists[-1] = number + 1
        return f"\n{number}. "

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def _link_suffix(href: str, label: str) -> str:
    """What follows a link's text: its URL in brackets, unless the text already says it."""
    if not href or href.startswith("#") or href.lower().startswith("javascript:"):
        return ""
    # An http(s) URL from data may hold spaces or line breaks: one URL, one token in the text.
    shown = href[7:] if href.lower().startswith("mailto:") else header_safe_url(href)
    if label in (href, shown):
        return ""
    return f" ({shown})" if label else shown


@lru_cache(maxsize=16)
def html_to_text(html: str) -> str:
    """A plain-text rendering of an html body: tags gone, link URLs kept, paragraphs kept.

    Kept for the last few bodies: a send converts its rendered html twice (for its text part when
    the template has none, then for the footer's postal address check), and the text depends on
    nothing but the html.
    """
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = re.sub(r"[ \t]+", " ", "".join(extractor.out))
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
