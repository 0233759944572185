"""Sign-in for people: a Cognito user pool whose groups are the roles (admin, marketer, finance),
its hosted sign-in page, and the console's app client (authorization code with PKCE, no secret).

The admin API verifies the pool's access tokens itself (``nurtureflow.auth.people``); role tokens
keep working for scripts and CI. Nobody signs themselves up: an administrator creates each person
and puts them in a group (docs/security.md).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.stack.nag import acknowledge

ROLES = ("admin", "marketer", "finance")
_GROUPS = {
    "admin": "Everything, including erasing contacts and managing budgets",
    "marketer": "Workflows, templates, broadcasts, contacts; no costs",
    "finance": "Costs, budgets and reports; reads workflows",
}


class People(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, console_url: str, domain_prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.pool = cognito.UserPool(
            self,
            "Pool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            # People's accounts outlive a redeploy; deleting the stack keeps them (delete by hand).
            removal_policy=RemovalPolicy.RETAIN,
        )
        for precedence, role in enumerate(ROLES):
            cognito.CfnUserPoolGroup(
                self,
                f"Group{role.title()}",
                user_pool_id=self.pool.user_pool_id,
                group_name=role,
                description=_GROUPS[role],
                precedence=precedence,
            )
        self.domain = self.pool.add_domain(
            "SignInPage", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix)
        )
        self.client = self.pool.add_client(
            "Console",
            generate_secret=False,  # a browser app keeps no secret: PKCE protects the code instead
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=[console_url],
                logout_urls=[console_url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(1),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        stack = Stack.of(self)
        self.sign_in_url = f"https://{domain_prefix}.auth.{stack.region}.amazoncognito.com"
        self.issuer = f"https://cognito-idp.{stack.region}.amazonaws.com/{self.pool.user_pool_id}"
        CfnOutput(scope, "PeoplePoolId", value=self.pool.user_pool_id, description="Add people here")
        acknowledge(
            self.pool,
            "AwsSolutions-COG2",
            "MFA is optional with TOTP; an administrator may require it (docs/security.md)",
        )
        acknowledge(
            self.pool,
            "AwsSolutions-COG8",
            "threat protection is a paid Cognito plan: the owner's choice (docs/security.md)",
        )
