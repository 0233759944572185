"""Forecast jobs: a forecast too large for the API's 29 seconds, run with Lambda's 15 minutes.

The admin function stores the job and invokes this one asynchronously with ``{"job": id}``; the job's
progress and its forecast (or why it failed) are written back to the job for ``GET
/admin/simulations/{id}``. Lambda does not retry it (the stack sets no retries): a forecast that
failed once fails the same way again.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.tracing import traced

logger = Logger()


@logger.inject_lambda_context
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id = str(event.get("job", ""))
    status = wiring.forecasts().run_job(job_id, context.get_remaining_time_in_millis)
    logger.info("forecast job ended", extra={"job": job_id, "status": status})
    return {"job": job_id, "status": status}
