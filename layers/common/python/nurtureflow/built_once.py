"""Services built once per function process, and the seam that lets one process host several.

In Lambda a process serves one function, so a service built at cold start lives with the process.
The local stack runs all six functions in one process, each with its own environment: it enters
``function_scope(name)`` around each invocation, so each function keeps the services built from its
own settings, as six Lambda processes would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

T = TypeVar("T")
_scope = ""


def built_once(factory: Callable[[], T]) -> Callable[[], T]:
    """``factory``'s result, built on the first call in each function scope."""
    built: dict[str, T] = {}

    @wraps(factory)
    def get() -> T:
        try:
            return built[_scope]
        except KeyError:
            value = built[_scope] = factory()
            return value

    get.cache_clear = built.clear  # type: ignore[attr-defined]
    return get


@contextmanager
def function_scope(name: str) -> Iterator[None]:
    """Local stack only: services built inside belong to function ``name``."""
    global _scope
    previous, _scope = _scope, name
    try:
        yield
    finally:
        _scope = previous


def current_scope() -> str:
    return _scope


__all__ = ["built_once", "current_scope", "function_scope"]
