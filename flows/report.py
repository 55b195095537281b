"""How long-running steps tell people where they are: rich progress bars in the CLI, log lines in flows."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, runtime_checkable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Advance = Callable[[int], None]


@runtime_checkable
class Reporter(Protocol):
    """Receives progress of a step and one-line notes (errors, warnings, summaries)."""

    def step(self, description: str, total: int) -> AbstractContextManager[Advance]: ...

    def note(self, message: str) -> None: ...


class RichReporter:
    """Progress bars and notes on the terminal (stderr, so stdout stays clean for --format json)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)

    @contextmanager
    def step(self, description: str, total: int) -> Iterator[Advance]:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=False) as progress:
            task = progress.add_task(description, total=total)
            yield lambda n: progress.advance(task, n)

    def note(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False)


class LogReporter:
    """Progress as log lines, about every tenth of a step, for Prefect run logs and scheduled runs."""

    def __init__(self, logger: logging.Logger | logging.LoggerAdapter) -> None:
        self.logger = logger

    @contextmanager
    def step(self, description: str, total: int) -> Iterator[Advance]:
        done = 0
        every = max(1, total // 10)
        self.logger.info("%s: %d to do", description, total)

        def advance(n: int) -> None:
            nonlocal done
            before, done = done, done + n
            if done // every != before // every or done == total:
                self.logger.info("%s: %d/%d", description, done, total)

        yield advance

    def note(self, message: str) -> None:
        self.logger.info(message)


class QuietReporter:
    """No progress and no notes, for callers that want only the result."""

    @contextmanager
    def step(self, description: str, total: int) -> Iterator[Advance]:
        yield lambda _: None

    def note(self, message: str) -> None:
        pass
