"""Every SQL statement pln runs, as named functions over a DuckDB connection; writes are set-based."""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import Community, Fetch, Person, Post

_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Target:
    """Something pln collects from: a feed URL, a subreddit, an account."""

    source: str
    target: str
    title: str = ""
    description: str = ""
    category: str = ""
    discovered: bool = False
    discovered_from: str = ""
    cursor: Mapping[str, str] | None = None
    last_status: str | None = None
    last_error: str | None = None
    failures: int = 0


@dataclass(frozen=True)
class StoreResult:
    """How many posts of one fetch were new, changed, or already stored as they are."""

    new: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class Learner:
    """A learner, their goals in the order they wrote them, and the topics they are not interested in."""

    name: str
    email: str
    goals: tuple[str, ...]
    # One per goal: a goal of weight 0.5 gets half the places of a goal of weight 1. Empty: every goal weighs 1.
    weights: tuple[float, ...] = ()
    exclusions: tuple[str, ...] = ()

    def goal_weights(self) -> tuple[float, ...]:
        """The weight of each goal, in goal order."""
        return self.weights or (1.0,) * len(self.goals)


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: a failure part-way leaves the warehouse as it was."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# --- targets ---------------------------------------------------------------------------------

def add_targets(conn: duckdb.DuckDBPyConnection, targets: Sequence[Target], now: datetime) -> int:
    """Track new targets; ones already tracked keep their cursor and gain a title/category they lacked."""
    if not targets:
        return 0
    staged = pa.table({
        "source": [t.source for t in targets],
        "target": [t.target for t in targets],
        "title": [t.title for t in targets],
        "description": [t.description for t in targets],
        "category": [t.category for t in targets],
        "discovered": [t.discovered for t in targets],
        "discovered_from": [t.discovered_from or None for t in targets],
    })
    with transaction(conn):
        before = _count(conn, "targets")
        conn.execute(
            """
            INSERT INTO targets (source, target, title, description, category, discovered, added_at, discovered_from)
            SELECT DISTINCT ON (source, target) source, target, title, description, category, discovered, ?,
                   discovered_from
            FROM staged
            ON CONFLICT (source, target) DO UPDATE SET
                title = CASE WHEN targets.title = '' THEN excluded.title ELSE targets.title END,
                description = CASE WHEN targets.description = '' THEN excluded.description
                                   ELSE targets.description END,
                category = CASE WHEN targets.category = '' THEN excluded.category ELSE targets.category END
            """,
            [now],
        )
        return _count(conn, "targets") - before


def list_targets(conn: duckdb.DuckDBPyConnection, source: str | None = None) -> list[Target]:
    """Tracked targets, optionally of one source, in the order they were added."""
    rows = conn.execute(
        """
        SELECT source, target, title, description, category, discovered, coalesce(discovered_from, ''), cursor,
               last_status, last_error, failures
        FROM targets WHERE ? IS NULL OR source = ? ORDER BY added_at, target
        """,
        [source, source],
    ).fetchall()
    return [
        Target(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]) if r[7] else None, r[8], r[9], r[10])
        for r in rows
    ]


def record_failure(conn: duckdb.DuckDBPyConnection, source: str, target: str, error: str, now: datetime) -> None:
    """Remember why a target failed; its cursor and posts stay as they were."""
    conn.execute(
        """
        UPDATE targets SET last_fetched_at = ?, last_status = 'error', last_error = ?, failures = failures + 1
        WHERE source = ? AND target = ?
        """,
        [now, error, source, target],
    )


# --- collected records -----------------------------------------------------------------------

def store_fetch(conn: duckdb.DuckDBPyConnection, source: str, fetch: Fetch, now: datetime) -> StoreResult:
    """Store one fetch's records and then its cursor, in one transaction, so a crash repeats work but loses none."""
    with transaction(conn):
        result = StoreResult(0, 0, 0) if fetch.not_modified else _store_records(conn, fetch, now)
        status = "not_modified" if fetch.not_modified else "ok"
        conn.execute(
            """
            UPDATE targets SET cursor = ?, last_fetched_at = ?, last_status = ?, last_error = ?, failures = 0
            WHERE source = ? AND target = ?
            """,
            [json.dumps(dict(fetch.cursor)), now, status, fetch.warning or None, source, fetch.target],
        )
    return result


def store_records(conn: duckdb.DuckDBPyConnection, records: Fetch, now: datetime) -> StoreResult:
    """Store records that no tracked target's cursor goes with (search results, an imported export)."""
    with transaction(conn):
        return _store_records(conn, records, now)


def _store_records(conn: duckdb.DuckDBPyConnection, records: Fetch, now: datetime) -> StoreResult:
    _upsert_communities(conn, records.communities, now)
    _upsert_people(conn, records.people, now)
    return _upsert_posts(conn, records.posts, now)


def _upsert_communities(conn: duckdb.DuckDBPyConnection, communities: Sequence[Community], now: datetime) -> None:
    if not communities:
        return
    staged = pa.table({
        "source": [c.source for c in communities],
        "key": [c.key for c in communities],
        "name": [c.name for c in communities],
        "url": [c.url for c in communities],
        "description": [c.description for c in communities],
        "size": pa.array([c.size for c in communities], pa.int64()),
        "category": [c.category for c in communities],
        "created_at": pa.array([c.created_at for c in communities], _TS),
    })
    conn.execute(
        """
        INSERT INTO communities (source, key, name, url, description, size, category, updated_at, created_at)
        SELECT DISTINCT ON (s.source, s.key) s.source, s.key, s.name, s.url, s.description, s.size,
               coalesce(nullif(s.category, ''), t.category, ''), ?, s.created_at
        FROM staged s LEFT JOIN targets t ON t.source = s.source AND t.target = s.key
        ON CONFLICT (source, key) DO UPDATE SET
            name = excluded.name, url = excluded.url, description = excluded.description,
            size = coalesce(excluded.size, communities.size),
            category = coalesce(nullif(excluded.category, ''), communities.category),
            updated_at = excluded.updated_at,
            created_at = coalesce(excluded.created_at, communities.created_at)
        """,
        [now],
    )


def _upsert_people(conn: duckdb.DuckDBPyConnection, people: Sequence[Person], now: datetime) -> None:
    if not people:
        return
    staged = pa.table({
        "source": [p.source for p in people],
        "key": [p.key for p in people],
        "name": [p.name for p in people],
        "url": [p.url for p in people],
        "description": [p.description for p in people],
        "followers": pa.array([p.followers for p in people], pa.int64()),
        "links": [json.dumps(list(p.links)) if p.links else None for p in people],
        "metrics": [json.dumps(dict(p.metrics)) if p.metrics else None for p in people],
    })
    conn.execute(
        """
        INSERT INTO people (source, key, name, url, description, followers, updated_at, links, metrics)
        SELECT DISTINCT ON (source, key) source, key, name, url, description, followers, ?, links, metrics
        FROM staged
        ON CONFLICT (source, key) DO UPDATE SET
            name = excluded.name,
            url = coalesce(nullif(excluded.url, ''), people.url),
            description = coalesce(nullif(excluded.description, ''), people.description),
            followers = coalesce(excluded.followers, people.followers),
            links = coalesce(excluded.links, people.links),
            metrics = coalesce(excluded.metrics, people.metrics),
            updated_at = excluded.updated_at
        """,
        [now],
    )


def posts_table(posts: Sequence[Post]) -> pa.Table:
    """Posts as an Arrow table in the posts table's column order (less first_seen_at)."""
    return pa.table({
        "source": [p.source for p in posts],
        "source_id": [p.source_id for p in posts],
        "community": [p.community for p in posts],
        "author": [p.author for p in posts],
        "title": [p.title for p in posts],
        "text": [p.text for p in posts],
        "url": [p.url for p in posts],
        "published_at": pa.array([p.published_at for p in posts], _TS),
        "fetched_at": pa.array([p.fetched_at for p in posts], _TS),
        "metrics": [json.dumps(dict(p.metrics)) for p in posts],
        "lang": pa.array([p.lang for p in posts], pa.string()),
        "content_hash": [p.content_hash for p in posts],
    })


def _upsert_posts(conn: duckdb.DuckDBPyConnection, posts: Sequence[Post], now: datetime) -> StoreResult:
    if not posts:
        return StoreResult(0, 0, 0)
    staged = posts_table(posts)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE staged_posts AS "
        "SELECT DISTINCT ON (source, source_id) * FROM staged"
    )
    new, updated, unchanged = _one(
        conn,
        """
        SELECT count(*) FILTER (WHERE p.source_id IS NULL),
               count(*) FILTER (WHERE p.content_hash <> s.content_hash),
               count(*) FILTER (WHERE p.content_hash = s.content_hash)
        FROM staged_posts s LEFT JOIN posts p ON p.source = s.source AND p.source_id = s.source_id
        """
    )
    # Every row is refreshed, since scores and likes move on each fetch; only a new content hash makes the
    # post pending for embedding again.
    conn.execute(
        """
        INSERT INTO posts SELECT *, ? FROM staged_posts
        ON CONFLICT (source, source_id) DO UPDATE SET
            community = excluded.community, author = excluded.author, title = excluded.title,
            text = excluded.text, url = excluded.url, published_at = excluded.published_at,
            fetched_at = excluded.fetched_at, metrics = excluded.metrics, lang = excluded.lang,
            content_hash = excluded.content_hash
        """,
        [now],
    )
    conn.execute("DROP TABLE staged_posts")
    return StoreResult(new, updated, unchanged)


def count_posts(conn: duckdb.DuckDBPyConnection) -> int:
    """Posts stored, all sources."""
    return _count(conn, "posts")


# --- embeddings ------------------------------------------------------------------------------

_PENDING = """
    FROM posts p LEFT JOIN embeddings e
      ON e.source = p.source AND e.source_id = p.source_id AND e.model = ? AND e.content_hash = p.content_hash
    WHERE e.source_id IS NULL
"""


def count_pending_embeddings(conn: duckdb.DuckDBPyConnection, model: str) -> int:
    """Posts with no embedding by `model` for their current content."""
    return _one(conn, f"SELECT count(*) {_PENDING}", [model])[0]


def pending_embeddings(conn: duckdb.DuckDBPyConnection, model: str, limit: int,
                       after: tuple[str, str] | None = None) -> pa.Table:
    """Up to `limit` posts awaiting an embedding by `model`: source, source_id, content_hash, title, text.

    In (source, source_id) order, starting after the key `after` when given: a caller walking a large
    backlog batch by batch passes the last key it read, so each batch costs one index-ordered read.
    """
    source, source_id = after or ("", "")
    return conn.sql(
        f"SELECT p.source, p.source_id, p.content_hash, p.title, p.text {_PENDING} "
        "AND (p.source > ? OR (p.source = ? AND p.source_id > ?)) ORDER BY p.source, p.source_id LIMIT ?",
        params=[model, source, source, source_id, limit],
    ).to_arrow_table()


def store_embeddings(
    conn: duckdb.DuckDBPyConnection, model: str, keys: pa.Table, vectors: np.ndarray, now: datetime
) -> None:
    """Save vectors for the posts in `keys` (source, source_id, content_hash), replacing stale ones."""
    staged = pa.table({
        "source": keys.column("source"),
        "source_id": keys.column("source_id"),
        "content_hash": keys.column("content_hash"),
        "vector": list_array(vectors),
    })
    conn.execute(
        """
        INSERT INTO embeddings SELECT source, source_id, ?, content_hash, vector, ? FROM staged
        ON CONFLICT (source, source_id, model) DO UPDATE SET
            content_hash = excluded.content_hash, vector = excluded.vector, embedded_at = excluded.embedded_at
        """,
        [model, now],
    )


def list_array(vectors: np.ndarray) -> pa.ListArray:
    """An (n, dim) matrix as an Arrow list column, the shape vector columns are stored in."""
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel())
    offsets = pa.array(np.arange(0, vectors.size + 1, vectors.shape[1], dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, flat)


def vectors_of(table: pa.Table, column: str = "vector") -> np.ndarray:
    """The list column `column` of an Arrow table as an (n, dim) float32 matrix."""
    values = table.column(column).combine_chunks()
    if len(values) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    flat = values.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return flat.reshape(len(values), -1)


# --- learners --------------------------------------------------------------------------------

def upsert_learner(conn: duckdb.DuckDBPyConnection, learner: Learner, now: datetime, model: str,
                   goal_vectors: np.ndarray, exclusion_vectors: np.ndarray | None = None) -> bool:
    """Create the learner or replace their email, goals and exclusions, with their vectors; True when new."""
    with transaction(conn):
        existed = _one(conn, "SELECT count(*) FROM learners WHERE name = ?", [learner.name])[0]
        conn.execute(
            "INSERT INTO learners VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET email = excluded.email",
            [learner.name, learner.email, now],
        )
        conn.execute("DELETE FROM goals WHERE learner = ?", [learner.name])
        staged = pa.table({
            "learner": [learner.name] * len(learner.goals),
            "position": pa.array(range(len(learner.goals)), pa.int32()),
            "text": list(learner.goals),
            "weight": pa.array(learner.goal_weights(), pa.float64()),
        })
        conn.execute("INSERT INTO goals (learner, position, text, weight) SELECT * FROM staged")
        conn.execute("DELETE FROM exclusions WHERE learner = ?", [learner.name])
        if learner.exclusions:
            staged = pa.table({
                "learner": [learner.name] * len(learner.exclusions),
                "position": pa.array(range(len(learner.exclusions)), pa.int32()),
                "text": list(learner.exclusions),
            })
            conn.execute("INSERT INTO exclusions SELECT * FROM staged")
        store_goal_vectors(conn, learner.name, model, learner.goals, goal_vectors)
        if exclusion_vectors is not None:
            store_exclusion_vectors(conn, learner.name, model, learner.exclusions, exclusion_vectors)
    return not existed


def get_learner(conn: duckdb.DuckDBPyConnection, name: str) -> Learner | None:
    """The learner called `name`, or None."""
    row = _one(conn, "SELECT email FROM learners WHERE name = ?", [name])
    if row is None:
        return None
    goals = conn.execute("SELECT text, weight FROM goals WHERE learner = ? ORDER BY position", [name]).fetchall()
    excluded = conn.execute("SELECT text FROM exclusions WHERE learner = ? ORDER BY position", [name]).fetchall()
    return Learner(name, row[0], tuple(g[0] for g in goals), tuple(g[1] for g in goals),
                   tuple(e[0] for e in excluded))


def remove_learner(conn: duckdb.DuckDBPyConnection, name: str) -> dict[str, int]:
    """Delete the learner and every row of any table that has a `learner` column about them; rows deleted by table.

    Found from the schema rather than listed, so a table added later cannot keep what a removed learner left.
    """
    with transaction(conn):
        counts = delete_everywhere(conn, "learner", name)
        counts["learners"] = conn.execute("DELETE FROM learners WHERE name = ?", [name]).fetchall()[0][0]
    return counts


def delete_everywhere(conn: duckdb.DuckDBPyConnection, column: str, value: str) -> dict[str, int]:
    """Delete the rows where `column` is `value` in every table that has that column; rows deleted by table.

    The caller holds the transaction. `column` is one of pln's own column names, never user input.
    """
    tables = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'main' AND column_name = ? "
        "ORDER BY table_name", [column]).fetchall()]
    return {table: conn.execute(f'DELETE FROM "{table}" WHERE "{column}" = ?', [value]).fetchall()[0][0]
            for table in tables}


def list_learners(conn: duckdb.DuckDBPyConnection) -> list[Learner]:
    """Every learner, by name."""
    names = [r[0] for r in conn.execute("SELECT name FROM learners ORDER BY name").fetchall()]
    return [learner for name in names if (learner := get_learner(conn, name))]


# A learner's goals and exclusions are both texts kept by position, each with its embeddings per model.
_TOPICS = {"goal": ("goals", "goal_embeddings"), "exclusion": ("exclusions", "exclusion_embeddings")}


def goal_vectors(conn: duckdb.DuckDBPyConnection, learner: str, model: str) -> dict[str, np.ndarray]:
    """Stored goal embeddings by `model`, keyed by goal text (only for goals as they read now)."""
    return _topic_vectors(conn, "goal", learner, model)


def exclusion_vectors(conn: duckdb.DuckDBPyConnection, learner: str, model: str) -> dict[str, np.ndarray]:
    """Stored embeddings of the learner's exclusions by `model`, keyed by their text."""
    return _topic_vectors(conn, "exclusion", learner, model)


def store_goal_vectors(
    conn: duckdb.DuckDBPyConnection, learner: str, model: str, goals: Sequence[str], vectors: np.ndarray
) -> None:
    """Save the embeddings of a learner's goals, by position, replacing older ones."""
    _store_topic_vectors(conn, "goal", learner, model, goals, vectors)


def store_exclusion_vectors(
    conn: duckdb.DuckDBPyConnection, learner: str, model: str, texts: Sequence[str], vectors: np.ndarray
) -> None:
    """Save the embeddings of a learner's exclusions, by position, replacing older ones."""
    _store_topic_vectors(conn, "exclusion", learner, model, texts, vectors)


def _topic_vectors(conn: duckdb.DuckDBPyConnection, topic: str, learner: str, model: str) -> dict[str, np.ndarray]:
    texts, embeddings = _TOPICS[topic]
    table = conn.sql(
        f"""
        SELECT t.text, e.vector FROM {texts} t JOIN {embeddings} e
          ON e.learner = t.learner AND e.position = t.position AND e.model = ? AND e.text = t.text
        WHERE t.learner = ? ORDER BY t.position
        """,
        params=[model, learner],
    ).to_arrow_table()
    return dict(zip(table.column("text").to_pylist(), vectors_of(table)))


def _store_topic_vectors(conn: duckdb.DuckDBPyConnection, topic: str, learner: str, model: str,
                         texts: Sequence[str], vectors: np.ndarray) -> None:
    if not texts:
        return
    staged = pa.table({
        "learner": [learner] * len(texts),
        "position": pa.array(range(len(texts)), pa.int32()),
        "model": [model] * len(texts),
        "text": list(texts),
        "vector": list_array(vectors),
    })
    conn.execute(
        f"""
        INSERT INTO {_TOPICS[topic][1]} SELECT * FROM staged
        ON CONFLICT (learner, position, model) DO UPDATE SET text = excluded.text, vector = excluded.vector
        """
    )


def add_follows(
    conn: duckdb.DuckDBPyConnection, learner: str, source: str, communities: Sequence[str], now: datetime
) -> None:
    """Record that the learner already follows these communities."""
    staged = pa.table({"community": list(communities)})
    conn.execute(
        "INSERT INTO follows SELECT DISTINCT ?, ?, community, ? FROM staged ON CONFLICT DO NOTHING",
        [learner, source, now],
    )


def follows(conn: duckdb.DuckDBPyConnection, learner: str) -> set[tuple[str, str]]:
    """(source, community) pairs the learner follows."""
    rows = conn.execute("SELECT source, community FROM follows WHERE learner = ?", [learner]).fetchall()
    return {(r[0], r[1]) for r in rows}


# --- reading for ranking ---------------------------------------------------------------------

def window_posts(conn: duckdb.DuckDBPyConnection, model: str, start: datetime, end: datetime,
                 exclude_sources: Sequence[str] = (), engagement: Mapping[str, str] | None = None) -> pa.Table:
    """Embedded posts published in (start, end] with their vectors, in (source, source_id) order; undated posts
    count from when fetched.

    `engagement` names, per source, the number in a post's metrics that counts as its engagement (e.g. reddit:
    score); the `engagement` column holds it, NULL for other sources and posts that lack it.
    """
    return _window(conn, "p.source_id, p.community, p.author, p.title, p.url, {when} AS published_at, p.metrics",
                   model, start, end, exclude_sources, engagement, "ORDER BY p.source, p.source_id")


def ranking_window(conn: duckdb.DuckDBPyConnection, model: str, start: datetime, end: datetime,
                   exclude_sources: Sequence[str] = (),
                   engagement: Mapping[str, str] | None = None) -> tuple[pa.Table, np.ndarray]:
    """window_posts' posts with just what ranking reads, in no set order, and the row order that sorts them by
    (source, source_id).

    Sorting is left to the caller because a sort in DuckDB moves every vector, and the ranker needs only the
    order: its sums and ties then come out as over window_posts.
    """
    table = _window(conn, "p.source_id, p.community, p.author, p.title, p.url, {when} AS published_at",
                    model, start, end, exclude_sources, engagement, "")
    order = pc.sort_indices(table, [("source", "ascending"), ("source_id", "ascending")])
    return table, order.to_numpy()


def _window(conn: duckdb.DuckDBPyConnection, columns: str, model: str, start: datetime, end: datetime,
            exclude_sources: Sequence[str], engagement: Mapping[str, str] | None, order: str) -> pa.Table:
    named = sorted((engagement or {}).items())
    picked = "".join(" WHEN ? THEN json_extract_string(p.metrics, ?)" for _ in named)
    figure = f"TRY_CAST(CASE p.source{picked} END AS DOUBLE)" if named else "NULL::DOUBLE"
    when = "coalesce(p.published_at, p.fetched_at)"
    return conn.sql(
        f"""
        SELECT p.source, {columns.format(when=when)}, {figure} AS engagement, e.vector
        FROM posts p JOIN embeddings e
          ON e.source = p.source AND e.source_id = p.source_id AND e.model = ? AND e.content_hash = p.content_hash
        WHERE {when} > ? AND {when} <= ? AND NOT list_contains(?, p.source)
        {order}
        """,
        params=[*(v for source, key in named for v in (source, f"$.{key}")), model, start, end,
                list(exclude_sources)],
    ).to_arrow_table()


def window_texts(conn: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pa.Table:
    """Posts published in (start, end], as text: source, community, author, title, text (for lexical baselines)."""
    return conn.sql(
        """
        SELECT source, community, author, title, text FROM posts
        WHERE coalesce(published_at, fetched_at) > ? AND coalesce(published_at, fetched_at) <= ?
        ORDER BY source, source_id
        """,
        params=[start, end],
    ).to_arrow_table()


def communities(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], Community]:
    """Every known community by (source, key)."""
    rows = conn.execute(
        "SELECT source, key, name, url, description, size, category, created_at FROM communities"
    ).fetchall()
    return {(r[0], r[1]): Community(*r) for r in rows}


def people(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], Person]:
    """Every known person by (source, key)."""
    rows = conn.execute(
        "SELECT source, key, name, url, description, followers, links, metrics FROM people"
    ).fetchall()
    return {(r[0], r[1]): Person(*r[:6], links=tuple(json.loads(r[6] or "[]")), metrics=json.loads(r[7] or "{}"))
            for r in rows}


def store_recommendations(
    conn: duckdb.DuckDBPyConnection, learner: str, run_at: datetime, as_of: datetime, items: Sequence[Mapping]
) -> None:
    """Keep one run's recommendations for a learner (items as the JSON the CLI prints)."""
    if not items:
        return
    staged = pa.table({
        "rank": pa.array([i["rank"] for i in items], pa.int32()),
        "kind": [i["kind"] for i in items],
        "source": [i["source"] for i in items],
        "key": [i["key"] for i in items],
        "name": [i["name"] for i in items],
        "url": [i["url"] for i in items],
        "score": [float(i["score"]) for i in items],
        "goal": [i["goal"] for i in items],
        "reasons": [json.dumps(i["reasons"]) for i in items],
        "evidence": [json.dumps(i["evidence"]) for i in items],
    })
    conn.execute(
        "INSERT INTO recommendations SELECT ?, ?, ?, rank, kind, source, key, name, url, score, goal, "
        "reasons, evidence FROM staged",
        [learner, run_at, as_of],
    )


def _one(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple | None:
    """The first row, with the result read to the end: DuckDB 2 blocks a connection on a half-read result."""
    rows = conn.execute(sql, list(params)).fetchall()
    return rows[0] if rows else None


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    return _one(conn, f"SELECT count(*) FROM {table}")[0]
