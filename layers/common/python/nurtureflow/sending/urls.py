"""A URL written the one way that is safe in a header and in plain text."""

from __future__ import annotations

from urllib.parse import quote

# RFC 3986's reserved and unreserved characters, and "%" (an escape already made is kept).
_URL_SAFE = ":/?#[]@!$&'()*+,;=-._~%"


def header_safe_url(url: str) -> str:
    """``url`` with every character a URI may not hold percent-encoded (UTF-8).

    Links are often built from contact data, which autoescaping leaves as it is: a CR or LF there
    would end the redirect's ``Location`` header and start another one. Idempotent.
    """
    return quote(url, safe=_URL_SAFE)
