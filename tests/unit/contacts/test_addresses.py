"""Contact addresses: one person is one contact whatever the case, and only addresses SES can send to."""

from __future__ import annotations

import pytest

from nurtureflow.contacts.model import InvalidEmailError, contact_id_for, normalise_email


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (" Ana@Example.COM ", "ana@example.com"),
        ("a+news@shop.example", "a+news@shop.example"),
        # An internationalised domain is sent in its ASCII (IDNA) form: one contact either way.
        ("ana@exämple.com", "ana@xn--exmple-cua.com"),
        ("ana@xn--exmple-cua.com", "ana@xn--exmple-cua.com"),
    ],
)
def test_addresses_are_stored_in_the_form_ses_sends_to(given: str, stored: str) -> None:
    assert normalise_email(given) == stored
    assert contact_id_for(given) == contact_id_for(stored)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("josé@example.com", "before the @-sign"),  # SES sends to no SMTPUTF8 mailbox
        ("y4@example.com>", "invalid characters"),
        ("a..b@example.com", "two periods"),
        ('"quoted"@example.com', "Quoting"),
        ("Ana <ana@example.com>", "not an email address"),
        ("ana@example", "not an email address"),
        ("ana@shop.test", "special-use"),
        ("", "not an email address"),
        ("a" * 250 + "@example.com", "not an email address"),
    ],
)
def test_an_address_ses_cannot_send_to_is_refused_saying_why(given: str, words: str) -> None:
    with pytest.raises(InvalidEmailError) as caught:
        normalise_email(given)
    assert words in str(caught.value)
