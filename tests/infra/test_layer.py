"""The common layer, built offline from the wheelhouse into a private directory."""

from __future__ import annotations

import _imp
import ast
import subprocess
from pathlib import Path

import pytest

from scripts import build_layer


@pytest.fixture(scope="module")
def layer(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_layer.build_layer(wheels=wheelhouse, layer=tmp_path_factory.mktemp("build") / "layer")


def test_the_layer_ships_the_nurtureflow_package(layer: Path) -> None:
    assert (layer / "python" / "nurtureflow" / "__init__.py").is_file()
    assert (layer / "python" / "nurtureflow" / "api" / "routes.py").is_file()


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


def test_every_source_ships_with_bytecode_for_the_runtime_s_python_only(layer: Path) -> None:
    """An execution environment has its layers and "a writeable /tmp directory" ("Security Overview
    of AWS Lambda", Lambda isolation technologies); the layers in /opt are not written to, so a
    module without bytecode of the runtime's version is compiled at every cold start. The header is
    PEP 552's: CPython 3.12's magic number (3531, ``Lib/importlib/_bootstrap_external.py``), flags
    0b11 (checked hash) and the SipHash of the source keyed by that magic number, which is what
    CPython 3.12 checks before it uses the file."""
    magic = (3531).to_bytes(2, "little") + b"\r\n"
    sources = sorted(layer.rglob("*.py"))
    assert len(sources) > 1000  # the nurtureflow package and its third-party packages
    for source in sources:
        cached = source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc"
        header = cached.read_bytes()[:16]
        assert header[:4] == magic, cached
        assert int.from_bytes(header[4:8], "little") == 0b11, cached
        assert header[8:16] == _imp.source_hash(int.from_bytes(magic, "little"), source.read_bytes())
    assert {p.name.split(".")[1] for p in layer.rglob("*.pyc")} == {"cpython-312"}


def test_cpython_3_12_imports_the_layer_s_modules_from_their_bytecode(layer: Path) -> None:
    """The layer's own CPython 3.12 (for WebAssembly, the build's compiler) imports pure-Python
    modules from the layer read-only, and compiles none of them from source."""
    script = """
import { loadPyodide } from "pyodide";
const py = await loadPyodide();
py.FS.mkdirTree("/opt/python");
py.FS.mount(py.FS.filesystems.NODEFS, { root: process.argv[1] }, "/opt/python");
console.log(py.runPython(`
import sys, _frozen_importlib_external as external
sys.path.insert(0, "/opt/python"); sys.dont_write_bytecode = True
compiled, original = [], external.SourceLoader.source_to_code
def source_to_code(self, data, path, **kwargs):
    compiled.append(path)
    return original(self, data, path, **kwargs)
external.SourceLoader.source_to_code = source_to_code
import jinja2.sandbox, isodate, nurtureflow.built_once
from_layer = sorted(m.__name__ for m in list(sys.modules.values())
                    if (getattr(m, "__file__", None) or "").startswith("/opt/python/"))
repr((from_layer, compiled))
`));
"""
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script, str(layer / "python")],  # noqa: S607 - as cdk's
        cwd=build_layer.ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    from_layer, compiled = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    assert {"jinja2.sandbox", "markupsafe", "isodate", "nurtureflow.built_once"} <= set(from_layer)
    assert compiled == []


def test_a_missing_wheelhouse_fails_with_the_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(build_layer.WheelhouseMissingError, match="make wheels"):
        build_layer.build_layer(wheels=tmp_path / "wheels", layer=tmp_path / "layer")


def test_the_layer_and_the_largest_function_fit_lambda_s_unzipped_quota(layer: Path) -> None:
    """ "Deployment package (.zip file archive) size: 250 MB (unzipped), the size of the function's
    code and all its layers" ("Lambda quotas", AWS Lambda Developer Guide). Bytecode adds to it."""

    def size(folder: Path) -> int:
        return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())

    functions = [path for path in (build_layer.ROOT / "functions").iterdir() if path.is_dir()]
    largest = max(size(folder) for folder in functions)
    assert size(layer) + largest < 250 * 1024 * 1024


def test_a_source_cpython_3_12_refuses_is_reported_and_gets_no_bytecode(tmp_path: Path) -> None:
    # PEP 695's generics: 3.12's syntax, which the build's 3.11 would refuse.
    (tmp_path / "good.py").write_text("def f[T](x: T) -> T:\n    return x\n")
    (tmp_path / "bad.py").write_text("def broken(:\n")
    summary = build_layer.compile_bytecode(tmp_path)
    assert str(summary["python"]).startswith("3.12.")
    assert summary["compiled"] == 1
    assert [entry["path"] for entry in summary["failed"]] == ["bad.py"]  # type: ignore[attr-defined]
    assert sorted(p.name for p in (tmp_path / "__pycache__").iterdir()) == ["good.cpython-312.pyc"]


def test_without_npm_s_pyodide_the_build_says_which_command_installs_it(tmp_path: Path) -> None:
    compiler = tmp_path / "compile_layer.mjs"  # where no node_modules holds pyodide
    compiler.write_text(build_layer.COMPILER.read_text())
    with pytest.raises(build_layer.BytecodeError, match="make install"):
        build_layer.compile_bytecode(tmp_path, compiler=compiler)
