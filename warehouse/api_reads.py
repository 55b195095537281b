"""Counts the paid API reads pln makes (X), so budgets per run and per month hold across processes."""
from __future__ import annotations

from datetime import datetime

import duckdb


def record_reads(conn: duckdb.DuckDBPyConnection, source: str, reads: int, now: datetime) -> None:
    """Remember `reads` items read from `source` at `now`."""
    if reads:
        conn.execute("INSERT INTO api_reads VALUES (?, ?, ?)", [source, now, reads])


def reads_since(conn: duckdb.DuckDBPyConnection, source: str, start: datetime) -> int:
    """Items read from `source` since `start`."""
    rows = conn.execute("SELECT coalesce(sum(reads), 0) FROM api_reads WHERE source = ? AND read_at >= ?",
                        [source, start]).fetchall()
    return int(rows[0][0])
