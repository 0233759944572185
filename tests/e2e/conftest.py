"""The local stack started as a real HTTP server on a free loopback port, as `make dev` starts it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.asl import asl_problems
from tests.support.http import Reply

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"  # Debian's (make browser); Playwright's own download is not used


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class LocalClient:
    """Speaks to the local stack the way a user's curl would."""

    def __init__(self, base: str) -> None:
        self.base = base
        # The API's base URL (the stage in its path, as ApiUrl in AWS), told by the health route.
        self.api = base
        self._opener = urllib.request.build_opener(_NoRedirect)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        url = (
            path
            if path.startswith("http")
            else (self.base if path.startswith("/_local/") else self.api) + path
        )
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with self._opener.open(request, timeout=60) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read())


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalClient]:
    port = _free_port()
    # A clean environment, as a user's shell: nothing of an in-process stack's settings leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NURTUREFLOW_", "AWS_", "POWERTOOLS_"))}
    env["PORT"] = str(port)
    # Its output goes to a file: a pipe nobody reads fills up (64 KiB of logs) and then blocks the
    # stack mid-request, which made the last test of a long module time out.
    output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed below, after the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "nurtureflow.local", "--root", str(ROOT)],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = LocalClient(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                output.seek(0)
                raise RuntimeError(f"the local stack exited: {output.read()}")
            try:
                health = client.call("GET", "/_local/health")
                if health.status == 200 and health.json().get("pid") == process.pid:
                    client.api = health.json()["api_url"]
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the local stack did not become ready in 120 s")
            time.sleep(0.2)
        yield client
        # Every definition these tests compiled (through uploads) must pass asl-validator too.
        admin = {"token": "local-admin-token"}
        ids = [w["id"] for w in client.call("GET", "/admin/workflows", **admin).json()["workflows"]]
        definitions = [client.call("GET", f"/admin/workflows/{i}", **admin).json()["definition"] for i in ids]
        assert asl_problems(definitions) == ""
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        output.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium for a module's browser tests."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()
