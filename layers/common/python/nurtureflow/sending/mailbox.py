"""One From mailbox, as RFC 5322 reads it: checked where a person types it, not at every send."""

from __future__ import annotations

from email.errors import ObsoleteHeaderDefect
from email.policy import default


def check_mailbox(value: str) -> str:
    """``value`` when it is exactly one mailbox (an optional display name and ``local@domain``).

    Raises ValueError saying what is wrong: a line break (it would start another header), no
    address or several, or an address without its local part or domain.
    """
    if "\r" in value or "\n" in value:
        raise ValueError("a sender may not contain line breaks")
    header = default.header_factory("From", value)
    # Obsolete syntax (a '.' in a display name, "J. Smith") is still read the same by every client.
    defects = [d for d in header.defects if not isinstance(d, ObsoleteHeaderDefect)]
    addresses = header.addresses
    if len(addresses) != 1:
        raise ValueError(f"a sender is one mailbox such as 'Shop <shop@example.com>', found {len(addresses)}")
    address = addresses[0]
    if defects or not address.username or not address.domain:
        raise ValueError(f"'{value}' is not a mailbox such as 'Shop <shop@example.com>'")
    return value
