"""People's sign-in in AWS: a Cognito user pool whose groups are the roles, no self sign-up, the
hosted page, and the console's public app client (authorization code with PKCE); the admin function
knows the pool and the client, and the console's config.json tells the browser where to sign in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.stack.config import ConfigError, StackConfig

Json = dict[str, Any]


def _one(template_json: Json, kind: str) -> tuple[str, Json]:
    [(logical_id, resource)] = [(k, r) for k, r in template_json["Resources"].items() if r["Type"] == kind]
    return logical_id, resource["Properties"]


def test_groups_are_the_roles_and_nobody_signs_themselves_up(template_json: Json) -> None:
    pool_id, pool = _one(template_json, "AWS::Cognito::UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UsernameAttributes"] == ["email"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(
        policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    groups = {
        r["Properties"]["GroupName"]: r["Properties"]
        for r in template_json["Resources"].values()
        if r["Type"] == "AWS::Cognito::UserPoolGroup"
    }
    assert set(groups) == {"admin", "marketer", "finance"}
    assert all(g["UserPoolId"] == {"Ref": pool_id} for g in groups.values())


def test_the_console_client_is_public_and_uses_the_code_flow_back_to_the_console(template_json: Json) -> None:
    _, client = _one(template_json, "AWS::Cognito::UserPoolClient")
    assert client.get("GenerateSecret", False) is False  # a browser keeps no secret: PKCE instead
    assert client["AllowedOAuthFlows"] == ["code"]  # no implicit flow: tokens never in a URL
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert "USER_PASSWORD_AUTH" not in json.dumps(client.get("ExplicitAuthFlows", []))
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    [callback] = client["CallbackURLs"]
    assert client["LogoutURLs"] == [callback]
    # The console's own https URL: the distribution's domain, /console/.
    https, domain, path = callback["Fn::Join"][1]
    assert (https, path) == ("https://", "/console/")
    assert domain["Fn::GetAtt"][1] == "DomainName"
    assert template_json["Resources"][domain["Fn::GetAtt"][0]]["Type"] == "AWS::CloudFront::Distribution"


def test_the_admin_function_knows_the_pool_and_the_client(template_json: Json) -> None:
    pool_id, _ = _one(template_json, "AWS::Cognito::UserPool")
    client_id, _ = _one(template_json, "AWS::Cognito::UserPoolClient")
    admins = [
        r["Properties"]["Environment"]["Variables"]
        for r in template_json["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and "NURTUREFLOW_PEOPLE_POOL_ID" in r["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert len(admins) == 1  # the admin function only
    assert admins[0]["NURTUREFLOW_PEOPLE_POOL_ID"] == {"Ref": pool_id}
    assert admins[0]["NURTUREFLOW_PEOPLE_CLIENT_ID"] == {"Ref": client_id}


def test_the_console_config_names_the_sign_in_page_and_the_client(template_json: Json) -> None:
    client_id, _ = _one(template_json, "AWS::Cognito::UserPoolClient")
    _, upload = _one(template_json, "Custom::CDKBucketDeployment")
    # The config's deploy-time values are filled in by the deployment from its markers.
    markers = json.dumps(upload["SourceMarkers"])
    assert json.dumps({"Ref": client_id}) in markers
    _, domain = _one(template_json, "AWS::Cognito::UserPoolDomain")
    assert "nurtureflow-" in json.dumps(domain["Domain"])


def test_no_iam_permission_is_granted_for_sign_in(template: Template, template_json: Json) -> None:
    """Tokens are verified with the pool's public keys: no function may call Cognito."""
    policies = [r for r in template_json["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    assert "cognito-idp:" not in json.dumps(policies)


@pytest.mark.parametrize(
    "prefix", ["my-aws-login", "Cognito-x", "-lead", "trail-", "a" * 64, "has_underscore"]
)
def test_a_sign_in_prefix_cognito_would_refuse_is_refused_at_synth(prefix: str) -> None:
    with pytest.raises(ConfigError, match="signInDomainPrefix"):
        StackConfig(sender_domain="mail.acme.com", sign_in_domain_prefix=prefix)


def test_a_good_sign_in_prefix_is_kept() -> None:
    assert StackConfig(
        sender_domain="mail.acme.com", sign_in_domain_prefix="acme-marketing"
    ).sign_in_domain_prefix
