"""Pinpoint email templates (``get-email-template``'s ``EmailTemplateResponse``) as NurtureFlow
templates with the same output: message variables become the contact's fields, defaults from
``DefaultSubstitutions`` are kept, and what cannot be converted is listed
(https://docs.aws.amazon.com/pinpoint/latest/developerguide/message-templates-personalizing.html)."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.pinpoint.templates import TemplateInvalidError, convert_template
from nurtureflow.sending.templates import EmailTemplate, render_template

EXPORTED = {
    "EmailTemplateResponse": {
        "Arn": "arn:aws:mobiletargeting:us-east-1:123456789012:templates/Welcome_Email/EMAIL",
        "CreationDate": "2025-03-01T10:00:00.000Z",
        "DefaultSubstitutions": '{"User.UserAttributes.FirstName": "there"}',
        "HtmlPart": "<p>Hi {{User.UserAttributes.FirstName}},</p><p>Your plan: {{Attributes.Plan}}.</p>"
        "<p>{{#if User.UserAttributes.VIP}}VIP{{/if}} Sent to {{Address}} from {{Location.City}}</p>",
        "LastModifiedDate": "2025-03-02T10:00:00.000Z",
        "Subject": "Welcome, {{User.UserAttributes.FirstName}}!",
        "TemplateName": "Welcome_Email",
        "TemplateType": "EMAIL",
        "TextPart": "Hi {{User.UserAttributes.FirstName}}. {% not jinja %}",
        "Version": "3",
        "tags": {},
    }
}


def _rendered(template: dict[str, str], contact: dict[str, Any]) -> Any:
    return render_template(EmailTemplate.model_validate(template), contact, None)


def test_variables_become_the_contact_s_fields_with_their_defaults() -> None:
    converted = convert_template(EXPORTED)
    assert converted.name == "Welcome_Email"
    ana = {"email": "ana@example.com", "first_name": "Ana", "properties": {"Plan": "gold"}}
    email = _rendered(converted.template, ana)
    assert email.subject == "Welcome, Ana!"
    assert "<p>Hi Ana,</p><p>Your plan: gold.</p>" in email.html
    assert "Sent to ana@example.com from " in email.html
    assert email.text == "Hi Ana. {% not jinja %}"  # Jinja's markers in Pinpoint's text stay text
    nameless = _rendered(converted.template, {"email": "bo@example.com", "properties": {}})
    assert nameless.subject == "Welcome, there!"


def test_what_has_no_counterpart_is_listed_with_its_pointer_and_renders_nothing() -> None:
    converted = convert_template(EXPORTED)
    listed = {(item["pointer"], item["text"]) for item in converted.unconverted}
    assert listed == {
        ("/EmailTemplateResponse/HtmlPart", "{{#if User.UserAttributes.VIP}}"),
        ("/EmailTemplateResponse/HtmlPart", "{{/if}}"),
        ("/EmailTemplateResponse/HtmlPart", "{{Location.City}}"),
    }
    assert "Location" not in converted.template["html"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"DefaultSubstitutions": "{not json"}, "/EmailTemplateResponse/DefaultSubstitutions"),
        ({"TemplateType": "SMS"}, "/EmailTemplateResponse/TemplateType"),
        ({"HtmlPart": 42}, "/EmailTemplateResponse/HtmlPart"),
        ({"Subjet": "typo"}, "/EmailTemplateResponse/Subjet"),
    ],
)
def test_a_template_that_is_not_pinpoint_s_is_refused_naming_the_pointer(
    change: dict[str, Any], where: str
) -> None:
    broken = {"EmailTemplateResponse": {**EXPORTED["EmailTemplateResponse"], **change}}
    with pytest.raises(TemplateInvalidError) as refused:
        convert_template(broken)
    assert where in [p.pointer for p in refused.value.problems]


def test_a_text_only_template_is_sent_as_escaped_preformatted_html() -> None:
    text_only = {**EXPORTED["EmailTemplateResponse"], "TextPart": "1 < 2 & {{Address}}"}
    del text_only["HtmlPart"]
    converted = convert_template(text_only)
    email = _rendered(converted.template, {"email": "ana@example.com", "properties": {}})
    assert "<pre>1 &lt; 2 &amp; ana@example.com</pre>" in email.html
    assert email.text == "1 < 2 & ana@example.com"
