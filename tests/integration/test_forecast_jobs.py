"""Forecast jobs: ``POST …/simulate`` answers 202 with a job when the forecast is too large for the
API's time, and ``GET /admin/simulations/{id}`` gives its progress, then the same JSON as a 200."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest

from nurtureflow import wiring
from nurtureflow.simulation import service
from nurtureflow.simulation.forecast import default_start
from nurtureflow.simulation.service import Forecasts
from nurtureflow.store.forecast_jobs import ForecastJobs
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness

WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-forecast-job",
    "name": "Forecast me later",
    "trigger": {"event": "signed_up"},
    "exit_when": [{"event": "order_completed"}],
    "start": "hello",
    "steps": {
        "hello": {"type": "email", "template": "it-forecast-job-hello", "next": "pause"},
        "pause": {"type": "wait", "for": "P1D", "next": "again"},
        "again": {"type": "email", "template": "it-forecast-job-hello", "next": "end"},
        "end": {"type": "exit"},
    },
}
TEMPLATE = {
    "subject": "Hi {{ contact.first_name }}",
    "html": '<p><a href="https://shop.example/">Shop</a></p>',
}
SETTINGS = {"contacts": 200, "days": 3, "open_rate": 0.5, "click_rate": 0.2, "goal_rate": 0.1, "seed": 7}
SIMULATE = f"/admin/workflows/{WORKFLOW['id']}/simulate"
LATER = {"Prefer": "respond-async"}


@pytest.fixture(autouse=True)
def _stored(harness: Harness) -> None:
    assert harness.http("PUT", f"/admin/templates/{WORKFLOW['steps']['hello']['template']}", TEMPLATE,
                        token=MARKETER).status in (200, 201)  # fmt: skip
    assert harness.http("PUT", f"/admin/workflows/{WORKFLOW['id']}", WORKFLOW, token=MARKETER).status in (
        200,
        201,
    )


def _finished(harness: Harness, job_id: str, token: str = FINANCE) -> dict[str, Any]:
    """The job once it is not running: the local stack runs it right after the request that asked."""
    harness.stack.lambda_api.wait_idle(timeout=120)
    reply = harness.http("GET", f"/admin/simulations/{job_id}", token=token)
    assert reply.status == 200, reply.body
    job: dict[str, Any] = reply.json()
    assert job["status"] != "running", job
    return job


def test_a_job_answers_the_same_forecast_as_the_api_at_once(harness: Harness) -> None:
    at_once = harness.http("POST", SIMULATE, SETTINGS, token=FINANCE)
    assert at_once.status == 200
    started = harness.http("POST", SIMULATE, SETTINGS, token=FINANCE, headers=LATER)
    assert started.status == 202
    job = started.json()
    assert (job["status"], job["progress"], job["workflow"]) == ("running", 0, WORKFLOW["id"])
    assert job["settings"]["contacts"] == 200
    assert job["id"].startswith("f_")
    done = _finished(harness, job["id"])
    assert (done["status"], done["progress"]) == ("succeeded", 1)
    assert done["result"] == at_once.json()
    assert done["version"] == job["version"]


def test_more_contacts_than_the_api_answers_at_once_go_to_a_job_and_past_the_api_s_most_are_refused(
    harness: Harness,
) -> None:
    above = harness.http("POST", SIMULATE, {**SETTINGS, "contacts": service.SYNC_MAX_CONTACTS + 1},
                         token=MARKETER)  # fmt: skip
    assert above.status == 202
    assert above.json()["settings"]["contacts"] == service.SYNC_MAX_CONTACTS + 1
    too_many = harness.http("POST", SIMULATE, {"contacts": service.API_MAX_CONTACTS + 1}, token=MARKETER)
    assert too_many.status == 422
    assert too_many.json()["details"][0]["field"] == "contacts"
    _finished(harness, above.json()["id"])  # lets the job end before the next test


def test_a_forecast_that_outlasts_the_api_s_time_is_handed_to_a_job(harness: Harness) -> None:
    """API Gateway ends an integration after 29 seconds with a 504 and no word of why
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): a forecast still
    running after its budget is stopped and started again as a job, which ends where the API could
    not."""
    status, job = _forecasts().ask(WORKFLOW["id"], SETTINGS, budget_seconds=0.0)
    assert (status, job["status"]) == (202, "running")
    done = _finished(harness, job["id"])
    assert done["status"] == "succeeded"
    assert done["result"] == harness.http("POST", SIMULATE, SETTINGS, token=ADMIN).json()


def test_a_job_fixes_its_seed_and_start_when_it_is_asked(harness: Harness) -> None:
    started = harness.http("POST", SIMULATE, {"contacts": 50, "days": 2}, token=FINANCE, headers=LATER).json()
    assert isinstance(started["settings"]["seed"], int)
    assert started["settings"]["start"]
    done = _finished(harness, started["id"])
    assert done["result"]["seed"] == started["settings"]["seed"]
    assert done["result"]["start"].replace("+00:00", "Z") == started["settings"]["start"]


def test_without_a_start_both_kinds_begin_the_monday_after_the_stack_s_clock(harness: Harness) -> None:
    """Found by CI: a job began the Monday after the stack's clock and a 200 the Monday after the
    machine's, so the same request forecast two different weeks once the local clock had moved."""
    harness.stack.advance(timedelta(days=8))
    monday = default_start(harness.stack.clock.now()).isoformat()
    body = {"contacts": 50, "days": 2, "seed": 5}
    at_once = harness.http("POST", SIMULATE, body, token=FINANCE).json()
    job = harness.http("POST", SIMULATE, body, token=FINANCE, headers=LATER).json()
    assert at_once["start"] == monday
    assert _finished(harness, job["id"])["result"] == at_once


def test_progress_is_written_as_the_forecast_goes_and_never_after_its_result(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = wiring.forecast_jobs()
    written: list[float] = []
    original = ForecastJobs.progress

    def spying(self: ForecastJobs, job_id: str, share: float, at: str) -> bool:
        written.append(share)
        return original(self, job_id, share, at)

    monkeypatch.setattr(ForecastJobs, "progress", spying)
    monkeypatch.setattr(service, "PROGRESS_EVERY_SECONDS", 0.0)
    forecasts = _in_this_process()
    _, job = forecasts.ask(WORKFLOW["id"], SETTINGS, respond_async=True)
    assert forecasts.run_job(job["id"], lambda: 900_000) == "succeeded"
    assert len(written) > 3
    assert written == sorted(written)
    assert written[-1] < 1
    assert jobs.progress(job["id"], 0.5, "2030-01-01T00:00:00Z") is False  # a late write changes nothing
    assert forecasts.job(job["id"])["progress"] == 1  # type: ignore[index]


def test_a_job_near_the_end_of_lambda_s_time_stops_and_says_why(harness: Harness) -> None:
    forecasts = _in_this_process()
    _, job = forecasts.ask(WORKFLOW["id"], SETTINGS, respond_async=True)
    assert forecasts.run_job(job["id"], lambda: service.JOB_MARGIN_MS - 1) == "failed"
    failed = harness.http("GET", f"/admin/simulations/{job['id']}", token=MARKETER).json()
    assert failed["status"] == "failed"
    assert "15 minutes" in failed["error"]
    assert "result" not in failed
    # Run again (a repeated invocation), the job stays as it ended.
    assert forecasts.run_job(job["id"], lambda: 900_000) == "failed"


def test_a_job_lambda_ended_without_a_word_reads_as_failed(harness: Harness) -> None:
    jobs = wiring.forecast_jobs()
    started = wiring.clock.now() - service.JOB_LIFETIME - timedelta(minutes=1)
    jobs.create({
        "id": "f_" + "0" * 24, "workflow": WORKFLOW["id"], "version": 1, "settings": SETTINGS,
        "created_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "expires_at": int(time.time()) + 3600,
    })  # fmt: skip
    job = harness.http("GET", "/admin/simulations/f_" + "0" * 24, token=FINANCE).json()
    assert job["status"] == "failed"
    assert "ended before the forecast did" in job["error"]


def test_a_template_deleted_before_the_job_ran_fails_the_job_naming_the_step(harness: Harness) -> None:
    forecasts = _in_this_process(templates=_NoTemplates())
    _, job = forecasts.ask(WORKFLOW["id"], SETTINGS, respond_async=True)
    assert forecasts.run_job(job["id"], lambda: 900_000) == "failed"
    error = (forecasts.job(job["id"]) or {})["error"]
    missing = r"/steps/(hello|again)/template: no email template is called 'it-forecast-job-hello'"
    assert re.match(missing, error)


def test_unknown_jobs_are_404_and_every_role_reads_a_job(harness: Harness) -> None:
    for job_id in ("f_" + "f" * 24, "nope", "f_" + "0" * 23 + "g"):
        reply = harness.http("GET", f"/admin/simulations/{job_id}", token=ADMIN)
        assert (reply.status, reply.json()["error"]) == (404, "not_found"), job_id
    started = harness.http("POST", SIMULATE, SETTINGS, token=MARKETER, headers=LATER).json()
    for token in (ADMIN, MARKETER, FINANCE):
        assert _finished(harness, started["id"], token)["status"] == "succeeded"
    assert harness.http("GET", f"/admin/simulations/{started['id']}").status == 401


def _forecasts() -> Forecasts:
    return wiring.forecasts()


def _in_this_process(templates: Any = None) -> Forecasts:
    """Forecasts whose jobs the test runs itself (``run_job``) instead of the forecast function."""
    return Forecasts(
        wiring.workflows(), templates or wiring.templates(), wiring.scoring_rules(), wiring.forecast_jobs(),
        lambda _job_id: None, wiring.clock,
    )  # fmt: skip


class _NoTemplates:
    def get(self, _name: str) -> None:
        return None
