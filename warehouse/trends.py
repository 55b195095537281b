"""The SQL of trends: the posts a run reads, and the topic history that keeps topic ids stable from run to run."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.queries import transaction, vectors_of


@dataclass(frozen=True)
class TopicState:
    """One topic as a run leaves it in the history."""

    topic_id: int
    label: str
    terms: tuple[str, ...]
    status: str
    growth: float
    window_count: int
    baseline_count: int
    centroid: np.ndarray


@dataclass(frozen=True)
class KnownState:
    """The latest stored centroid of a topic: what the next run matches its topics against."""

    topic_id: int
    centroid: np.ndarray


_SCOPE = "(list_contains(?, p.source) OR (? AND NOT list_contains(?, p.source)))"


def _scope(sources: Sequence[str] | None, exclude: Sequence[str]) -> list[object]:
    # `sources` given: exactly those; None: every source but the excluded ones.
    return [list(sources or ()), sources is None, list(exclude)]


def trend_posts(conn: duckdb.DuckDBPyConnection, model: str, start: datetime, end: datetime, *,
                sources: Sequence[str] | None = None, exclude: Sequence[str] = (), text_chars: int = 1000) -> pa.Table:
    """Posts published in (start, end] with their `model` vectors: source, community, author, title, text (its
    first `text_chars` characters), url, published_at, vector. Undated posts count from when they were fetched."""
    return conn.sql(
        f"""
        SELECT p.source, p.community, p.author, p.title, left(p.text, ?) AS text, p.url,
               coalesce(p.published_at, p.fetched_at) AS published_at, e.vector
        FROM posts p JOIN embeddings e
          ON e.source = p.source AND e.source_id = p.source_id AND e.model = ? AND e.content_hash = p.content_hash
        WHERE coalesce(p.published_at, p.fetched_at) > ? AND coalesce(p.published_at, p.fetched_at) <= ?
          AND {_SCOPE}
        ORDER BY p.source, p.source_id
        """,
        params=[text_chars, model, start, end, *_scope(sources, exclude)],
    ).to_arrow_table()


def data_since(conn: duckdb.DuckDBPyConnection, *, sources: Sequence[str] | None = None,
               exclude: Sequence[str] = ()) -> datetime | None:
    """When the stored posts of these sources begin (published, else fetched), or None with no posts.

    Times come back in UTC whatever the session's time zone, as every time pln shows.
    """
    rows = conn.execute(f"SELECT min(coalesce(p.published_at, p.fetched_at)) FROM posts p WHERE {_SCOPE}",
                        _scope(sources, exclude)).fetchall()
    return rows[0][0].astimezone(UTC) if rows[0][0] else None


def known_topics(conn: duckdb.DuckDBPyConnection, model: str, as_of: datetime) -> list[KnownState]:
    """Every topic stored by runs as of `as_of` or earlier, in its latest state, by id."""
    table = conn.sql(
        """
        SELECT topic_id, centroid FROM topic_history WHERE model = ? AND as_of <= ?
        QUALIFY row_number() OVER (PARTITION BY topic_id ORDER BY as_of DESC) = 1
        ORDER BY topic_id
        """,
        params=[model, as_of],
    ).to_arrow_table()
    return [KnownState(i, centroid) for i, centroid in
            zip(table.column("topic_id").to_pylist(), vectors_of(table, "centroid"))]


def next_topic_id(conn: duckdb.DuckDBPyConnection) -> int:
    """An id no stored topic has, whatever its model or date."""
    return int(conn.execute("SELECT coalesce(max(topic_id), 0) + 1 FROM topic_history").fetchall()[0][0])


def first_seen(conn: duckdb.DuckDBPyConnection, model: str) -> dict[int, datetime]:
    """The `as_of` of the first run that found each stored topic."""
    rows = conn.execute("SELECT topic_id, min(as_of) FROM topic_history WHERE model = ? GROUP BY topic_id",
                        [model]).fetchall()
    return {r[0]: r[1].astimezone(UTC) for r in rows}


def store_run(conn: duckdb.DuckDBPyConnection, model: str, as_of: datetime, run_at: datetime, window_days: int,
              baseline_days: int, topics: Sequence[TopicState]) -> None:
    """Keep one run's topics; a run again as of the same moment replaces what that run stored."""
    staged = pa.table({
        "topic_id": pa.array([t.topic_id for t in topics], pa.int32()),
        "label": pa.array([t.label for t in topics], pa.string()),
        "terms": pa.array([json.dumps(list(t.terms)) for t in topics], pa.string()),
        "status": pa.array([t.status for t in topics], pa.string()),
        "growth": pa.array([float(t.growth) for t in topics], pa.float64()),
        "window_count": pa.array([t.window_count for t in topics], pa.int32()),
        "baseline_count": pa.array([t.baseline_count for t in topics], pa.int32()),
        "centroid": pa.array([np.asarray(t.centroid, dtype=np.float32) for t in topics], pa.list_(pa.float32())),
    })
    with transaction(conn):
        conn.execute("DELETE FROM topic_history WHERE model = ? AND as_of = ?", [model, as_of])
        conn.execute(
            """
            INSERT INTO topic_history
            SELECT ?, ?, topic_id, ?, ?, ?, label, terms, status, growth, window_count, baseline_count, centroid
            FROM staged
            """,
            [model, as_of, run_at, window_days, baseline_days],
        )
