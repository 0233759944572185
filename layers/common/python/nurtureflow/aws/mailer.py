"""Sending raw MIME through Amazon SES (v2)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from nurtureflow.aws.clients import client


class MessageRejectedError(Exception):
    """SES refused the message (unverified sender, bad address): retrying will not help."""


class SesMailer:
    def __init__(self, configuration_set: str | None) -> None:
        self._configuration_set = configuration_set

    def send(self, sender: str, to: str, raw: bytes) -> str:
        """Send; the SES message id."""
        kwargs = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        try:
            sent = client("sesv2").send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": [to]},
                Content={"Raw": {"Data": raw}},
                **kwargs,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] in (
                "MessageRejected",
                "MailFromDomainNotVerifiedException",
                "BadRequestException",
            ):
                raise MessageRejectedError(str(error)) from None
            raise
        return str(sent["MessageId"])
