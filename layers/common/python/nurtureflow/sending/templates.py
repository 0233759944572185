"""Email templates: Jinja2 in a sandbox, rendered once per contact at send time.

What a template sees:

- ``contact``: the contact's fields (``contact.first_name``, ``contact.email``, ``contact.score``)
  and its other traits under ``contact.properties`` (``contact.properties.plan``).
- ``event``: the event that started the run. ``event.type``, ``event.occurred_at`` and
  ``event.step`` are the event's own; any other name reads its properties (``event.value`` is
  ``properties.value``, ``event.items`` is ``properties.items``). An event already flattened that
  way (``TrackedEvent.as_condition_data()``) is taken as it is.
- ``unsubscribe_url`` and ``postal_address``: every marketing email shows both (RFC 8058 wants a
  visible unsubscribe link, CAN-SPAM a postal address). The sender passes them in ``extra``; the
  footer is the template's job. ``extra`` cannot shadow ``contact`` or ``event``.

Data reads as data: a key always wins over a dict method of the same name (``event.items`` is the
key ``items``, never ``dict.items``). A missing value renders empty (a contact without a first name
must not fail a send), and so does ``None``. The html part is autoescaped; subject and text are
not (they are not html). The subject is one line: the whitespace of what it renders collapses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any, Literal, NoReturn

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field

Part = Literal["subject", "html", "text"]
# Arithmetic in a template could otherwise build a gigabyte string or a million-digit number.
_MAX_REPEAT = 100_000
_MAX_EXPONENT = 1_000


class EmailTemplate(BaseModel):
    """A template as stored and as the admin API takes it (``text`` derived from html when absent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str = Field(min_length=1, max_length=998)
    html: str = Field(min_length=1)
    text: str | None = None


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


class TemplateRenderError(Exception):
    """A template that failed while rendering (sandbox refusal, unknown filter, bad arithmetic)."""

    def __init__(self, field: Part, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        # The stock sandbox answers an undefined value, which a lenient undefined renders as "":
        # an attempt to escape the sandbox must fail loudly instead.
        raise SecurityError(f"access to attribute '{attribute}' of a {type(obj).__name__} is not allowed")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"exponents above {_MAX_EXPONENT} are not allowed")
        if operator == "*":
            sizes = [len(v) for v in (left, right) if isinstance(v, str | list | tuple)]
            counts = [v for v in (left, right) if isinstance(v, int)]
            if sizes and counts and sizes[0] * counts[0] > _MAX_REPEAT:
                raise SecurityError(f"results longer than {_MAX_REPEAT} are not allowed")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> Any:
    return "" if value is None else value


# Built once per process: building an environment costs more than rendering a short template.
_HTML_ENV = _Sandbox(autoescape=True, undefined=ChainableUndefined, finalize=_finalize)
_PLAIN_ENV = _Sandbox(autoescape=False, undefined=ChainableUndefined, finalize=_finalize)


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


_EVENT_OWN_KEYS = ("type", "occurred_at", "step")


def _event_data(event: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not isinstance(event, Mapping):
        return {}  # no event (a manual enrolment), or a preview body without one
    properties = event.get("properties")
    if not isinstance(properties, Mapping):
        return event  # already flattened: properties at the top level
    return {**properties, **{key: event[key] for key in _EVENT_OWN_KEYS if key in event}}


@lru_cache(maxsize=256)
def _compiled(part: Part, source: str) -> Template:
    # A broadcast renders one template thousands of times in a warm Lambda: compile it once.
    return (_HTML_ENV if part == "html" else _PLAIN_ENV).from_string(source)


def _parts(template: EmailTemplate) -> list[tuple[Part, str]]:
    parts: list[tuple[Part, str]] = [("subject", template.subject), ("html", template.html)]
    return parts if template.text is None else [*parts, ("text", template.text)]


def validate_template(template: EmailTemplate) -> list[TemplateError]:
    """Every syntax error of the template's parts, each naming its part and line; [] when valid."""
    problems = []
    for part, source in _parts(template):
        try:
            _compiled(part, source)
        except TemplateSyntaxError as exc:
            problems.append(TemplateError(part, f"line {exc.lineno}: {exc.message}", exc.lineno))
    return problems


def _render(part: Part, source: str, context: dict[str, Any]) -> str:
    try:
        return _compiled(part, source).render(context)
    except TemplateSyntaxError as exc:
        raise TemplateRenderError(part, f"line {exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateRenderError(part, f"refused by the sandbox: {exc}") from None
    except Exception as exc:  # template code is user code: any failure is the template's
        raise TemplateRenderError(part, f"{type(exc).__name__}: {exc}") from None


def render_template(
    template: EmailTemplate,
    contact: Mapping[str, Any],
    event: Mapping[str, Any] | None,
    extra: Mapping[str, Any] | None = None,
) -> RenderedEmail:
    """The email as this contact gets it; ``TemplateRenderError`` names the part that failed."""
    context = {**(extra or {}), "contact": _DataView(contact), "event": _DataView(_event_data(event))}
    subject = " ".join(_render("subject", template.subject, context).split())
    html = _render("html", template.html, context)
    text = html_to_text(html) if template.text is None else _render("text", template.text, context)
    return RenderedEmail(subject=subject, html=html, text=text)


def template_syntax_error(source: str) -> str | None:
    """The syntax error of a plain-text template string (a task's title), or None."""
    try:
        _compiled("text", source)
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


def render_text(source: str, contact: Mapping[str, Any], event: Mapping[str, Any] | None) -> str:
    """A plain-text template string (a task's title or notes) rendered for a contact, unescaped."""
    context = {"contact": _DataView(contact), "event": _DataView(_event_data(event))}
    return _render("text", source, context)


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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append("\n\n")
        elif tag == "li":
            self.out.append("\n- ")
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
        elif tag == "a" and self._anchors:
            href, start = self._anchors.pop()
            self.out.append(_link_suffix(href.strip(), " ".join("".join(self.out[start:]).split())))

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def _link_suffix(href: str, label: str) -> str:
    """What follows a link's text: its URL in brackets, unless the text already says it."""
    if not href or href.startswith("#") or href.lower().startswith("javascript:"):
        return ""
    shown = href[7:] if href.lower().startswith("mailto:") else href
    if label in (href, shown):
        return ""
    return f" ({href})" if label else href


def html_to_text(html: str) -> str:
    """A plain-text rendering of an html body: tags gone, link URLs kept, paragraphs kept."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = re.sub(r"[ \t]+", " ", "".join(extractor.out))
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
