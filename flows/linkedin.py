"""Imports a learner's LinkedIn export: their own posts, their network, and the skills and courses behind new goals."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from connectors import linkedin
from connectors.base import Fetch
from flows.learners import require_learner
from warehouse import network, queries
from warehouse.network import Fact, NetworkEntry


@dataclass(frozen=True)
class LinkedInImport:
    """What one import brought in, and what in the export could not be used."""

    learner: str
    posts: int
    new_posts: int
    network: dict[str, int]
    facts: dict[str, int]
    warnings: tuple[str, ...]


def import_export(conn: duckdb.DuckDBPyConnection, path: str | Path, learner_name: str,
                  now: datetime | None = None) -> LinkedInImport:
    """Read the export at `path` (ZIP or folder) for the learner and replace what an earlier import stored."""
    learner = require_learner(conn, learner_name)
    now = now or datetime.now(UTC)
    export = linkedin.read_export(path, owner=learner.name, now=now)
    stored = queries.store_records(conn, Fetch(str(path), posts=export.posts), now)
    entries = network_entries(export)
    facts = background(export)
    network.replace_imported(conn, learner.name, entries, facts, now)
    return LinkedInImport(learner.name, len(export.posts), stored.new, dict(Counter(e.kind for e in entries)),
                          dict(Counter(f.kind for f in facts)), export.warnings)


def network_entries(export: linkedin.LinkedInExport) -> list[NetworkEntry]:
    """Connections, followed members, companies and hashtags as network entries (never an email address)."""
    entries = [NetworkEntry("connection", c.url or c.name, c.name, c.url,
                            {"company": c.company, "position": c.position,
                             "connected_on": c.connected_on.isoformat() if c.connected_on else ""})
               for c in export.connections]
    entries += [NetworkEntry("member", m.url or m.name, m.name, m.url) for m in export.member_follows]
    entries += [NetworkEntry("company", name, name) for name in export.company_follows]
    entries += [NetworkEntry("hashtag", tag.lstrip("#").lower(), tag) for tag in export.hashtag_follows]
    return entries


def background(export: linkedin.LinkedInExport) -> list[Fact]:
    """Skills, courses taken and positions held, as facts to suggest goals from."""
    facts = [Fact("skill", skill) for skill in export.skills]
    facts += [Fact("course", c.title, {"description": c.description, "type": c.type},
                   c.completed_at.date() if c.completed_at else None) for c in export.courses]
    facts += [Fact("position", f"{p.title} at {p.company}" if p.company else p.title,
                   {"title": p.title, "company": p.company}, p.started) for p in export.positions]
    return facts


def forget(conn: duckdb.DuckDBPyConnection, learner_name: str) -> dict[str, int]:
    """Delete everything imported for the learner; the learner and their goals stay."""
    learner = require_learner(conn, learner_name)
    return network.forget(conn, learner.name, community=linkedin.community_of(learner.name))

