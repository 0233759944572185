"""Stored templates as a Jinja2 library: ``{% extends "brand" %}`` and ``{% include "footer" %}``.

Names resolve through the templates repository, never the file system: the html part of a
template extends or includes the html part of the named one, its text part the text part, its
subject the subject. Caching, for a warm Lambda that renders thousands of emails:

- compiled code is kept per (part, name, source checksum) in a process-wide bytecode cache, and
  top-level sources in an LRU, so nothing compiles twice;
- a referenced template's source is re-read after ``ttl_seconds``, and at once in this process
  after ``note_uploaded`` (the upload route calls it), so a re-uploaded layout takes effect within
  ``ttl_seconds`` everywhere and immediately where it was uploaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from jinja2 import BaseLoader, Template, TemplateNotFound
from jinja2.utils import LRUCache

from nurtureflow.sending.filters import FILTERS
from nurtureflow.sending.sandbox import MemoryBytecodeCache, Sandbox, render_capped

Part = Literal["subject", "html", "text"]
PARTS: tuple[Part, ...] = ("subject", "html", "text")
DEFAULT_TTL_SECONDS = 10.0

_BYTECODE = MemoryBytecodeCache()
# How many times each template was uploaded in this process: a cached source older than its
# template's latest upload is stale whatever its age.
_GENERATIONS: dict[str, int] = {}


def note_uploaded(template_id: str) -> None:
    """Make every library in this process read ``template_id`` afresh on its next use."""
    _GENERATIONS[template_id] = _GENERATIONS.get(template_id, 0) + 1


class TemplateSource(Protocol):
    def get(self, template_id: str) -> dict[str, Any] | None: ...


class _Cached:
    __slots__ = ("generation", "item", "loaded_at")

    def __init__(self, item: Mapping[str, Any] | None, loaded_at: float, generation: int) -> None:
        self.item, self.loaded_at, self.generation = item, loaded_at, generation


class _PartLoader(BaseLoader):
    def __init__(self, library: TemplateLibrary, part: Part) -> None:
        self._library, self._part = library, part

    def get_source(self, environment: Any, name: str) -> tuple[str, str, Callable[[], bool]]:
        cached = self._library.cached(name)
        source = cached.item.get(self._part) if cached.item is not None else None
        if not isinstance(source, str) or not source:
            what = "does not exist" if cached.item is None else f"has no {self._part} part"
            raise TemplateNotFound(name, f"template '{name}' {what}")
        return source, f"{self._part}:{name}", lambda: self._library.is_fresh(name, cached)


class TemplateLibrary:
    """Renders template parts whose extends and includes name stored templates."""

    def __init__(
        self,
        templates: TemplateSource | None,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._templates, self._ttl, self._clock = templates, ttl_seconds, clock
        self._sources: dict[str, _Cached] = {}
        self._top: LRUCache = LRUCache(256)
        self._envs: dict[Part, Sandbox] = {}
        for part in PARTS:
            env = Sandbox(autoescape=part == "html", loader=_PartLoader(self, part), bytecode_cache=_BYTECODE)
            env.filters.update(FILTERS)
            self._envs[part] = env

    def environment(self, part: Part) -> Sandbox:
        return self._envs[part]

    def cached(self, name: str) -> _Cached:
        """The stored template ``name`` (item None when absent), read again once stale."""
        cached = self._sources.get(name)
        if cached is not None and self.is_fresh(name, cached):
            return cached
        item = self._templates.get(name) if self._templates is not None else None
        cached = _Cached(item, self._clock(), _GENERATIONS.get(name, 0))
        if len(self._sources) > 512:
            self._sources.clear()
        self._sources[name] = cached
        return cached

    def is_fresh(self, name: str, cached: _Cached) -> bool:
        current = self._sources.get(name)
        if current is not None and current is not cached:
            return False  # re-read since: the compiled template must follow the newer source
        young = self._clock() - cached.loaded_at < self._ttl
        return young and cached.generation == _GENERATIONS.get(name, 0)

    def compile(self, part: Part, source: str) -> Template:
        """A top-level part compiled once per process (``TemplateSyntaxError`` when invalid)."""
        key = (part, source)
        template: Template | None = self._top.get(key)
        if template is None:
            template = self._envs[part].from_string(source)
            self._top[key] = template
        return template

    def render(self, part: Part, source: str, context: dict[str, Any]) -> str:
        """Render one part within the sandbox's budget; errors propagate for the caller to name."""
        return render_capped(self.compile(part, source), context)
