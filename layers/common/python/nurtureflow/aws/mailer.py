"""Sending raw MIME through Amazon SES (v2), with SES's answers turned into domain outcomes.

Each call is exactly one HTTP request: botocore's own retries are off for this client, because a
read timeout retried by botocore could send the message twice. What to do after a failure is
decided above, from the exception raised here:

- ``SendThrottledError``: SES refused for rate or quota; nothing was sent; retry later.
- ``MessageRejectedError``: SES refused this message for good (address, size, sender).
- ``SendingStoppedError``: the account or configuration set cannot send (paused, suspended).
- ``SendOutcomeUnknownError``: the request went out and no answer came back; it may have been sent.
- any other ``ClientError`` or a failed connection: SES answered with an error or was never reached,
  so nothing was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from nurtureflow.aws.clients import single_attempt_client

# SES v2 SendEmail codes: rate (TooManyRequests; "Throttling" on the v1-compatible path) and the
# account's daily quota (LimitExceeded, SendingQuotaExceeded). Neither sends anything.
THROTTLED = {
    "TooManyRequestsException": "throttled",
    "Throttling": "throttled",
    "ThrottlingException": "throttled",
    "LimitExceededException": "quota_exceeded",
    "SendingQuotaExceeded": "quota_exceeded",
}
# This message will never be accepted as it is: retrying only repeats the refusal.
REJECTED = {
    "MessageRejected": "rejected_by_ses",
    "BadRequestException": "bad_request",  # too large, malformed address or content
    "InvalidParameterValue": "bad_request",  # the same refusal as SES v1 words it (and moto)
    "MailFromDomainNotVerifiedException": "sender_not_verified",
    # The function's role may send only from the stack's sender domain (IAM answers before SES):
    # a workflow's own From on another domain is refused for good, not retried.
    "AccessDeniedException": "sender_not_authorised",
}
# Sending is stopped for the account or the configuration set until a person acts: minutes of
# retries cannot help, so the send is recorded as failed (an operator can see and redo them).
STOPPED = {
    "AccountSuspendedException": "account_suspended",
    "SendingPausedException": "sending_paused",
}


class MessageRejectedError(Exception):
    """SES refused the message (bad address, too large, unverified sender): retrying will not help."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SendingStoppedError(Exception):
    """The account or its configuration set may not send now (paused or suspended)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SendThrottledError(Exception):
    """SES refused for its send rate or daily quota; nothing was sent. The state machine retries
    it with full jitter (``workflow.compiler.SEND_THROTTLE_RETRY``)."""

    def __init__(self, reason: str = "throttled", message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class SendOutcomeUnknownError(Exception):
    """The request reached SES and no answer came back: the email may or may not have gone."""


class SesMailer:
    def __init__(self, configuration_set: str | None, ses: Any = None) -> None:
        self._configuration_set = configuration_set
        self._ses = ses

    def send(self, sender: str, to: str, raw: bytes, tags: Mapping[str, str]) -> str:
        """Send; the SES message id. ``tags`` become SES message tags (already sanitised)."""
        kwargs: dict[str, Any] = (
            {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        )
        if tags:
            kwargs["EmailTags"] = [{"Name": name, "Value": value} for name, value in tags.items()]
        try:
            sent = (self._ses or single_attempt_client("sesv2")).send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": [to]},
                Content={"Raw": {"Data": raw}},
                **kwargs,
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            if code in THROTTLED:
                raise SendThrottledError(THROTTLED[code], str(error)) from None
            if code in REJECTED:
                raise MessageRejectedError(REJECTED[code], str(error)) from None
            if code in STOPPED:
                raise SendingStoppedError(STOPPED[code], str(error)) from None
            raise
        except (ReadTimeoutError, ConnectionClosedError) as error:
            raise SendOutcomeUnknownError(str(error)) from error
        return str(sent["MessageId"])
