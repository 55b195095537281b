"""Runs `pln` in-process exactly as the console script does, capturing exit status and both streams."""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def pln(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> Run:
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["pln", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def on_warehouse(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                 db_path: Path) -> Callable[..., Run]:
    """`pln --db db_path ARGS...` as a function of ARGS."""
    def invoke(*args: str) -> Run:
        return pln(capsys, monkeypatch, "--db", str(db_path), *args)
    return invoke
