"""The footer every marketing email carries: a visible unsubscribe link and the postal address.

RFC 8058 and the mailbox providers want a visible unsubscribe link in the body, CAN-SPAM a postal
address. A template is expected to place both (``{{ unsubscribe_url }}``, ``{{ postal_address }}``);
when a rendered email lacks either, the standard footer supplies what is missing rather than
refusing the send, and the upload of such a template answers a warning saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from html import escape

from nurtureflow.sending.plaintext import html_to_text
from nurtureflow.sending.templates import RenderedEmail

_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def _words(text: str) -> str:
    return " ".join(text.split())


def _has_link(html: str, url: str) -> bool:
    return url in html or escape(url, quote=True) in html


def _has_address(
    html_or_text: str, postal_address: str, *, is_html: bool, text_of: Callable[[str], str] = html_to_text
) -> bool:
    shown = text_of(html_or_text) if is_html else html_or_text
    return _words(postal_address) in _words(shown)


def missing_footer(html: str, unsubscribe_url: str, postal_address: str) -> list[str]:
    """Warnings for what the html lacks (and the footer will add)."""
    warnings = []
    if not _has_link(html, unsubscribe_url):
        warnings.append(
            "html: no visible unsubscribe link ({{ unsubscribe_url }}): the standard footer adds one"
        )
    if not _has_address(html, postal_address, is_html=True):
        warnings.append(
            "html: no postal address ({{ postal_address }}, CAN-SPAM): the standard footer adds it"
        )
    return warnings


def with_footer(
    email: RenderedEmail,
    unsubscribe_url: str,
    postal_address: str,
    text_of: Callable[[str], str] = html_to_text,
) -> RenderedEmail:
    """The email with the standard footer added where the template left something out;
    ``text_of`` reads the html's visible text (a cached ``html_to_text``, for one)."""
    html_parts, text_parts = [], []
    if not _has_address(email.html, postal_address, is_html=True, text_of=text_of):
        html_parts.append(escape(postal_address))
    if not _has_link(email.html, unsubscribe_url):
        html_parts.append(f'<a href="{escape(unsubscribe_url, quote=True)}">Unsubscribe</a>')
    if not _has_address(email.text, postal_address, is_html=False):
        text_parts.append(postal_address)
    if unsubscribe_url not in email.text:
        text_parts.append(f"Unsubscribe: {unsubscribe_url}")
    html, text = email.html, email.text
    if html_parts:
        footer = f'<p style="font-size:12px;color:#666666">{" &middot; ".join(html_parts)}</p>'
        ends = list(_BODY_END.finditer(html))
        at = ends[-1].start() if ends else len(html)
        html = html[:at] + footer + html[at:]
    if text_parts:
        text = "\n\n".join(part for part in (text.rstrip(), "\n".join(text_parts)) if part)
    return replace(email, html=html, text=text)
