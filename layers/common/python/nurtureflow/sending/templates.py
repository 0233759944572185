"""Email templates: Jinja2 in a sandbox, rendered once per contact at send time.

What a template sees:

- ``contact``: the contact's fields (``contact.first_name``, ``contact.email``, ``contact.score``)
  and its other traits under ``contact.properties`` (``contact.properties.plan``).
- ``event``: the event that started the run. ``event.type``, ``event.occurred_at`` and
  ``event.step`` are the event's own; any other name reads its properties (``event.value`` is
  ``properties.value``, ``event.items`` is ``properties.items``). An event already flattened that
  way (``TrackedEvent.as_condition_data()``) is taken as it is.
- ``workflow``, ``unsubscribe_url``, ``preferences_url`` and ``postal_address``: the sender passes
  them in ``extra`` (``sending.compose``); ``extra`` cannot shadow ``contact`` or ``event``.

Layouts and partials (``{% extends %}``, ``{% include %}``) resolve through a ``TemplateLibrary``
over the templates repository; filters are in ``sending.filters``, the sandbox in
``sending.sandbox``, the derived text in ``sending.plaintext``.

Data reads as data: a key always wins over a dict method of the same name (``event.items`` is the
key ``items``, never ``dict.items``). A missing value renders empty (a contact without a first name
must not fail a send), and so does ``None``. The html part is autoescaped; subject and text are
not (they are not html). The subject is one line: the whitespace of what it renders collapses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jinja2 import TemplateError as JinjaError
from jinja2 import TemplateNotFound, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from pydantic import BaseModel, ConfigDict, Field, model_validator

from nurtureflow.sending.library import Part, TemplateLibrary
from nurtureflow.sending.plaintext import html_to_text

__all__ = ["EmailTemplate", "RenderedEmail", "TemplateError", "TemplateRenderError", "html_to_text"]

Kind = Literal["email", "layout", "partial"]


class EmailTemplate(BaseModel):
    """A template as stored and as the admin API takes it (``text`` derived from html when absent).

    ``kind`` (optional, default ``email``): a ``layout`` or ``partial`` is a building block other
    templates extend or include; it needs no subject and is never sent on its own.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str = Field(default="", max_length=998)
    html: str = Field(min_length=1, max_length=512_000)
    text: str | None = Field(default=None, max_length=512_000)
    kind: Kind = "email"

    @model_validator(mode="after")
    def _email_needs_a_subject(self) -> EmailTemplate:
        if self.kind == "email" and not self.subject.strip():
            raise ValueError("subject: an email template needs a subject")
        return self

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any], subject: str | None = None) -> EmailTemplate:
        """The template as the repository holds it, with the workflow step's subject if it has one."""
        return cls(
            subject=subject or stored.get("subject") or "",
            html=stored["html"],
            text=stored.get("text"),
            kind=stored.get("kind") or "email",
        )


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class TemplateError:
    """One problem of a template: the part it is in, a sentence, and the line when known."""

    field: Part
    message: str
    line: int | None = None


MAX_SUBJECT = 998  # one header line (RFC 5322); mail clients show a fraction of it anyway


class TemplateRenderError(Exception):
    """A template that failed while rendering (sandbox refusal, unknown filter, bad arithmetic)."""

    def __init__(self, field: Part, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


# Templates with no library of their own (a task's title) resolve no names.
STANDALONE = TemplateLibrary(None)


class _DataView:
    """A read-only view of a mapping in which keys win over method names."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._data:
            raise AttributeError(name)
        return _wrap(self._data[name])

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __str__(self) -> str:
        return str(dict(self._data))


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _DataView(value)
    if isinstance(value, list | tuple):
        return [_wrap(item) for item in value]
    return value


def _wrap_extra(extra: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: _wrap(value) for key, value in (extra or {}).items()}


_EVENT_OWN_KEYS = ("type", "occurred_at", "step")


def _event_data(event: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not isinstance(event, Mapping):
        return {}  # no event (a manual enrolment), or a preview body without one
    properties = event.get("properties")
    if not isinstance(properties, Mapping):
        return event  # already flattened: properties at the top level
    return {**properties, **{key: event[key] for key in _EVENT_OWN_KEYS if key in event}}


def _parts(template: EmailTemplate) -> list[tuple[Part, str]]:
    parts: list[tuple[Part, str]] = [("subject", template.subject), ("html", template.html)]
    return parts if template.text is None else [*parts, ("text", template.text)]


def validate_template(template: EmailTemplate, library: TemplateLibrary = STANDALONE) -> list[TemplateError]:
    """Every syntax error of the template's parts, each naming its part and line; [] when valid."""
    problems = []
    for part, source in _parts(template):
        try:
            library.compile(part, source)
        except TemplateSyntaxError as exc:
            problems.append(TemplateError(part, f"line {exc.lineno}: {exc.message}", exc.lineno))
    return problems


def _render(part: Part, source: str, context: dict[str, Any], library: TemplateLibrary = STANDALONE) -> str:
    try:
        return library.render(part, source, context)
    except TemplateSyntaxError as exc:
        where = f"'{exc.name}' " if exc.name else ""
        raise TemplateRenderError(part, f"{where}line {exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateRenderError(part, f"refused by the sandbox: {exc}") from None
    except TemplateNotFound as exc:
        raise TemplateRenderError(part, str(exc.message or f"template '{exc.name}' does not exist")) from None
    except RecursionError:
        raise TemplateRenderError(part, "the template refers to itself without end") from None
    except JinjaError as exc:
        raise TemplateRenderError(part, f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:  # template code is user code: any failure is the template's
        raise TemplateRenderError(part, f"{type(exc).__name__}: {exc}") from None


def render_template(
    template: EmailTemplate,
    contact: Mapping[str, Any],
    event: Mapping[str, Any] | None,
    extra: Mapping[str, Any] | None = None,
    library: TemplateLibrary = STANDALONE,
    text_of: Callable[[str], str] = html_to_text,
) -> RenderedEmail:
    """The email as this contact gets it; ``TemplateRenderError`` names the part that failed.
    ``text_of`` derives the text part from the html when the template has none (a cached
    ``html_to_text``, for one)."""
    context = {**_wrap_extra(extra), "contact": _DataView(contact), "event": _DataView(_event_data(event))}
    subject = " ".join(_render("subject", template.subject, context, library).split())
    if len(subject) > MAX_SUBJECT:
        raise TemplateRenderError("subject", f"renders to {len(subject)} characters; at most {MAX_SUBJECT}")
    html = _render("html", template.html, context, library)
    # A blank text part is a forgotten one: derive it, or the text part would hold only the footer.
    written = template.text if template.text and template.text.strip() else None
    text = text_of(html) if written is None else _render("text", written, context, library)
    return RenderedEmail(subject=subject, html=html, text=text)


def template_syntax_error(source: str) -> str | None:
    """The syntax error of a plain-text template string (a task's title), or None."""
    try:
        STANDALONE.compile("text", source)
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


def render_text(source: str, contact: Mapping[str, Any], event: Mapping[str, Any] | None) -> str:
    """A plain-text template string (a task's title or notes) rendered for a contact, unescaped."""
    context = {"contact": _DataView(contact), "event": _DataView(_event_data(event))}
    return _render("text", source, context)
