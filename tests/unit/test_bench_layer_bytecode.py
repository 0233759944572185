"""The Lambda-like cold start of ``python -m bench.layer_bytecode``: read-only imports in which only
the runtime's modules, or the runtime's and the layer's, have bytecode."""

from __future__ import annotations

from pathlib import Path

import boto3
import pydantic
import pytest

from bench.layer_bytecode import FUNCTIONS, ROOT, Caches, compiled_from_source, paired_turns, prepare_caches

STEP = FUNCTIONS / "step"


@pytest.fixture(scope="module")
def caches(tmp_path_factory: pytest.TempPathFactory) -> Caches:
    return prepare_caches(tmp_path_factory.mktemp("caches"), [STEP])


def test_without_the_layer_s_bytecode_only_the_layer_and_the_function_are_compiled(caches: Caches) -> None:
    compiled = compiled_from_source(caches.runtime, STEP)
    layer = ROOT / "layers" / "common" / "python" / "nurtureflow"
    assert STEP / "handler.py" in compiled
    assert layer / "wiring.py" in compiled
    assert Path(pydantic.__file__).parent / "main.py" in compiled  # a third-party package of the layer
    boto3_package = Path(boto3.__file__).parent
    for source in compiled:
        assert not source.is_relative_to(boto3_package), source  # the runtime's SDK comes compiled
        # the standard library comes compiled too
        assert source.is_relative_to(layer) or "site-packages" in source.parts or source.is_relative_to(STEP)


def test_as_shipped_only_the_function_s_own_handler_is_compiled(caches: Caches) -> None:
    assert compiled_from_source(caches.shipped, STEP) == [STEP / "handler.py"]


def test_one_turn_reports_each_import_and_its_ratio_to_boto3(caches: Caches) -> None:
    boto3_time, without, shipped, without_ratio, shipped_ratio = paired_turns(caches, STEP, 1)
    assert min(boto3_time, without, shipped) > 0  # no order: one turn on a loaded machine is noise
    assert without_ratio == without / boto3_time
    assert shipped_ratio == shipped / boto3_time
