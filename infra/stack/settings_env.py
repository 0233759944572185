"""Environment variables derived from the settings models, so the stack and the code never disagree.

A renamed or removed settings field fails the synth instead of silently falling back to a default
at run time.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import aws_lambda as lambda_
from pydantic import BaseModel

from nurtureflow.settings import env_names


def env_name(part: type[BaseModel], field: str) -> str:
    """The variable that sets ``part.field``, e.g. ``NURTUREFLOW_CONTACTS_TABLE``."""
    if field not in part.model_fields:
        raise ValueError(f"{part.__name__} has no field {field!r}")
    return env_names(part)[field]


def set_env(function: lambda_.Function, part: type[BaseModel], **values: str) -> None:
    """Give ``function`` the settings of ``part`` it reads (values are strings or CDK tokens)."""
    for field, value in values.items():
        function.add_environment(env_name(part, field), value)


def as_json(value: Any) -> str:
    """How a settings part reads a dict or list field from one variable (``nurtureflow.settings``)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def default_of(part: type[BaseModel], field: str) -> Any:
    """A field's default, for values the stack must share with the code (e.g. the name prefix)."""
    return part.model_fields[field].get_default(call_default_factory=True)
