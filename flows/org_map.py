"""The organisation's expertise against its learners' goals: per theme of goals, who can help, and where no one can."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from flows.org_circles import learner_goals
from flows.org_network import Colleague, Network, describe, load_network
from flows.org_network import to_json as colleagues_json
from models.circles import medoid, themes
from models.colleagues import MemberScores, score_members
from models.embedding import Embedder

HELPERS_SHOWN = 3


@dataclass(frozen=True)
class Theme:
    """Goals of one theme: who wants it, how many members can help with it, and the best of them."""

    name: str
    learners: tuple[str, ...]
    goals: tuple[str, ...]
    able: int
    helpers: tuple[Colleague, ...]

    @property
    def status(self) -> str:
        """gap: no member shows this expertise; thin: one does; covered: several do."""
        return "gap" if self.able == 0 else "thin" if self.able == 1 else "covered"


@dataclass(frozen=True)
class ExpertiseMap:
    """The themes, most wanted first, and how many members and learners they were drawn from."""

    themes: tuple[Theme, ...]
    members: int
    learners: int


def expertise_map(conn: duckdb.DuckDBPyConnection, embedder: Embedder) -> ExpertiseMap:
    """Learners' goals grouped into themes, each with the members able to help with any of its goals.

    A member can help with a theme when one of their items is about one of its goals (`on_topic`: a stricter test
    than for being suggested at all); they are ranked by their best score over its goals. Learners never count as
    able to help with their own goals.
    """
    rows = learner_goals(conn, embedder)
    network = load_network(conn, embedder)
    scores = score_members(rows.vectors, network.profiles)
    shown = scores.shown()
    labels = themes(rows.vectors)
    found = []
    for label in np.unique(labels):
        goals = np.flatnonzero(labels == label)
        able = shown[goals].copy()
        for place, g in enumerate(goals):
            able[place, network.same_person(rows.learners[g], rows.emails[g])] = False
        best = np.where(able, scores.score[goals], -np.inf)
        helpers = _helpers(network, scores, best, goals, [rows.goals[g] for g in goals])
        found.append(Theme(rows.goals[medoid(goals.tolist(), rows.vectors)],
                           tuple(sorted({rows.learners[g] for g in goals})), tuple(rows.goals[g] for g in goals),
                           int(able.any(axis=0).sum()), helpers))
    order = sorted(found, key=lambda t: (-len(t.learners), t.able, t.name))
    return ExpertiseMap(tuple(order), len(network.members), len(set(rows.learners)))


def _helpers(network: Network, scores: MemberScores, best: np.ndarray, goals: np.ndarray,
             texts: list[str]) -> tuple[Colleague, ...]:
    """The members with the best score on any goal of the theme, each described for the goal they fit best."""
    top = best.max(axis=0)
    chosen = [int(m) for m in np.argsort(-top, kind="stable")[:HELPERS_SHOWN] if np.isfinite(top[m])]
    fit = best.argmax(axis=0)
    return tuple(describe(network, scores, m, int(goals[fit[m]]), texts[fit[m]]) for m in chosen)


def to_json(found: ExpertiseMap) -> list[dict]:
    """The themes in the shape `pln org map --format json` prints."""
    return [{"theme": t.name, "status": t.status, "learners": list(t.learners), "goals": list(t.goals),
             "members_able": t.able, "helpers": colleagues_json(list(t.helpers))} for t in found.themes]
