"""What every `pln` subcommand shares: the consoles, the output formats and the warehouse connection."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from flows.errors import UsageError
from flows.tracking import Added
from warehouse import db

# One line per message, however narrow the terminal: scripts and people grep these. Tables still fit it.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class Format(str, Enum):
    table = "table"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="table for people, json for scripts")]


def connect(ctx: typer.Context) -> duckdb.DuckDBPyConnection:
    """The warehouse named by the global --db option (root context's object)."""
    return db.connect(ctx.find_root().obj)


def print_json(data: object) -> None:
    """JSON for scripts, on stdout alone so progress on stderr never mixes in."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def emit(text: str, out_file: Path | None) -> None:
    """A report's text to stdout, or to `out_file` when given."""
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")


def report_added(what: str, noun: str, added: Added) -> None:
    """One line for what a track command added, then one per input it had to skip."""
    followed = f"; {added.followed_by} follows them" if added.followed_by else ""
    out.print(f"{what}: {added.given} {noun}, {added.new} new{followed}.")
    for item, reason in added.skipped:
        err.print(f"skipped {item}: {reason}", markup=False, highlight=False)


def parse_as_of(value: str | None) -> datetime | None:
    """A date means the end of that day (UTC); a date-time is taken as given, UTC if it names no zone."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).date()
            return datetime.combine(day + timedelta(days=1), time(), UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of {value!r}: not a date (YYYY-MM-DD) or ISO date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
