"""Suggests learning goals from what a learner's record shows (courses taken, skills listed), skipping goals they have."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

# Closer than this to a goal the learner already has: that goal covers it.
COVERED = 0.6
# Closer than this to each other: one suggestion, with both as its evidence.
SAME_TOPIC = 0.7


@dataclass(frozen=True)
class Evidence:
    """A course or skill from the learner's record."""

    kind: str
    text: str
    dated: date | None = None


@dataclass(frozen=True)
class Suggestion:
    """A goal to consider, and the record that suggests it."""

    goal: str
    because: tuple[Evidence, ...]

    def reason(self) -> str:
        courses = [e for e in self.because if e.kind == "course"]
        skills = [e for e in self.because if e.kind == "skill"]
        parts = []
        if courses:
            latest = max(courses, key=lambda e: e.dated or date.min)
            when = f", latest “{latest.text}” ({latest.dated:%b %Y})" if latest.dated else f", such as “{latest.text}”"
            parts.append(f"{len(courses)} course{'s' if len(courses) > 1 else ''} taken{when}")
        if skills:
            parts.append("listed skill" + ("s " if len(skills) > 1 else " ") + ", ".join(e.text for e in skills[:3]))
        return "; ".join(parts)


def suggest(record: Sequence[Evidence], vectors: np.ndarray, goal_vectors: np.ndarray, today: date,
            top: int = 5) -> list[Suggestion]:
    """Group the record by topic, drop topics the goals already cover, and rank the rest.

    A topic weighs more with more courses and skills behind it, and with recent courses (a course from this
    year counts fully, one from five years ago a fifth); its goal is worded from its most recent course,
    else from its skill.
    """
    if not record:
        return []
    covered = (vectors @ goal_vectors.T).max(axis=1) >= COVERED if len(goal_vectors) else np.zeros(len(record), bool)
    open_ = [i for i in range(len(record)) if not covered[i]]
    groups: list[list[int]] = []
    for i in sorted(open_, key=lambda i: _weight(record[i], today), reverse=True):
        home = next((g for g in groups if float(vectors[g[0]] @ vectors[i]) >= SAME_TOPIC), None)
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    ranked = sorted(groups, key=lambda g: sum(_weight(record[i], today) for i in g), reverse=True)
    return [Suggestion(_wording(record[g[0]]), tuple(record[i] for i in g)) for g in ranked[:top]]


def _weight(evidence: Evidence, today: date) -> float:
    if evidence.kind != "course":
        return 0.5
    years = (today - evidence.dated).days / 365 if evidence.dated else 5
    return 1.0 / max(1.0, years)


def _wording(evidence: Evidence) -> str:
    subject = evidence.text.strip().rstrip(".")
    return f"Build on “{subject}”" if evidence.kind == "course" else f"Get better at {subject}"
