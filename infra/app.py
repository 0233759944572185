"""CDK entry point: ``npx cdk synth`` (cdk.json runs this) or ``python infra/app.py`` (writes cdk.out)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The stack is built from the application's own tables (routes, tables, settings): import them.
for _path in (ROOT / "layers" / "common" / "python", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from aws_cdk import App, Validations  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.stack import NurtureFlowStack, StackConfig  # noqa: E402
from infra.stack.config import ConfigError  # noqa: E402
from scripts.build_layer import WheelhouseMissingError  # noqa: E402

STACK_NAME = "NurtureFlow"


def cdk_json_context() -> dict[str, Any]:
    """The context of cdk.json, which only the CDK CLI would otherwise read."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
    return context


def build_app(
    outdir: str | None = None, context: dict[str, Any] | None = None
) -> tuple[App, NurtureFlowStack]:
    """The app with its one stack and cdk-nag's AwsSolutions checks (synthesis fails on a finding)."""
    # Context given by the CLI (cdk.json, -c) takes precedence over this default copy of cdk.json.
    app = App(outdir=outdir, context={**cdk_json_context(), **(context or {})})
    stack = NurtureFlowStack(
        app,
        STACK_NAME,
        config=StackConfig.from_context(app.node),
        description="NurtureFlow: marketing automation (workflows on Step Functions, email through SES)",
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


def main() -> None:
    # Under the CLI, CDK_OUTDIR says where to write; run directly, write to ./cdk.out like the CLI.
    outdir = None if os.environ.get("CDK_OUTDIR") else str(ROOT / "cdk.out")
    try:
        app, _ = build_app(outdir=outdir)
    except (WheelhouseMissingError, ConfigError) as error:
        sys.exit(f"error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
