"""Filters: dates and money in the contact's locale and timezone, and a default that means it."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.sending.templates import EmailTemplate, render_template

EVENT = {"type": "order_completed", "occurred_at": "2026-01-02T23:30:00Z", "properties": {"value": 1234.5}}


def _render(html: str, **contact: Any) -> str:
    person = {"id": "c_1", "email": "a@example.com", "properties": {}, **contact}
    return render_template(EmailTemplate(subject="s", html=html), person, EVENT).html


def test_dates_show_in_the_contacts_locale_and_timezone() -> None:
    # 23:30 UTC on the 2nd is already the 3rd in Paris.
    html = "{{ event.occurred_at | date('long') }}"
    assert _render(html, locale="fr_FR", timezone="Europe/Paris") == "3 janvier 2026"
    assert _render(html, locale="en_US", timezone="America/New_York") == "January 2, 2026"
    assert _render(html, locale="de-DE", timezone="Europe/Berlin") == "3. Januar 2026"


def test_datetime_and_time_convert_to_the_contacts_timezone() -> None:
    assert _render("{{ event.occurred_at | time }}", locale="en_GB", timezone="Asia/Tokyo") == "08:30"
    assert _render("{{ event.occurred_at | datetime('short') }}", locale="en_GB", timezone="UTC") == (
        "02/01/2026, 23:30"
    )
    assert _render("{{ event.occurred_at | date('d MMM y') }}", locale="es_ES", timezone="UTC") == (
        "2 ene 2026"
    )


def test_money_uses_the_contacts_locale_and_the_given_currency() -> None:
    assert _render("{{ event.value | money('EUR') }}", locale="fr_FR") == "1\u202f234,50\xa0€"
    assert _render("{{ event.value | money('USD') }}", locale="en_US") == "$1,234.50"
    assert _render("{{ event.value | money('JPY') }}", locale="ja_JP") == "￥1,234"
    assert _render("{{ '19.9' | money('GBP') }}", locale="en_GB") == "£19.90"


def test_without_locale_timezone_or_currency_the_documented_defaults_apply() -> None:
    assert _render("{{ event.occurred_at | date }}") == "Jan 2, 2026"
    assert _render("{{ event.value | money }}") == "$1,234.50"
    assert _render("{{ event.value | money(event.currency) }}") == "$1,234.50"


@pytest.mark.parametrize(
    ("locale", "timezone"),
    [("xx_YY", "Mars/Olympus"), ("../../etc", "../../etc/passwd"), ("", ""), ("e" * 500, "z" * 500)],
)
def test_a_bad_locale_or_timezone_never_fails_a_send(locale: str, timezone: str) -> None:
    html = "{{ event.occurred_at | date }} {{ event.value | money('EUR') }}"
    assert _render(html, locale=locale, timezone=timezone) == "Jan 2, 2026 €1,234.50"


def test_values_a_filter_cannot_read_render_as_they_came() -> None:
    assert _render("{{ 'soon' | date }}|{{ 'lots' | money('EUR') }}|{{ 5 | money('nope') }}") == (
        "soon|lots|$5.00"
    )
    assert _render("[{{ contact.properties.missing | date }}]") == "[]"


def test_default_replaces_missing_null_and_empty_values() -> None:
    html = (
        "{{ contact.first_name | default('there') }},{{ contact.last_name | d('x') }},"
        "{{ contact.nope | default('y') }}"
    )
    assert _render(html, first_name="", last_name=None) == "there,x,y"
    assert _render(html, first_name="Ana", last_name="Li") == "Ana,Li,y"
    assert _render("{{ contact.score | default(5) }}", score=0) == "0"


def test_number_groups_digits_the_contacts_way() -> None:
    assert _render("{{ 1234567 | number }}", locale="de_DE") == "1.234.567"
    assert _render("{{ 2.5678 | number(2) }}", locale="en_US") == "2.57"
