"""The console in AWS: a private bucket behind CloudFront, the API under /v1 on the same origin,
never cached, with the Authorization header forwarded; the build and its config uploaded by deploy."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template

Json = dict[str, Any]
# AWS's managed policies (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/
# using-managed-cache-policies.html, using-managed-origin-request-policies.html).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _distribution(template_json: Json) -> Json:
    [distribution] = [
        r["Properties"]["DistributionConfig"]
        for r in template_json["Resources"].values()
        if r["Type"] == "AWS::CloudFront::Distribution"
    ]
    return distribution  # type: ignore[no-any-return]


def test_the_files_bucket_is_private_and_read_through_an_origin_access_control(
    template: Template, template_json: Json
) -> None:
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            }
        },
    )
    template.resource_count_is("AWS::CloudFront::OriginAccessControl", 1)
    distribution = _distribution(template_json)
    assert distribution["DefaultRootObject"] == "console/index.html"
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_api_sits_under_v1_on_the_same_origin_uncached_with_every_header_but_host(
    template_json: Json,
) -> None:
    [api] = _distribution(template_json)["CacheBehaviors"]
    assert api["PathPattern"] == "/v1/*"
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}


def test_deploy_uploads_the_build_and_a_config_naming_the_api_on_its_own_origin(template: Template) -> None:
    template.has_resource_properties(
        "Custom::CDKBucketDeployment",
        {"DestinationBucketKeyPrefix": "console/", "DistributionPaths": ["/console/*"]},
    )
    template.has_output("ConsoleUrl", {"Value": Match.any_value()})
