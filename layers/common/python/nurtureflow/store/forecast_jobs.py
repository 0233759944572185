"""The forecasts table: one item per forecast job (``POST …/simulate`` too large to answer at once).

A job is created ``running`` by the admin function, moved forward by the forecast function (its
progress, then its result or its failure) and read back by ``GET /admin/simulations/{id}``. Each
change is conditional on the job still running, so a late progress write never hides a result.
Jobs expire after a week (DynamoDB's TTL on ``expires_at``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.store.items import to_dynamo, to_plain

JOB_ID = re.compile(r"f_[0-9a-f]{24}")
RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
# A forecast's JSON is a few KiB per step; DynamoDB's item limit is 400 KB (the rest is the job).
MAX_RESULT_BYTES = 350_000


class ForecastJobs:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def create(self, job: dict[str, Any]) -> dict[str, Any]:
        """Store a new running job: ``id``, ``workflow``, ``version``, ``settings``, ``created_at``,
        ``expires_at`` (epoch seconds); the job as ``get`` would read it back."""
        stored = {**job, "status": RUNNING, "progress": 0, "updated_at": job["created_at"]}
        self._table.put_item(
            Item=to_dynamo({**stored, "pk": job["id"]}), ConditionExpression="attribute_not_exists(pk)"
        )
        return stored

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job, with its result parsed; None for an unknown id (or one not shaped as ours)."""
        if not JOB_ID.fullmatch(job_id):
            return None
        item = self._table.get_item(Key={"pk": job_id}, ConsistentRead=True).get("Item")
        if item is None:
            return None
        job = to_plain(item)
        job.pop("pk", None)
        if "result" in job:
            job["result"] = json.loads(job["result"])
        return job  # type: ignore[no-any-return]

    def progress(self, job_id: str, share: float, at: str) -> bool:
        """Record the share done (0 to 1); False when the job is not running any more."""
        return self._change(job_id, {"progress": round(share, 4), "updated_at": at})

    def succeed(self, job_id: str, result: dict[str, Any], at: str) -> str | None:
        """Keep the forecast (as JSON text: it is read back whole, never queried); the status
        written (``failed`` for a forecast too large to keep), None when the job was not running."""
        text = json.dumps(result, separators=(",", ":"))
        if len(text.encode()) > MAX_RESULT_BYTES:
            too_large = f"the forecast is {len(text.encode()):,} bytes, more than a job keeps"
            return FAILED if self.fail(job_id, too_large, at) else None
        written = self._change(job_id, {"status": SUCCEEDED, "progress": 1, "result": text, "updated_at": at})
        return SUCCEEDED if written else None

    def fail(self, job_id: str, error: str, at: str) -> bool:
        return self._change(job_id, {"status": FAILED, "error": error[:2000], "updated_at": at})

    def _change(self, job_id: str, values: dict[str, Any]) -> bool:
        names = {f"#a{i}": name for i, name in enumerate(values)}
        try:
            self._table.update_item(
                Key={"pk": job_id},
                UpdateExpression="SET " + ", ".join(f"{n} = :{n[1:]}" for n in names),
                ConditionExpression="#s = :running",
                ExpressionAttributeNames={**names, "#s": "status"},
                ExpressionAttributeValues=to_dynamo(
                    {**{f":{n[1:]}": values[name] for n, name in names.items()}, ":running": RUNNING}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
