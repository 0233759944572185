"""Build the common Lambda layer (arm64, Python 3.12) without Docker.

Two modes:

* ``--download`` fills ``.build/wheels`` with ``pip download`` for the Lambda platform. It is the
  only step that needs the network (``make wheels``).
* the default mode builds ``.build/layer/python/`` offline from that wheelhouse: ``pip install
  --no-index`` of ``layers/common/requirements.txt`` for manylinux2014_aarch64 / cp312, then a fresh
  copy of the ``nurtureflow`` package. The CDK app calls :func:`build_layer` at synth time.

Only wheels are accepted (``--only-binary=:all:``), so nothing is compiled for the build machine.
Every source of the layer is then compiled to bytecode for the runtime's CPython 3.12 by
``scripts/compile_layer.mjs`` (CPython 3.12 for WebAssembly, from npm): Lambda's ``/opt`` is
read-only, so a layer without that bytecode is compiled from source at every cold start.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "layers" / "common" / "requirements.txt"
PACKAGE = ROOT / "layers" / "common" / "python" / "nurtureflow"
WHEELS = ROOT / ".build" / "wheels"
LAYER = ROOT / ".build" / "layer"

PLATFORM_ARGS = (
    "--platform",
    "manylinux2014_aarch64",
    "--implementation",
    "cp",
    "--python-version",
    "3.12",
    "--only-binary=:all:",
)
# The Lambda runtime ships boto3 with its matching botocore and s3transfer. aws-xray-sdk pulls
# botocore in; a layer copy would shadow the runtime's and break that pairing, so it is dropped.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
# The interpreter of infra/stack/layer.py's runtime: the bytecode shipped must be its own.
RUNTIME_PYTHON = "3.12"
COMPILER = ROOT / "scripts" / "compile_layer.mjs"


class WheelhouseMissingError(RuntimeError):
    """The offline build needs wheels that ``make wheels`` downloads."""


class BytecodeError(RuntimeError):
    """The layer's sources could not be compiled for the runtime's interpreter."""


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, cwd=ROOT)  # noqa: S603


def download_wheels(wheels: Path = WHEELS) -> None:
    """Fill the wheelhouse with every wheel the layer needs, for the Lambda platform (network)."""
    wheels.mkdir(parents=True, exist_ok=True)
    _pip(
        "download",
        "--disable-pip-version-check",
        "--dest",
        str(wheels),
        *PLATFORM_ARGS,
        "-r",
        str(REQUIREMENTS),
    )


def _digest(wheels: Path) -> str:
    """What the third-party part of the layer depends on: the requirements and the wheels."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    digest.update(" ".join(PLATFORM_ARGS + RUNTIME_PROVIDED).encode())
    digest.update(_compiler_identity())
    for wheel in sorted(wheels.glob("*.whl")):
        digest.update(wheel.name.encode())
    return digest.hexdigest()


def _compiler_identity() -> bytes:
    """The bytecode compiler: the script and the npm package's version (its CPython's)."""
    pyodide = ROOT / "node_modules" / "pyodide" / "package.json"
    version = json.loads(pyodide.read_text())["version"] if pyodide.exists() else "missing"
    return COMPILER.read_bytes() + version.encode()


def _package_digest() -> str:
    """What the layer's copy of ``nurtureflow`` depends on: its files, by path and content."""
    digest = hashlib.sha256(_compiler_identity())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _stamp(layer: Path, part: str = "") -> Path:
    # Beside the layer directory, so that it never becomes part of the asset (and of its hash).
    return layer.parent / f"{layer.name}{part}.stamp"


def compile_bytecode(target: Path, *subdirs: str, compiler: Path = COMPILER) -> dict[str, object]:
    """Compile every ``.py`` under ``target`` (or its ``subdirs``) for the runtime's CPython, in
    checked-hash mode (a zip's extraction does not keep the modification times a default ``.pyc``
    is checked against). Returns the compiler's summary; a source it refuses is listed there."""
    out = subprocess.run(  # noqa: S603 - our script, our paths
        ["node", str(compiler), str(target), *subdirs],  # noqa: S607 - Node from PATH, as for the CDK CLI
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        missing = "pyodide" in out.stderr and "ERR_MODULE_NOT_FOUND" in out.stderr
        hint = "run `make install` (npm's pyodide compiles the layer)" if missing else out.stderr.strip()
        raise BytecodeError(f"the layer's bytecode was not compiled: {hint}")
    summary: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    version = str(summary["python"])
    if not version.startswith(f"{RUNTIME_PYTHON}."):
        raise BytecodeError(f"the compiler is Python {version}, the Lambda runtime {RUNTIME_PYTHON}")
    return summary


def _install_dependencies(wheels: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    # --isolated: ignore user pip config (extra indexes, find-links) so only the wheelhouse counts;
    # --no-compile: .pyc files would be for the build interpreter and would change the asset hash.
    _pip(
        "install",
        "--isolated",
        "--disable-pip-version-check",
        "--quiet",
        "--no-index",
        "--find-links",
        str(wheels),
        *PLATFORM_ARGS,
        "--no-compile",
        "--target",
        str(target),
        "-r",
        str(REQUIREMENTS),
    )
    for name in RUNTIME_PROVIDED:
        shutil.rmtree(target / name, ignore_errors=True)
        for info in target.glob(f"{name}-*.dist-info"):
            shutil.rmtree(info)
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: useless in a layer
    # A third-party source that CPython 3.12 refuses (none today) is left as it is: importing it
    # would fail in Lambda too, so the summary is not an error.
    compile_bytecode(target)


def _copy_package(target: Path) -> None:
    destination = target / PACKAGE.name
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(PACKAGE, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    failed = compile_bytecode(target, PACKAGE.name)["failed"]
    if failed:
        raise BytecodeError(f"CPython {RUNTIME_PYTHON} cannot compile {failed}")


def build_layer(wheels: Path = WHEELS, layer: Path = LAYER) -> Path:
    """Build ``layer/python`` offline; reinstall third-party packages only when their inputs change.

    Returns the layer directory (the asset root). Raises WheelhouseMissingError without wheels.
    """
    if not any(wheels.glob("*.whl")):
        raise WheelhouseMissingError(
            f"No wheels in {wheels}: run `make wheels` (scripts/build_layer.py --download) once "
            "with network access, then synth again."
        )
    target = layer / "python"
    digest = _digest(wheels)
    stamp = _stamp(layer)
    if not target.exists() or not stamp.exists() or stamp.read_text() != digest:
        _install_dependencies(wheels, target)
        stamp.write_text(digest)
        _stamp(layer, ".package").unlink(missing_ok=True)
    package_stamp, package_digest = _stamp(layer, ".package"), _package_digest()
    copied = (target / PACKAGE.name).is_dir() and package_stamp.exists()
    if not copied or package_stamp.read_text() != package_digest:
        _copy_package(target)
        package_stamp.write_text(package_digest)
    return layer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--download", action="store_true", help="fill .build/wheels (needs network)")
    parser.add_argument("--force", action="store_true", help="reinstall even if nothing changed")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.download:
        download_wheels()
        print(f"wheels in {WHEELS.relative_to(ROOT)} ({time.perf_counter() - started:.1f} s)")
        return 0
    if args.force:
        _stamp(LAYER).unlink(missing_ok=True)
        _stamp(LAYER, ".package").unlink(missing_ok=True)
    try:
        layer = build_layer()
    except WheelhouseMissingError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"layer in {layer.relative_to(ROOT)} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
