"""Task tokens for ``.waitForTaskToken`` tasks: opaque to callers, self-checking so malformed ones show."""

from __future__ import annotations

import base64
import binascii
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .errors import InvalidToken, StatesError, TaskDoesNotExist
from .runs import Run

_PREFIX = b"nurtureflow-sfn:"
_NONCE_BYTES = 24


@dataclass(frozen=True, slots=True)
class TaskAnswer:
    """What SendTaskSuccess or SendTaskFailure delivered for a token."""

    output: Any = None
    error: StatesError | None = None


@dataclass(eq=False, slots=True)
class TaskToken:
    value: str
    run: Run
    epoch: int
    heartbeat: timedelta | None = None
    heartbeat_due: datetime | None = None
    answer: TaskAnswer | None = None

    @property
    def open(self) -> bool:
        """Still waiting for an answer: not answered, and its task hasn't timed out, moved on or stopped."""
        return self.answer is None and self.run.waiting_on(self.epoch)


class TokenRegistry:
    """Every token issued, by value. Not thread-safe: the service guards it with its lock."""

    def __init__(self) -> None:
        self._tokens: dict[str, TaskToken] = {}

    def issue(self, run: Run) -> TaskToken:
        """A fresh token for the run's current attempt."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        checksum = zlib.crc32(_PREFIX + nonce).to_bytes(4, "big")
        value = base64.urlsafe_b64encode(_PREFIX + nonce + checksum).decode().rstrip("=")
        token = TaskToken(value, run, run.epoch)
        self._tokens[value] = token
        return token

    def find(self, value: Any) -> TaskToken:
        """The token with this value: InvalidToken if it isn't one of ours, TaskDoesNotExist if unknown."""
        if not well_formed(value):
            raise InvalidToken("Invalid Token: the task token is malformed")
        token = self._tokens.get(value)
        if token is None:
            raise TaskDoesNotExist("Task does not exist: the task token is unknown")
        return token


def well_formed(value: Any) -> bool:
    """Whether a string has the shape and checksum of a token this runtime issues."""
    if not isinstance(value, str) or not 1 <= len(value) <= 1024:
        return False
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return False
    body, checksum = raw[:-4], raw[-4:]
    return (
        body.startswith(_PREFIX)
        and len(body) == len(_PREFIX) + _NONCE_BYTES
        and zlib.crc32(body).to_bytes(4, "big") == checksum
    )
