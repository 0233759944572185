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


# pytest-xdist's workers (``-n``, ``--dist loadgroup``) take whole groups: a module's tests run in
# order on one worker (many share a module's local stack and build on each other's steps), and the
# tests sharing what is global to a process share a worker: moto's backends (the integration
# suite's session-wide local stack; a ``mock_aws`` starting beside it resets its tables) and the
# CDK app synthesised once per session. Marked as each item is collected: xdist reads the groups in
# its own ``pytest_collection_modifyitems``.
_WORKER_GROUPS = {"integration": "moto", "differential": "moto", "local_moto": "moto", "infra": "cdk"}


def pytest_itemcollected(item: pytest.Item) -> None:
    parts = item.path.relative_to(ROOT).parts
    group = next((g for folder, g in _WORKER_GROUPS.items() if folder in parts), "/".join(parts))
    item.add_marker(pytest.mark.xdist_group(group))
