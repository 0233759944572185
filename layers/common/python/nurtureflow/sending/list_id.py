"""The ``List-Id`` header (RFC 2919) every email carries: which list, in the sender's domain, it is from.

``List-Id: "Welcome series" <welcome.workflow.example.com>`` for a workflow's emails,
``List-Id: "broadcast b_1f…" <b-1f….broadcast.example.com>`` for a broadcast's. The list id is
``<label>.<kind>.<sender domain>``: the kind keeps a workflow and a broadcast whose ids clean up
alike apart. The label keeps letters, digits and ``-`` (a subset of RFC 2919's ``dot-atom-text``),
lower-cased, every other run of characters becoming one ``-``; the whole id stays within RFC 2919's
255 characters. The phrase before it is the list's name, quoted, or RFC 2047 encoded when not ASCII.
"""

from __future__ import annotations

import base64
import contextlib
import re
from email.utils import parseaddr
from functools import lru_cache

MAX_LIST_ID_LENGTH = 255  # RFC 2919, section 3
MAX_NAME_LENGTH = 100  # characters of the name shown: the header stays on one line
_NOT_LABEL = re.compile(r"[^a-z0-9-]+")
_NOT_DOMAIN = re.compile(r"[^a-z0-9.-]+")
_BROADCAST = "broadcast:"
_WORD_BYTES = 45  # base64 of 45 bytes is 60 characters: an encoded word stays within RFC 2047's 75


def list_label(value: str) -> str:
    """``value`` cleaned to a list-label: lower-case letters, digits and single inner ``-``."""
    return _NOT_LABEL.sub("-", value.lower()).strip("-") or "list"


def sender_domain(sender: str) -> str:
    """The domain of the sender's address, in ASCII (IDNA for an internationalised one)."""
    domain = parseaddr(sender)[1].rpartition("@")[2].strip().lower().rstrip(".")
    with contextlib.suppress(UnicodeError):  # not a valid IDN: cleaned below like any stray character
        domain = domain.encode("idna").decode("ascii")
    return ".".join(part for part in _NOT_DOMAIN.sub("-", domain).split(".") if part) or "localhost"


def list_id(workflow: str, sender: str) -> str:
    """``<label>.<kind>.<domain>`` for a workflow id or a broadcast's ``broadcast:<id>``."""
    kind = "broadcast" if workflow.startswith(_BROADCAST) else "workflow"
    source = workflow.removeprefix(_BROADCAST)
    suffix = f".{kind}.{sender_domain(sender)}"
    label = list_label(source)[: max(1, MAX_LIST_ID_LENGTH - len(suffix))].strip("-") or "list"
    return label + suffix


@lru_cache(maxsize=256)  # the same few per deployment, and every send makes one
def list_id_header(name: str, workflow: str, sender: str) -> str:
    """The whole ``List-Id`` value, ASCII on one line: the list's name, then its id in angle brackets."""
    shown = " ".join(name.split())[:MAX_NAME_LENGTH]
    return f"{_phrase(shown)} <{list_id(workflow, sender)}>" if shown else f"<{list_id(workflow, sender)}>"


def _phrase(name: str) -> str:
    """A quoted string for printable ASCII; RFC 2047 encoded words (UTF-8, base64) otherwise."""
    if name.isascii() and name.isprintable():
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    words, chunk = [], ""
    for character in name:
        if len((chunk + character).encode()) > _WORD_BYTES:
            words.append(chunk)
            chunk = ""
        chunk += character
    words.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(word.encode()).decode()}?=" for word in words)
