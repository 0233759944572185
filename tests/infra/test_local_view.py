"""The local stack runs each function by the synthesized template, never by a list kept by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from nurtureflow.local.deployed.view import VIEW_FILE, dump_view, load_view
from scripts.local_view import synthesized_view


def test_the_local_stacks_view_is_the_synthesized_templates(
    wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    fresh = synthesized_view(str(tmp_path_factory.mktemp("local-view")))
    assert dump_view(fresh) == dump_view(load_view()), (
        f"{VIEW_FILE.name} is stale: run `make synth` (scripts/local_view.py) and commit it"
    )


def test_the_view_holds_every_function_with_its_role_and_every_state_machine_role() -> None:
    view = load_view()
    assert set(view["functions"]) == {"trigger", "step", "send", "track", "admin", "broadcast", "forecast"}
    for function in view["functions"].values():
        assert view["roles"][function["role"]]["statements"], "a function role with no policy"
    for machine in view["state_machines"].values():
        assert machine["role"] in view["roles"]
