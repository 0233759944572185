"""One email as its contact gets it: rendered, footer completed, links and open pixel tracked.

The send and the admin preview both compose through here, so a preview shows exactly what a send
would put in the message (with the preview's own send id in its tokens).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nurtureflow.sending.compliance import with_footer
from nurtureflow.sending.library import TemplateLibrary
from nurtureflow.sending.links import track_links, track_text_links, unsubscribe_url
from nurtureflow.sending.templates import EmailTemplate, TemplateRenderError, render_template
from nurtureflow.sending.unsafe_urls import neutralise_unsafe_urls
from nurtureflow.settings import TrackingSettings


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    html: str  # tracked: click links signed, open pixel added
    text: str
    unsubscribe_url: str


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
) -> ComposedEmail:
    """Render for this contact; ``TemplateRenderError`` names the part that failed."""
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
    rendered = with_footer(
        render_template(template, contact, event, variables, library), unsubscribe, postal_address
    )
    tracked = track_links(neutralise_unsafe_urls(rendered.html), send_id, tracking)
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
