"""Groups learners' goals into peer learning circles: close goals together, a learner once each, teams mixed."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest

import numpy as np
from sklearn.cluster import AgglomerativeClustering


@dataclass(frozen=True)
class CircleSettings:
    """How close goals must be to share a theme."""

    # Average-linkage cosine distance under which goals join one theme: a mean similarity of 0.3 or more between
    # them, where the ranking's scale says "about the same thing" (docs/ranking.md). Average linkage, so one goal
    # that bridges two themes does not chain them together. At 0.6 (mean 0.4) circles were as pure but a third of
    # the benchmark's learners were left out (docs/org.md).
    max_distance: float = 0.7


@dataclass(frozen=True)
class Circle:
    """Rows of the goals that make a circle (one per learner) and the row whose goal names it."""

    goals: tuple[int, ...]
    named_by: int


def themes(vectors: np.ndarray, settings: CircleSettings = CircleSettings()) -> np.ndarray:
    """A theme label per goal row (unit vectors): goals whose mean cosine distance is under `max_distance`."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.int64)
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=settings.max_distance)
    return model.fit_predict(np.asarray(vectors, dtype=np.float64))


def form_circles(vectors: np.ndarray, learners: Sequence[str], teams: Sequence[str], *, min_size: int,
                 max_size: int, settings: CircleSettings = CircleSettings()) -> list[Circle]:
    """Circles of `min_size` to `max_size` learners from goal rows (`learners[i]` and `teams[i]` own row i).

    A theme holds a learner once, by their goal closest to it, so every goal lands in at most one circle. A theme
    larger than `max_size` is dealt into as few circles as fit, team by team in turn, so each mixes teams; a theme
    or part smaller than `min_size` forms no circle. Largest circles first.
    """
    if not 1 <= min_size <= max_size:
        raise ValueError(f"circle sizes: need 1 <= min_size <= max_size, got {min_size} and {max_size}")
    labels = themes(vectors, settings)
    circles = []
    for label in np.unique(labels):
        rows = _one_per_learner(np.flatnonzero(labels == label), vectors, learners)
        for part in _dealt(rows, teams, max_size):
            if len(part) >= min_size:
                circles.append(Circle(tuple(sorted(part)), medoid(part, vectors)))
    return sorted(circles, key=lambda c: (-len(c.goals), c.goals))


def _one_per_learner(rows: np.ndarray, vectors: np.ndarray, learners: Sequence[str]) -> list[int]:
    """Of each learner's goals in a theme, the one closest to the theme's centre."""
    closeness = vectors[rows] @ vectors[rows].mean(axis=0)
    best: dict[str, tuple[float, int]] = {}
    for row, close in zip(rows.tolist(), closeness.tolist()):
        if learners[row] not in best or close > best[learners[row]][0]:
            best[learners[row]] = (close, row)
    return sorted(row for _, row in best.values())


def _dealt(rows: list[int], teams: Sequence[str], max_size: int) -> list[list[int]]:
    """The rows in ceil(n / max_size) parts of near-equal size, taken from the teams in turn so parts mix teams."""
    parts = math.ceil(len(rows) / max_size)
    by_team: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_team[teams[row]].append(row)
    # One from each team in turn, largest team first, then cut into consecutive parts: each part is a run of
    # turns, so it holds every team while turns last.
    queues = sorted(by_team.values(), key=lambda q: (-len(q), q))
    order = [row for turn in zip_longest(*queues) for row in turn if row is not None]
    return [part.tolist() for part in np.array_split(np.array(order, dtype=np.int64), parts)]


def medoid(rows: Sequence[int], vectors: np.ndarray) -> int:
    """Of these rows, the one whose goal is closest to the others: the one that says best what they share."""
    block = vectors[list(rows)]
    return rows[int(np.argmax((block @ block.T).sum(axis=1)))]
