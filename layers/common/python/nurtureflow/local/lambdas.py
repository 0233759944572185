"""The project's Lambda handlers, loaded from ``functions/<name>/handler.py`` and called in-process."""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

FUNCTIONS = ("trigger", "step", "send", "track", "admin", "broadcast")
Handler = Callable[[Any, Any], Any]


@dataclass
class LocalContext:
    """What Powertools reads from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


class FunctionError(Exception):
    """A handler raised: Step Functions sees the error type, as Lambda reports it."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class LocalLambdas:
    def __init__(self, functions_dir: Path, arn_prefix: str) -> None:
        self._arn_prefix = arn_prefix
        self._handlers: dict[str, Handler] = {
            name: _load(functions_dir / name / "handler.py", f"nurtureflow_fn_{name}").handler
            for name in FUNCTIONS
        }

    def replace(self, name: str, handler: Handler) -> Handler:
        """Serve ``name`` with ``handler`` (a test's fault-injecting wrapper); the one it replaced."""
        previous, self._handlers[name] = self._handlers[name], handler
        return previous

    def arn(self, name: str) -> str:
        return f"{self._arn_prefix}nurtureflow-{name}"

    def _name_of(self, function: str) -> str:
        short = function.rsplit(":", 1)[-1] if function.startswith("arn:") else function
        # Qualified ARNs (…:function:name:alias) keep the name one field earlier.
        if function.startswith("arn:") and function.count(":") == 7:
            short = function.split(":")[6]
        return short.removeprefix("nurtureflow-")

    def invoke(self, function: str, payload: Any) -> Any:
        """Run the function's handler on a JSON round trip of the payload, as Lambda would."""
        name = self._name_of(function)
        handler = self._handlers[name]
        context = LocalContext(function_name=f"nurtureflow-{name}", invoked_function_arn=self.arn(name))
        try:
            result = handler(json.loads(json.dumps(payload)), context)
        except Exception as error:
            raise FunctionError(type(error).__name__, str(error)) from error
        return json.loads(json.dumps(result, default=str))


def _load(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
