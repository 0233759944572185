"""Layouts and partials: names resolve through the templates repository, cached but never stale."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.sending.checks import check_upload
from nurtureflow.sending.library import TemplateLibrary, note_uploaded
from nurtureflow.sending.problems import TemplateInvalidError
from nurtureflow.sending.templates import EmailTemplate, TemplateRenderError, render_template
from nurtureflow.simulation.memory import MemoryTemplates

ADDRESS = "1 Main St, Springfield"
CONTACT: dict[str, Any] = {"id": "c_1", "email": "ana@example.com", "first_name": "Ana", "properties": {}}
LAYOUT = {
    "kind": "layout",
    "html": "<html><body><h1>{% block title %}News{% endblock %}</h1>{% block content %}{% endblock %}"
    '{% include "footer" %}</body></html>',
    "text": "{% block content %}{% endblock %}\n-- {{ postal_address }}",
}
FOOTER = {
    "kind": "partial",
    "html": '<p>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
}
EMAIL = EmailTemplate(
    subject="Hi {{ contact.first_name }}",
    html='{% extends "brand" %}{% block title %}Hello {{ contact.first_name }}{% endblock %}'
    "{% block content %}<p>Your cart</p>{% endblock %}",
)


class CountingTemplates(MemoryTemplates):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, template_id: str) -> dict[str, Any] | None:
        self.reads.append(template_id)
        return super().get(template_id)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> CountingTemplates:
    templates = CountingTemplates()
    templates.put("brand", LAYOUT)
    templates.put("footer", FOOTER)
    return templates


def _render(library: TemplateLibrary, template: EmailTemplate = EMAIL) -> Any:
    extra = {"postal_address": ADDRESS, "unsubscribe_url": "https://t.example/u/x"}
    return render_template(template, CONTACT, None, extra, library)


def test_an_email_extends_a_stored_layout_that_includes_a_stored_partial(store: CountingTemplates) -> None:
    html = _render(TemplateLibrary(store)).html
    assert html == (
        "<html><body><h1>Hello Ana</h1><p>Your cart</p>"
        '<p>1 Main St, Springfield <a href="https://t.example/u/x">Unsubscribe</a></p></body></html>'
    )


def test_the_text_part_extends_the_layouts_text_part(store: CountingTemplates) -> None:
    template = EmailTemplate(
        subject="s", html=EMAIL.html, text='{% extends "brand" %}{% block content %}Your cart{% endblock %}'
    )
    assert _render(TemplateLibrary(store), template).text == f"Your cart\n-- {ADDRESS}"


def test_a_warm_library_reads_each_layout_once_within_its_ttl(store: CountingTemplates) -> None:
    clock = FakeClock()
    library = TemplateLibrary(store, ttl_seconds=10, clock=clock)
    for _ in range(50):
        _render(library)
    assert store.reads.count("brand") == 1
    assert store.reads.count("footer") == 1
    clock.now += 11
    _render(library)
    assert store.reads.count("brand") == 2


def test_a_layout_uploaded_elsewhere_takes_effect_after_the_ttl(store: CountingTemplates) -> None:
    clock = FakeClock()
    library = TemplateLibrary(store, ttl_seconds=10, clock=clock)
    assert "<h1>Hello Ana</h1>" in _render(library).html
    store.put("brand", {**LAYOUT, "html": LAYOUT["html"].replace("<h1>", "<h2>").replace("</h1>", "</h2>")})
    clock.now += 11
    assert "<h2>Hello Ana</h2>" in _render(library).html


def test_a_layout_uploaded_in_this_process_takes_effect_at_once(store: CountingTemplates) -> None:
    library = TemplateLibrary(store, ttl_seconds=3600, clock=FakeClock())
    assert "Unsubscribe</a>" in _render(library).html
    store.put("footer", {**FOOTER, "html": FOOTER["html"].replace("Unsubscribe", "Opt out")})
    note_uploaded("footer")
    assert "Opt out</a>" in _render(library).html


def test_a_layout_missing_at_render_is_a_render_error_naming_it() -> None:
    with pytest.raises(TemplateRenderError, match="'brand' does not exist"):
        _render(TemplateLibrary(MemoryTemplates()))


def test_names_never_reach_the_file_system() -> None:
    template = EmailTemplate(subject="s", html="{% include '/etc/hostname' %}")
    with pytest.raises(TemplateRenderError, match="does not exist"):
        _render(TemplateLibrary(MemoryTemplates()), template)


def test_upload_refuses_a_missing_layout_naming_it(store: CountingTemplates) -> None:
    template = EmailTemplate(subject="s", html='{% extends "nope" %}')
    with pytest.raises(TemplateInvalidError) as refused:
        check_upload("e", template, store, ADDRESS)
    [problem] = refused.value.problems
    assert (problem.field, problem.name) == ("html", "nope")
    assert "does not exist" in problem.message


def test_upload_refuses_a_missing_partial_deep_in_a_layout(store: CountingTemplates) -> None:
    store.put("footer", {**FOOTER, "html": "{% include 'legal' %}"})
    with pytest.raises(TemplateInvalidError) as refused:
        check_upload("e", EMAIL, store, ADDRESS)
    assert refused.value.problems[0].name == "legal"
    assert "'footer' refers to template 'legal'" in refused.value.problems[0].message


def test_upload_refuses_a_text_part_whose_layout_has_no_text(store: CountingTemplates) -> None:
    template = EmailTemplate(subject="s", html="<p>x</p>", text="{% include 'footer' %}")
    with pytest.raises(TemplateInvalidError) as refused:
        check_upload("e", template, store, ADDRESS)
    assert (refused.value.problems[0].field, refused.value.problems[0].name) == ("text", "footer")


def test_upload_refuses_a_cycle_through_the_template_being_uploaded(store: CountingTemplates) -> None:
    # footer would include brand, which includes footer.
    with pytest.raises(TemplateInvalidError) as refused:
        check_upload("footer", EmailTemplate(kind="partial", html='{% include "brand" %}'), store, ADDRESS)
    problem = refused.value.problems[0]
    assert problem.name == "footer"
    assert "cycle: footer -> brand -> footer" in problem.message


def test_upload_refuses_names_that_are_not_quoted_strings(store: CountingTemplates) -> None:
    template = EmailTemplate(subject="s", html="{% include contact.properties.layout %}")
    with pytest.raises(TemplateInvalidError, match="quoted string"):
        check_upload("e", template, store, ADDRESS)


def test_layouts_and_partials_need_no_subject_but_emails_do() -> None:
    assert EmailTemplate(kind="layout", html="{% block content %}{% endblock %}").subject == ""
    with pytest.raises(ValueError, match="subject"):
        EmailTemplate(html="<p>x</p>")
