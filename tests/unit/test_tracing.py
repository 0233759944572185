"""The X-Ray SDK loads only when asked for: Lambda's active tracing needs none, and its import is
about 100 ms of every cold start (docs/architecture.md, "Cold starts")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nurtureflow.tracing import traced

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common" / "python"


def _answer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"echo": event}


def test_without_the_setting_a_handler_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NURTUREFLOW_XRAY_SDK", raising=False)
    assert traced(_answer) is _answer


def test_with_the_setting_the_handler_is_wrapped_by_powertools_tracer_and_still_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NURTUREFLOW_XRAY_SDK", "true")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")  # no X-Ray daemon here
    wrapped = traced(_answer)
    assert wrapped is not _answer
    assert wrapped({"a": 1}, None) == {"echo": {"a": 1}}


@pytest.mark.parametrize("function", sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py")))
def test_no_handler_imports_the_xray_sdk_by_default(function: str) -> None:
    """Each handler imported as Lambda imports it (its directory on the path, the layer beside)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(LAYER),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    probe = "import sys, json, handler; print(json.dumps(sorted(m for m in sys.modules if 'xray' in m)))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT / "functions" / function,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
