"""Peer learning circles: learners with close goals grouped, each circle with colleagues and communities to help it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np

from flows.errors import UsageError
from flows.learners import goal_vectors
from flows.org_network import Colleague, Network, colleagues_for, load_network
from flows.org_network import to_json as colleagues_json
from flows.recommend import as_json as community_json
from flows.recommend import window
from models.circles import form_circles
from models.colleagues import score_members
from models.embedding import Embedder
from models.ranking import Recommendation, rank
from warehouse import queries


@dataclass(frozen=True)
class GoalRows:
    """Every learner's goals, one row each: whose it is, its text and its vector."""

    learners: list[str]
    emails: list[str]
    goals: list[str]
    vectors: np.ndarray


@dataclass(frozen=True)
class CircleMember:
    learner: str
    goal: str
    team: str


@dataclass(frozen=True)
class LearningCircle:
    """Learners sharing a goal, named by the goal closest to all of theirs, and who and what could help them."""

    name: str
    members: tuple[CircleMember, ...]
    colleagues: tuple[Colleague, ...]
    communities: tuple[Recommendation, ...]

    def teams(self) -> int:
        return len({m.team for m in self.members if m.team})


@dataclass(frozen=True)
class Circles:
    """The circles formed, and the learners with goals who are in none."""

    circles: tuple[LearningCircle, ...]
    learners: int
    left_out: tuple[str, ...]


def learner_goals(conn: duckdb.DuckDBPyConnection, embedder: Embedder) -> GoalRows:
    """Every learner's goals with their vectors (computed and stored where missing)."""
    learners, emails, goals, vectors = [], [], [], []
    for learner in queries.list_learners(conn):
        learners += [learner.name] * len(learner.goals)
        emails += [learner.email] * len(learner.goals)
        goals += learner.goals
        vectors.append(goal_vectors(conn, learner, embedder))
    return GoalRows(learners, emails, goals, np.vstack(vectors) if vectors else np.zeros((0, embedder.dimension)))


def circles(conn: duckdb.DuckDBPyConnection, embedder: Embedder, *, min_size: int = 3, max_size: int = 8,
            top: int = 3, window_days: int = 30, as_of: datetime | None = None) -> Circles:
    """Group learners with close goals into circles of `min_size` to `max_size`, with the `top` colleagues and
    communities (ranked over posts of the `window_days` before `as_of`) for each circle's shared goal."""
    if min_size < 2 or max_size < min_size:
        raise UsageError(f"--min-size {min_size} --max-size {max_size}: a circle needs at least 2 learners and "
                         "--max-size at least --min-size")
    rows = learner_goals(conn, embedder)
    network = load_network(conn, embedder)
    teams = [team_of(network, learner, email) for learner, email in zip(rows.learners, rows.emails)]
    formed = form_circles(rows.vectors, rows.learners, teams, min_size=min_size, max_size=max_size)
    centres = np.vstack([_centre(rows.vectors[list(c.goals)]) for c in formed]) if formed else rows.vectors[:0]
    scores = score_members(centres, network.profiles)
    shared = window(conn, embedder.name, window_days=window_days, as_of=as_of, kinds=("community",))
    result = []
    for i, circle in enumerate(formed):
        name = rows.goals[circle.named_by]
        themselves = [m for g in circle.goals for m in network.same_person(rows.learners[g], rows.emails[g])]
        communities = rank("community", [name], centres[i:i + 1], shared.posts, shared.communities,
                           community_names=shared.community_names, window_days=window_days, top=top).items
        result.append(LearningCircle(
            name, tuple(CircleMember(rows.learners[g], rows.goals[g], teams[g]) for g in circle.goals),
            tuple(colleagues_for(network, scores, i, name, top, leave_out=themselves)), communities))
    placed = {m.learner for c in result for m in c.members}
    return Circles(tuple(result), len(set(rows.learners)),
                   tuple(sorted(set(rows.learners) - placed)))


def team_of(network: Network, learner: str, email: str) -> str:
    """The team of the member who is this learner ('' when they are not a member or name no team)."""
    return next((network.members[m].team for m in network.same_person(learner, email)), "")


def to_json(found: Circles) -> list[dict]:
    """The circles in the shape `pln org circles --format json` prints."""
    return [{"name": c.name, "size": len(c.members), "teams": c.teams(),
             "members": [{"learner": m.learner, "goal": m.goal, "team": m.team} for m in c.members],
             "colleagues": colleagues_json(list(c.colleagues)),
             "communities": [community_json(item, n) for n, item in enumerate(c.communities, start=1)]}
            for c in found.circles]


def _centre(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)
