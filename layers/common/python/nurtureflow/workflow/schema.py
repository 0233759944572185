"""The workflow document's JSON Schema, generated from the models, for editors to check documents.

``python -m nurtureflow.workflow.schema`` prints it (``docs/workflow.schema.json`` is its copy).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from nurtureflow.workflow.models import Workflow

SCHEMA_ID = "https://nurtureflow.dev/schemas/workflow-v1.json"


@cache
def workflow_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``workflow/v1``, as the API validates it (minus graph checks)."""
    schema = Workflow.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "NurtureFlow workflow (workflow/v1)",
        "description": "One automated campaign. The API also checks what a schema cannot: every 'next' "
        "names a step, every step is reachable, templates exist, loops pause.",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def main() -> None:
    print(json.dumps(workflow_json_schema(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
