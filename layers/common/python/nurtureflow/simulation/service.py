"""``POST /admin/workflows/{id}/simulate`` and its jobs: the forecast of a stored workflow.

A small forecast is answered at once (200). One too large for API Gateway's 29 seconds becomes a
job (202): the forecast function runs it, with Lambda's 15 minutes, and ``GET
/admin/simulations/{id}`` tells its progress, then the same forecast JSON as the 200 would have.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from nurtureflow.clock import Clock
from nurtureflow.simulation.forecast import SimulationRequest, default_start, simulate
from nurtureflow.store.forecast_jobs import FAILED, RUNNING, ForecastJobs
from nurtureflow.workflow.errors import WorkflowInvalidError, WorkflowNotFoundError

# The most the API forecasts, as a job: about ten minutes of the forecast function's fifteen.
API_MAX_CONTACTS = 100_000
# Up to this many contacts a forecast is tried at once; more always go to a job.
SYNC_MAX_CONTACTS = 2_000
# What a forecast answered at once may take: API Gateway ends the request at 29 s with a 504 that
# says nothing, and the function's start and answer need the rest. Past it the forecast goes to a job.
API_TIME_BUDGET_SECONDS = 25.0
# A job's forecast stops this long before the function's 15 minutes end, to record why.
JOB_MARGIN_MS = 20_000
# A job still "running" this long after it started was ended by Lambda (time or memory).
JOB_LIFETIME = timedelta(minutes=16)
JOBS_KEPT = timedelta(days=7)
# Progress is written at most this often (seconds of work): each write is a DynamoDB write.
PROGRESS_EVERY_SECONDS = 2.0

StartJob = Callable[[str], None]  # asks the forecast function to run a job, without waiting


class SimulationRefusedError(Exception):
    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.status = field, status


class _OutOfTime(Exception):
    pass


def _request(body: Any) -> SimulationRequest:
    if not isinstance(body, dict):
        raise SimulationRefusedError("body", "the body is a JSON object of simulation settings")
    try:
        request = SimulationRequest.model_validate(body)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        raise SimulationRefusedError(".".join(str(p) for p in first["loc"]) or "body", first["msg"]) from None
    if request.contacts > API_MAX_CONTACTS:
        raise SimulationRefusedError(
            "contacts",
            f"the API simulates at most {API_MAX_CONTACTS:,} contacts; "
            "`nurtureflow simulate` on the command line goes further",
        )
    return request


class Forecasts:
    """Forecasts of stored workflows: at once, or as jobs kept in ``jobs``."""

    def __init__(
        self,
        workflows: Any,
        templates: Any,
        scoring_rules: Any,
        jobs: ForecastJobs | None,
        start_job: StartJob | None,
        clock: Clock,
    ) -> None:
        """``workflows``, ``templates`` and ``scoring_rules`` are the stores' repositories; ``jobs``
        and ``start_job`` may be None where no job is started (the forecast function itself)."""
        self._workflows, self._templates, self._scoring = workflows, templates, scoring_rules
        self._jobs, self._start_job, self._clock = jobs, start_job, clock

    def ask(
        self,
        workflow_id: str,
        body: Any,
        respond_async: bool = False,
        budget_seconds: float = API_TIME_BUDGET_SECONDS,
    ) -> tuple[int, dict[str, Any]]:
        """The forecast (200) or the job that will make it (202). ``respond_async``: the caller asked
        for a job (``Prefer: respond-async``). A forecast still running after ``budget_seconds`` is
        stopped and handed to a job."""
        request = _request(body)
        if request.start is None:  # next Monday by the stack's clock (the local one moves when told)
            request = request.model_copy(update={"start": default_start(self._clock.now())})
        version, document = self._current(workflow_id)
        if respond_async or request.contacts > SYNC_MAX_CONTACTS:
            return 202, self._start(workflow_id, version, request)
        deadline = time.monotonic() + budget_seconds

        def in_time(_done: float) -> None:
            if time.monotonic() > deadline:
                raise _OutOfTime

        try:
            return 200, self._forecast(document, request, in_time)
        except _OutOfTime:
            return 202, self._start(workflow_id, version, request)

    def job(self, job_id: str) -> dict[str, Any] | None:
        """A job as ``GET /admin/simulations/{id}`` shows it; None when unknown."""
        job = self._jobs_store().get(job_id)
        if job is None:
            return None
        started = _parse(job["created_at"])
        if job["status"] == RUNNING and self._clock.now() - started > JOB_LIFETIME:
            # The function was ended without a word (its 15 minutes, or its memory).
            job = {**job, "status": FAILED, "error": _ENDED}
        job.pop("expires_at", None)
        return job

    def run_job(self, job_id: str, remaining_ms: Callable[[], int]) -> str:
        """Run a job's forecast (the forecast function); its final status. ``remaining_ms`` is the
        Lambda context's time left: the forecast stops in time to record that it could not end."""
        jobs = self._jobs_store()
        job = jobs.get(job_id)
        if job is None or job["status"] != RUNNING:
            return "gone" if job is None else str(job["status"])  # a repeated invocation: done already
        stored = self._workflows.version(job["workflow"], int(job["version"]))
        if stored is None:
            jobs.fail(job_id, "the workflow version was deleted before its forecast ran", self._stamp())
            return FAILED
        request = SimulationRequest.model_validate(job["settings"])
        last_write = time.monotonic()

        def report(done: float) -> None:
            nonlocal last_write
            if remaining_ms() < JOB_MARGIN_MS:
                raise _OutOfTime
            if done < 1 and time.monotonic() - last_write >= PROGRESS_EVERY_SECONDS:  # 1: the result
                last_write = time.monotonic()
                jobs.progress(job_id, done, self._stamp())

        try:
            result = self._forecast(stored["document"], request, report)
        except _OutOfTime:
            jobs.fail(job_id, _OUT_OF_TIME, self._stamp())
            return FAILED
        except SimulationRefusedError as refused:
            jobs.fail(job_id, f"{refused.field}: {refused}", self._stamp())
            return FAILED
        return jobs.succeed(job_id, result, self._stamp()) or str((jobs.get(job_id) or {}).get("status"))

    # -- the pieces ----------------------------------------------------------------------
    def _current(self, workflow_id: str) -> tuple[int, dict[str, Any]]:
        meta = self._workflows.meta(workflow_id)
        stored = None if meta is None else self._workflows.version(workflow_id, int(meta["version"]))
        if stored is None:
            raise WorkflowNotFoundError(workflow_id)
        return int(meta["version"]), stored["document"]

    def _forecast(
        self, document: dict[str, Any], request: SimulationRequest, progress: Callable[[float], None]
    ) -> dict[str, Any]:
        wanted = {s["template"] for s in document.get("steps", {}).values() if s.get("type") == "email"}
        found = {name: self._templates.get(name) for name in sorted(wanted)}
        scoring = None if self._scoring is None else self._scoring.get()
        try:
            stored_templates = {k: v for k, v in found.items() if v is not None}
            return simulate(document, stored_templates, request, progress=progress, scoring=scoring)
        except WorkflowInvalidError as invalid:  # a template deleted since the upload, say
            issue = invalid.issues[0]
            raise SimulationRefusedError(issue.pointer, issue.message) from None

    def _start(self, workflow_id: str, version: int, request: SimulationRequest) -> dict[str, Any]:
        """Store a job and hand it to the forecast function; what the 202 answers."""
        if self._start_job is None:
            raise RuntimeError("this function does not start forecast jobs")
        now = self._clock.now()
        # The seed is fixed now (the start is already), so the job forecasts exactly what was asked.
        pinned = request.model_copy(
            update={"seed": request.seed if request.seed is not None else secrets.randbelow(2**31)}
        )
        job_id = f"f_{secrets.token_hex(12)}"
        job: dict[str, Any] = {
            "id": job_id,
            "workflow": workflow_id,
            "version": version,
            "settings": pinned.model_dump(mode="json"),
            "created_at": _iso(now),
            "expires_at": int((now + JOBS_KEPT).timestamp()),
        }
        jobs = self._jobs_store()
        stored = jobs.create(job)
        try:
            self._start_job(job_id)
        except Exception:
            jobs.fail(job_id, "the forecast function could not be started", self._stamp())
            raise
        return {k: v for k, v in stored.items() if k != "expires_at"}

    def _jobs_store(self) -> ForecastJobs:
        if self._jobs is None:
            raise RuntimeError("no forecast jobs table configured")
        return self._jobs

    def _stamp(self) -> str:
        return _iso(self._clock.now())


_ENDED = (
    "the forecast function ended before the forecast did (Lambda's 15 minutes or its memory): ask for "
    "fewer contacts or days, or run `nurtureflow simulate` on the command line"
)
_OUT_OF_TIME = (
    "the forecast needs more than the forecast function's 15 minutes: ask for fewer contacts or days, "
    "or run `nurtureflow simulate` on the command line, which has no such limit"
)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
