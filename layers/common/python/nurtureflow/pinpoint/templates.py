"""Pinpoint email templates (``aws pinpoint get-email-template``'s ``EmailTemplateResponse``) as
NurtureFlow templates that render the same text.

Pinpoint's message variables become the contact's fields in Jinja2: ``{{User.UserAttributes.FirstName}}``
is ``{{ contact.first_name }}``, ``{{Attributes.Plan}}`` and other user attributes are
``{{ contact.properties.Plan }}``, ``{{Address}}`` is ``{{ contact.email }}``; a default from
``DefaultSubstitutions`` is kept with ``or``. A variable with no counterpart (location, demographics,
metrics) or a Handlebars helper (``{{#if}}``, ``{{#each}}``) renders nothing and is listed.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from nurtureflow.pinpoint.shapes import PinpointInputError, Problem, pointer, problems

_VARIABLE = re.compile(r"\{\{\{?\s*(?P<body>[^{}]*?)\s*\}?\}\}")
_FIELDS = {
    "User.UserAttributes.FirstName": "contact.first_name",
    "User.UserAttributes.LastName": "contact.last_name",
    "Address": "contact.email",
    "User.UserId": "contact.id",
    "EndpointId": "contact.id",
    "Id": "contact.id",
}
_PARTS = (("HtmlPart", "html"), ("TextPart", "text"), ("Subject", "subject"))


class TemplateInvalidError(PinpointInputError):
    """Not an email template Pinpoint would accept."""


@dataclass
class ConvertedTemplate:
    name: str
    template: dict[str, str]
    unconverted: list[dict[str, str]] = field(default_factory=list)  # {pointer, text, note}


def convert_template(document: Any) -> ConvertedTemplate:
    """The template, or ``TemplateInvalidError`` naming every problem by its pointer."""
    if isinstance(document, dict) and isinstance(document.get("EmailTemplateResponse"), dict):
        template, base = document["EmailTemplateResponse"], pointer("EmailTemplateResponse")
    else:
        template, base = document, ""
    found = problems(template, "EmailTemplateResponse", base)
    if not found and template.get("TemplateType", "EMAIL") != "EMAIL":
        kind = template["TemplateType"]
        found.append(Problem(base + "/TemplateType", f"an email template is of type EMAIL, not {kind}"))
    if not found and not (template.get("HtmlPart") or template.get("TextPart")):
        found.append(Problem(base + "/HtmlPart", "a template needs an HtmlPart or a TextPart to send"))
    defaults = _defaults(template.get("DefaultSubstitutions"), base, found)
    if found:
        raise TemplateInvalidError(found)
    converted = ConvertedTemplate(str(template.get("TemplateName") or "template"), {})
    for part, key in _PARTS:
        if template.get(part):
            converted.template[key] = _convert(str(template[part]), defaults, base + f"/{part}", converted)
    if "html" not in converted.template:  # NurtureFlow templates are html, with text derived or given
        converted.template["html"] = (
            "<pre>" + html.escape(converted.template.get("text", ""), quote=False) + "</pre>"
        )
    converted.template.setdefault("subject", "")
    return converted


def _defaults(raw: Any, base: str, found: list[Problem]) -> dict[str, str]:
    if raw in (None, ""):
        return {}
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        found.append(Problem(base + "/DefaultSubstitutions", "must be a JSON object written as a string"))
        return {}
    return {str(k): str(v) for k, v in parsed.items()}


def _convert(text: str, defaults: dict[str, str], at: str, converted: ConvertedTemplate) -> str:
    def replace(match: re.Match[str]) -> str:
        body = match["body"]
        target = _FIELDS.get(body)
        if target is None and body.startswith(("User.UserAttributes.", "Attributes.")):
            target = "contact.properties." + body.rsplit(".", 1)[1]
        if body.startswith("!"):  # a Handlebars comment
            return ""
        if target is None or not re.fullmatch(r"[A-Za-z0-9_.]+", target):
            note = (
                "a Handlebars helper is not converted"
                if body.startswith(("#", "/", "else"))
                else "this variable has no counterpart on a NurtureFlow contact"
            )
            converted.unconverted.append({"pointer": at, "text": match.group(0), "note": note})
            return ""
        if body in defaults:
            return "{{ " + target + " or " + json.dumps(defaults[body]) + " }}"
        return "{{ " + target + " }}"

    # Between the variables, Jinja2's own markers are literal text in Pinpoint: kept literal here.
    out, last = [], 0
    for match in _VARIABLE.finditer(text):
        out += [_literal(text[last : match.start()]), replace(match)]
        last = match.end()
    return "".join([*out, _literal(text[last:])])


def _literal(text: str) -> str:
    return text.replace("{%", "{{ '{%' }}").replace("{#", "{{ '{#' }}")
