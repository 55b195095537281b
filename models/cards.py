"""The figures of a report card from its posts: weekly activity, share of posts on each goal, engagement medians."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

# The counts each source stores in a post's metrics that say how much readers engaged with it, with what a
# person calls them. Feeds carry none; labels such as a Reddit flair or an upvote ratio are not counts.
ENGAGEMENT: dict[str, tuple[tuple[str, str], ...]] = {
    "reddit": (("score", "upvotes"), ("comments", "comments")),
    "x": (("likes", "likes"), ("reposts", "reposts"), ("replies", "replies"), ("quotes", "quotes")),
}


@dataclass(frozen=True)
class Week:
    """Posts published in (start, end]; the oldest week of a window that is not whole weeks is shorter."""

    start: datetime
    end: datetime
    posts: int


@dataclass(frozen=True)
class Closest:
    title: str
    url: str
    similarity: float


@dataclass(frozen=True)
class GoalShare:
    """How many of the embedded posts are about one goal (similarity at or above the on-topic threshold)."""

    goal: str
    posts: int
    share: float
    closest: Closest | None


@dataclass(frozen=True)
class Engagement:
    """One engagement count over the window's posts that carry it."""

    metric: str
    label: str
    posts: int
    median: float
    max: float
    total: float


def engagement_metrics(source: str) -> tuple[str, ...]:
    """The metric names that count as engagement for posts of `source` (none for feeds)."""
    return tuple(name for name, _ in ENGAGEMENT.get(source, ()))


def weeks(counts: Mapping[int, int], end: datetime, window_days: int) -> tuple[Week, ...]:
    """Weekly counts, oldest first, from counts keyed by weeks back from `end` (0 = the last seven days)."""
    if window_days < 1:
        raise ValueError(f"window_days {window_days}: must be at least 1")
    start = end - timedelta(days=window_days)
    n = math.ceil(window_days / 7)
    return tuple(Week(max(start, end - timedelta(days=7 * (i + 1))), end - timedelta(days=7 * i), counts.get(i, 0))
                 for i in reversed(range(n)))


def posts_per_week(posts: int, window_days: int) -> float:
    """The window's average rate, so windows that are not whole weeks compare fairly."""
    return posts * 7 / window_days


def goal_shares(goals: Sequence[str], goal_vectors: np.ndarray, post_vectors: np.ndarray, titles: Sequence[str],
                urls: Sequence[str], on_topic: float) -> tuple[tuple[GoalShare, ...], int]:
    """Per goal, the posts on it, their share of all posts given, and the closest post; and the posts on any goal.

    Rows of both matrices are unit length, so a dot product is the cosine similarity ranking uses.
    """
    if len(goals) != len(goal_vectors):
        raise ValueError(f"{len(goals)} goals but {len(goal_vectors)} goal vectors")
    if len(post_vectors) == 0:
        return tuple(GoalShare(goal, 0, 0.0, None) for goal in goals), 0
    sims = post_vectors @ goal_vectors.T  # posts x goals
    on = sims >= on_topic
    shares: list[GoalShare] = []
    for g, goal in enumerate(goals):
        best = int(sims[:, g].argmax())
        shares.append(GoalShare(goal, int(on[:, g].sum()), float(on[:, g].mean()),
                                Closest(titles[best], urls[best], round(float(sims[best, g]), 4))))
    return tuple(shares), int(on.any(axis=1).sum())


def engagement(values: Mapping[str, Sequence[float]], source: str) -> tuple[Engagement, ...]:
    """Median, largest and total of each engagement count of `source` that some post carries, in a fixed order."""
    return tuple(Engagement(name, label, len(values[name]), float(np.median(values[name])), float(max(values[name])),
                            float(sum(values[name])))
                 for name, label in ENGAGEMENT.get(source, ()) if values.get(name))
