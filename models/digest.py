"""What a weekly digest holds, computed: the week it covers, which recommendations are news, the week's best posts,
and how many posts were about each goal week by week."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# A recommendation shown before comes back when its score rose by this much (scores run 0-1, and the ranking's
# own tie-breakers move them by a few hundredths from week to week): a place that got markedly more on-goal.
MARKED_RISE = 0.1


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week. Its digest is sent on its Monday and covers the seven days before that Monday."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """'2026-W48' (ISO 8601); a ValueError says what is wrong."""
        match = _ISO_WEEK.match(text.strip())
        if not match:
            raise ValueError(f"{text!r}: not an ISO week (YYYY-Www, e.g. 2026-W48)")
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise ValueError(f"{text!r}: {year} has no week {number}") from None
        return cls(year, number)

    @classmethod
    def of(cls, day: date) -> Week:
        """The ISO week `day` falls in."""
        year, number, _ = day.isocalendar()
        return cls(year, number)

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    def ends(self, timezone: ZoneInfo) -> datetime:
        """The end of the period the digest covers: its Monday's midnight where the learners read it."""
        return datetime.combine(self.monday, time(), timezone)

    def starts(self, timezone: ZoneInfo) -> datetime:
        """Seven days before `ends`: the digest covers posts published in (starts, ends]."""
        return datetime.combine(self.monday - timedelta(days=7), time(), timezone)

    def series(self, weeks: int) -> tuple[Week, ...]:
        """The `weeks` weeks ending with this one, oldest first: the digests that cover one stretch of days."""
        return tuple(Week.of(self.monday - timedelta(days=7 * back)) for back in range(weeks - 1, -1, -1))


@dataclass(frozen=True)
class Shown:
    """How an earlier digest showed a recommendation: the goal it served and its score."""

    goal: str
    score: float


def news(goal: str, score: float, shown: Shown | None, rise: float = MARKED_RISE) -> str | None:
    """Why a recommendation belongs in this digest, or None when an earlier digest showed it as it is now.

    It is news when no earlier digest showed it, when it now serves another goal than it did then (the learner
    changed their goals, or it changed what it talks about), or when its score rose by at least `rise`.
    """
    if shown is None:
        return "new"
    if goal != shown.goal:
        return f"now for “{goal}”"
    if score >= shown.score + rise:
        return f"score up from {shown.score:.2f} to {score:.2f}"
    return None


def best_posts(goal_sims: np.ndarray, per_goal: int, min_similarity: float,
               avoid_sims: np.ndarray | None = None, same: Callable[[int], object] = int) -> list[np.ndarray]:
    """Per goal, the indices of up to `per_goal` posts most similar to it, most similar first.

    `goal_sims` is posts x goals; a post counts at `min_similarity` or more to a goal. A post is
    listed under the goal it is closest to, so none appears twice; one closer to a topic the learner does not
    want (a column of `avoid_sims`) than to its goal is left out; posts with the same `same(i)` (a title, say:
    one link posted in several places) are listed once.
    """
    if not goal_sims.size:
        return [np.zeros(0, dtype=np.int64) for _ in range(goal_sims.shape[1])]
    best_goal = goal_sims.argmax(axis=1)
    fit = goal_sims[np.arange(len(goal_sims)), best_goal]
    keep = fit >= min_similarity
    if avoid_sims is not None and avoid_sims.size:
        keep &= avoid_sims.max(axis=1) < fit
    chosen: list[np.ndarray] = []
    for g in range(goal_sims.shape[1]):
        candidates = np.flatnonzero(keep & (best_goal == g))
        ordered = candidates[np.argsort(-fit[candidates], kind="stable")]
        picked: dict[object, int] = {}
        for i in ordered.tolist():
            picked.setdefault(same(i), i)
            if len(picked) == per_goal:
                break
        chosen.append(np.array(list(picked.values()), dtype=np.int64))
    return chosen


def period_of(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """For each of `times`, the i of the period (edges[i], edges[i + 1]] it falls in, or -1 when in none.

    `edges` is ascending; both are numbers on one scale (microseconds since the epoch, say).
    """
    period = np.searchsorted(edges, times, side="left") - 1
    period[period >= len(edges) - 1] = -1
    return period


def on_goal_counts(goal_sims: np.ndarray, period: np.ndarray, periods: int, min_similarity: float,
                   avoid_sims: np.ndarray | None = None) -> np.ndarray:
    """Goals x periods: how many posts of each period are about each goal.

    `goal_sims` is posts x goals and `period` each post's period (-1: none of them). A post is about every goal it
    is `min_similarity` or more similar to, as the ranking counts a place's posts on a goal, so one post may count
    for two goals; one closer to a topic the learner does not want (a column of `avoid_sims`) is left out, as
    `best_posts` leaves it out.
    """
    counted = period >= 0
    avoided = avoid_sims.max(axis=1) if avoid_sims is not None and avoid_sims.size else None
    counts = np.zeros((goal_sims.shape[1], periods), dtype=np.int64)
    for g in range(goal_sims.shape[1]):
        # Column by column: the ranking's similarity matrices keep each goal's column in one piece.
        sims = goal_sims[:, g]
        about = counted & (sims >= min_similarity)
        if avoided is not None:
            about &= avoided < sims
        counts[g] = np.bincount(period[about], minlength=periods)
    return counts
