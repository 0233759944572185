"""cfn-lint on the synthesised template: no errors.

Warnings are allowed. The one the template raises today is W3005 (a DependsOn already implied by
a GetAtt): CDK adds an explicit DependsOn from each function to its role's default policy so the
policy exists before the function is invoked, which is intended.
"""

from __future__ import annotations

import json
from typing import Any

from cfnlint.api import lint  # type: ignore[import-untyped]

REGIONS = ["us-east-1", "eu-west-1"]


def test_the_template_has_no_cfn_lint_errors(template_json: dict[str, Any]) -> None:
    matches = lint(json.dumps(template_json), regions=REGIONS)
    errors = [
        f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})"
        for m in matches
        if m.rule.id.startswith("E")
    ]
    assert errors == []
