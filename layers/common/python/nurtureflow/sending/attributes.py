"""Where each attribute value sits in a start tag's text, as the standard HTML parser reads it.

Rewriting a value in place (a tracked link, a neutralised URL) needs its offsets, which
``HTMLParser`` does not give: matching the tag with the parser's own patterns sees what it saw.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import parser as html_parser

# The parser's own patterns (undeclared in typeshed).
_TAG_NAME: re.Pattern[str] = html_parser.tagfind_tolerant  # type: ignore[attr-defined]
_ATTRIBUTE: re.Pattern[str] = html_parser.attrfind_tolerant  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AttributeValue:
    name: str  # lower-cased
    start: int  # offsets of the value in the tag's text, quotes excluded
    end: int
    quoted: bool
    raw: str  # the value as written (character references not decoded)


def attribute_values(tag_text: str) -> Iterator[AttributeValue]:
    """The attributes of one start tag that have a value, in order."""
    tag = _TAG_NAME.match(tag_text, 1)
    position = tag.end() if tag else len(tag_text)
    while position < len(tag_text):
        attribute = _ATTRIBUTE.match(tag_text, position)
        if attribute is None or attribute.end() == position:
            return
        name, rest, value = attribute.group(1, 2, 3)
        if rest and value is not None:
            start, end = attribute.span(3)
            quoted = value[:1] in ("'", '"') and value[:1] == value[-1:] and len(value) >= 2
            if quoted:
                start, end, value = start + 1, end - 1, value[1:-1]
            yield AttributeValue(name.lower(), start, end, quoted, value)
        position = attribute.end()
