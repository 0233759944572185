"""Signed tracking tokens: round trips, tampering, key rotation and kinds."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.sending.tokens import MAX_TOKEN_LENGTH, InvalidTokenError, sign, verify, verify_kind

KEYS = {"k2": "current-secret", "k1": "old-secret"}
TOKEN_CHARS = string.ascii_letters + string.digits + "-_."

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)
payloads = st.dictionaries(st.text(), json_values, max_size=6)


@given(payloads)
def test_any_payload_survives_a_round_trip_or_is_refused_at_signing(payload: dict[str, Any]) -> None:
    try:
        token = sign(payload, KEYS, "k2")
    except ValueError:
        assert len(json.dumps(payload)) > MAX_TOKEN_LENGTH // 2
        return
    assert verify(token, KEYS) == payload


def test_a_payload_too_large_for_a_token_is_refused_when_signing_not_when_clicked() -> None:
    with pytest.raises(ValueError, match="longer than"):
        sign({"u": "https://shop.example/" + "x" * MAX_TOKEN_LENGTH}, KEYS, "k2")


@given(
    payload=st.fixed_dictionaries({"k": st.just("c"), "s": st.text(max_size=30), "u": st.text(max_size=60)}),
    data=st.data(),
)
def test_any_single_character_change_is_refused(payload: dict[str, Any], data: st.DataObject) -> None:
    token = sign(payload, KEYS, "k2")
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(st.sampled_from(TOKEN_CHARS).filter(lambda c: c != token[position]))
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(InvalidTokenError):
        verify(tampered, KEYS)


def test_token_holds_only_url_safe_characters_without_padding() -> None:
    token = sign({"k": "c", "s": "s_1", "u": "https://example.com/?a=1&b=é"}, KEYS, "k2")
    assert set(token) <= set(TOKEN_CHARS)
    assert token.count(".") == 2
    assert token.split(".")[1] == "k2"


def test_token_signed_with_an_old_key_verifies_while_that_key_is_listed() -> None:
    token = sign({"k": "o", "s": "s_1"}, {"k1": "old-secret"}, "k1")
    assert verify(token, KEYS) == {"k": "o", "s": "s_1"}


def test_token_signed_with_a_removed_key_is_refused() -> None:
    token = sign({"k": "o", "s": "s_1"}, {"k1": "old-secret"}, "k1")
    with pytest.raises(InvalidTokenError, match="unknown key"):
        verify(token, {"k2": "current-secret"})


def test_token_is_refused_when_the_secret_behind_its_key_id_changed() -> None:
    token = sign({"k": "o", "s": "s_1"}, KEYS, "k2")
    with pytest.raises(InvalidTokenError, match="signature"):
        verify(token, {"k2": "another-secret"})


def test_tampered_payload_with_a_valid_looking_signature_is_refused() -> None:
    genuine = sign({"k": "c", "s": "s_1", "u": "https://shop.example/"}, KEYS, "k2")
    forged_payload = sign({"k": "c", "s": "s_1", "u": "https://evil.example/"}, KEYS, "k2").split(".")[0]
    with pytest.raises(InvalidTokenError):
        verify(".".join([forged_payload, *genuine.split(".")[1:]]), KEYS)


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "....", "é.k2.x", "x" * 5000, "eyJ9.k2.AAAA"])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidTokenError):
        verify(token, KEYS)


def test_signed_payload_that_is_not_an_object_is_refused() -> None:
    # Hand-built: sign() only takes objects, but a token is just text and anyone may send one.
    import base64
    import hashlib
    import hmac

    part = base64.urlsafe_b64encode(b"[1,2]").rstrip(b"=").decode()
    mac = hmac.new(b"current-secret", f"{part}.k2".encode(), hashlib.sha256).digest()
    token = f"{part}.k2.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(InvalidTokenError, match="not an object"):
        verify(token, KEYS)


def test_verify_kind_refuses_a_token_of_another_kind() -> None:
    open_token = sign({"k": "o", "s": "s_1"}, KEYS, "k2")
    assert verify_kind(open_token, KEYS, "o")["s"] == "s_1"
    with pytest.raises(InvalidTokenError, match="'c'"):
        verify_kind(open_token, KEYS, "c")


def test_verify_kind_refuses_a_click_token_without_its_url() -> None:
    with pytest.raises(InvalidTokenError, match="'u'"):
        verify_kind(sign({"k": "c", "s": "s_1"}, KEYS, "k2"), KEYS, "c")


@pytest.mark.parametrize("key_id", ["", "has.dot", "has space", "x" * 33])
def test_signing_refuses_key_ids_that_cannot_travel_in_a_url(key_id: str) -> None:
    with pytest.raises(ValueError, match="key id"):
        sign({"k": "o"}, {key_id: "secret"}, key_id)


def test_signing_refuses_a_key_id_that_is_not_listed() -> None:
    with pytest.raises(ValueError, match="not among"):
        sign({"k": "o"}, KEYS, "k3")
