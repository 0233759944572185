"""The common layer, built offline from the wheelhouse into a private directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import build_layer


@pytest.fixture(scope="module")
def layer(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_layer.build_layer(wheels=wheelhouse, layer=tmp_path_factory.mktemp("build") / "layer")


def test_the_layer_ships_the_nurtureflow_package(layer: Path) -> None:
    assert (layer / "python" / "nurtureflow" / "__init__.py").is_file()
    assert (layer / "python" / "nurtureflow" / "api" / "routes.py").is_file()
    assert not list((layer / "python" / "nurtureflow").rglob("__pycache__"))


def test_pydantic_core_is_the_linux_aarch64_build(layer: Path) -> None:
    binaries = [p.name for p in (layer / "python" / "pydantic_core").glob("*.so")]
    assert binaries
    assert all("aarch64" in name and "cpython-312" in name for name in binaries)


def test_the_layer_ships_jinja2_and_powertools_but_not_the_runtime_sdk(layer: Path) -> None:
    python = layer / "python"
    assert (python / "jinja2").is_dir()
    assert (python / "babel" / "locale-data" / "fr_FR.dat").is_file()  # the template filters' locales
    assert (python / "aws_lambda_powertools").is_dir()
    assert (python / "pydantic_settings").is_dir()
    assert not (python / "botocore").exists()
    assert not (python / "boto3").exists()


def test_no_bytecode_for_the_build_interpreter_is_shipped(layer: Path) -> None:
    assert not list(layer.rglob("*.pyc"))


def test_a_missing_wheelhouse_fails_with_the_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(build_layer.WheelhouseMissingError, match="make wheels"):
        build_layer.build_layer(wheels=tmp_path / "wheels", layer=tmp_path / "layer")
