"""Ranks communities and people against a learner's goals from their recent posts, with reasons and evidence."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np


_PLATFORMS = {"rss": "feeds", "reddit": "Reddit", "x": "X", "linkedin": "LinkedIn"}


@dataclass(frozen=True)
class WindowPosts:
    """Embedded posts from the time window, as parallel columns; `vectors` rows are unit length."""

    source: Sequence[str]
    community: Sequence[str]
    author: Sequence[str]
    title: Sequence[str]
    url: Sequence[str]
    published_at: Sequence[datetime]
    vectors: np.ndarray


@dataclass(frozen=True)
class Candidate:
    """What the ranker needs to know about a community or person besides their posts."""

    name: str
    url: str = ""
    description: str = ""
    size: int | None = None


@dataclass(frozen=True)
class Evidence:
    title: str
    url: str
    similarity: float
    published_at: datetime
    community: str


@dataclass(frozen=True)
class Recommendation:
    kind: str
    source: str
    key: str
    name: str
    url: str
    score: float
    goal: str
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    posts_in_window: int
    description: str = ""
    size: int | None = None


@dataclass(frozen=True)
class RankingSettings:
    """Weights and thresholds of the score; relevance dominates, focus and activity break ties."""

    top_posts: int = 5
    w_relevance: float = 0.6
    w_focus: float = 0.3
    w_activity: float = 0.1
    # Below this the best posts are not about the goal at all: better to recommend nothing.
    min_relevance: float = 0.2
    # A post this similar to a goal is counted as being about it, in the reasons.
    on_topic: float = 0.3
    evidence: int = 3
    # Added to the score of a candidate that names something the learner follows elsewhere (a company, a
    # hashtag): a small nudge between near-equals, never enough to lift an off-goal candidate.
    w_interest: float = 0.02


@dataclass(frozen=True)
class Ranking:
    """Ranked recommendations, plus the communities the learner already follows that fit a goal."""

    items: tuple[Recommendation, ...]
    already_following: tuple[Recommendation, ...]


@dataclass(frozen=True)
class _GroupStats:
    keys: list[tuple[str, str]]
    group_of_post: np.ndarray
    relevance: np.ndarray  # goals x groups
    focus: np.ndarray
    on_topic: np.ndarray
    count: np.ndarray  # groups
    best_posts: list[list[np.ndarray]]  # per goal, per group: post indices, best first


def rank(
    kind: str,
    goals: Sequence[str],
    goal_vectors: np.ndarray,
    posts: WindowPosts,
    candidates: Mapping[tuple[str, str], Candidate],
    *,
    followed: frozenset[tuple[str, str]] = frozenset(),
    community_names: Mapping[tuple[str, str], str] | None = None,
    aliases: Mapping[tuple[str, str], tuple[str, str]] | None = None,
    interests: Sequence[str] = (),
    window_days: int,
    top: int,
    settings: RankingSettings = RankingSettings(),
) -> Ranking:
    """Rank communities (`kind="community"`) or people (`kind="person"`) for the goals, best first.

    Each candidate serves the goal it fits best; the list takes goals in turn so every goal is served.
    `aliases` maps accounts known to be one person (models.identity) to the account that stands for them;
    `interests` are names the learner follows elsewhere (companies, hashtags), a candidate naming one gains a little.
    """
    group_by = posts.community if kind == "community" else posts.author
    aliases = aliases or {}
    stats = _group_stats([aliases.get((s, g), (s, g)) for s, g in zip(posts.source, group_by)], posts,
                         goal_vectors, settings)
    also_as: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for account, lead in sorted(aliases.items()):
        also_as.setdefault(lead, []).append(account)
    if not stats.keys:
        return Ranking((), ())
    activity = np.log1p(stats.count) / np.log1p(stats.count.max())
    shared = [_interests_named(candidates.get(key), interests) for key in stats.keys]
    scores = (settings.w_relevance * stats.relevance + settings.w_focus * stats.focus
              + settings.w_activity * activity[None, :]
              + settings.w_interest * np.array([bool(found) for found in shared], dtype=float)[None, :])
    best_goal = scores.argmax(axis=0)
    names = community_names or {}

    def build(j: int) -> Recommendation:
        g = int(best_goal[j])
        key = stats.keys[j]
        info = candidates.get(key) or Candidate(name=key[1])
        evidence = tuple(
            Evidence(posts.title[i], posts.url[i], round(float(posts.vectors[i] @ goal_vectors[g]), 4),
                     posts.published_at[i], names.get((posts.source[i], posts.community[i]), posts.community[i]))
            for i in stats.best_posts[g][j][:settings.evidence]
        )
        return Recommendation(
            kind=kind, source=key[0], key=key[1], name=info.name, url=info.url,
            score=round(float(scores[g, j]), 4), goal=goals[g],
            reasons=_reasons(kind, goals[g], int(stats.on_topic[g, j]), int(stats.count[j]), evidence, info,
                             _communities_of(stats, j, posts, names) if kind == "person" else (), window_days,
                             tuple(also_as.get(key, ())), shared[j]),
            evidence=evidence, posts_in_window=int(stats.count[j]), description=info.description, size=info.size,
        )

    eligible = [j for j in range(len(stats.keys)) if stats.relevance[best_goal[j], j] >= settings.min_relevance]
    following = [j for j in eligible if stats.keys[j] in followed]
    open_ = [j for j in eligible if stats.keys[j] not in followed]
    chosen = _take_goals_in_turn(open_, best_goal, scores, len(goals), top)
    following.sort(key=lambda j: -scores[best_goal[j], j])
    return Ranking(tuple(build(j) for j in chosen), tuple(build(j) for j in following))


def _group_stats(keys_of_posts: list[tuple[str, str]], posts: WindowPosts, goal_vectors: np.ndarray,
                 settings: RankingSettings) -> _GroupStats:
    present = [i for i, key in enumerate(keys_of_posts) if key[1]]
    keys = sorted({keys_of_posts[i] for i in present})
    index = {key: n for n, key in enumerate(keys)}
    post_ids = np.array(present, dtype=np.int64)
    group = np.array([index[keys_of_posts[i]] for i in present], dtype=np.int64)
    n_groups, n_goals = len(keys), len(goal_vectors)
    count = np.bincount(group, minlength=n_groups).astype(np.float64)
    relevance = np.zeros((n_goals, n_groups))
    focus = np.zeros((n_goals, n_groups))
    on_topic = np.zeros((n_goals, n_groups))
    best_posts: list[list[np.ndarray]] = []
    if not keys:
        return _GroupStats(keys, group, relevance, focus, on_topic, count, best_posts)
    sims = posts.vectors[post_ids] @ goal_vectors.T  # posts x goals
    for g in range(n_goals):
        s = sims[:, g]
        order = np.lexsort((-s, group))  # by group, most similar first
        g_sorted, s_sorted = group[order], s[order]
        starts = np.searchsorted(g_sorted, np.arange(n_groups))
        rank_in_group = np.arange(len(order)) - starts[g_sorted]
        top = rank_in_group < settings.top_posts
        relevance[g] = (np.bincount(g_sorted[top], weights=s_sorted[top], minlength=n_groups)
                        / np.bincount(g_sorted[top], minlength=n_groups))
        focus[g] = np.bincount(group, weights=s, minlength=n_groups) / count
        on_topic[g] = np.bincount(group, weights=(s >= settings.on_topic).astype(float), minlength=n_groups)
        ends = np.append(starts[1:], len(order))
        best_posts.append([post_ids[order[a:min(b, a + settings.evidence)]] for a, b in zip(starts, ends)])
    return _GroupStats(keys, group, relevance, focus, on_topic, count, best_posts)


def _interests_named(info: Candidate | None, interests: Sequence[str]) -> tuple[str, ...]:
    """The interests a candidate's name or description names as whole words (three letters at least)."""
    if info is None:
        return ()
    text = f"{info.name}\n{info.description}"
    return tuple(t for t in interests if len(t) >= 3 and re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text, re.I))


def _take_goals_in_turn(groups: list[int], best_goal: np.ndarray, scores: np.ndarray, n_goals: int,
                        top: int) -> list[int]:
    """Round after round, each goal's next best candidate; within a round, the stronger first."""
    queues = [sorted((j for j in groups if best_goal[j] == g), key=lambda j: -scores[g, j]) for g in range(n_goals)]
    chosen: list[int] = []
    depth = 0
    while len(chosen) < top and any(depth < len(q) for q in queues):
        round_ = [q[depth] for q in queues if depth < len(q)]
        chosen.extend(sorted(round_, key=lambda j: -scores[best_goal[j], j]))
        depth += 1
    return chosen[:top]


def _communities_of(stats: _GroupStats, j: int, posts: WindowPosts,
                    names: Mapping[tuple[str, str], str]) -> tuple[str, ...]:
    where = np.flatnonzero(stats.group_of_post == j)
    ordered: dict[str, None] = {}
    for i in where:
        ordered.setdefault(names.get((posts.source[i], posts.community[i]), posts.community[i]))
    return tuple(ordered)


def _reasons(kind: str, goal: str, on_topic: int, count: int, evidence: tuple[Evidence, ...], info: Candidate,
             communities: tuple[str, ...], window_days: int,
             other_accounts: tuple[tuple[str, str], ...] = (), interests: tuple[str, ...] = ()) -> tuple[str, ...]:
    posts = "post" if count == 1 else "posts"
    whose = "its" if kind == "community" else "their"
    if on_topic:
        reasons = [f"Serves your goal “{goal}”: {on_topic} of {whose} {count} {posts} "
                   f"in the last {window_days} days are about it."]
    else:
        reasons = [f"Closest match for your goal “{goal}” among {whose} {count} {posts} "
                   f"in the last {window_days} days."]
    if evidence:
        best = evidence[0]
        reasons.append(f"Most relevant: “{best.title}” (similarity {best.similarity:.2f}).")
    if kind == "person" and communities:
        shown = ", ".join(communities[:3]) + (f" and {len(communities) - 3} more" if len(communities) > 3 else "")
        reasons.append(f"Writes in {shown}.")
    if interests:
        reasons.append(f"Mentions {', '.join(interests[:3])}, which you follow on LinkedIn.")
    if other_accounts:
        reasons.append("Also posts as " + ", ".join(f"{key} ({_PLATFORMS.get(source, source)})"
                                                    for source, key in other_accounts) + ".")
    if info.size:
        noun = "members" if kind == "community" else "followers"
        reasons.append(f"{info.size:,} {noun}.")
    return tuple(reasons)
