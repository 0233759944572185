"""API Gateway REST API generated from the HTTP contract's ``ROUTES`` table."""

from __future__ import annotations

import re
from collections.abc import Mapping

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from constructs import Construct

from infra.stack.config import StackConfig
from infra.stack.functions import LOG_RETENTION
from infra.stack.nag import acknowledge
from nurtureflow.api.routes import ROUTES, Function, Route

STAGE = "v1"
# API Gateway picks binary or text by the request's Accept (the first type) and Content-Type
# against this list. Mail clients and image proxies fetching the open pixel send Accept values we
# cannot predict (often */*), so every type is binary: a handler's base64 body (isBase64Encoded)
# is decoded for any client, and every request body reaches Lambda base64-encoded.
BINARY_MEDIA_TYPES = ["*/*"]
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")


class Api(Construct):
    """One regional REST API, stage ``v1``; every route is a Lambda proxy integration."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handlers: Mapping[Function, lambda_.IFunction],
        config: StackConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name="nurtureflow",
            description="NurtureFlow tracking and admin API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The open pixel is a GIF returned base64-encoded by the proxy integration.
            binary_media_types=BINARY_MEDIA_TYPES,
            # Access and execution logs need the account-level CloudWatch role; kept on stack
            # deletion because other APIs of the account rely on the same setting.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                # No IP address: for the tracking routes it is a recipient's personal data, not needed.
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=False,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                throttling_rate_limit=100,
                throttling_burst_limit=200,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )
        # Checks path parameters before Lambda is invoked (and billed); bodies are checked against
        # a model only where a method declares one, so validating them costs nothing either.
        self._validator = self.rest_api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=True
        )
        integrations = {
            name: apigw.LambdaIntegration(handler, proxy=True, allow_test_invoke=False)
            for name, handler in handlers.items()
        }
        for route in ROUTES:
            self._add_route(route, integrations[route.function])
        stack = Stack.of(self)
        # Built from the API id, not from the stage: functions that read it are integrated into
        # the same API, and a reference to the stage would be a dependency cycle.
        self.stage_url = (
            f"https://{self.rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}/{STAGE}"
        )
        self.domain: apigw.DomainName | None = None
        self.public_url = self.stage_url
        if config.api_domain is not None:
            self.domain = self._custom_domain(config)
            self.public_url = f"https://{config.api_domain}"
        self._acknowledge()

    def _custom_domain(self, config: StackConfig) -> apigw.DomainName:
        """``apiDomain`` mapped (at its root) to the stage, with the record that points it at API Gateway."""
        assert config.api_domain is not None
        if config.certificate_arn:
            certificate = acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn)
        else:
            assert config.hosted_zone_id is not None
            certificate = acm.Certificate(
                self,
                "Certificate",
                domain_name=config.api_domain,
                # The validation CNAME goes into the zone: no console step, issued in minutes.
                validation=acm.CertificateValidation.from_dns(
                    route53.HostedZone.from_hosted_zone_id(self, "Zone", config.hosted_zone_id)
                ),
            )
        domain = apigw.DomainName(
            self,
            "Domain",
            domain_name=config.api_domain,
            certificate=certificate,
            endpoint_type=apigw.EndpointType.REGIONAL,
            security_policy=apigw.SecurityPolicy.TLS_1_2,
        )
        # At the root: https://<apiDomain>/t/o/<token> is the stage's /t/o/<token>.
        domain.add_base_path_mapping(self.rest_api, stage=self.rest_api.deployment_stage)
        target = domain.domain_name_alias_domain_name
        if config.hosted_zone_id:
            route53.CfnRecordSet(
                self,
                "AliasRecord",
                hosted_zone_id=config.hosted_zone_id,
                name=config.api_domain,
                type="A",
                alias_target=route53.CfnRecordSet.AliasTargetProperty(
                    dns_name=target, hosted_zone_id=domain.domain_name_alias_hosted_zone_id
                ),
            )
            record = f"{config.api_domain} A ALIAS {target} (created in hosted zone {config.hosted_zone_id})"
        else:
            record = f"{config.api_domain} CNAME {target}"
        CfnOutput(
            Stack.of(self),
            "ApiDomainRecord",
            value=record,
            description="DNS record to publish: the API's custom domain points at API Gateway",
        )
        return domain

    def _add_route(self, route: Route, integration: apigw.LambdaIntegration) -> None:
        resource = self.rest_api.root.resource_for_path(route.path)
        parameters = {f"method.request.path.{name}": True for name in _PATH_PARAMETER.findall(route.path)}
        resource.add_method(
            route.method,
            integration,
            authorization_type=apigw.AuthorizationType.NONE,
            request_parameters=parameters or None,
            request_validator=self._validator if parameters else None,
        )

    def _acknowledge(self) -> None:
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG4",
            "Tracking routes are public by design (signed tokens, publishable site keys); admin routes "
            "check bearer-token hashes in the admin function against the role table of ROUTES.",
        )
        acknowledge(
            self.rest_api,
            "AwsSolutions-COG4",
            "No Cognito: admin callers are machines and operators holding bearer tokens (see APIG4).",
        )
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG3",
            "WAF costs a monthly fee per web ACL; the stage is throttled, and an operator may attach one.",
        )
        acknowledge(
            self.rest_api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "The AWS managed policy is the documented way to let API Gateway write its logs.",
        )
