"""What an upload of a template must pass before it is stored.

1. Syntax, each error with its part and line.
2. No reach for Python internals: dunder and internal attributes, ``format`` tricks, the ``attr``
   filter and the globals the sandbox removed are refused by reading the template, before it runs
   (the sandbox refuses them again at render time, whatever slips through here).
3. Every ``extends``/``include``/``import`` names a stored template (a quoted name), and no chain of
   them comes back to where it started.
4. A render against a realistic sample contact and event, so runtime errors surface now.

A template that passes may still lack a visible unsubscribe link or postal address: that is a
warning, and the sender adds the standard footer (``sending.compliance``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.meta import find_referenced_templates

from nurtureflow.sending.compliance import missing_footer
from nurtureflow.sending.library import Part, TemplateLibrary, TemplateSource
from nurtureflow.sending.problems import TemplateInvalidError, TemplateProblem
from nurtureflow.sending.samples import SAMPLE_CONTACT, SAMPLE_EVENT, sample_variables
from nurtureflow.sending.templates import EmailTemplate, TemplateRenderError, render_template

MAX_REFERENCE_DEPTH = 10
_INTERNAL = frozenset(
    {
        "mro",
        "subclasses",
        "func_globals",
        "func_code",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "tb_frame",
        "tb_next",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "im_func",
        "im_self",
        "co_code",
        "_TemplateReference__context",
    }
)
_REMOVED_GLOBALS = frozenset({"cycler", "joiner", "lipsum", "namespace", "dict"})
_DUNDER = re.compile(r"__\w+__")


class _WithUpload:
    """The repository as it will be once the upload is stored."""

    def __init__(self, source: TemplateSource, template_id: str, item: Mapping[str, Any]) -> None:
        self._source, self._id, self._item = source, template_id, dict(item)

    def get(self, template_id: str) -> dict[str, Any] | None:
        return dict(self._item) if template_id == self._id else self._source.get(template_id)


def _parts(template: EmailTemplate) -> Iterator[tuple[Part, str]]:
    if template.subject:
        yield "subject", template.subject
    yield "html", template.html
    if template.text is not None:
        yield "text", template.text


def _unsafe_name(name: str) -> bool:
    return name.startswith("_") or name in _INTERNAL or bool(_DUNDER.search(name))


def _hostile(part: Part, tree: nodes.Template) -> list[TemplateProblem]:
    problems = []

    def refuse(node: nodes.Node, what: str) -> None:
        problems.append(TemplateProblem(part, f"line {node.lineno}: {what} is not allowed", node.lineno))

    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Name, nodes.Const)):
        if isinstance(node, nodes.Getattr) and _unsafe_name(node.attr):
            refuse(node, f"the attribute '{node.attr}'")
        elif isinstance(node, nodes.Getattr) and node.attr in ("format", "format_map"):
            if isinstance(node.node, nodes.Const) and isinstance(node.node.value, str):
                refuse(node, f"'{node.attr}' on a string (use the 'format' filter)")
        elif isinstance(node, nodes.Filter) and node.name == "attr":
            refuse(node, "the 'attr' filter")
        elif isinstance(node, nodes.Name) and node.ctx == "load" and node.name in _REMOVED_GLOBALS:
            refuse(node, f"'{node.name}'")
        elif isinstance(node, nodes.Const) and isinstance(node.value, str) and _DUNDER.search(node.value):
            refuse(node, f"the string '{node.value[:40]}'")
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and _unsafe_name(node.arg.value)
        ):
            refuse(node, f"the key '{node.arg.value}'")
    return problems


class _References:
    """Follows extends/include/import names through the repository, one part at a time."""

    def __init__(self, library: TemplateLibrary, source: TemplateSource, part: Part) -> None:
        self._library, self._source, self._part = library, source, part

    def problems(self, tree: nodes.Template, path: tuple[str, ...]) -> list[TemplateProblem]:
        found: list[TemplateProblem] = []
        for name in find_referenced_templates(tree):
            if name is None:
                message = "extends, include and import take a template's id as a quoted string"
                found.append(TemplateProblem(self._part, message))
            elif name in path:
                chain = " -> ".join((*path, name))
                found.append(
                    TemplateProblem(
                        self._part, f"templates refer to each other in a cycle: {chain}", name=name
                    )
                )
            elif len(path) >= MAX_REFERENCE_DEPTH:
                found.append(
                    TemplateProblem(self._part, f"layouts nest deeper than {MAX_REFERENCE_DEPTH}", name=name)
                )
            else:
                found += self._follow(name, path)
        return found

    def _follow(self, name: str, path: tuple[str, ...]) -> list[TemplateProblem]:
        item = self._source.get(name)
        source = item.get(self._part) if item is not None else None
        if item is None or not isinstance(source, str) or not source:
            what = "which does not exist" if item is None else f"which has no {self._part} part"
            message = f"'{path[-1]}' refers to template '{name}', {what}"
            return [TemplateProblem(self._part, message, name=name)]
        try:
            tree = self._library.environment(self._part).parse(source)
        except TemplateSyntaxError as exc:
            return [
                TemplateProblem(self._part, f"template '{name}' line {exc.lineno}: {exc.message}", name=name)
            ]
        return self.problems(tree, (*path, name))


def check_upload(
    template_id: str,
    template: EmailTemplate,
    source: TemplateSource,
    postal_address: str,
) -> list[str]:
    """Refuse the upload (``TemplateInvalidError``) or answer its warnings."""
    upload = _WithUpload(source, template_id, template.model_dump(exclude_none=True))
    library = TemplateLibrary(upload, ttl_seconds=0)
    problems: list[TemplateProblem] = []
    for part, text in _parts(template):
        try:
            tree = library.environment(part).parse(text)
        except TemplateSyntaxError as exc:
            problems.append(TemplateProblem(part, f"line {exc.lineno}: {exc.message}", exc.lineno))
            continue
        problems += _hostile(part, tree)
        problems += _References(library, upload, part).problems(tree, (template_id,))
    if problems:
        raise TemplateInvalidError(problems)
    variables = sample_variables(postal_address)
    try:
        rendered = render_template(template, SAMPLE_CONTACT, SAMPLE_EVENT, variables, library)
    except TemplateRenderError as exc:
        message = f"fails with the sample contact and event: {exc.message}"
        raise TemplateInvalidError([TemplateProblem(exc.field, message)]) from None
    if template.kind != "email":
        return []
    return missing_footer(rendered.html, variables["unsubscribe_url"], postal_address)


# What a sample render shows where a template would show the sender's postal address.
_SAMPLE_POSTAL_ADDRESS = "1 Example Street, Springfield"


def check_subject(subject: str, source: TemplateSource) -> list[str]:
    """The problems of a workflow email step's ``subject`` override, found as an upload finds a
    template's: syntax, internals, references to stored templates, a render with sample data."""
    library = TemplateLibrary(source, ttl_seconds=0)
    try:
        tree = library.environment("subject").parse(subject)
    except TemplateSyntaxError as exc:
        return [f"line {exc.lineno}: {exc.message}"]
    problems = _hostile("subject", tree) + _References(library, source, "subject").problems(
        tree, ("subject",)
    )
    if problems:
        return [problem.message for problem in problems]
    template = EmailTemplate(subject=subject, html="<p></p>")
    try:
        render_template(
            template, SAMPLE_CONTACT, SAMPLE_EVENT, sample_variables(_SAMPLE_POSTAL_ADDRESS), library
        )
    except TemplateRenderError as exc:
        return [f"fails with the sample contact and event: {exc.message}"]
    return []
