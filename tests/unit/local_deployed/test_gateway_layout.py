"""The local gateway encodes bodies as API Gateway does for a REST API's binary media types:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html"""

from __future__ import annotations

import base64

from nurtureflow.local.gateway import is_binary, proxy_event


def test_a_request_body_reaches_the_function_base64_encoded_when_its_type_is_binary() -> None:
    found = proxy_event(
        "POST", "/v1/events", {"Content-Type": "application/json"}, b'{"a":1}', "1.2.3.4", "v1", ["*/*"]
    )
    assert found is not None
    _, event = found
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b'{"a":1}'
    assert (event["path"], event["requestContext"]["path"]) == ("/v1/events", "/v1/v1/events")


def test_a_request_without_a_body_is_not_marked_base64() -> None:
    found = proxy_event("GET", "/v1/tracker.js", {}, b"", "1.2.3.4", "v1", ["*/*"])
    assert found is not None
    assert (found[1]["body"], found[1]["isBase64Encoded"]) == (None, False)


def test_only_a_matching_type_is_binary_and_star_slash_star_matches_every_type() -> None:
    # image/* alone: a client accepting */* first is not sent binary (the pixel came back as base64 text).
    assert not is_binary("*/*", ["image/*"])
    assert is_binary("image/gif", ["image/*"])
    assert is_binary("text/html,*/*;q=0.8", ["*/*"])
    assert is_binary("", ["*/*"])
    assert not is_binary("application/json", [])
