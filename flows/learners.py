"""Adds learners with their goals (embedded on the spot for quick recommendations) and suggests goals from their record."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from collections.abc import Sequence

import duckdb
import numpy as np

from flows.errors import UsageError
from models import goals as goal_suggestions
from models.embedding import Embedder
from warehouse import network, queries
from warehouse.queries import Learner

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def add_learner(conn: duckdb.DuckDBPyConnection, name: str, email: str, goals: Sequence[str],
                embedder: Embedder) -> bool:
    """Create or update a learner and embed their goals now; True when the learner is new."""
    learner = Learner(name.strip(), email.strip(), tuple(g.strip() for g in goals if g.strip()))
    if not learner.name:
        raise UsageError("learner name: must not be empty")
    if not _EMAIL.match(learner.email):
        raise UsageError(f"{email!r}: not an email address")
    if not learner.goals:
        raise UsageError(f"{learner.name}: give at least one --goal")
    vectors = embedder.encode(list(learner.goals))
    return queries.upsert_learner(conn, learner, datetime.now(UTC), embedder.name, vectors)


def goal_vectors(conn: duckdb.DuckDBPyConnection, learner: Learner, embedder: Embedder) -> np.ndarray:
    """The learner's goal embeddings by the embedder's model, computing and storing any that are missing."""
    stored = queries.goal_vectors(conn, learner.name, embedder.name)
    if all(goal in stored for goal in learner.goals):
        return np.vstack([stored[g] for g in learner.goals])
    vectors = embedder.encode(list(learner.goals))
    queries.store_goal_vectors(conn, learner.name, embedder.name, learner.goals, vectors)
    return vectors


def require_learner(conn: duckdb.DuckDBPyConnection, name: str) -> Learner:
    """The learner called `name`, or a UsageError naming it."""
    learner = queries.get_learner(conn, name)
    if learner is None:
        raise UsageError(f"{name}: no such learner (add one with `pln learner add`)")
    return learner


def suggest_goals(conn: duckdb.DuckDBPyConnection, name: str, embedder: Embedder, today: date,
                  top: int = 5) -> list[goal_suggestions.Suggestion]:
    """Goals the learner's imported courses and skills point to that none of their goals covers yet."""
    learner = require_learner(conn, name)
    record = [goal_suggestions.Evidence(f.kind, f.text, f.dated)
              for f in network.facts(conn, learner.name) if f.kind in ("course", "skill")]
    if not record:
        return []
    vectors = embedder.encode([e.text for e in record])
    return goal_suggestions.suggest(record, vectors, goal_vectors(conn, learner, embedder), today, top)
