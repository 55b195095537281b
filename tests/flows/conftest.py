"""Fixtures the flow tests share: one temporary Prefect API for the whole session (it takes ~15 s to start)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    with prefect_test_harness():
        yield
