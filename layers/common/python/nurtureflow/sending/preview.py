"""``POST /admin/templates/{id}/preview``: the email as a contact (stored or described) would get it.

The body is ``{"contact_id": id-or-email}`` or ``{"contact": {fields}}``, with an optional
``"event"`` (``{type, occurred_at, properties}`` or flat). Contact fields other than the named ones
go under ``contact.properties``, as tracked traits do. The preview composes like a send (footer,
signed click links, open pixel, unsubscribe URL), under a send id that matches no send: clicking a
previewed link redirects and records nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from nurtureflow.contacts.model import Contact, InvalidEmailError, contact_id_for
from nurtureflow.sending.compose import ComposedEmail, compose_email
from nurtureflow.sending.library import TemplateLibrary
from nurtureflow.sending.templates import EmailTemplate
from nurtureflow.settings import TrackingSettings

PREVIEW_WORKFLOW = {"id": "preview", "name": "Preview", "version": 0, "step": "preview"}
_BODY_KEYS = ("contact_id", "contact", "event")
_NAMED = frozenset(Contact.model_fields) - {"properties"}


class PreviewRefusedError(Exception):
    """A preview that cannot be made: ``field`` names why; ``status`` is 404 or 422."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.status = field, status


def _described_contact(fields: Mapping[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    properties = dict(fields.get("properties") or {}) if isinstance(fields.get("properties"), dict) else {}
    properties.update({k: v for k, v in fields.items() if k not in _NAMED and k != "properties"})
    named = {k: v for k, v in fields.items() if k in _NAMED}
    base = {"id": "c_preview", "email": "preview@example.com", "created_at": now, "updated_at": now}
    try:
        return Contact.model_validate({**base, **named, "properties": properties}).as_condition_data()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(["contact", *(str(p) for p in first["loc"])])
        raise PreviewRefusedError(field, f"{field}: {first['msg']}") from None


class TemplatePreview:
    def __init__(
        self,
        templates: Any,
        find_contact: Callable[[str], Contact | None],
        library: TemplateLibrary,
        tracking: TrackingSettings,
        postal_address: str,
    ) -> None:
        self._templates, self._find_contact, self._library = templates, find_contact, library
        self._tracking, self._postal_address = tracking, postal_address

    def _contact(self, body: Mapping[str, Any]) -> dict[str, Any]:
        has_id, has_fields = body.get("contact_id") is not None, body.get("contact") is not None
        if has_id == has_fields:
            raise PreviewRefusedError("contact_id", "give either contact_id or contact (an object of fields)")
        if has_fields:
            if not isinstance(body["contact"], dict):
                raise PreviewRefusedError("contact", "contact must be an object of contact fields")
            return _described_contact(body["contact"])
        wanted = body["contact_id"]
        if not isinstance(wanted, str) or not wanted.strip():
            raise PreviewRefusedError("contact_id", "contact_id must be a contact's id or email")
        key = wanted.strip()
        if "@" in key:
            try:
                key = contact_id_for(key)
            except InvalidEmailError:
                raise PreviewRefusedError("contact_id", f"'{wanted}' is not an email address") from None
        found = self._find_contact(key)
        if found is None:
            raise PreviewRefusedError("contact_id", f"no contact is '{wanted}'", status=404)
        return found.as_condition_data()

    def preview(self, template_id: str, body: Any) -> ComposedEmail:
        """The composed email; ``LookupError`` for an unknown template, ``PreviewRefusedError``."""
        stored = self._templates.get(template_id)
        if stored is None:
            raise LookupError(f"no template is called '{template_id}'")
        if not isinstance(body, dict):
            raise PreviewRefusedError("body", "the body is an object: {contact_id | contact, event?}")
        unknown = sorted(set(body) - set(_BODY_KEYS))
        if unknown:
            raise PreviewRefusedError(
                unknown[0], f"unknown field '{unknown[0]}': expected {', '.join(_BODY_KEYS)}"
            )
        event = body.get("event")
        if event is not None and not isinstance(event, dict):
            raise PreviewRefusedError("event", "event must be an object {type, occurred_at, properties}")
        contact = self._contact(body)
        send_id = "p_" + hashlib.sha256(f"{template_id}|{contact['id']}".encode()).hexdigest()[:24]
        return compose_email(
            EmailTemplate.from_stored(stored),
            contact,
            event,
            send_id=send_id,
            workflow=PREVIEW_WORKFLOW,
            tracking=self._tracking,
            postal_address=self._postal_address,
            library=self._library,
        )
