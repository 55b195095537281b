"""The organisation's members and their expertise profiles (items and vectors), and removing a member entirely."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.queries import delete_everywhere, list_array, transaction


@dataclass(frozen=True)
class Member:
    """A colleague who shared their public profile; team and location describe them, they never rank them."""

    name: str
    email: str = ""
    team: str = ""
    location: str = ""


@dataclass(frozen=True)
class Expertise:
    """One thing a member's public profile shows: a post or comment, a skill, a completed course, a position."""

    kind: str
    title: str
    text: str = ""
    url: str = ""
    dated: date | None = None


def replace_member(conn: duckdb.DuckDBPyConnection, member: Member, items: Sequence[Expertise], model: str,
                   vectors: np.ndarray, now: datetime) -> bool:
    """Add the member, or replace all that was kept of them, with their items and the items' vectors by `model`.

    All or nothing; True when the member is new.
    """
    staged = pa.table({
        "item": pa.array(range(len(items)), pa.int32()),
        "kind": pa.array([i.kind for i in items], pa.string()),
        "title": pa.array([i.title for i in items], pa.string()),
        "text": pa.array([i.text for i in items], pa.string()),
        "url": pa.array([i.url for i in items], pa.string()),
        "dated": pa.array([i.dated for i in items], pa.date32()),
    })
    with transaction(conn):
        existed = conn.execute("SELECT count(*) FROM members WHERE member = ?", [member.name]).fetchall()[0][0]
        delete_everywhere(conn, "member", member.name)
        conn.execute("INSERT INTO members VALUES (?, ?, ?, ?, ?)",
                     [member.name, member.email, member.team, member.location, now])
        conn.execute("INSERT INTO member_expertise SELECT ?, item, kind, title, text, url, dated FROM staged",
                     [member.name])
        _insert_vectors(conn, [member.name] * len(items), list(range(len(items))), model, vectors)
    return not existed


def remove_member(conn: duckdb.DuckDBPyConnection, name: str) -> dict[str, int]:
    """Delete the member and every row about them, in every table with a `member` column; rows deleted by table."""
    with transaction(conn):
        return delete_everywhere(conn, "member", name)


def get_member(conn: duckdb.DuckDBPyConnection, name: str) -> Member | None:
    """The member called `name`, or None."""
    rows = conn.execute("SELECT member, email, team, location FROM members WHERE member = ?", [name]).fetchall()
    return Member(*rows[0]) if rows else None


def list_members(conn: duckdb.DuckDBPyConnection) -> list[Member]:
    """Every member, by name."""
    return [Member(*r) for r in conn.execute("SELECT member, email, team, location FROM members ORDER BY member")
            .fetchall()]


def expertise_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Per member, how many items of each kind their profile holds."""
    counts: dict[str, dict[str, int]] = {}
    for member, kind, n in conn.execute(
            "SELECT member, kind, count(*) FROM member_expertise GROUP BY ALL ORDER BY ALL").fetchall():
        counts.setdefault(member, {})[kind] = n
    return counts


def expertise(conn: duckdb.DuckDBPyConnection, model: str) -> pa.Table:
    """Every member's items with their vector by `model` (NULL where none yet), by member then item."""
    return conn.sql(
        """
        SELECT x.member, x.item, x.kind, x.title, x.text, x.url, x.dated, e.vector
        FROM member_expertise x LEFT JOIN member_expertise_embeddings e
          ON e.member = x.member AND e.item = x.item AND e.model = ?
        ORDER BY x.member, x.item
        """,
        params=[model],
    ).to_arrow_table()


def store_vectors(conn: duckdb.DuckDBPyConnection, members: Sequence[str], items: Sequence[int], model: str,
                  vectors: np.ndarray) -> None:
    """Save vectors by `model` for these (member, item) pairs, replacing any there were."""
    with transaction(conn):
        _insert_vectors(conn, members, items, model, vectors)


def _insert_vectors(conn: duckdb.DuckDBPyConnection, members: Sequence[str], items: Sequence[int], model: str,
                    vectors: np.ndarray) -> None:
    if not len(members):
        return
    staged = pa.table({"member": pa.array(members, pa.string()), "item": pa.array(items, pa.int32()),
                       "vector": list_array(vectors)})
    conn.execute(
        """
        INSERT INTO member_expertise_embeddings SELECT member, item, ?, vector FROM staged
        ON CONFLICT (member, item, model) DO UPDATE SET vector = excluded.vector
        """,
        [model],
    )
