"""Dry-run sending: emails go to a simulated inbox that opens and clicks them at the rates asked for.

An open comes a while after the send (exponentially distributed, two hours on average: most opens of
a marketing email happen within hours); a click, when there is one, a few minutes after its open. A
click is always preceded by an open, so the click rate can't exceed the open rate. Opens and clicks
reach the platform the way real ones do, through the signed tracking URLs in the email, so goals,
``wait_for`` steps and engagement branches see them exactly as they would in production.
"""

from __future__ import annotations

import quopri
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from nurtureflow.clock import Clock

MEAN_OPEN_DELAY = timedelta(hours=2)
CLICK_DELAY_MINUTES = (1.0, 10.0)
_SEND_HEADER = re.compile(rb"^X-NurtureFlow-Send: (\S+)", re.MULTILINE)
_CLICK_TOKEN = re.compile(r"/t/c/([A-Za-z0-9_\-.~]+)")
_OPEN_TOKEN = re.compile(r"/t/o/([A-Za-z0-9_\-.~]+)")

Schedule = Callable[[datetime, Callable[[], None]], None]


@dataclass(frozen=True)
class Rates:
    """Of the emails sent: the share opened, the share clicked; of the contacts: the share converting."""

    open: float
    click: float
    goal: float


@dataclass(frozen=True)
class Feedback:
    """Where a simulated reader's actions go: the tracking routes' own handling of a token."""

    open: Callable[[str], None]
    click: Callable[[str], object]


class SimulatedInbox:
    """A ``Mailer`` that sends nothing and schedules each email's open and click."""

    def __init__(
        self, rates: Rates, rng: random.Random, clock: Clock, schedule: Schedule, feedback: Feedback
    ) -> None:
        self._rates, self._rng, self._clock = rates, rng, clock
        self._schedule, self._feedback = schedule, feedback
        self.accepted = 0

    def send(self, sender: str, to: str, raw: bytes, tags: Mapping[str, str]) -> str:
        self.accepted += 1
        found = _SEND_HEADER.search(raw)
        send_id = found.group(1).decode() if found else f"unknown-{self.accepted}"
        if self._rng.random() < self._rates.open:
            self._read(raw)
        return f"simulated-{send_id}"

    def _read(self, raw: bytes) -> None:
        html = _html_of(raw)
        opened = self._clock.now() + timedelta(
            seconds=self._rng.expovariate(1 / MEAN_OPEN_DELAY.total_seconds())
        )
        pixel = _OPEN_TOKEN.search(html)
        if pixel is not None:
            open_token = pixel.group(1)
            self._schedule(opened, lambda: self._feedback.open(open_token))
        links = _CLICK_TOKEN.findall(html)
        if links and self._rng.random() < self._rates.click / self._rates.open:
            click_token = self._rng.choice(links)
            clicked = opened + timedelta(minutes=self._rng.uniform(*CLICK_DELAY_MINUTES))

            def click() -> None:
                self._feedback.click(click_token)

            self._schedule(clicked, click)


def _html_of(raw: bytes) -> str:
    """The message's text with its quoted-printable undone: enough to find the tracking URLs in it,
    without the cost of parsing the MIME structure (the email package's parser is slow)."""
    return quopri.decodestring(raw).decode("utf-8", errors="replace")
