"""The Jinja2 sandbox every template renders in, hardened beyond the stock one.

Jinja's ``ImmutableSandboxedEnvironment`` already refuses ``_``-prefixed attributes, internal
attributes (``mro``, ``__globals__``, ``func_code``) and mutating methods. What it leaves open is
making the Lambda do unbounded work, and this module closes that by hand:

- a work budget per render: every loop iteration and every call (macros included, so recursion
  too) spends one unit, through a line the compile hook adds at the top of each generated loop;
- ``*`` and ``**`` that would build a huge string, list or number; ``%`` with a huge width;
- string methods and filters that multiply their input (``ljust``, ``center``, ``replace``,
  ``join``, ``format`` widths, ``batch`` fill, ``indent``), capped or refused;
- ``str.format``/``format_map`` refused outright (``"{0.__class__}".format(x)`` tricks);
- globals that serve no email and widen the surface (``cycler``, ``joiner``, ``lipsum``,
  ``namespace``, ``dict``) removed, and the ``attr`` filter removed;
- every part's output capped while it streams.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, NoReturn

from jinja2 import BaseLoader, BytecodeCache, ChainableUndefined, Template
from jinja2.bccache import Bucket
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_REPEAT = 100_000  # longest string or list ``*`` may build
MAX_EXPONENT = 1_000
MAX_POWER_BITS = 10_000
MAX_RANGE = 10_000
MAX_WIDTH = 200  # padding widths (center, indent, format specs)
MAX_STRING = 1_000_000  # longest string a filter may build, and longest rendered part
WORK_BUDGET = 200_000  # loop iterations plus calls per rendered part

# Methods that multiply their receiver, or reach attributes through a format string.
_REFUSED_STR_METHODS = frozenset(
    {
        "format",
        "format_map",
        "ljust",
        "rjust",
        "center",
        "zfill",
        "expandtabs",
        "replace",
        "join",
        "translate",
    }
)
_PERCENT_SPEC = re.compile(r"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_LOOP_LINE = re.compile(r"^( *)for .* in .*:$")

_budget: ContextVar[list[int] | None] = ContextVar("template_budget", default=None)


class RenderBudget:
    """Spend at most ``WORK_BUDGET`` units in the ``with`` block (one render of one part)."""

    def __enter__(self) -> None:
        self._token = _budget.set([WORK_BUDGET])

    def __exit__(self, *_: object) -> None:
        _budget.reset(self._token)


def _spend() -> None:
    remaining = _budget.get()
    if remaining is None:
        return
    remaining[0] -= 1
    if remaining[0] < 0:
        raise SecurityError(f"the template does more than {WORK_BUDGET} loop iterations and calls")


def _check_percent_format(source: str) -> None:
    for match in _PERCENT_SPEC.finditer(source):
        for group in match.groups():
            if group == "*" or (group is not None and int(group) > MAX_WIDTH):
                raise SecurityError(f"format widths above {MAX_WIDTH} are not allowed")


def _refuse(message: str) -> NoReturn:
    raise SecurityError(message)


def _width(value: Any) -> None:
    if (isinstance(value, int) and value > MAX_WIDTH) or (isinstance(value, str) and len(value) > MAX_WIDTH):
        _refuse(f"widths above {MAX_WIDTH} are not allowed")


def _capped(text: str) -> str:
    if len(text) > MAX_STRING:
        _refuse(f"results longer than {MAX_STRING} characters are not allowed")
    return text


def _result_limit(size: int) -> None:
    if size > MAX_STRING:
        _refuse(f"results longer than {MAX_STRING} characters are not allowed")


def _guard_center(center: Callable[..., Any]) -> Callable[..., Any]:
    def safe_center(value: Any, width: int = 80) -> Any:
        _width(width)
        return center(value, width)

    return safe_center


def _guard_indent(indent: Callable[..., Any]) -> Callable[..., Any]:
    def safe_indent(value: Any, width: int | str = 4, *args: Any, **kwargs: Any) -> Any:
        _width(width)
        return _capped(indent(value, width, *args, **kwargs))

    return safe_indent


def _guard_format(fmt: Callable[..., Any]) -> Callable[..., Any]:
    def safe_format(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_percent_format(str(value))
        return _capped(fmt(value, *args, **kwargs))

    return safe_format


def _guard_replace(replace: Callable[..., Any]) -> Callable[..., Any]:
    def safe_replace(eval_ctx: Any, value: Any, old: Any, new: Any, count: int | None = None) -> Any:
        text, old_text = str(value), str(old)
        occurrences = text.count(old_text) if old_text else len(text) + 1
        _result_limit(len(text) + occurrences * len(str(new)))
        return replace(eval_ctx, value, old, new, count)

    return safe_replace


def _guard_join(join: Callable[..., Any]) -> Callable[..., Any]:
    def safe_join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> Any:
        items = list(value)
        _result_limit(len(str(d)) * len(items))
        return _capped(join(eval_ctx, items, d, attribute))

    return safe_join


def _guard_count(function: Callable[..., Any]) -> Callable[..., Any]:
    """``batch`` and ``slice``: a huge count with a fill value builds a huge list."""

    def safe(value: Any, count: int, fill_with: Any = None) -> Any:
        if isinstance(count, int) and count > 1000:
            _refuse("batch and slice counts above 1000 are not allowed")
        return function(value, count, fill_with)

    return safe


def _guard_tojson(tojson: Callable[..., Any]) -> Callable[..., Any]:
    def safe_tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
        if indent is not None and indent > 8:
            _refuse("tojson indents above 8 are not allowed")
        return tojson(eval_ctx, value, indent)

    return safe_tojson


def _guard_wordwrap(wordwrap: Callable[..., Any]) -> Callable[..., Any]:
    def safe_wordwrap(environment: Any, s: str, width: int = 79, *args: Any, **kwargs: Any) -> Any:
        wrapstring = kwargs.get("wrapstring") or (args[1] if len(args) > 1 else None) or ""
        if width < 1 or len(str(wrapstring)) > 10:
            _refuse("wordwrap needs a width of at least 1 and a wrapstring of at most 10 characters")
        return wordwrap(environment, s, width, *args, **kwargs)

    return safe_wordwrap


_FILTER_GUARDS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "center": _guard_center,
    "indent": _guard_indent,
    "format": _guard_format,
    "replace": _guard_replace,
    "join": _guard_join,
    "batch": _guard_count,
    "slice": _guard_count,
    "tojson": _guard_tojson,
    "wordwrap": _guard_wordwrap,
}


def _guard_filters(filters: dict[str, Callable[..., Any]]) -> None:
    """Wrap the stock filters that can multiply their input; drop ``attr``."""
    for name, guard in _FILTER_GUARDS.items():
        original = filters[name]
        guarded = guard(original)
        if hasattr(original, "jinja_pass_arg"):  # keep pass_eval_context / pass_environment
            guarded.jinja_pass_arg = original.jinja_pass_arg  # type: ignore[attr-defined]
        filters[name] = guarded
    del filters["attr"]


def _safe_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        _refuse(f"ranges longer than {MAX_RANGE} are not allowed")
    return iter(numbers)


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in process, keyed by name and the source's checksum.

    A changed source has another checksum, so a re-uploaded layout compiles afresh while an
    unchanged one is never compiled twice in a warm Lambda.
    """

    def __init__(self, capacity: int = 512) -> None:
        self._code: dict[str, bytes] = {}
        self._capacity = capacity

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(f"{bucket.key}:{bucket.checksum}")
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        if len(self._code) >= self._capacity:
            self._code.pop(next(iter(self._code)))
        self._code[f"{bucket.key}:{bucket.checksum}"] = bucket.bytecode_to_string()


def _finalize(value: Any) -> Any:
    return "" if value is None else value


class Sandbox(ImmutableSandboxedEnvironment):
    """The environment of one template part (html autoescaped; subject and text not)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *, autoescape: bool, loader: BaseLoader | None = None, **kwargs: Any) -> None:
        super().__init__(
            autoescape=autoescape,
            undefined=ChainableUndefined,
            finalize=_finalize,
            loader=loader,
            auto_reload=True,
            **kwargs,
        )
        for name in ("cycler", "joiner", "lipsum", "namespace", "dict"):
            self.globals.pop(name, None)
        self.globals["range"] = _safe_range
        self.filters = dict(self.filters)
        _guard_filters(self.filters)

    def _compile(self, source: str, filename: str) -> Any:
        # Each generated loop spends from the render budget on every iteration.
        lines = []
        for line in source.splitlines():
            lines.append(line)
            match = _LOOP_LINE.match(line)
            if match:
                lines.append(f"{match.group(1)}    environment.spend()")
        return super()._compile("\n".join(lines), filename)

    @staticmethod
    def spend() -> None:
        _spend()

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _REFUSED_STR_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        # The stock sandbox answers an undefined value, which a lenient undefined renders as "":
        # an attempt to escape the sandbox must fail loudly instead.
        raise SecurityError(f"access to attribute '{attribute}' of a {type(obj).__name__} is not allowed")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend()
        for value in (*args, *kwargs.values()):
            if isinstance(value, str) and len(value) > MAX_STRING:
                _refuse(f"arguments longer than {MAX_STRING} characters are not allowed")
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int):
            base_bits = left.bit_length() if isinstance(left, int) else 1
            if abs(right) > MAX_EXPONENT or base_bits * abs(right) > MAX_POWER_BITS:
                _refuse(
                    f"exponents above {MAX_EXPONENT}, or powers above 2**{MAX_POWER_BITS}, are not allowed"
                )
        if operator == "*":
            sizes = [len(v) for v in (left, right) if isinstance(v, str | list | tuple)]
            counts = [v for v in (left, right) if isinstance(v, int)]
            if sizes and counts and sizes[0] * counts[0] > MAX_REPEAT:
                _refuse(f"results longer than {MAX_REPEAT} are not allowed")
        if operator == "%" and isinstance(left, str):
            _check_percent_format(left)
        return super().call_binop(context, operator, left, right)


def render_capped(template: Template, context: dict[str, Any]) -> str:
    """Render within the work budget, refusing output beyond ``MAX_STRING`` as it streams."""
    pieces: list[str] = []
    size = 0
    with RenderBudget():
        for piece in template.generate(context):
            size += len(piece)
            if size > MAX_STRING:
                _refuse(f"a part longer than {MAX_STRING} characters is not allowed")
            pieces.append(piece)
    return "".join(pieces)
