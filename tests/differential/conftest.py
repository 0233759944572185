"""One moto for the whole directory: starting ``mock_aws`` and warming its ASL parser costs seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.differential import MotoEngine, moto_engine


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoEngine]:
    with moto_engine() as engine:
        yield engine
