"""The contacts table read as a backfill's parts read it (``ContactRepository.segment_page``, over
moto): the segments of a parallel scan together hold every contact once, and a part that hands
over after any contact resumes right after it
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan)."""

from __future__ import annotations

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import Harness

SEGMENTS = 3


def _walk(segment: int, hand_over_every: int) -> list[str]:
    """A part that pages by 4 and hands over (resuming from the last contact done) every few contacts."""
    done: list[str] = []
    after: str | None = None
    while True:
        page, more = wiring.contacts().segment_page(segment, SEGMENTS, after, 4)
        for contact in page[:hand_over_every]:
            done.append(contact.id)
            after = contact.id
        if len(page) > hand_over_every:
            continue  # handed over mid-page: the next invocation starts after the last one done
        if more is None:
            return done
        after = more


def test_the_segments_hold_every_contact_once_whatever_the_hand_overs(harness: Harness) -> None:
    emails = [f"part{i}@backfill.example" for i in range(40)]
    for email in emails:
        assert harness.event({"type": "page_viewed", "email": email}).status == 202
    wanted = {contact_id_for(email) for email in emails}
    for hand_over_every in (4, 3, 1):
        seen = [i for segment in range(SEGMENTS) for i in _walk(segment, hand_over_every)]
        mine = [i for i in seen if i in wanted]
        assert sorted(mine) == sorted(wanted), f"handing over every {hand_over_every}"
        assert len(seen) == len(set(seen))
