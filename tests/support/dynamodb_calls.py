"""The DynamoDB calls the functions make while a block runs, seen through every client they use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from nurtureflow.aws.clients import client, dynamodb_table
from nurtureflow.settings import TableSettings


class DynamoCall(NamedTuple):
    operation: str  # PutItem, TransactWriteItems...
    params: dict[str, Any]
    function: str | None  # the function it ran in (AWS_LAMBDA_FUNCTION_NAME), None outside one


@contextmanager
def dynamodb_calls() -> Iterator[list[DynamoCall]]:
    """Every DynamoDB call made inside the block, in order: the repositories call through the
    DynamoDB client or through a table resource's own client, so both are watched."""
    calls: list[DynamoCall] = []

    def seen(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append(DynamoCall(model.name, params, os.environ.get("AWS_LAMBDA_FUNCTION_NAME")))

    names = TableSettings()
    clients = [
        client("dynamodb"),
        *(dynamodb_table(getattr(names, f)).meta.client for f in TableSettings.model_fields),
    ]
    for each in clients:
        each.meta.events.register("before-parameter-build.dynamodb", seen)
    try:
        yield calls
    finally:
        for each in clients:
            each.meta.events.unregister("before-parameter-build.dynamodb", seen)
