"""Shared fixtures: the contract's example workflow, and no network for unit tests."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT.parent / "shared" / "contract" / "workflow-language.md"


def _contract_example() -> dict[str, Any]:
    if CONTRACT.exists():
        text = CONTRACT.read_text()
        return json.loads(text.split("```json", 1)[1].split("```", 1)[0])  # type: ignore[no-any-return]
    return json.loads((ROOT / "catalog" / "cart-recovery" / "workflow.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def cart_recovery() -> dict[str, Any]:
    """The contract's complete example (a fresh copy each time, so tests may mutate it)."""
    return copy.deepcopy(_contract_example())


@pytest.fixture(autouse=True)
def _no_network_in_unit_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests cannot reach the network: loopback is allowed, nothing else."""
    if "tests/unit" not in str(request.path):
        return
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "localhost", "::1") and not str(host).startswith("/"):
            raise RuntimeError(f"unit tests may not reach the network ({host})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
