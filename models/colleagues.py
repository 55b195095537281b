"""Scores an organisation's members against goals from their expertise items (posts, skills, courses, positions)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.ranking import RankingSettings

_RANKING = RankingSettings()
# The kinds of item a profile holds, in the order reasons name them.
KINDS = ("skill", "course", "post", "position")


@dataclass(frozen=True)
class ColleagueSettings:
    """Weights and thresholds of a member's score for a goal; relevance dominates, as in models/ranking.py."""

    top_items: int = _RANKING.top_posts
    w_relevance: float = _RANKING.w_relevance
    w_focus: float = _RANKING.w_focus
    # Corroboration: the goal shows in several kinds of item (a skill, a course and posts). Full marks from
    # `breadth_kinds` kinds on.
    w_breadth: float = 0.1
    breadth_kinds: int = 3
    # An item this similar to a goal is about it (the ranking's threshold): reasons name these.
    on_topic: float = _RANKING.on_topic
    # Below this even a member's closest item is not about the goal at all: better to suggest no one (the
    # ranking's `min_relevance`, also taken on the closest item).
    min_relevance: float = _RANKING.min_relevance


@dataclass(frozen=True)
class Profiles:
    """Every member's items as parallel arrays: `owner[i]` is item i's member (0..members-1), `vectors` unit rows."""

    owner: np.ndarray
    kind: np.ndarray
    vectors: np.ndarray
    members: int


@dataclass(frozen=True)
class MemberScores:
    """Goals x members: the score and its signals; `sims` is items x goals."""

    score: np.ndarray
    relevance: np.ndarray
    focus: np.ndarray
    breadth: np.ndarray
    closest: np.ndarray
    sims: np.ndarray

    def listable(self, settings: ColleagueSettings = ColleagueSettings()) -> np.ndarray:
        """Goals x members: True where the member's closest item comes near enough the goal to suggest them."""
        return self.closest >= settings.min_relevance

    def shown(self, settings: ColleagueSettings = ColleagueSettings()) -> np.ndarray:
        """Goals x members: True where at least one of the member's items is about the goal (`on_topic`)."""
        return self.closest >= settings.on_topic


def score_members(goal_vectors: np.ndarray, profiles: Profiles,
                  settings: ColleagueSettings = ColleagueSettings()) -> MemberScores:
    """Each member's score for each goal.

    relevance: mean similarity of the member's `top_items` items closest to the goal; focus: of all their items.
    A member with fewer items has the missing ones counted as the organisation's typical item for the goal, so one
    lucky item proves little (the ranking's rule for people). breadth: the kinds of item about the goal.
    """
    goals, members = len(goal_vectors), profiles.members
    shape = (goals, members)
    if not len(profiles.owner) or not goals:
        empty = np.zeros(shape)
        return MemberScores(empty, empty, empty, empty, np.full(shape, -np.inf),
                            np.zeros((len(profiles.owner), goals), dtype=np.float32))
    sims = profiles.vectors @ np.asarray(goal_vectors, dtype=profiles.vectors.dtype).T
    typical = sims.mean(axis=0, dtype=np.float64)
    count = np.bincount(profiles.owner, minlength=members).astype(np.float64)
    missing = np.maximum(settings.top_items - count, 0)
    relevance, focus, closest, breadth = (np.empty(shape) for _ in range(4))
    kinds = np.array([KINDS.index(k) for k in profiles.kind], dtype=np.int64)
    for g in range(goals):
        column = sims[:, g].astype(np.float64)
        order = np.lexsort((-column, profiles.owner))
        first = np.searchsorted(profiles.owner[order], np.arange(members))
        place = np.arange(len(order)) - first[profiles.owner[order]]
        top = order[place < settings.top_items]
        best = np.bincount(profiles.owner[top], weights=column[top], minlength=members)
        relevance[g] = (best + missing * typical[g]) / settings.top_items
        total = np.bincount(profiles.owner, weights=column, minlength=members)
        focus[g] = (total + missing * typical[g]) / np.maximum(count + missing, 1)
        closest[g] = np.full(members, -np.inf)
        np.maximum.at(closest[g], profiles.owner, column)
        on = column >= settings.on_topic
        shown = np.zeros((members, len(KINDS)), dtype=bool)
        shown[profiles.owner[on], kinds[on]] = True
        breadth[g] = np.minimum(shown.sum(axis=1) / settings.breadth_kinds, 1.0)
    score = settings.w_relevance * relevance + settings.w_focus * focus + settings.w_breadth * breadth
    return MemberScores(score, relevance, focus, breadth, closest, sims)


def best_members(scores: MemberScores, goal: int, top: int, *, leave_out: Sequence[int] = (),
                 settings: ColleagueSettings = ColleagueSettings()) -> list[int]:
    """The `top` members best placed to help with goal `goal`, best first, among those with an item about it."""
    score = np.where(scores.listable(settings)[goal], scores.score[goal], -np.inf)
    score[list(leave_out)] = -np.inf
    order = np.argsort(-score, kind="stable")[:top]
    return [int(m) for m in order if np.isfinite(score[m])]


def member_items(profiles: Profiles, scores: MemberScores, member: int, goal: int) -> np.ndarray:
    """The member's items, closest to the goal first."""
    mine = np.flatnonzero(profiles.owner == member)
    return mine[np.argsort(-scores.sims[mine, goal], kind="stable")]
