"""Checking definitions with the npm ``asl-validator`` (installed by ``make install``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"
_BATCH = 40  # definitions per run: one node start-up for many definitions


def asl_problems(definitions: list[dict[str, Any]]) -> str:
    """asl-validator's report for the definitions that fail it; empty when all pass."""
    assert VALIDATOR.exists(), "run `make install` for asl-validator"
    report = []
    for start in range(0, len(definitions), _BATCH):
        command = [str(VALIDATOR)]
        for definition in definitions[start : start + _BATCH]:
            command += ["--json-definition", json.dumps(definition)]
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
        if result.returncode != 0:
            report.append(result.stdout + result.stderr)
    return "\n".join(report)
