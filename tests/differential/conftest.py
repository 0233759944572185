"""One moto per module: starting ``mock_aws`` and warming its ASL parser costs seconds.

Not one per session: a ``mock_aws`` left running until the session ends made every later test's own
``mock_aws`` start on the tables of the test before it (moto resets only on the outermost start),
and pytest's "package" scope is the session for a directory without ``__init__.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.differential import MotoEngine, moto_engine


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoEngine]:
    with moto_engine() as engine:
        yield engine
