"""The SQL of feedback: finding the community or person a learner means by a name, and their votes."""
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


def find_items(conn: duckdb.DuckDBPyConnection, text: str) -> list[Item]:
    """Communities and people whose name, key or URL is `text` (any case).

    People include post authors that no connector described (feed authors), named as their posts name them.
    """
    rows = conn.execute(
        """
        SELECT 'community', source, key, name FROM communities
        WHERE lower(name) = lower($1) OR lower(key) = lower($1) OR lower(url) = lower($1)
        UNION
        SELECT 'person', source, key, name FROM people
        WHERE lower(name) = lower($1) OR lower(key) = lower($1) OR lower(url) = lower($1)
        UNION
        SELECT 'person', p.source, p.author, p.author FROM posts p
        WHERE p.author <> '' AND lower(p.author) = lower($1)
          AND NOT EXISTS (SELECT 1 FROM people d WHERE d.source = p.source AND d.key = p.author)
        ORDER BY 1, 2, 3
        """,
        [text],
    ).fetchall()
    return [Item(*row) for row in rows]


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
