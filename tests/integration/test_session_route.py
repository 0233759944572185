"""``GET /admin/session``: the role a token holds and what it may call, from the route table itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nurtureflow.api.routes import ROUTES
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness


@pytest.mark.parametrize(("token", "role"), [(ADMIN, "admin"), (MARKETER, "marketer"), (FINANCE, "finance")])
def test_a_token_learns_its_role_and_exactly_the_operations_it_may_call(
    harness: Harness, token: str, role: str
) -> None:
    reply = harness.http("GET", "/admin/session", token=token)
    assert reply.status == 200
    body = reply.json()
    assert body["role"] == role
    expected = sorted(f"{r.method} {r.path}" for r in ROUTES if r.function == "admin" and role in r.roles)
    assert body["may"] == expected
    for operation in body["may"]:  # what it says the role may call, the role may call
        method, path = operation.split(" ", 1)
        assert role in next(r.roles for r in ROUTES if (r.method, r.path) == (method, path))


def test_finance_may_read_costs_but_not_edit_workflows_or_erase_contacts(harness: Harness) -> None:
    may = harness.http("GET", "/admin/session", token=FINANCE).json()["may"]
    assert "GET /admin/costs" in may
    assert "PUT /admin/workflows/{id}" not in may
    assert "DELETE /admin/contacts/{id}" not in may


def test_without_a_valid_token_there_is_no_session(harness: Harness) -> None:
    assert harness.http("GET", "/admin/session").status == 401
    assert harness.http("GET", "/admin/session", token="not-a-token").status == 401


def test_the_session_tells_the_stack_s_time_which_moves_with_the_local_clock(harness: Harness) -> None:
    """The console counts a report's "this month" by it: costs are dated by the stack's clock, and
    the local stack's is virtual (moved by ``POST /_local/clock``), not this machine's."""

    def session_now() -> datetime:
        return datetime.fromisoformat(harness.http("GET", "/admin/session", token=FINANCE).json()["now"])

    def clock_now() -> datetime:
        return datetime.fromisoformat(harness.http("GET", "/_local/clock").json()["now"])

    assert abs(session_now() - clock_now()) < timedelta(seconds=1)  # the session's has no fraction
    before = session_now()
    harness.http("POST", "/_local/clock", {"advance": "PT1H"})
    assert timedelta(hours=1) <= session_now() - before < timedelta(hours=1, seconds=2)
    assert session_now().tzinfo == UTC
