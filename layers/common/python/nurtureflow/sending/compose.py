"""One email as its contact gets it: rendered, footer completed, links and open pixel tracked.

The send and the admin preview both compose through here, so a preview shows exactly what a send
would put in the message (with the preview's own send id in its tokens).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, TypeVar

from nurtureflow.sending.compliance import with_footer
from nurtureflow.sending.library import TemplateLibrary
from nurtureflow.sending.links import Anchors, find_anchors, track_links, track_text_links, unsubscribe_url
from nurtureflow.sending.templates import EmailTemplate, TemplateRenderError, html_to_text, render_template
from nurtureflow.sending.unsafe_urls import neutralise_unsafe_urls
from nurtureflow.settings import TrackingSettings


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    html: str  # tracked: click links signed, open pixel added
    text: str
    unsubscribe_url: str


T = TypeVar("T")
# A cache entry a distinct html: a template sent to many contacts is one or a few entries.
CACHED_HTMLS = 256


class ComposeCache:
    """What composing costs once per distinct html instead of once per send: the text part derived
    from it, its code-running URLs neutralised, and where its links are (three parses).

    Keyed by the html itself, with the one thing every send puts in it, its unsubscribe URL,
    standing in as a string of the same length and kind: the sends of one template share entries
    while anything else that differs (a contact's name in the body) makes its own. Each cached
    function is pure, and the stand-in is parsed exactly as the URL is, so a send composed through
    the cache is the one composed without it (``tests/unit/sending/test_compose_cache.py``).
    """

    def __init__(self, tracking: TrackingSettings) -> None:
        self._text = lru_cache(maxsize=CACHED_HTMLS)(html_to_text)
        self._safe = lru_cache(maxsize=CACHED_HTMLS)(neutralise_unsafe_urls)
        self._anchors = lru_cache(maxsize=CACHED_HTMLS)(lambda html: find_anchors(html, tracking))

    def hits(self) -> int:
        """How many parses the cache spared so far."""
        return sum(c.cache_info().hits for c in (self._text, self._safe, self._anchors))

    def text_of(self, html: str, url: str) -> str:
        return _masked(self._text, html, url, lambda text, unmask: unmask(text))

    def neutralised(self, html: str, url: str) -> str:
        return _masked(self._safe, html, url, lambda safe, unmask: unmask(safe))

    def anchors(self, html: str, url: str) -> Anchors:
        def unmasked(found: Anchors, unmask: Callable[[str], str]) -> Anchors:
            # A link that carries the URL inside it (?next=<unsubscribe URL>) is this send's own.
            return replace(found, hrefs=tuple((s, e, q, unmask(link)) for s, e, q, link in found.hrefs))

        return _masked(self._anchors, html, url, unmasked)


def stand_in_for(url: str) -> str:
    """What stands in for ``url`` in a cache key: its prefix up to the last ``/``, then as many
    letters as the rest had."""
    prefix = url.rsplit("/", 1)[0] + "/"
    return prefix + "Z" * (len(url) - len(prefix))


def _masked(
    parse: Callable[[str], T], html: str, url: str, unmask: Callable[[T, Callable[[str], str]], T]
) -> T:
    """``parse(html)``, computed on ``html`` with ``url`` standing in; directly when the stand-in
    itself occurs in the html (it could not be told apart from the URL afterwards)."""
    stand_in = stand_in_for(url)
    if stand_in in html:
        return parse(html)
    return unmask(parse(html.replace(url, stand_in)), lambda text: text.replace(stand_in, url))


def compose_email(
    template: EmailTemplate,
    contact: Mapping[str, Any],
    event: Mapping[str, Any] | None,
    *,
    send_id: str,
    workflow: Mapping[str, Any] | None,
    tracking: TrackingSettings,
    postal_address: str,
    library: TemplateLibrary,
    cache: ComposeCache | None = None,
) -> ComposedEmail:
    """Render for this contact; ``TemplateRenderError`` names the part that failed. ``cache``
    shares the html's parses between the sends of one process (the send function, a forecast)."""
    if template.kind != "email":
        raise TemplateRenderError("html", f"a {template.kind} is part of other templates, never sent alone")
    unsubscribe = unsubscribe_url(send_id, tracking)
    variables = {
        "workflow": dict(workflow or {}),
        "unsubscribe_url": unsubscribe,
        # The GET /u/{token} page is where a person manages their subscription (today: unsubscribe).
        "preferences_url": unsubscribe,
        "postal_address": postal_address,
    }
    text_of = html_to_text if cache is None else (lambda html: cache.text_of(html, unsubscribe))
    rendered = with_footer(
        render_template(template, contact, event, variables, library, text_of),
        unsubscribe,
        postal_address,
        text_of,
    )
    if cache is None:
        tracked = track_links(neutralise_unsafe_urls(rendered.html), send_id, tracking)
    else:
        safe = cache.neutralised(rendered.html, unsubscribe)
        tracked = track_links(safe, send_id, tracking, cache.anchors(safe, unsubscribe))
    # A text-only reader's click counts as the html reader's does (stats, branches, best_time).
    text = track_text_links(rendered.text, send_id, tracking)
    return ComposedEmail(rendered.subject, tracked.html, text, unsubscribe)


class WorkflowNames:
    """Workflow names by (id, version), read once per process: a published version never changes,
    and an id with no published version (a broadcast's ``broadcast:<id>``) never gets one, so a miss
    is kept too (a broadcast would otherwise read the workflows table for every email)."""

    def __init__(self, lookup: Callable[[str, int], str | None] | None) -> None:
        self._lookup, self._names = lookup, dict[tuple[str, int], str | None]()

    def variable(self, workflow_id: str, version: int, step: str) -> dict[str, Any]:
        """What ``{{ workflow }}`` holds: id, name (the id when unknown), version and step."""
        key = (workflow_id, version)
        if key not in self._names:
            self._names[key] = self._lookup(workflow_id, version) if self._lookup is not None else None
        name = self._names[key] or workflow_id
        return {"id": workflow_id, "name": name, "version": version, "step": step}
