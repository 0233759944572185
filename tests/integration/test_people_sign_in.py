"""People's sign-in on the local stack: the stand-in for Cognito's hosted page (authorization code
with PKCE, RFC 7636) hands out moto's tokens, and the admin API takes them as it takes Cognito's.

The stand-in must never be looser than the hosted page: it redirects only to the app client's
registered URLs, requires PKCE with S256 (the only method Cognito supports:
https://docs.aws.amazon.com/cognito/latest/developerguide/using-pkce-in-authorization-code.html),
and a code is used once. Cognito's token endpoint answers browsers from any origin
(``Access-Control-Allow-Origin: *``, https://docs.aws.amazon.com/cognito/latest/developerguide/
token-endpoint.html), so the console exchanges the code from the page, as it does here."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from nurtureflow.api.routes import ROUTES
from nurtureflow.local.sign_in import PREFIX
from tests.integration.conftest import Harness
from tests.support.http import Reply

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PASSWORD = "Local-sign-in-1!"


def _config(harness: Harness) -> dict[str, str]:
    status, _, body = harness.stack.gateway.handle("GET", "/console/config.json", {}, b"", "127.0.0.1")
    assert status == 200
    return dict(json.loads(body)["signIn"])


def _authorize(sign_in: dict[str, str], verifier: str, **overrides: str) -> dict[str, str]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return {
        "response_type": "code",
        "client_id": sign_in["clientId"],
        "redirect_uri": sign_in["redirectUri"],
        "state": "s-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "openid email",
        **overrides,
    }


def _login(harness: Harness, request: dict[str, str], email: str, password: str = PASSWORD) -> Reply:
    form = {**request, "username": email, "password": password}
    return harness.http("POST", f"{PREFIX}/login", urlencode(form).encode(), headers=FORM)


def _token(harness: Harness, sign_in: dict[str, str], code: str, verifier: str) -> Reply:
    form = {
        "grant_type": "authorization_code",
        "client_id": sign_in["clientId"],
        "code": code,
        "redirect_uri": sign_in["redirectUri"],
        "code_verifier": verifier,
    }
    return harness.http("POST", f"{PREFIX}/oauth2/token", urlencode(form).encode(), headers=FORM)


def _code(reply: Reply) -> str:
    assert reply.status == 302
    location = urlsplit(reply.headers["Location"])
    query = parse_qs(location.query)
    assert query["state"] == ["s-123"]
    return query["code"][0]


def _signed_in(harness: Harness, email: str) -> str:
    sign_in, verifier = _config(harness), secrets.token_urlsafe(48)
    code = _code(_login(harness, _authorize(sign_in, verifier), email))
    reply = _token(harness, sign_in, code, verifier)
    assert reply.status == 200
    return str(reply.json()["access_token"])


@pytest.mark.parametrize("role", ["admin", "marketer", "finance"])
def test_each_printed_person_signs_in_and_holds_their_role(harness: Harness, role: str) -> None:
    session = harness.http("GET", "/admin/session", token=_signed_in(harness, f"{role}@shop.internal"))
    assert session.status == 200
    assert session.json()["roles"] == [role]
    expected = sorted(f"{r.method} {r.path}" for r in ROUTES if r.function == "admin" and role in r.roles)
    assert session.json()["may"] == expected


def test_a_marketer_s_sign_in_may_edit_workflows_but_not_read_costs(harness: Harness) -> None:
    token = _signed_in(harness, "marketer@shop.internal")
    assert harness.http("GET", "/admin/workflows", token=token).status == 200
    refused = harness.http("GET", "/admin/costs?from=2026-11-01&to=2026-11-30", token=token)
    assert refused.status == 403
    assert refused.json()["error"] == "forbidden"


def test_the_page_shows_its_form_only_for_the_registered_client_and_callback(harness: Harness) -> None:
    sign_in = _config(harness)
    good = _authorize(sign_in, "v" * 43)
    page = harness.http("GET", f"{PREFIX}/oauth2/authorize?{urlencode(good)}")
    assert page.status == 200
    assert b'name="password"' in page.body
    for override in (
        {"redirect_uri": "https://evil.example/steal"},
        {"client_id": "someone-else"},
        {"code_challenge_method": "plain"},
        {"code_challenge": ""},
        {"response_type": "token"},
    ):
        refused = harness.http("GET", f"{PREFIX}/oauth2/authorize?{urlencode({**good, **override})}")
        assert refused.status == 400, override
        assert "Location" not in refused.headers


def test_a_forged_login_post_never_redirects_to_an_unregistered_address(harness: Harness) -> None:
    sign_in = _config(harness)
    request = _authorize(sign_in, "v" * 43, redirect_uri="https://evil.example/steal")
    reply = _login(harness, request, "admin@shop.internal")
    assert reply.status == 400
    assert "Location" not in reply.headers


def test_a_wrong_password_shows_the_form_again_with_no_code(harness: Harness) -> None:
    sign_in = _config(harness)
    reply = _login(harness, _authorize(sign_in, "v" * 43), "admin@shop.internal", "wrong-password")
    assert reply.status == 200
    assert b"Incorrect username or password." in reply.body
    assert "Location" not in reply.headers


def test_a_code_is_used_once_and_only_with_its_verifier(harness: Harness) -> None:
    sign_in, verifier = _config(harness), secrets.token_urlsafe(48)
    code = _code(_login(harness, _authorize(sign_in, verifier), "admin@shop.internal"))
    stolen = _token(harness, sign_in, code, secrets.token_urlsafe(48))  # without the verifier
    assert (stolen.status, stolen.json()) == (400, {"error": "invalid_grant"})
    # The failed attempt spent the code: even its rightful owner cannot use it now.
    assert _token(harness, sign_in, code, verifier).status == 400
    code = _code(_login(harness, _authorize(sign_in, verifier), "admin@shop.internal"))
    assert _token(harness, sign_in, code, verifier).status == 200
    assert _token(harness, sign_in, code, verifier).json() == {"error": "invalid_grant"}


def test_signing_out_returns_only_to_a_registered_address(harness: Harness) -> None:
    sign_in = _config(harness)
    back = {"client_id": sign_in["clientId"], "logout_uri": sign_in["redirectUri"]}
    reply = harness.http("GET", f"{PREFIX}/logout?{urlencode(back)}")
    assert (reply.status, reply.headers["Location"]) == (302, sign_in["redirectUri"])
    elsewhere = {**back, "logout_uri": "https://evil.example/"}
    assert harness.http("GET", f"{PREFIX}/logout?{urlencode(elsewhere)}").status == 400
