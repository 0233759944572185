"""Email templates: what a template sees, escaping, the sandbox, errors and derived text."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.sending.templates import (
    EmailTemplate,
    TemplateRenderError,
    html_to_text,
    render_template,
    validate_template,
)

CONTACT: dict[str, Any] = {
    "id": "c_1",
    "email": "ana@example.com",
    "first_name": "Ana",
    "last_name": None,
    "score": 40,
    "properties": {"plan": "pro", "items": "a key called items"},
}
EVENT: dict[str, Any] = {
    "type": "order_completed",
    "occurred_at": "2026-11-23T10:00:00Z",
    "properties": {"value": 129.5, "currency": "EUR", "items": [{"name": "Boots"}, {"name": "Socks"}]},
}


def render(html: str, subject: str = "s", text: str | None = None, **kwargs: Any) -> Any:
    template = EmailTemplate(subject=subject, html=html, text=text)
    return render_template(
        template, kwargs.get("contact", CONTACT), kwargs.get("event", EVENT), kwargs.get("extra")
    )


def test_rendering_uses_contact_fields_and_properties() -> None:
    rendered = render(
        "<p>{{ contact.first_name }} on {{ contact.properties.plan }}</p>",
        subject="Hi {{ contact.first_name }}",
    )
    assert rendered.subject == "Hi Ana"
    assert rendered.html == "<p>Ana on pro</p>"


def test_rendering_uses_the_trigger_events_type_and_properties() -> None:
    rendered = render(
        "{{ event.type }}: {{ event.value }} {{ event.currency }}"
        "{% for item in event.items %} [{{ item.name }}]{% endfor %}"
    )
    assert rendered.html == "order_completed: 129.5 EUR [Boots] [Socks]"


def test_an_event_already_flattened_reads_the_same() -> None:
    flattened = {"type": "order_completed", "occurred_at": "x", "value": 10, "step": "thanks"}
    assert (
        render("{{ event.type }} {{ event.value }} {{ event.step }}", event=flattened).html
        == "order_completed 10 thanks"
    )


def test_keys_win_over_dict_methods() -> None:
    assert render("{{ contact.properties.items }}").html == "a key called items"


def test_missing_values_and_none_render_empty_instead_of_failing() -> None:
    rendered = render("[{{ contact.last_name }}][{{ contact.properties.missing.deeper }}][{{ nothing }}]")
    assert rendered.html == "[][][]"


def test_rendering_without_an_event_leaves_event_values_empty() -> None:
    assert render("[{{ event.value }}]", event=None).html == "[]"


def test_html_is_autoescaped_but_subject_and_text_are_not() -> None:
    contact = {**CONTACT, "first_name": "<b>Tom & Jerry</b>"}
    rendered = render(
        "<p>{{ contact.first_name }}</p>",
        subject="Hi {{ contact.first_name }}",
        text="Hi {{ contact.first_name }}",
        contact=contact,
    )
    assert rendered.html == "<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>"
    assert rendered.subject == "Hi <b>Tom & Jerry</b>"
    assert rendered.text == "Hi <b>Tom & Jerry</b>"


def test_subject_is_one_line_even_when_a_value_holds_line_breaks() -> None:
    contact = {**CONTACT, "first_name": "Ana\r\nBcc: victim@example.com"}
    assert render("x", subject="Hi {{ contact.first_name }}", contact=contact).subject == (
        "Hi Ana Bcc: victim@example.com"
    )


def test_footer_variables_come_from_extra() -> None:
    extra = {"unsubscribe_url": "https://t.example/u/tok", "postal_address": "1 Main St"}
    rendered = render('<a href="{{ unsubscribe_url }}">Unsubscribe</a> {{ postal_address }}', extra=extra)
    assert rendered.html == '<a href="https://t.example/u/tok">Unsubscribe</a> 1 Main St'


def test_extra_cannot_shadow_contact() -> None:
    assert render("{{ contact.first_name }}", extra={"contact": {"first_name": "Eve"}}).html == "Ana"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ contact.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ [].append(1) }}",
        "{{ 'x' * 10000000 }}",
        "{{ 10 ** 100000 }}",
    ],
)
def test_sandbox_refuses_escapes_and_abuse(source: str) -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render(source)
    assert caught.value.field == "html"


def test_unknown_filter_is_a_render_error_naming_the_part() -> None:
    template = "{% if contact.first_name %}{{ contact.first_name | shout }}{% endif %}"
    with pytest.raises(TemplateRenderError) as caught:
        render("ok", text=template)
    assert caught.value.field == "text"


def test_valid_template_has_no_errors() -> None:
    template = EmailTemplate(
        subject="Hi {{ contact.first_name }}", html="<p>{% if x %}y{% endif %}</p>", text="t"
    )
    assert validate_template(template) == []


def test_syntax_errors_name_the_part_and_line() -> None:
    template = EmailTemplate(
        subject="Hi {{ contact.first_name", html="<p>\n\n{% if x %}", text="{{ x | nope }}"
    )
    errors = {error.field: error for error in validate_template(template)}
    assert set(errors) == {"subject", "html", "text"}
    assert errors["html"].line == 3
    assert "line 3" in errors["html"].message
    assert errors["subject"].line == 1


def test_template_model_refuses_unknown_fields_and_empty_subject() -> None:
    with pytest.raises(ValueError, match="body"):
        EmailTemplate.model_validate({"subject": "s", "html": "h", "body": "b"})
    with pytest.raises(ValueError, match="subject"):
        EmailTemplate.model_validate({"subject": "", "html": "h"})


def test_derived_text_keeps_link_urls_and_paragraphs() -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<h1>Your   cart</h1><p>Hello&nbsp;Ana,\n   you left <b>boots</b>.</p>"
        '<p><a href="https://shop.example/cart?a=1&amp;b=2">Finish your order</a>'
        ' or <a href="https://shop.example/">https://shop.example/</a>'
        ' or <a href="mailto:help@example.com">help@example.com</a></p>'
        "<ul><li>One</li><li>Two</li></ul>Line<br>break</body></html>"
    )
    assert html_to_text(html) == (
        "Your cart\n\n"
        "Hello Ana, you left boots.\n\n"
        "Finish your order (https://shop.example/cart?a=1&b=2) or https://shop.example/"
        " or help@example.com\n\n"
        "- One\n- Two\n\n"
        "Line\nbreak"
    )


def test_a_mailto_link_shows_its_address_not_the_scheme() -> None:
    assert html_to_text('<p><a href="mailto:help@example.com">Write to us</a></p>') == (
        "Write to us (help@example.com)"
    )


def test_a_link_with_line_breaks_from_data_stays_one_url_in_the_text() -> None:
    html = '<p><a href="https://shop.example/p?ref=1\r\nSet-Cookie: x=1">shop</a></p>'
    assert html_to_text(html) == "shop (https://shop.example/p?ref=1%0D%0ASet-Cookie:%20x=1)"


def test_text_is_derived_from_html_when_absent() -> None:
    rendered = render('<p>Hi {{ contact.first_name }}</p><p><a href="https://x.example/">Go</a></p>')
    assert rendered.text == "Hi Ana\n\nGo (https://x.example/)"


def test_a_subject_longer_than_a_header_line_is_a_render_error() -> None:
    template = EmailTemplate(subject="{{ contact.first_name * 500 }}", html="<p>x</p>")
    with pytest.raises(TemplateRenderError) as caught:
        render_template(template, {"first_name": "Ana"}, None)
    assert caught.value.field == "subject"
    assert "998" in caught.value.message


def test_an_empty_text_part_is_derived_like_an_absent_one() -> None:
    template = EmailTemplate(subject="s", html="<p>Hello <b>Ana</b></p>", text="  ")
    assert render_template(template, {}, None).text == "Hello Ana"
