"""The project's Lambda handlers, loaded from ``functions/<name>/handler.py`` and called in-process,
each as its function is deployed: with exactly the environment the template gives it (plus what
Lambda itself sets and the local endpoints), its own services, and its role's IAM policy checked on
every AWS call (``deployed/guard.py``)."""

from __future__ import annotations

import importlib.util
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from nurtureflow.built_once import function_scope
from nurtureflow.local.deployed.deployment import DeployedFunction, Deployment
from nurtureflow.local.deployed.guard import Principal, acting_as

FUNCTIONS = ("trigger", "step", "send", "track", "admin", "broadcast", "forecast")
Handler = Callable[[Any, Any], Any]
# What the host keeps for every function: a process needs these, and Lambda sets its own.
_HOST_VARIABLES = ("PATH", "HOME", "LANG", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


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
    timeout_seconds: int = 30
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        """Counts down from the invocation's start, as Lambda's does (the local run is not stopped
        when it reaches 0, but code that watches it hands over in time, as it must in AWS)."""
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


class FunctionError(Exception):
    """A handler raised: Step Functions sees the error type, as Lambda reports it."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class LocalLambdas:
    def __init__(
        self, functions_dir: Path, deployment: Deployment, local_environment: dict[str, str]
    ) -> None:
        """``local_environment``: what the local stack adds to every function (the endpoints of moto
        and the runtime, Lambda's own variables); the template's variables come on top of it."""
        self._deployment = deployment
        self._local = local_environment
        self._overrides: dict[str, dict[str, str]] = {name: {} for name in FUNCTIONS}
        self._handlers: dict[str, Handler] = {}
        for name in FUNCTIONS:
            with self.running_as(name):
                module = _load(functions_dir / name / "handler.py", f"nurtureflow_fn_{name}")
            self._handlers[name] = module.handler

    def replace(self, name: str, handler: Handler) -> Handler:
        """Serve ``name`` with ``handler`` (a test's fault-injecting wrapper); the one it replaced."""
        previous, self._handlers[name] = self._handlers[name], handler
        return previous

    def arn(self, name: str) -> str:
        return self._deployment.function(name).arn

    def environment(self, name: str) -> dict[str, str]:
        """The variables function ``name`` runs with locally."""
        function = self._deployment.function(name)
        host = {k: v for k, v in os.environ.items() if k in _HOST_VARIABLES}
        lambda_runtime = {
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        }
        return {**host, **self._local, **lambda_runtime, **function.environment, **self._overrides[name]}

    @contextmanager
    def configured(self, name: str, **variables: str) -> Iterator[None]:
        """Change function ``name``'s configuration for a while, as an operator would in the console."""
        saved = dict(self._overrides[name])
        self._overrides[name].update(variables)
        try:
            yield
        finally:
            self._overrides[name] = saved

    @contextmanager
    def running_as(self, name: str) -> Iterator[DeployedFunction]:
        """Inside: the process has function ``name``'s environment, services and identity."""
        function = self._deployment.function(name)
        saved = dict(os.environ)
        _become(self.environment(name))
        principal = Principal(function.role_arn, function.function_name, function.policy)
        try:
            with function_scope(name), acting_as(principal):
                yield function
        finally:
            _become(saved)

    def name_of(self, function: str) -> str:
        """The folder name of a function given by folder name, function name or (qualified) ARN."""
        if function in self._handlers:
            return function
        deployed = self._deployment.function_named(function)
        if deployed is None:
            raise KeyError(f"no function {function} in the deployed template")
        return deployed.name

    def known(self, function: str) -> bool:
        """Whether a function of this name, function name or ARN is deployed."""
        try:
            self.name_of(function)
        except KeyError:
            return False
        return True

    def invoke(self, function: str, payload: Any) -> Any:
        """Run the function's handler on a JSON round trip of the payload, as Lambda would."""
        name = self.name_of(function)
        with self.running_as(name) as deployed:
            context = LocalContext(
                function_name=deployed.function_name,
                memory_limit_in_mb=deployed.memory_mb,
                invoked_function_arn=deployed.arn,
                timeout_seconds=deployed.timeout_seconds,
            )
            try:
                result = self._handlers[name](json.loads(json.dumps(payload)), context)
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


def _become(environment: dict[str, str]) -> None:
    """Make ``os.environ`` exactly ``environment``, touching only what differs: each change of
    ``os.environ`` is a ``putenv`` or ``unsetenv`` call, and most variables stay the same."""
    current = os.environ
    for key in [k for k in current if k not in environment]:
        del current[key]
    for key, value in environment.items():
        if current.get(key) != value:
            current[key] = value
