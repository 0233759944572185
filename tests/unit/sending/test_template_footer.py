"""Every email shows an unsubscribe link and the postal address; derived text reads well."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nurtureflow.sending.checks import check_upload
from nurtureflow.sending.compliance import with_footer
from nurtureflow.sending.plaintext import html_to_text
from nurtureflow.sending.templates import EmailTemplate, RenderedEmail
from nurtureflow.settings import SendingSettings
from nurtureflow.simulation.memory import MemoryTemplates

URL = "https://t.example/u/tok"
ADDRESS = "Acme Inc., 1 Main St, Springfield"


def test_an_email_without_footer_gets_the_standard_one_before_body_end() -> None:
    email = RenderedEmail(subject="s", html="<html><body><p>Hi</p></body></html>", text="Hi")
    footed = with_footer(email, URL, ADDRESS)
    assert footed.html == (
        '<html><body><p>Hi</p><p style="font-size:12px;color:#666666">Acme Inc., 1 Main St, Springfield'
        f' &middot; <a href="{URL}">Unsubscribe</a></p></body></html>'
    )
    assert footed.text == f"Hi\n\n{ADDRESS}\nUnsubscribe: {URL}"


def test_an_email_with_its_own_footer_is_left_as_it_is() -> None:
    html = f'<p>Hi</p><footer>Acme Inc.,<br>1 Main St, Springfield <a href="{URL}">Leave</a></footer>'
    email = RenderedEmail(subject="s", html=html, text=f"Hi\n{ADDRESS}\n{URL}")
    assert with_footer(email, URL, ADDRESS) == email


def test_only_the_missing_piece_is_added() -> None:
    email = RenderedEmail(subject="s", html=f'<a href="{URL}">Unsubscribe</a>', text=URL)
    footed = with_footer(email, URL, ADDRESS)
    assert footed.html.count(URL) == 1
    assert ADDRESS in footed.html
    assert footed.text == f"{URL}\n\n{ADDRESS}"


def test_upload_warns_about_a_missing_unsubscribe_link_and_address() -> None:
    warnings = check_upload("e", EmailTemplate(subject="s", html="<p>Hi</p>"), MemoryTemplates(), ADDRESS)
    assert len(warnings) == 2
    assert "unsubscribe" in warnings[0]
    assert "postal address" in warnings[1]
    footer = '<p>{{ postal_address }} <a href="{{ preferences_url }}">Preferences</a></p>'
    assert check_upload("e", EmailTemplate(subject="s", html=footer), MemoryTemplates(), ADDRESS) == []


def test_layouts_and_partials_get_no_footer_warnings() -> None:
    partial = EmailTemplate(kind="partial", html="<p>Hi</p>")
    assert check_upload("p", partial, MemoryTemplates(), ADDRESS) == []


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_a_blank_postal_address_setting_fails_at_cold_start(
    blank: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NURTUREFLOW_POSTAL_ADDRESS", blank)
    with pytest.raises(ValidationError, match="CAN-SPAM"):
        SendingSettings()


def test_derived_text_numbers_ordered_lists_and_keeps_links() -> None:
    html = (
        "<h2>Next steps</h2><ol><li>Pick a plan</li><li>Read <a href='https://x.example/g'>the guide</a>"
        "</li></ol><ul><li>Any question? <a href='mailto:help@x.example'>Write</a></li></ul>"
    )
    assert html_to_text(html) == (
        "Next steps\n\n1. Pick a plan\n2. Read the guide (https://x.example/g)\n\n"
        "- Any question? Write (help@x.example)"
    )
