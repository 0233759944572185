"""``settings.from``: one mailbox, checked at upload rather than found broken at every send."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow


def _errors(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(WorkflowInvalidError) as caught:
        validate_workflow(document, lambda t: True)
    return {issue.pointer: issue.message for issue in caught.value.issues}


@pytest.mark.parametrize(
    "sender",
    [
        "Evil\r\nBcc: x@y.z <a@b.c>",
        "shop@example.com\nBcc: x@y.z",
        "not an address",
        "a@b.c, c@d.e",
        "",
        "Shop <shop@>",
        "<@example.com>",
        42,
    ],
)
def test_a_sender_that_is_not_one_mailbox_is_refused_at_its_pointer(
    cart_recovery: dict[str, Any], sender: Any
) -> None:
    cart_recovery["settings"]["from"] = sender
    assert "/settings/from" in _errors(cart_recovery)


@pytest.mark.parametrize(
    "sender",
    ["shop@example.com", "Shop <shop@example.com>", '"Shop, Inc." <shop@example.com>', "Café <c@example.fr>"],
)
def test_a_mailbox_with_or_without_a_display_name_is_kept_as_written(
    cart_recovery: dict[str, Any], sender: str
) -> None:
    cart_recovery["settings"]["from"] = sender
    assert validate_workflow(cart_recovery, lambda t: True).settings.from_ == sender


@pytest.mark.parametrize("value", [True, False, "2", 2.5])
def test_whole_numbers_are_whole_numbers_not_booleans_or_text(
    cart_recovery: dict[str, Any], value: Any
) -> None:
    # JSON true is not 1: a cap of "true emails a day" is a mistake to point out, not to guess.
    cart_recovery["settings"]["max_emails_per_day"] = value
    assert "/settings/max_emails_per_day" in _errors(cart_recovery)
