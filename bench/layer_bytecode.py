"""Each handler's import as a Lambda cold start makes it: the layer without bytecode, and as shipped.

``python -m bench.layer_bytecode [--imports R]``. Lambda's ``/opt`` is read-only, so the layer's
modules load from the bytecode the layer ships or are compiled at every cold start; the runtime's own
standard library and boto3 come compiled. ``bench.ingest``'s cold-start part runs with this
machine's warm ``__pycache__`` everywhere, which no Lambda has. Here every interpreter runs with
``-B`` (nothing written) and ``-X pycache_prefix`` pointing at one of two prepared caches:

* the runtime's: bytecode for the standard library and for what ``import boto3`` loads, nothing else;
* as shipped: the runtime's plus checked-hash bytecode for the layer's modules, which is what
  ``scripts/build_layer.py`` ships (for CPython 3.12; here for this interpreter, in the same mode).

The functions' own ``handler.py`` has no bytecode in either (their assets exclude it). In turn,
``--imports`` times (11): ``import boto3``, the handler without the layer's bytecode, the handler as
shipped; the medians of the ratios taken within each turn.
"""

from __future__ import annotations

import argparse
import py_compile
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import median_high

from bench.ingest import ROOT, import_environment, importer

FUNCTIONS = ROOT / "functions"


@dataclass(frozen=True)
class Caches:
    """Two ``pycache_prefix`` directories: the runtime's bytecode alone, and with the layer's."""

    runtime: Path
    shipped: Path


def _cached_sources(prefix: Path) -> Iterator[tuple[Path, Path]]:
    """(bytecode, its source) for every file under a ``pycache_prefix`` directory, which mirrors
    the sources' absolute paths without ``__pycache__``."""
    for cached in prefix.rglob("*.pyc"):
        folder = Path("/") / cached.parent.relative_to(prefix)
        yield cached, folder / f"{cached.name.split('.')[0]}.py"


def _site_packages() -> list[Path]:
    paths = sysconfig.get_paths()
    return [Path(paths[key]) for key in ("purelib", "platlib")]


def _top_level(source: Path) -> Path | None:
    """The installed package (or single module) a source belongs to, if it is an installed one."""
    for folder in _site_packages():
        if source.is_relative_to(folder):
            return folder / source.relative_to(folder).parts[0]
    return None


def _in_standard_library(source: Path) -> bool:
    # In a virtual environment "platstdlib" is the environment's lib/pythonX.Y, site-packages included.
    paths = sysconfig.get_paths()
    return _top_level(source) is None and any(
        source.is_relative_to(paths[key]) for key in ("stdlib", "platstdlib")
    )


def _record(prefix: Path, module: str, cwd: Path) -> None:
    subprocess.run(  # noqa: S603 - our interpreter, our fixed snippet
        [sys.executable, "-X", f"pycache_prefix={prefix}", "-c", f"import {module}"],
        cwd=cwd,
        env=import_environment(),
        check=True,
        capture_output=True,
    )


def prepare_caches(workdir: Path, functions: list[Path]) -> Caches:
    """Import boto3 and each handler once into fresh caches, then sort their bytecode."""
    runtime_only, everything = workdir / "boto3", workdir / "all"
    _record(runtime_only, "boto3", ROOT)
    for function in functions:
        _record(everything, "handler", function)
    # The packages boto3 loads (botocore, s3transfer, urllib3...), the runtime's, whole.
    runtime = {_top_level(source) for _, source in _cached_sources(runtime_only)} - {None}
    caches = Caches(runtime=workdir / "runtime", shipped=workdir / "shipped")
    for cached, source in _cached_sources(everything):
        relative = cached.relative_to(everything)
        if _top_level(source) in runtime or _in_standard_library(source):
            for prefix in (caches.runtime, caches.shipped):
                (prefix / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(cached, prefix / relative)
        elif not source.is_relative_to(FUNCTIONS):
            # The layer's module, compiled as the layer ships it: checked against its source's hash.
            py_compile.compile(
                str(source),
                cfile=str(caches.shipped / relative),
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
            )
    return caches


def compiled_from_source(prefix: Path, cwd: Path) -> list[Path]:
    """The modules ``import handler`` compiles from source, read-only with the cache ``prefix``."""
    out = subprocess.run(  # noqa: S603 - our interpreter, our fixed snippet
        [sys.executable, "-B", "-v", "-X", f"pycache_prefix={prefix}", "-c", "import handler"],
        cwd=cwd,
        env=import_environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    marker = "# code object from "
    return [
        Path(line[len(marker) :])
        for line in out.stderr.splitlines()
        if line.startswith(marker) and line.endswith(".py")
    ]


def paired_turns(caches: Caches, cwd: Path, turns: int) -> tuple[float, float, float, float, float]:
    """boto3, the handler without the layer's bytecode and as shipped, in turn: their best times,
    and the medians of the without/boto3 and shipped/boto3 ratios."""
    boto3 = importer("boto3", ROOT, "-B", "-X", f"pycache_prefix={caches.runtime}")
    without = importer("handler", cwd, "-B", "-X", f"pycache_prefix={caches.runtime}")
    shipped = importer("handler", cwd, "-B", "-X", f"pycache_prefix={caches.shipped}")
    rows = [(boto3(), without(), shipped()) for _ in range(turns)]
    return (
        min(b for b, _, _ in rows),
        min(w for _, w, _ in rows),
        min(s for _, _, s in rows),
        median_high([w / b for b, w, _ in rows]),
        median_high([s / b for b, _, s in rows]),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--imports", type=int, default=11, help="turns of fresh interpreters per handler")
    args = parser.parse_args(argv)
    functions = sorted(path.parent for path in FUNCTIONS.glob("*/handler.py"))
    print(f"cold-start import as in Lambda: read-only, {args.imports} turns of fresh interpreters")
    print(f"{'':33s}{'boto3':>8s} {'no layer bytecode':>22s} {'as shipped':>20s}")
    with tempfile.TemporaryDirectory(prefix="nurtureflow-bytecode-") as workdir:
        caches = prepare_caches(Path(workdir), functions)
        for function in functions:
            boto3, without, shipped, to_without, to_shipped = paired_turns(caches, function, args.imports)
            name = f"functions/{function.name}/handler.py"
            print(
                f"{name:33s}{boto3 * 1000:6.1f} ms  {without * 1000:7.1f} ms {to_without:5.2f}x"
                f"  {shipped * 1000:7.1f} ms {to_shipped:5.2f}x"
            )


if __name__ == "__main__":
    main()
