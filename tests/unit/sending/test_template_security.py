"""Hostile templates: real SSTI and resource-exhaustion payloads, refused at upload and at render."""

from __future__ import annotations

import html
from typing import Any

import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.sending.checks import check_upload
from nurtureflow.sending.problems import TemplateInvalidError
from nurtureflow.sending.templates import EmailTemplate, TemplateRenderError, render_template
from nurtureflow.simulation.memory import MemoryTemplates

CONTACT: dict[str, Any] = {"id": "c_1", "email": "ana@example.com", "first_name": "Ana", "properties": {}}
ADDRESS = "1 Main St, Springfield"

# Payloads from public SSTI cheat sheets (PayloadsAllTheThings, HackTricks) adapted to Jinja2,
# and the ways a template could make a Lambda do unbounded work.
ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.mro()[1].__subclasses__() }}",
    "{{ contact.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__.os.environ }}",
    "{{ namespace.__init__.__globals__.os.environ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ lipsum(n=100000) }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}",
    "{{ self.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{ config.__class__.__init__.__globals__['os'].environ }}",
    "{{ contact|attr('__class__') }}",
    "{{ contact|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ contact['__class__'] }}",
    "{{ (contact|attr('_' ~ '_class_' ~ '_')) }}",
    "{{ '{0.__class__}'.format(contact) }}",
    "{{ '{0.__class__.__mro__}'.format_map({'0': 1}) }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ dict.__base__.__subclasses__() }}",
    "{{ range.__self__ }}",
    "{{ [].__class__.__base__.__subclasses__()[40]('/etc/passwd').read() }}",
    "{% set x = ''.__class__ %}{{ x }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ event.type.__class__ }}",
]
EXHAUSTION = [
    "{% for i in range(10**9) %}{% endfor %}",
    "{{ 'x' * 10**8 }}",
    "{{ [1] * 10**8 }}",
    "{{ (10 ** 1000) ** 1000 }}",
    "{{ 9 ** 99999 }}",
    "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
    "{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('x') }}",
    "{% macro f() %}{{ f() }}{{ f() }}{% endmacro %}{{ f() }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ 'x'.center(10**9) }}",
    "{{ ('x' * 99999).replace('', 'y' * 99999) }}",
    "{{ ('x' * 99999)|replace('', 'y' * 99999) }}",
    "{{ 'x'|center(10**9) }}",
    "{{ 'x'|indent(10**9, true) }}",
    "{{ '%0999999999d'|format(1) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%*d' % (999999999, 1) }}",
    "{{ range(10000)|join('y' * 10000) }}",
    "{{ [1]|batch(10**9, 'x')|list }}",
    "{{ [1]|slice(10**9, 'x')|list }}",
    "{{ {}|tojson(10**8) }}",
    "{{ 'a b'|wordwrap(1, wrapstring='x' * 100000) }}",
    "{% for x in range(9999) %}{% for y in range(9999) %}{{ x }}{% endfor %}{% endfor %}",
]


def _render(html: str) -> Any:
    return render_template(EmailTemplate(subject="s", html=html), CONTACT, None, {})


@pytest.mark.parametrize("payload", ESCAPES + EXHAUSTION)
def test_hostile_templates_are_refused_at_upload_with_422_problems(payload: str) -> None:
    with pytest.raises(TemplateInvalidError) as refused:
        check_upload("hostile", EmailTemplate(subject="s", html=payload), MemoryTemplates(), ADDRESS)
    assert refused.value.problems
    assert all(problem.field == "html" for problem in refused.value.problems)


def _outcome(source: str) -> str:
    """What rendering shows: the html, or the render error's part and message."""
    try:
        return _render(source).html
    except TemplateRenderError as error:
        return f"refused in {error.field}: {error.message}"


@pytest.mark.parametrize("payload", ESCAPES + EXHAUSTION)
def test_hostile_templates_never_render_internals(payload: str) -> None:
    """Already stored (or slipped past the upload), a hostile template still cannot escape at send."""
    outcome = _outcome(payload)
    # Refused, or (a name that does not exist, like range.__self__) rendered as nothing at all.
    assert outcome == "" or outcome.startswith("refused in html: ")
    for leak in ("<class", "<function", "<module", "root:", "built-in", "environ("):
        assert leak not in outcome


def test_hostile_subject_and_text_parts_are_refused_naming_their_part() -> None:
    template = EmailTemplate(subject="{{ ''.__class__ }}", html="<p>ok</p>", text="{{ lipsum() }}")
    with pytest.raises(TemplateInvalidError) as refused:
        check_upload("hostile", template, MemoryTemplates(), ADDRESS)
    assert {problem.field for problem in refused.value.problems} == {"subject", "text"}


def test_rendering_sees_no_environment_variables_or_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NURTUREFLOW_LINK_KEYS", '{"k": "secret-signing-key"}')
    sources = [
        "{{ environ }}{{ os }}{{ env }}{{ settings }}{{ config }}{{ request }}",
        "{% include '/etc/passwd' %}",
        "{% include '../../../../etc/passwd' %}",
        "{% import 'os' as os %}",
    ]
    outcomes = [_outcome(source) for source in sources]
    assert outcomes == [
        "",
        "refused in html: template '/etc/passwd' does not exist",
        "refused in html: template '../../../../etc/passwd' does not exist",
        "refused in html: template 'os' does not exist",
    ]


def test_a_template_sees_only_the_contact_it_renders_for() -> None:
    # Nothing in the context reaches a repository or another contact: only the mappings passed in.
    html = "{{ contact }}|{{ contacts }}|{{ repository }}|{{ wiring }}|{{ self }}"
    rendered = _render(html).html
    assert "ana@example.com" in rendered
    assert rendered.split("|")[1:4] == ["", "", ""]


def test_ordinary_templates_within_the_limits_still_render() -> None:
    html = (
        "{% for i in range(3) %}{{ i }}{% endfor %} {{ 'ab' * 3 }} {{ 2 ** 10 }} "
        "{{ '%.2f'|format(3.14159) }} {{ [1, 2]|join(', ') }} {{ 'x'|center(5) }}|"
        "{{ 'Hello world'|replace('world', 'Ana') }} {{ '%5s' % 'a' }}"
    )
    assert _render(html).html == "012 ababab 1024 3.14 1, 2   x  |Hello Ana     a"


@given(st.text(alphabet=st.sampled_from("{}%#<>&'\"_.()[]|~ abcx79*"), max_size=60))
def test_contact_data_is_shown_never_evaluated(value: str) -> None:
    """Second-order injection: a first name like "{{ 7*7 }}" from a public form stays text."""
    template = EmailTemplate(subject="Hi {{ contact.first_name }}", html="<p>{{ contact.first_name }}</p>")
    rendered = render_template(template, {**CONTACT, "first_name": value}, None, {})
    assert rendered.subject == " ".join(f"Hi {value}".split())
    assert rendered.html == f"<p>{markupsafe.escape(value)}</p>"
    assert html.unescape(rendered.html[3:-4]) == value
