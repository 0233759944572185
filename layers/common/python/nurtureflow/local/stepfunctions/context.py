"""The context object (``$$``), built only if a path reads it: most states never do, and it is not cheap."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runs import Run


class LazyContext:
    """The context object as it is when first read. Read it at once: the run moves on."""

    __slots__ = ("_build", "_run", "_value")

    def __init__(self, build: Callable[[Run], dict[str, Any]], run: Run) -> None:
        self._build, self._run = build, run
        self._value: dict[str, Any] | None = None

    @property
    def value(self) -> dict[str, Any]:
        if self._value is None:
            self._value = self._build(self._run)
        return self._value


def context_object(context: Any) -> Any:
    """What ``$$`` paths read: a LazyContext's value, or a context given as a plain document (in tests)."""
    return context.value if isinstance(context, LazyContext) else context
