"""SES bills attachments by the GB: their bytes are measured on the raw message and priced."""

from __future__ import annotations

from decimal import Decimal
from email.message import EmailMessage

from nurtureflow.costs.attachments import attachment_bytes
from nurtureflow.costs.ledger import Usage, cost_usage
from nurtureflow.costs.prices import load_price_table
from nurtureflow.sending.message import build_mime


def _message(*files: tuple[bytes, str, str, str]) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "Hi"
    message.set_content("hello")
    message.add_alternative("<p>hello</p>", subtype="html")
    for data, maintype, subtype, name in files:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def test_a_message_of_text_and_html_has_no_attachments() -> None:
    raw = build_mime(
        sender="a@example.com",
        to="b@example.com",
        subject="Hi",
        html="<p>attachment</p>",
        text="hi",
        unsubscribe_url="https://x.example/u",
        list_id="<t.workflow.x.example>",
        headers={},
    )
    assert attachment_bytes(raw) == 0
    assert attachment_bytes(_message()) == 0


def test_attachments_count_by_their_decoded_size_whatever_their_type() -> None:
    pdf, csv = b"%PDF" + bytes(range(256)) * 40, b"a,b\n1,2\n"
    assert attachment_bytes(_message((pdf, "application", "pdf", "x.pdf"))) == len(pdf)
    both = _message((pdf, "application", "pdf", "x.pdf"), (csv, "text", "csv", "x.csv"))
    assert attachment_bytes(both) == len(pdf) + len(csv)


def test_attachments_are_priced_per_gb_of_2_to_the_30_bytes() -> None:
    prices = load_price_table()
    assert prices.ses_attachment_gb.usd == Decimal("0.12")
    assert cost_usage(Usage(attachment_bytes=2**30), prices).ses == Decimal("0.12")
    one_mb = cost_usage(Usage(emails=1, attachment_bytes=2**20), prices).ses
    assert one_mb == Decimal("0.0001") + Decimal("0.000117187500000")
