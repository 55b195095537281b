"""The SQL of feedback: a learner's votes on communities and people."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

UP, DOWN = 1, -1


@dataclass(frozen=True)
class Item:
    """A community or person as `pln recommend` names it."""

    kind: str
    source: str
    key: str
    name: str


def record_vote(conn: duckdb.DuckDBPyConnection, learner: str, item: Item, vote: int, now: datetime) -> None:
    """Keep the learner's vote on the item (UP or DOWN), replacing an earlier one."""
    conn.execute(
        """
        INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (learner, kind, source, key) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
        """,
        [learner, item.kind, item.source, item.key, vote, now],
    )


def clear_vote(conn: duckdb.DuckDBPyConnection, learner: str, item: Item) -> bool:
    """Forget the learner's vote on the item; True when there was one."""
    removed = conn.execute(
        "DELETE FROM feedback WHERE learner = ? AND kind = ? AND source = ? AND key = ? RETURNING 1",
        [learner, item.kind, item.source, item.key],
    ).fetchall()
    return bool(removed)


def votes(conn: duckdb.DuckDBPyConnection, learner: str, kind: str) -> dict[tuple[str, str], int]:
    """The learner's votes on communities or people (`kind`), by (source, key)."""
    rows = conn.execute(
        "SELECT source, key, vote FROM feedback WHERE learner = ? AND kind = ?", [learner, kind]
    ).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}
