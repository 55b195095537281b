"""The SQL of the weekly digest: what was sent to whom for which week, what it recommended, who unsubscribed."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from warehouse.queries import transaction

SENDING, SENT, FAILED, UNCERTAIN = "sending", "sent", "failed", "uncertain"
# A digest in one of these may be in the learner's inbox: its items count as shown, and it is never sent again
# on its own.
MAYBE_DELIVERED = (SENT, UNCERTAIN, SENDING)


@dataclass(frozen=True)
class Send:
    """One learner's digest of one week as the warehouse has it."""

    learner: str
    week: str
    email: str
    message_id: str
    status: str
    attempts: int
    error: str | None


@dataclass(frozen=True)
class ShownItem:
    """A community or person an earlier digest recommended, as it was then."""

    kind: str
    source: str
    key: str
    goal: str
    score: float
    week: str


def sends(conn: duckdb.DuckDBPyConnection, week: str) -> dict[str, Send]:
    """Every digest of `week` recorded so far, by learner."""
    rows = conn.execute(
        "SELECT learner, week, email, message_id, status, attempts, error FROM digests WHERE week = ?", [week]
    ).fetchall()
    return {r[0]: Send(*r) for r in rows}


def flag_unfinished(conn: duckdb.DuckDBPyConnection, week: str, now: datetime) -> list[str]:
    """Turn the week's digests left 'sending' into 'uncertain'; the learners they are for.

    DuckDB lets one process write the file at a time, so a 'sending' row that a new run finds was left by a run
    that stopped between handing the message to the server and recording the answer.
    """
    rows = conn.execute(
        "UPDATE digests SET status = ?, updated_at = ?, error = 'the run sending it stopped before the server answered' "
        "WHERE week = ? AND status = ? RETURNING learner",
        [UNCERTAIN, now, week, SENDING],
    ).fetchall()
    return sorted(r[0] for r in rows)


def record_intent(conn: duckdb.DuckDBPyConnection, send: Send, items: Sequence[ShownItem], now: datetime) -> None:
    """Before a message goes out: the digest as 'sending' with its Message-ID, and the items it recommends.

    Replaces an earlier row of the same learner and week (one that failed, or is being resent).
    """
    staged = pa.table({
        "kind": [i.kind for i in items],
        "source": [i.source for i in items],
        "key": [i.key for i in items],
        "goal": [i.goal for i in items],
        "score": pa.array([i.score for i in items], pa.float64()),
    })
    with transaction(conn):
        conn.execute(
            """
            INSERT INTO digests VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)
            ON CONFLICT (learner, week) DO UPDATE SET email = excluded.email, message_id = excluded.message_id,
                status = excluded.status, attempts = excluded.attempts, error = NULL, updated_at = excluded.updated_at
            """,
            [send.learner, send.week, send.email, send.message_id, SENDING, send.attempts, now, now],
        )
        conn.execute("DELETE FROM digest_items WHERE learner = ? AND week = ?", [send.learner, send.week])
        conn.execute(
            "INSERT INTO digest_items SELECT DISTINCT ON (kind, source, key) ?, ?, kind, source, key, goal, score "
            "FROM staged",
            [send.learner, send.week],
        )


def mark(conn: duckdb.DuckDBPyConnection, learner: str, week: str, status: str, now: datetime, *,
         attempts: int, error: str | None = None) -> None:
    """Record how sending a digest went (or that it is being sent again, as 'sending')."""
    conn.execute(
        "UPDATE digests SET status = ?, attempts = ?, error = ?, updated_at = ? WHERE learner = ? AND week = ?",
        [status, attempts, error, now, learner, week],
    )


def shown_before(conn: duckdb.DuckDBPyConnection, learner: str, week: str) -> dict[tuple[str, str, str], ShownItem]:
    """What the learner's digests of weeks before `week` that may have arrived recommended, by (kind, source, key);
    an item shown several times as it was shown last."""
    rows = conn.execute(
        """
        SELECT i.kind, i.source, i.key, i.goal, i.score, i.week
        FROM digest_items i JOIN digests d ON d.learner = i.learner AND d.week = i.week
        WHERE i.learner = ? AND i.week < ? AND list_contains(?, d.status)
        QUALIFY row_number() OVER (PARTITION BY i.kind, i.source, i.key ORDER BY i.week DESC) = 1
        """,
        [learner, week, list(MAYBE_DELIVERED)],
    ).fetchall()
    return {(r[0], r[1], r[2]): ShownItem(*r) for r in rows}


def unsubscribe(conn: duckdb.DuckDBPyConnection, learner: str, now: datetime) -> bool:
    """No more digests for the learner; False when they had unsubscribed already."""
    added = conn.execute(
        "INSERT INTO digest_unsubscribed VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING 1", [learner, now]
    ).fetchall()
    return bool(added)


def subscribe(conn: duckdb.DuckDBPyConnection, learner: str) -> bool:
    """Digests again for a learner who had unsubscribed; False when they were subscribed."""
    removed = conn.execute("DELETE FROM digest_unsubscribed WHERE learner = ? RETURNING 1", [learner]).fetchall()
    return bool(removed)


def unsubscribed(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The learners who want no digest."""
    return {r[0] for r in conn.execute("SELECT learner FROM digest_unsubscribed").fetchall()}
