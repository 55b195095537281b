"""Tracks feeds (one by one or from OPML), subreddits and X accounts, and records which a learner already follows."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from connectors import opml, reddit, rss, x
from flows.errors import UsageError
from warehouse import queries
from warehouse.queries import Target


@dataclass(frozen=True)
class Added:
    """How many targets were given, how many were new, who now follows them, and what could not be used."""

    given: int
    new: int
    followed_by: str | None
    skipped: tuple[tuple[str, str], ...] = ()


def add_feeds(conn: duckdb.DuckDBPyConnection, urls: Sequence[str], *, category: str = "",
              learner: str | None = None) -> Added:
    """Track feeds by URL or local path; all are checked before any is stored."""
    targets = [Target(rss.SOURCE, rss.normalise_target(u), category=category) for u in urls]
    return _track(conn, targets, learner)


def import_opml(conn: duckdb.DuckDBPyConnection, location: str, *, learner: str | None = None) -> Added:
    """Track every feed of an OPML file with its folder as category (`location` a path or URL)."""
    document = opml.read_opml(location)
    targets = [Target(rss.SOURCE, s.url, title=s.title, description=s.description, category=s.category)
               for s in document.subscriptions]
    return _track(conn, targets, learner, document.skipped)


def add_subreddits(conn: duckdb.DuckDBPyConnection, names: Sequence[str], *, learner: str | None = None) -> Added:
    """Track subreddits by name or URL; all are checked before any is stored."""
    return _track(conn, [Target(reddit.SOURCE, reddit.normalise_subreddit(n)) for n in names], learner)


def add_x_accounts(conn: duckdb.DuckDBPyConnection, handles: Sequence[str], *, learner: str | None = None) -> Added:
    """Track X accounts (@handle) and lists (list:ID); all are checked before any is stored."""
    return _track(conn, [Target(x.SOURCE, x.normalise_target(h)) for h in handles], learner)


def _track(conn: duckdb.DuckDBPyConnection, targets: list[Target], learner: str | None,
           skipped: tuple[tuple[str, str], ...] = ()) -> Added:
    if learner is not None and queries.get_learner(conn, learner) is None:
        raise UsageError(f"{learner}: no such learner (add one with `pln learner add`)")
    now = datetime.now(UTC)
    new = queries.add_targets(conn, targets, now)
    if learner is not None:
        for source in dict.fromkeys(t.source for t in targets):
            queries.add_follows(conn, learner, source, [t.target for t in targets if t.source == source], now)
    return Added(len(targets), new, learner, skipped)
