"""Fixtures of the CDK tests: the wheelhouse, and the stack synthesised once per session."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT / "layers" / "common" / "python", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk import App  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.app import build_app  # noqa: E402
from infra.stack import NurtureFlowStack  # noqa: E402
from scripts import build_layer  # noqa: E402

# What the tests deploy "from": never a real domain (ICANN keeps .internal for private use), and
# not one of the reserved example names the stack refuses (``config.is_reserved_domain``).
SENDER_DOMAIN = "nurtureflow.internal"
CONTEXT: dict[str, Any] = {"senderDomain": SENDER_DOMAIN}


def synth(outdir: str, **context: Any) -> NurtureFlowStack:
    """The stack as ``cdk synth -c senderDomain=… -c key=value…`` builds it (cdk.json, cdk-nag)."""
    return build_app(outdir=outdir, context={**CONTEXT, **context})[1]


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """``.build/wheels``, downloaded from PyPI once if missing (the only network use of these tests)."""
    if not any(build_layer.WHEELS.glob("*.whl")):
        build_layer.download_wheels()
    return build_layer.WHEELS


@pytest.fixture(scope="session")
def synthesised(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[App, NurtureFlowStack]:
    """The app as ``make synth`` builds it (cdk.json context, a sender domain, cdk-nag on), into a
    private cdk.out."""
    return build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")), context=CONTEXT)


@pytest.fixture(scope="session")
def stack(synthesised: tuple[App, NurtureFlowStack]) -> NurtureFlowStack:
    return synthesised[1]


@pytest.fixture(scope="session")
def template(stack: NurtureFlowStack) -> Template:
    # Synthesises the app, which also runs the cdk-nag plugin: a finding fails here already.
    return Template.from_stack(stack)


@pytest.fixture(scope="session")
def template_json(template: Template) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(json.dumps(template.to_json()))
    return value
