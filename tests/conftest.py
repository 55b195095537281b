"""Fixtures shared by every test: the real data in ../shared and throwaway warehouses."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PLN_SHARED", ROOT.parent / "shared"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path inside ../shared/data; skips the test where that data is absent, except in CI where it must exist."""
    path = SHARED.joinpath("data", *parts) if parts and parts[0] != "eval" else SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"real data not found at {path} (it lives in ../shared next to the clone)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must have it")
        pytest.skip(reason)
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh warehouse file path for one test."""
    return tmp_path / "pln.duckdb"
