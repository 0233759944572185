"""AWS errors that a later attempt may not meet, named so that Step Functions retries them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

# Throttling and passing service failures, after boto3's own retries have given up.
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "TransactionConflictException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "LimitExceededException",
    }
)


class RetryableError(Exception):
    """A passing failure: the compiled state machines retry a task that raises it, with backoff."""


@contextmanager
def transient_as_retryable() -> Iterator[None]:
    """Raise ``RetryableError`` for throttling and passing AWS failures; let every other error through."""
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code"))
        if code in TRANSIENT_CODES:
            raise RetryableError(f"{code}: {error}") from error
        raise
    except (ConnectionError, ReadTimeoutError) as error:
        raise RetryableError(str(error)) from error
