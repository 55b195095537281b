"""Fixtures the flow tests share: `pln` on the test's warehouse, and one temporary Prefect API for the whole
session (it takes ~15 s to start)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

from tests.flows.cli_runner import Run, on_warehouse


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Callable[..., Run]:
    """`pln --db DB_PATH ARGS...` as a function of ARGS; a module's own `db_path` (a copy of what it built) wins."""
    return on_warehouse(capsys, monkeypatch, db_path)


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    with prefect_test_harness():
        yield
