"""Every SQL statement the community and person report cards run: lookups by name, a window's activity, samples."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from connectors.base import Community, Person

# Which posts column ties a post to the subject of a card.
_COLUMN = {"community": "community", "person": "author"}
_WHEN = "coalesce(p.published_at, p.fetched_at)"
# A post's engagement: the sum of the metrics named by the parameter that it carries (NULL if none).
_ENGAGEMENT = ("list_sum(list_transform(?::VARCHAR[], "
               "lambda m: TRY_CAST(json_extract_string(p.metrics, '$.' || m) AS DOUBLE)))")


@dataclass(frozen=True)
class Subject:
    """Whose posts a card reads: a community's or a person's, of one source, published in (start, end]."""

    kind: str
    source: str
    key: str
    start: datetime
    end: datetime

    def where(self) -> tuple[str, list[object]]:
        """The WHERE clause (posts aliased `p`) and its parameters."""
        column = _COLUMN.get(self.kind)
        if column is None:
            raise ValueError(f"kind {self.kind!r}: a card is of a community or a person")
        return (f"p.source = ? AND p.{column} = ? AND {_WHEN} > ? AND {_WHEN} <= ?",
                [self.source, self.key, self.start, self.end])


@dataclass(frozen=True)
class Active:
    """A person active in a community, or a community a person posts in, with their posts in the window."""

    key: str
    name: str
    url: str
    posts: int


@dataclass(frozen=True)
class Sample:
    """A post shown on a card; `engagement` holds the counts asked for that the post has."""

    title: str
    snippet: str
    url: str
    published_at: datetime
    community: str
    author: str
    engagement: dict[str, float]


# --- finding the subject -----------------------------------------------------------------------

def find_communities(conn: duckdb.DuckDBPyConnection, keys: Sequence[str], text: str, *, source: str | None = None,
                     exclude_sources: Sequence[str] = ()) -> list[Community]:
    """Communities whose key is one of `keys`, or whose name or URL is `text` (all ignoring case).

    A community seen only in posts (its about data never read) is found by its key and named by it.
    """
    rows = conn.execute(
        f"""
        WITH known AS ({_KNOWN_COMMUNITIES})
        SELECT source, key, name, url, description, size, category, created_at FROM known
        WHERE NOT list_contains(?, source) AND (? IS NULL OR source = ?)
          AND (list_contains(?, lower(key)) OR lower(name) = ? OR lower(rtrim(url, '/')) = ?)
        ORDER BY source, key
        """,
        [list(exclude_sources), source, source, [k.lower() for k in keys], text.lower(), text.lower().rstrip("/")],
    ).fetchall()
    return [Community(*row) for row in rows]


def communities_like(conn: duckdb.DuckDBPyConnection, text: str, limit: int,
                     exclude_sources: Sequence[str] = ()) -> list[str]:
    """Names of communities whose name or key contains `text` (ignoring case), for a 'did you mean'."""
    return _names_like(conn, _KNOWN_COMMUNITIES, text, limit, exclude_sources)


def find_people(conn: duckdb.DuckDBPyConnection, keys: Sequence[str], text: str, *, source: str | None = None,
                exclude_sources: Sequence[str] = ()) -> list[Person]:
    """People whose key is one of `keys`, or whose name or profile URL is `text` (all ignoring case).

    An author seen only in posts (no profile read) is found by their key and named by it.
    """
    rows = conn.execute(
        f"""
        WITH known AS ({_KNOWN_PEOPLE})
        SELECT source, key, name, url, description, followers, links, metrics FROM known
        WHERE NOT list_contains(?, source) AND (? IS NULL OR source = ?)
          AND (list_contains(?, lower(key)) OR lower(name) = ? OR lower(rtrim(url, '/')) = ?)
        ORDER BY source, key
        """,
        [list(exclude_sources), source, source, [k.lower() for k in keys], text.lower(), text.lower().rstrip("/")],
    ).fetchall()
    return [Person(*row[:6], links=tuple(json.loads(row[6] or "[]")), metrics=json.loads(row[7] or "{}"))
            for row in rows]


def people_like(conn: duckdb.DuckDBPyConnection, text: str, limit: int,
                exclude_sources: Sequence[str] = ()) -> list[str]:
    """Names of people whose name or key contains `text` (ignoring case), for a 'did you mean'."""
    return _names_like(conn, _KNOWN_PEOPLE, text, limit, exclude_sources)


def _names_like(conn: duckdb.DuckDBPyConnection, known: str, text: str, limit: int,
                exclude_sources: Sequence[str]) -> list[str]:
    rows = conn.execute(
        f"""
        WITH known AS ({known})
        SELECT DISTINCT name FROM known
        WHERE NOT list_contains(?, source) AND (contains(lower(name), ?) OR contains(lower(key), ?))
        ORDER BY name LIMIT ?
        """,
        [list(exclude_sources), text.lower(), text.lower(), limit],
    ).fetchall()
    return [row[0] for row in rows]


_KNOWN_COMMUNITIES = """
    SELECT source, key, name, url, description, size, category, created_at FROM communities
    UNION ALL
    SELECT DISTINCT p.source, p.community, p.community, '', '', NULL::BIGINT, '', NULL::TIMESTAMPTZ FROM posts p
    WHERE NOT EXISTS (SELECT 1 FROM communities c WHERE c.source = p.source AND c.key = p.community)
"""

_KNOWN_PEOPLE = """
    SELECT source, key, name, url, description, followers, links, metrics FROM people
    UNION ALL
    SELECT DISTINCT p.source, p.author, p.author, '', '', NULL::BIGINT, NULL::JSON, NULL::JSON FROM posts p
    WHERE p.author <> '' AND NOT EXISTS (SELECT 1 FROM people x WHERE x.source = p.source AND x.key = p.author)
"""


# --- the window's activity ---------------------------------------------------------------------

def weekly_counts(conn: duckdb.DuckDBPyConnection, subject: Subject) -> dict[int, int]:
    """Posts per week counted back from the window's end: week 0 is (end - 7 days, end], week 1 the one before..."""
    where, params = subject.where()
    rows = conn.execute(
        f"""
        SELECT (epoch(?::TIMESTAMPTZ) - epoch({_WHEN}))::BIGINT // 604800 AS week, count(*)
        FROM posts p WHERE {where} GROUP BY week
        """,
        [subject.end, *params],
    ).fetchall()
    return {int(week): int(n) for week, n in rows}


def metric_values(conn: duckdb.DuckDBPyConnection, subject: Subject, metrics: Sequence[str]) -> dict[str, list[float]]:
    """For each of `metrics`, its numeric values over the window's posts that carry it (others are left out)."""
    if not metrics:
        return {}
    where, params = subject.where()
    rows = conn.execute(
        f"""
        SELECT name, list(value) FROM (
            SELECT m.name, TRY_CAST(json_extract_string(p.metrics, '$.' || m.name) AS DOUBLE) AS value
            FROM posts p CROSS JOIN (SELECT unnest(?::VARCHAR[]) AS name) m WHERE {where}
        ) WHERE value IS NOT NULL GROUP BY name
        """,
        [list(metrics), *params],
    ).fetchall()
    return {name: list(values) for name, values in rows}


def most_active_people(conn: duckdb.DuckDBPyConnection, subject: Subject, limit: int) -> list[Active]:
    """The authors with most posts in the community's window, named from their profiles when known."""
    where, params = subject.where()
    rows = conn.execute(
        f"""
        SELECT p.author, coalesce(any_value(x.name), p.author), coalesce(any_value(x.url), ''), count(*) AS n
        FROM posts p LEFT JOIN people x ON x.source = p.source AND x.key = p.author
        WHERE {where} AND p.author <> ''
        GROUP BY p.author ORDER BY n DESC, p.author LIMIT ?
        """,
        [*params, limit],
    ).fetchall()
    return [Active(*row) for row in rows]


def most_active_communities(conn: duckdb.DuckDBPyConnection, subject: Subject, limit: int) -> list[Active]:
    """The communities where the person posted most in the window, by their names as `pln recommend` prints them."""
    where, params = subject.where()
    rows = conn.execute(
        f"""
        SELECT p.community, coalesce(any_value(c.name), p.community), coalesce(any_value(c.url), ''), count(*) AS n
        FROM posts p LEFT JOIN communities c ON c.source = p.source AND c.key = p.community
        WHERE {where}
        GROUP BY p.community ORDER BY n DESC, p.community LIMIT ?
        """,
        [*params, limit],
    ).fetchall()
    return [Active(*row) for row in rows]


def sample_posts(conn: duckdb.DuckDBPyConnection, subject: Subject, metrics: Sequence[str], limit: int, *,
                 most_engaged: bool = False) -> list[Sample]:
    """The newest posts of the window or, with `most_engaged`, those with the highest sum of `metrics`.

    Posts carrying none of `metrics` are never among the most engaged.
    """
    where, params = subject.where()
    order = "engagement DESC, when_ DESC" if most_engaged else "when_ DESC, p.source_id"
    rows = conn.execute(
        f"""
        SELECT p.title, left(p.text, 300), p.url, {_WHEN} AS when_, coalesce(c.name, p.community),
               coalesce(x.name, p.author), p.metrics, {_ENGAGEMENT} AS engagement
        FROM posts p
        LEFT JOIN communities c ON c.source = p.source AND c.key = p.community
        LEFT JOIN people x ON x.source = p.source AND x.key = p.author
        WHERE {where} {"AND engagement IS NOT NULL" if most_engaged else ""}
        ORDER BY {order} LIMIT ?
        """,
        [list(metrics), *params, limit],
    ).fetchall()
    return [Sample(title, snippet, url, when, community, author, _numbers(raw, metrics))
            for title, snippet, url, when, community, author, raw, _ in rows]


def embedded_posts(conn: duckdb.DuckDBPyConnection, subject: Subject, model: str) -> pa.Table:
    """The window's posts embedded by `model` for their current content: title, url, vector (for goal shares)."""
    where, params = subject.where()
    return conn.sql(
        f"""
        SELECT p.title, left(p.text, 300) AS snippet, p.url, e.vector
        FROM posts p JOIN embeddings e
          ON e.source = p.source AND e.source_id = p.source_id AND e.model = ? AND e.content_hash = p.content_hash
        WHERE {where} ORDER BY p.source_id
        """,
        params=[model, *params],
    ).to_arrow_table()


def _numbers(raw: str | None, metrics: Sequence[str]) -> dict[str, float]:
    stored = json.loads(raw) if raw else {}
    return {m: float(stored[m]) for m in metrics if isinstance(stored.get(m), int | float)}
