"""A person's Cognito access token as the admin API verifies it, against moto's Cognito (its real
tokens, its published keys served over HTTP as Cognito publishes them).

What is checked follows "Verifying a JSON Web Token" in the Amazon Cognito Developer Guide
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html):
the signature against the pool's JWKS, ``exp``, ``iss`` (the pool), ``token_use`` and, for an
access token, ``client_id``.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import moto.cognitoidp
import pytest
from moto.server import ThreadedMotoServer

from nurtureflow.auth.people import issuer, looks_like_jwt, roles_of_person
from nurtureflow.auth.roles import ForbiddenError, UnauthenticatedError

PASSWORD = "Pass-word-12!"
# moto's own signing key: to forge tokens a real pool would have issued (expired ones, say).
MOTO_KEY = json.loads(
    gzip.decompress(
        (Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz").read_bytes()
    )
)


class Pool:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.cognito = boto3.client(
            "cognito-idp", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip
        self.id = self.cognito.create_user_pool(PoolName="people", UsernameAttributes=["email"])["UserPool"][
            "Id"
        ]
        self.client = self._client("console")
        for role in ("admin", "marketer", "finance", "guests"):
            self.cognito.create_group(UserPoolId=self.id, GroupName=role)

    def _client(self, name: str) -> str:
        flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        made = self.cognito.create_user_pool_client(
            UserPoolId=self.id, ClientName=name, ExplicitAuthFlows=flows
        )
        return str(made["UserPoolClient"]["ClientId"])

    def person(self, email: str, *groups: str) -> None:
        self.cognito.admin_create_user(UserPoolId=self.id, Username=email, MessageAction="SUPPRESS")
        self.cognito.admin_set_user_password(
            UserPoolId=self.id, Username=email, Password=PASSWORD, Permanent=True
        )
        for group in groups:
            self.cognito.admin_add_user_to_group(UserPoolId=self.id, Username=email, GroupName=group)

    def tokens(self, email: str, client: str | None = None) -> dict[str, Any]:
        answer = self.cognito.initiate_auth(
            ClientId=client or self.client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        return dict(answer["AuthenticationResult"])

    def roles(self, token: str) -> tuple[str, ...]:
        return roles_of_person(token, self.id, self.client, self.endpoint)


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Pool(f"http://{host}:{port}")
    finally:
        server.stop()


def test_a_marketer_s_access_token_holds_the_marketer_role(pool: Pool) -> None:
    pool.person("mia@example.com", "marketer")
    token = pool.tokens("mia@example.com")["AccessToken"]
    assert looks_like_jwt(token)
    assert pool.roles(token) == ("marketer",)


def test_a_person_in_two_groups_holds_both_roles_strongest_first(pool: Pool) -> None:
    pool.person("fin@example.com", "finance", "marketer")
    assert pool.roles(pool.tokens("fin@example.com")["AccessToken"]) == ("marketer", "finance")


def test_a_person_in_no_role_group_is_known_but_forbidden(pool: Pool) -> None:
    pool.person("guest@example.com", "guests")
    with pytest.raises(ForbiddenError, match="none of the groups admin, marketer, finance"):
        pool.roles(pool.tokens("guest@example.com")["AccessToken"])


def test_an_id_token_is_not_accepted_by_the_api(pool: Pool) -> None:
    pool.person("ida@example.com", "admin")
    with pytest.raises(UnauthenticatedError):
        pool.roles(pool.tokens("ida@example.com")["IdToken"])


def test_a_token_issued_to_another_app_client_is_refused(pool: Pool) -> None:
    pool.person("other@example.com", "admin")
    other = pool._client("another-app")
    with pytest.raises(UnauthenticatedError):
        pool.roles(pool.tokens("other@example.com", client=other)["AccessToken"])


def test_a_changed_claim_breaks_the_signature(pool: Pool) -> None:
    pool.person("eve@example.com", "finance")
    header, payload, signature = pool.tokens("eve@example.com")["AccessToken"].split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["cognito:groups"] = ["admin"]
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(UnauthenticatedError, match="not valid"):
        pool.roles(f"{header}.{forged}.{signature}")


def _signed(pool: Pool, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": issuer(pool.id), "client_id": pool.client, "token_use": "access",
        "iat": now, "exp": now + 3600, "cognito:groups": ["admin"], **claims,
    }  # fmt: skip
    key = jwt.PyJWK(MOTO_KEY)
    return jwt.encode(body, key.key, algorithm="RS256", headers={"kid": MOTO_KEY["kid"]})


def test_the_pool_s_own_key_signs_what_is_accepted(pool: Pool) -> None:
    assert pool.roles(_signed(pool)) == ("admin",)  # the forging below is otherwise right


def test_an_expired_token_asks_the_person_to_sign_in_again(pool: Pool) -> None:
    with pytest.raises(UnauthenticatedError, match="expired"):
        pool.roles(_signed(pool, exp=int(time.time()) - 120))


def test_a_token_of_another_pool_is_refused_even_with_a_known_key(pool: Pool) -> None:
    with pytest.raises(UnauthenticatedError):
        pool.roles(_signed(pool, iss=issuer("us-east-1_someoneelse")))


def test_an_unsigned_token_is_refused(pool: Pool) -> None:
    body = {"iss": issuer(pool.id), "client_id": pool.client, "token_use": "access", "exp": 2**31}
    unsigned = jwt.encode({**body, "cognito:groups": ["admin"]}, key=None, algorithm="none")
    with pytest.raises(UnauthenticatedError):
        pool.roles(unsigned)


def test_role_tokens_are_not_mistaken_for_jwts() -> None:
    assert not looks_like_jwt("local-admin-token")
    assert not looks_like_jwt("a.b.c")
