"""Write ``nurtureflow/local/deployed/deployed.json``: the synthesized stack as the local stack runs it.

``make synth`` runs this; ``tests/infra/test_local_view.py`` fails when the file is stale.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT / "layers" / "common" / "python", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from nurtureflow.local.deployed.view import LOCAL_CONTEXT, VIEW_FILE, dump_view, extract_view  # noqa: E402
from nurtureflow.local.lambdas import FUNCTIONS  # noqa: E402


def synthesized_view(outdir: str) -> dict[str, Any]:
    """The view of the stack synthesized with the local stack's context (cdk-nag on)."""
    from aws_cdk import Stack

    from infra.app import build_app

    app, stack = build_app(outdir=outdir, context=LOCAL_CONTEXT)
    assembly = app.synth()
    template = json.loads(Path(assembly.get_stack_by_name(stack.stack_name).template_full_path).read_text())
    folders = {
        Stack.of(stack).get_logical_id(getattr(stack.functions, name).node.default_child): name
        for name in FUNCTIONS
    }
    return extract_view(template, folders)


def main() -> None:
    with tempfile.TemporaryDirectory() as outdir:
        VIEW_FILE.write_text(dump_view(synthesized_view(outdir)), encoding="utf-8")
    print(f"wrote {VIEW_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
