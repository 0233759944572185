"""The console in AWS: its build in a private S3 bucket behind CloudFront, and the API behind the
same distribution (``/v1/*``), so the console calls the API on its own origin: no CORS to open,
and the API keeps answering on its own URL as before.

CloudFront reads the bucket through an origin access control (the bucket stays private). API
requests are never cached and reach API Gateway with every viewer header but Host, the
``Authorization`` header included (which CloudFront allows in an origin request policy only when
caching is disabled: https://repost.aws/knowledge-center/cloudfront-authorization-header).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.stack.nag import acknowledge

BUILD = Path(__file__).resolve().parents[2] / "console" / "dist"
PREFIX = "console"


class ConsoleSite(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, api: apigw.RestApi, stage: str) -> None:
        super().__init__(scope, construct_id)
        if not (BUILD / "index.html").is_file():
            raise FileNotFoundError(f"{BUILD} has no build of the console: run `make console` first")
        stack = Stack.of(self)
        self.bucket = s3.Bucket(
            self,
            "Files",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
        )
        api_origin = origins.HttpOrigin(
            f"{api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="NurtureFlow console, and the API under /v1",
            default_root_object=f"{PREFIX}/index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            ),
            additional_behaviors={
                f"/{stage}/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                )
            },
        )
        self.stage = stage
        self.url = f"https://{self.distribution.distribution_domain_name}/{PREFIX}/"
        CfnOutput(scope, "ConsoleUrl", value=self.url, description="The console: sign in as a person")
        self._acknowledge()

    def publish(self, sign_in: dict[str, str]) -> None:
        """Upload the build with its ``config.json``: where the API is (on the console's own origin,
        under the stage) and how people sign in (``sign_in``: the hosted page, the app client)."""
        s3deploy.BucketDeployment(
            self,
            "Upload",
            sources=[
                s3deploy.Source.asset(str(BUILD)),
                s3deploy.Source.json_data("config.json", {"apiUrl": f"/{self.stage}", "signIn": sign_in}),
            ],
            destination_bucket=self.bucket,
            destination_key_prefix=f"{PREFIX}/",
            distribution=self.distribution,
            distribution_paths=[f"/{PREFIX}/*"],
        )
        self._acknowledge_copier()

    def _acknowledge(self) -> None:
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "the console's static build: public files, written only by the deployment; CloudFront logs reads",
        )
        for rule, reason in (
            ("AwsSolutions-CFR1", "the console serves every country the company's staff work from"),
            ("AwsSolutions-CFR2", "static files and an API checking every token: WAF is the owner's call"),
            ("AwsSolutions-CFR3", "logs need a bucket the owner chooses; API Gateway logs the API's calls"),
            ("AwsSolutions-CFR4", "the default *.cloudfront.net certificate, whose TLS policy is fixed"),
        ):
            acknowledge(self.distribution, rule, reason)

    def _acknowledge_copier(self) -> None:
        # CDK's own BucketDeployment function copies the build from the CDK assets bucket at deploy.
        copier = "CDK's BucketDeployment copies the console's build from the CDK assets bucket into its own"
        bucket_arn = Stack.of(self).get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        findings = [
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            *(
                f"AwsSolutions-IAM5[Action::s3:{action}]"
                for action in ("Abort*", "DeleteObject*", "GetBucket*", "GetObject*", "List*")
            ),
            "AwsSolutions-IAM5[Resource::*]",
            f"AwsSolutions-IAM5[Resource::<{bucket_arn}.Arn>/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
        ]
        for child in Stack.of(self).node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                acknowledge(child, "AwsSolutions-L1", f"{copier}: CDK chooses its runtime")
                for finding in findings:
                    acknowledge(child, finding, f"{copier}: the grants CDK writes for it")
