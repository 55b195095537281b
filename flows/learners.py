"""Adds learners with weighted goals and exclusions (embedded on the spot) and suggests goals from their record."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import duckdb
import numpy as np

from connectors import linkedin
from flows.errors import UsageError
from models import goals as goal_suggestions
from models.embedding import Embedder
from warehouse import network, queries
from warehouse.queries import Learner

EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# "Spanish grammar@0.5": a goal may end in @WEIGHT; anything else after an @ is part of the goal's words.
_WEIGHTED = re.compile(r"^(?P<goal>.*?)\s*@\s*(?P<weight>[0-9]*\.?[0-9]+)\s*$", re.S)
MAX_WEIGHT = 10.0


def parse_goal(text: str) -> tuple[str, float]:
    """A goal as typed, `GOAL` or `GOAL@WEIGHT`, split into its words and its weight (1 when none is given)."""
    match = _WEIGHTED.match(text.strip())
    if not match:
        return text.strip(), 1.0
    weight = float(match.group("weight"))
    if not 0 < weight <= MAX_WEIGHT:
        raise UsageError(f"--goal {text!r}: the weight after @ must be above 0 and at most {MAX_WEIGHT:g}")
    if not match.group("goal"):
        raise UsageError(f"--goal {text!r}: no goal before the @{match.group('weight')} weight")
    return match.group("goal"), weight


def add_learner(conn: duckdb.DuckDBPyConnection, name: str, email: str, goals: Sequence[str],
                embedder: Embedder, exclusions: Sequence[str] = ()) -> bool:
    """Create or update a learner (goals as `GOAL` or `GOAL@WEIGHT`, topics to exclude) and embed them now.

    An update replaces the email, goals and exclusions. True when the learner is new.
    """
    weighted = [parse_goal(g) for g in goals if g.strip()]
    learner = Learner(name.strip(), email.strip(), tuple(g for g, _ in weighted), tuple(w for _, w in weighted),
                      tuple(dict.fromkeys(x.strip() for x in exclusions if x.strip())))
    if not learner.name:
        raise UsageError("learner name: must not be empty")
    if not EMAIL_ADDRESS.match(learner.email):
        raise UsageError(f"{email!r}: not an email address")
    if not learner.goals:
        raise UsageError(f"{learner.name}: give at least one --goal")
    excluded = embedder.encode(list(learner.exclusions)) if learner.exclusions else None
    return queries.upsert_learner(conn, learner, datetime.now(UTC), embedder.name,
                                  embedder.encode(list(learner.goals)), excluded)


def goal_vectors(conn: duckdb.DuckDBPyConnection, learner: Learner, embedder: Embedder) -> np.ndarray:
    """The learner's goal embeddings by the embedder's model, computing and storing any that are missing."""
    return _embedded(learner.goals, queries.goal_vectors(conn, learner.name, embedder.name), embedder,
                     lambda vectors: queries.store_goal_vectors(conn, learner.name, embedder.name, learner.goals,
                                                                vectors))


def exclusion_vectors(conn: duckdb.DuckDBPyConnection, learner: Learner, embedder: Embedder) -> np.ndarray | None:
    """The embeddings of what the learner is not interested in (None when nothing), computing missing ones."""
    if not learner.exclusions:
        return None
    return _embedded(learner.exclusions, queries.exclusion_vectors(conn, learner.name, embedder.name), embedder,
                     lambda vectors: queries.store_exclusion_vectors(conn, learner.name, embedder.name,
                                                                     learner.exclusions, vectors))


def _embedded(texts: Sequence[str], stored: dict[str, np.ndarray], embedder: Embedder,
              store: Callable[[np.ndarray], None]) -> np.ndarray:
    if all(text in stored for text in texts):
        return np.vstack([stored[text] for text in texts])
    vectors = embedder.encode(list(texts))
    store(vectors)
    return vectors


def remove_learner(conn: duckdb.DuckDBPyConnection, name: str) -> dict[str, int]:
    """Delete the learner and everything about them (goals, exclusions, follows, votes, recommendations, digests,
    and what their LinkedIn export brought: their posts with vectors, network, skills); rows deleted by table."""
    learner = require_learner(conn, name)
    imported = network.forget(conn, learner.name, community=linkedin.community_of(learner.name))
    rest = queries.remove_learner(conn, learner.name)
    return {table: imported.get(table, 0) + rest.get(table, 0) for table in sorted(imported | rest)}


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
