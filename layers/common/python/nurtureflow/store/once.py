"""Once-only writes: an item whose ``attribute_not_exists`` condition guards what goes with it.

An event with its id marker, a ledger line with its rollups, a stats marker with its counters: each
is a ``OnceWrite``, written in one DynamoDB transaction so that a retry (its guard already there)
changes nothing. ``write`` commits one at once. Inside ``together()`` the writes a piece of work makes
(a send's event, ledger line and stats; a run's end) are gathered and committed in one transaction
when the block ends: one round trip instead of three, with the same guarantee, since each write keeps
its own guard. A guard that fails (that write was made before) drops that write alone and the others
are committed again without it: a write's outcome does not depend on the others'.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from nurtureflow.aws.clients import client

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems
# Transactions on one item conflict when they overlap (a burst of sends adds to the same rollups):
# retried here, briefly and with jitter, before the error reaches the caller's own retries.
CONFLICT_ATTEMPTS = 5


class OnceWrite(NamedTuple):
    guard: dict[str, Any]  # a transaction's Put conditioned on attribute_not_exists(pk)
    effects: tuple[dict[str, Any], ...] = ()  # transaction items made only with the guard

    @property
    def items(self) -> list[dict[str, Any]]:
        return [self.guard, *self.effects]


_gathering = threading.local()  # the local stack serves requests on several threads


def write(once: OnceWrite) -> bool:
    """Make the write unless its guard is there: False if it was made before.

    Inside ``together()`` the write waits for the block's end and the answer is True: whether it
    was new is known only then, so no caller inside the block may depend on it.
    """
    pending: list[OnceWrite] | None = getattr(_gathering, "writes", None)
    if pending is not None:
        pending.append(once)
        return True
    return commit([once])[0]


@contextmanager
def together() -> Iterator[None]:
    """Gather the block's once-only writes and commit them in one transaction at its end.

    They are committed even when the block raises, as they would have been one by one before the
    failure; the error raised is the block's.
    """
    if getattr(_gathering, "writes", None) is not None:
        yield  # already gathering: the outer block commits
        return
    writes: list[OnceWrite] = []
    _gathering.writes = writes
    try:
        yield
    except BaseException:
        _gathering.writes = None
        with suppress(Exception):  # the block's own error is the one to report
            commit(writes)
        raise
    _gathering.writes = None
    commit(writes)


def commit(writes: Sequence[OnceWrite]) -> list[bool]:
    """Commit the writes (one transaction when they fit in one); for each, whether it was new."""
    made = [False] * len(writes)
    for group in _groups(writes):
        for index, new in zip(group, _commit_group([writes[i] for i in group]), strict=True):
            made[index] = new
    return made


def _groups(writes: Sequence[OnceWrite]) -> list[list[int]]:
    """The writes' indexes in runs of at most ``MAX_TRANSACTION_ITEMS`` items (a write never splits)."""
    groups: list[list[int]] = []
    size = MAX_TRANSACTION_ITEMS
    for index, once in enumerate(writes):
        count = len(once.items)
        if size + count > MAX_TRANSACTION_ITEMS:
            groups.append([])
            size = 0
        groups[-1].append(index)
        size += count
    return groups


def _commit_group(writes: list[OnceWrite]) -> list[bool]:
    pending = list(range(len(writes)))
    conflicts = 0
    while pending:
        items = [item for i in pending for item in writes[i].items]
        try:
            client("dynamodb").transact_write_items(TransactItems=items)
        except ClientError as error:
            codes = [r.get("Code") for r in error.response.get("CancellationReasons") or []]
            if not codes:
                raise
            made_before = _guards_failed(writes, pending, codes)
            if made_before:
                pending = [i for i in pending if i not in made_before]
                continue
            conflicts += 1
            if "TransactionConflict" not in codes or conflicts == CONFLICT_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, 0.02 * 2**conflicts))  # noqa: S311 (jitter, not secrecy)
            continue
        return [i in pending for i in range(len(writes))]
    return [False] * len(writes)


def _guards_failed(writes: list[OnceWrite], pending: list[int], codes: list[str | None]) -> set[int]:
    """The pending writes whose guard's condition failed, by the cancellation reasons (one per item)."""
    failed, position = set(), 0
    for index in pending:
        if position < len(codes) and codes[position] == "ConditionalCheckFailed":
            failed.add(index)
        position += len(writes[index].items)
    return failed
