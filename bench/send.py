"""Emails through the send handler in-process (moto behind it), against bare SES v2 ``send_email``.

``python -m bench.send [--emails N] [--repeat R]``: each round sends N emails (N contacts, one
email step each) through ``functions/send/handler.py`` under ``moto.mock_aws`` on empty tables,
and sends the same raw messages to the same addresses with bare ``sesv2.send_email`` calls as the
baseline; best of R rounds. Beyond the SES call the handler reads the send record, the contact and
the template, renders and tracks the links, builds the MIME message, claims the send id, records
it as sent, and writes the email_sent event and the ledger line: the ratio is what that costs.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from bench.compile import best_of
from bench.ingest import LAMBDA_ENV, _load_handler

SENDER = "hello@shop.example"
CONFIGURATION_SET = "nurtureflow-bench"
TEMPLATE = {
    "subject": "Your cart is waiting, {{ contact.first_name }}",
    "html": (
        "<p>Hello {{ contact.first_name }},</p><p>You left something behind.</p>"
        '<p><a href="https://shop.example/cart">Back to your cart</a></p>'
        '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a> · {{ postal_address }}</p>'
    ),
}
SEND_ENV = {"NURTUREFLOW_SENDER": f"Shop <{SENDER}>", "NURTUREFLOW_CONFIGURATION_SET": CONFIGURATION_SET}


def _create_resources(count: int) -> None:
    import boto3

    from nurtureflow.settings import TableSettings
    from nurtureflow.store.contacts import ContactRepository
    from nurtureflow.store.tables import create_tables
    from nurtureflow.store.templates import TemplateRepository

    names = TableSettings()
    create_tables(boto3.client("dynamodb"), names)
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    ses = boto3.client("sesv2")
    ses.create_email_identity(EmailIdentity="shop.example")
    ses.create_configuration_set(ConfigurationSetName=CONFIGURATION_SET)
    TemplateRepository(names.templates_table).put("bench-cart", TEMPLATE)
    contacts = ContactRepository(names.contacts_table)
    for n in range(count):
        contacts.upsert(_address(n), {"first_name": f"Reader{n}"}, {}, "2026-11-23T09:00:00+00:00")


def _address(n: int) -> str:
    return f"reader{n}@example.com"


def _payload(n: int, round_id: int) -> dict[str, Any]:
    from nurtureflow.contacts.model import contact_id_for

    return {
        "action": "email",
        "step": "reminder",
        "template": "bench-cart",
        "entered": "2026-11-23T10:00:00Z",
        "execution": f"arn:aws:states:us-east-1:123456789012:execution:cart:bench-{round_id}-{n}",
        "attempt": 0,
        "run": {
            "workflow": "cart",
            "version": 1,
            "contact_id": contact_id_for(_address(n)),
            "enrolment": "e",
        },
    }


def _raw(n: int) -> bytes:
    """A message like the handler's (two parts, one-click headers), built outside the timing."""
    from nurtureflow.sending.message import build_mime

    return build_mime(
        sender=f"Shop <{SENDER}>",
        to=_address(n),
        subject=f"Your cart is waiting, Reader{n}",
        html=TEMPLATE["html"].replace("{{ contact.first_name }}", f"Reader{n}"),
        text=f"Hello Reader{n}, you left something behind.",
        unsubscribe_url=f"https://t.shop.example/u/token-{n}",
        list_id='"Bench" <bench.workflow.shop.example>',
        headers={"X-NurtureFlow-Send": f"s_{n}"},
    )


def _rounds(repeat: int, count: int, prepare: Callable[[int], Callable[[], object]]) -> float:
    from moto import mock_aws

    timings = []
    for round_id in range(repeat):
        with mock_aws():
            _create_resources(count)
            work = prepare(round_id)
            timings.append(best_of(1, work))
    return min(timings)


def send_figures(count: int, repeat: int) -> dict[str, float]:
    """Seconds per round: the send handler, and bare ``send_email`` of the same messages."""
    from nurtureflow.aws.clients import single_attempt_client
    from nurtureflow.local.lambdas import LocalContext

    os.environ.update({**LAMBDA_ENV, **SEND_ENV})
    send = _load_handler("send")
    context = LocalContext(function_name="nurtureflow-send")

    def handler(round_id: int) -> Callable[[], object]:
        payloads = [_payload(n, round_id) for n in range(count)]
        return lambda: [send.handler(p, context)["status"] == "sent" or _fail(p) for p in payloads]

    def bare(round_id: int) -> Callable[[], object]:
        ses = single_attempt_client("sesv2")
        messages = [(_address(n), _raw(n)) for n in range(count)]
        return lambda: [
            ses.send_email(
                FromEmailAddress=SENDER,
                Destination={"ToAddresses": [to]},
                Content={"Raw": {"Data": raw}},
                ConfigurationSetName=CONFIGURATION_SET,
            )
            for to, raw in messages
        ]

    return {"bare": _rounds(repeat, count, bare), "handler": _rounds(repeat, count, handler)}


def _fail(payload: dict[str, Any]) -> bool:
    raise AssertionError(f"the send handler did not send {payload['execution']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    seconds = send_figures(args.emails, args.repeat)
    rate = {name: args.emails / value for name, value in seconds.items()}
    print(f"send: {args.emails} emails per round, best of {args.repeat}, moto SES and DynamoDB in-process")
    print(f"baseline bare sesv2 send_email:  {rate['bare']:9.0f} emails/s")
    print(f"send handler:                    {rate['handler']:9.0f} emails/s")
    print(f"ratio (send_email / handler):    {rate['bare'] / rate['handler']:9.1f}x")


if __name__ == "__main__":
    main()
