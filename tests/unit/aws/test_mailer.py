"""SES's answers to SendEmail become the domain's outcomes (botocore Stubber; no network)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.stub import Stubber

from nurtureflow.aws.mailer import (
    MessageRejectedError,
    SendingStoppedError,
    SendOutcomeUnknownError,
    SendThrottledError,
    SesMailer,
)

TAGS = {"workflow": "w", "version": "1", "step": "s", "contact": "c_1"}


def _ses() -> Any:
    return boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_send_email_carries_the_configuration_set_and_the_tags() -> None:
    ses = _ses()
    with Stubber(ses) as stub:
        stub.add_response(
            "send_email",
            {"MessageId": "m-1"},
            {
                "FromEmailAddress": "a@shop.example",
                "Destination": {"ToAddresses": ["b@example.com"]},
                "Content": {"Raw": {"Data": b"raw"}},
                "ConfigurationSetName": "nurtureflow",
                "EmailTags": [{"Name": k, "Value": v} for k, v in TAGS.items()],
            },
        )
        assert SesMailer("nurtureflow", ses).send("a@shop.example", "b@example.com", b"raw", TAGS) == "m-1"


@pytest.mark.parametrize(
    ("code", "error", "reason"),
    [
        ("TooManyRequestsException", SendThrottledError, "throttled"),
        ("Throttling", SendThrottledError, "throttled"),
        ("LimitExceededException", SendThrottledError, "quota_exceeded"),
        ("MessageRejected", MessageRejectedError, "rejected_by_ses"),
        ("BadRequestException", MessageRejectedError, "bad_request"),
        ("InvalidParameterValue", MessageRejectedError, "bad_request"),
        ("MailFromDomainNotVerifiedException", MessageRejectedError, "sender_not_verified"),
        ("SendingPausedException", SendingStoppedError, "sending_paused"),
        ("AccountSuspendedException", SendingStoppedError, "account_suspended"),
    ],
)
def test_each_ses_refusal_becomes_its_outcome(code: str, error: type[Exception], reason: str) -> None:
    ses = _ses()
    with Stubber(ses) as stub:
        stub.add_client_error("send_email", service_error_code=code, http_status_code=400)
        with pytest.raises(error) as raised:
            SesMailer(None, ses).send("a@shop.example", "b@example.com", b"raw", TAGS)
    assert raised.value.reason == reason  # type: ignore[attr-defined]


def test_an_unknown_ses_error_stays_a_client_error() -> None:
    ses = _ses()
    with Stubber(ses) as stub:
        stub.add_client_error("send_email", service_error_code="InternalFailure", http_status_code=500)
        with pytest.raises(ClientError):
            SesMailer(None, ses).send("a@shop.example", "b@example.com", b"raw", {})


class _TimesOut:
    def send_email(self, **kwargs: Any) -> Any:
        raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")


def test_a_read_timeout_is_an_unknown_outcome() -> None:
    with pytest.raises(SendOutcomeUnknownError):
        SesMailer(None, _TimesOut()).send("a@shop.example", "b@example.com", b"raw", TAGS)


def test_the_sending_client_never_retries_by_itself() -> None:
    from nurtureflow.aws.clients import ONE_ATTEMPT

    # Built lazily and cached per process, so the test reads its configuration rather than build it.
    assert ONE_ATTEMPT.retries == {"mode": "standard", "total_max_attempts": 1}
