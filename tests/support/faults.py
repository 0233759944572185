"""Fault injection without patching: a stand-in that fails chosen calls, and a counting mailer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class InjectedFailure(Exception):
    """The failure a test injected."""


class FailingOnce:
    """Wraps a repository: the first call of ``method`` raises ``error`` (after ``before`` runs),
    every other call goes through to the real object."""

    def __init__(self, real: Any, method: str, error: Exception | None = None) -> None:
        self._real, self._method = real, method
        self._error = error or InjectedFailure(f"{method} failed")
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._real, name)
        if name != self._method or self.failed:
            return attribute

        def fail(*args: Any, **kwargs: Any) -> Any:
            self.failed = True
            raise self._error

        return fail


class CountingMailer:
    """A ``Mailer`` that records what it accepted; each queued error is raised by one call instead."""

    def __init__(self, accept: Callable[[str, str, bytes, Mapping[str, str]], str] | None = None) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.errors: list[Exception] = []
        self._accept = accept

    def send(self, sender: str, to: str, raw: bytes, tags: Mapping[str, str]) -> str:
        if self.errors:
            raise self.errors.pop(0)
        message_id = self._accept(sender, to, raw, tags) if self._accept else f"m-{len(self.accepted) + 1}"
        self.accepted.append({"sender": sender, "to": to, "raw": raw, "tags": dict(tags), "id": message_id})
        return message_id


class FailingAfter:
    """Wraps a repository: the ``call``-th call of ``method`` goes through to the real object and
    then raises (the write happened, its answer was lost: a timeout, a crash); every other call
    goes through."""

    def __init__(self, real: Any, method: str, call: int = 1, error: Exception | None = None) -> None:
        self._real, self._method, self._call = real, method, call
        self._error = error or InjectedFailure(f"{method} failed after its call {call}")
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._real, name)
        if name != self._method:
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            result = attribute(*args, **kwargs)
            if self.calls == self._call:
                raise self._error
            return result

        return counted
