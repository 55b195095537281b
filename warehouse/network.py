"""A learner's own network and background, as imported from their LinkedIn export, and forgetting all of it."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pyarrow as pa

from warehouse.queries import transaction


@dataclass(frozen=True)
class NetworkEntry:
    """Someone or something the learner is already connected to: a connection, a followed company, member or hashtag."""

    kind: str
    key: str
    name: str
    url: str = ""
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fact:
    """Something the learner knows or studied: a skill, a course, a position."""

    kind: str
    text: str
    detail: Mapping[str, str] = field(default_factory=dict)
    dated: date | None = None


def replace_imported(conn: duckdb.DuckDBPyConnection, learner: str, entries: Sequence[NetworkEntry],
                     facts: Sequence[Fact], now: datetime) -> None:
    """Replace the learner's network and facts by a new import, all or nothing: an export is a snapshot."""
    entry_rows = pa.table({
        "kind": pa.array([e.kind for e in entries], pa.string()),
        "key": pa.array([e.key for e in entries], pa.string()),
        "name": pa.array([e.name for e in entries], pa.string()),
        "url": pa.array([e.url for e in entries], pa.string()),
        "detail": pa.array([json.dumps(dict(e.detail)) for e in entries], pa.string()),
    })
    fact_rows = pa.table({
        "kind": pa.array([f.kind for f in facts], pa.string()),
        "text": pa.array([f.text for f in facts], pa.string()),
        "detail": pa.array([json.dumps(dict(f.detail)) for f in facts], pa.string()),
        "dated": pa.array([f.dated for f in facts], pa.date32()),
    })
    with transaction(conn):
        conn.execute("DELETE FROM network WHERE learner = ?", [learner])
        conn.execute("DELETE FROM learner_facts WHERE learner = ?", [learner])
        conn.execute("INSERT INTO network SELECT DISTINCT ON (kind, key) ?, kind, key, name, url, detail, ? "
                     "FROM entry_rows", [learner, now])
        conn.execute("INSERT INTO learner_facts SELECT DISTINCT ON (kind, text) ?, kind, text, detail, dated, ? "
                     "FROM fact_rows", [learner, now])


def network(conn: duckdb.DuckDBPyConnection, learner: str, kind: str | None = None) -> list[NetworkEntry]:
    """The learner's network, optionally of one kind, by kind then name."""
    rows = conn.execute(
        "SELECT kind, key, name, url, detail FROM network WHERE learner = ? AND (? IS NULL OR kind = ?) "
        "ORDER BY kind, name", [learner, kind, kind]).fetchall()
    return [NetworkEntry(r[0], r[1], r[2], r[3], json.loads(r[4] or "{}")) for r in rows]


def facts(conn: duckdb.DuckDBPyConnection, learner: str, kind: str | None = None) -> list[Fact]:
    """What the learner's export says they know or studied, newest first."""
    rows = conn.execute(
        "SELECT kind, text, detail, dated FROM learner_facts WHERE learner = ? AND (? IS NULL OR kind = ?) "
        "ORDER BY dated DESC NULLS LAST, kind, text", [learner, kind, kind]).fetchall()
    return [Fact(r[0], r[1], json.loads(r[2] or "{}"), r[3]) for r in rows]


def people_in_network(conn: duckdb.DuckDBPyConnection, learner: str) -> set[tuple[str, str]]:
    """(source, key) of known people who are the learner's connections or followed members.

    The same profile URL is the strongest evidence; failing that, the same full name (case and spacing aside).
    """
    rows = conn.execute(
        """
        SELECT DISTINCT p.source, p.key
        FROM people p JOIN network n
          ON n.learner = ? AND n.kind IN ('connection', 'member')
         AND ((n.url <> '' AND (rtrim(lower(n.url), '/') = rtrim(lower(p.url), '/')
                                OR list_contains(list_transform(CAST(coalesce(p.links, '[]') AS VARCHAR[]),
                                                                lambda x: rtrim(lower(x), '/')),
                                                 rtrim(lower(n.url), '/'))))
              OR lower(regexp_replace(trim(n.name), '\\s+', ' ', 'g'))
                 = lower(regexp_replace(trim(p.name), '\\s+', ' ', 'g')))
        """,
        [learner],
    ).fetchall()
    return {(r[0], r[1]) for r in rows}


def forget(conn: duckdb.DuckDBPyConnection, learner: str, community: str) -> dict[str, int]:
    """Delete everything imported for the learner: network, facts, and their own posts (in `community`) with vectors."""
    with transaction(conn):
        counts = {}
        for table, where, params in (
            ("embeddings", "(source, source_id) IN (SELECT source, source_id FROM posts WHERE community = ?)",
             [community]),
            ("posts", "community = ?", [community]),
            ("network", "learner = ?", [learner]),
            ("learner_facts", "learner = ?", [learner]),
        ):
            counts[table] = conn.execute(f"DELETE FROM {table} WHERE {where}", params).fetchall()[0][0]
    return counts
