"""The OpenAPI document: generated from the apps, every route once with its roles, and its copies
in docs/ in step with it.

The document is built in a child process, as `make openapi` builds it: importing the apps here would
keep them in this process with this test's settings, and the integration tests' in-process stack
loads each function's handler under that function's own environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from nurtureflow.api.openapi import ROLES_EXTENSION
from nurtureflow.api.routes import ROUTES
from scripts.openapi_docs import HTTP_API_DOC, OPENAPI_COPY, with_reference

METHODS = ("get", "put", "post", "delete", "options")


@cache
def openapi_json() -> str:
    """What ``python -m nurtureflow.api.openapi`` prints: the document as the apps generate it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NURTUREFLOW_", "AWS_"))}
    command = [sys.executable, "-m", "nurtureflow.api.openapi"]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def openapi_document() -> dict[str, Any]:
    return json.loads(openapi_json())  # type: ignore[no-any-return]


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, item)
        for path, methods in openapi_document()["paths"].items()
        for method, item in methods.items()
        if method in METHODS
    ]


def _normalised(path: str) -> str:
    return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_is_documented_once_with_the_roles_it_is_authorised_with() -> None:
    documented = {(method, _normalised(path)): item for method, path, item in _operations()}
    assert len(documented) == len(_operations()) == len(ROUTES)
    for route in ROUTES:
        item = documented[(route.method, _normalised(route.path))]
        assert item[ROLES_EXTENSION] == list(route.roles)
        if route.roles:
            assert item["security"] == [{"adminToken": []}]
            assert {"401", "403"} <= set(item["responses"])
            assert all(f"`{role}`" in item["description"] for role in route.roles)
        elif (route.method, route.path) == ("POST", "/v1/events"):
            assert {"siteKey": []} in item["security"]
        else:
            assert item["security"] == [], f"{route.method} {route.path} is public"


def test_every_error_response_is_the_contracts_error_body() -> None:
    for method, path, item in _operations():
        for status, response in item["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {path} {status}"
        assert all(item.get(key) for key in ("summary", "description", "tags")), f"{method} {path}"


@pytest.mark.parametrize("where", ["requestBody", "responses"])
def test_every_example_validates_against_its_schema(where: str) -> None:
    document = openapi_document()
    checked = 0
    for method, path, item in _operations():
        parts = [item["requestBody"]] if where == "requestBody" and "requestBody" in item else []
        if where == "responses":
            parts = list(item["responses"].values())
        for part in parts:
            for media_type, content in part.get("content", {}).items():
                for example in content.get("examples", {}).values():
                    schema = {**content["schema"], "components": document["components"]}
                    errors = list(Draft202012Validator(schema).iter_errors(example["value"]))
                    assert errors == [], f"{method} {path} {media_type}: {errors[0].message}"
                    checked += 1
    assert checked >= 5


def test_the_docs_copy_is_what_the_apps_generate() -> None:
    assert OPENAPI_COPY.read_text() == openapi_json(), (
        "docs/openapi.json differs from what the routes generate: run `make openapi` and commit it"
    )
    assert json.loads(OPENAPI_COPY.read_text()) == openapi_document()


def test_the_route_reference_in_http_api_md_is_what_the_document_says() -> None:
    current = HTTP_API_DOC.read_text()
    assert with_reference(current, openapi_document()) == current, (
        "docs/http-api.md's route reference differs from the OpenAPI document: run `make openapi`"
    )


def test_the_document_names_the_stage_in_every_aws_and_local_server() -> None:
    urls = [server["url"] for server in openapi_document()["servers"]]
    assert "https://{api_id}.execute-api.{region}.amazonaws.com/v1" in urls
    assert "http://127.0.0.1:8080/v1" in urls
