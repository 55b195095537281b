"""Runs `pln` in-process exactly as the console script does, capturing exit status and both streams."""
from __future__ import annotations

import sys
from dataclasses import dataclass

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
