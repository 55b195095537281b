"""Ranks communities and people against a learner's goals from their recent posts, with reasons and evidence."""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import numpy as np
import pyarrow as pa
from scipy import sparse

Key = tuple[str, str]
# A column of window posts: a list, or an Arrow array read as it is, so a million posts never become Python objects.
Column = Sequence[Any] | pa.Array

_PLATFORMS = {"rss": "feeds", "reddit": "Reddit", "x": "X", "linkedin": "LinkedIn"}
# The number in a post's metrics that measures its engagement, per source, and what people call it. Feeds have none.
ENGAGEMENT_METRIC = {"reddit": "score", "x": "likes"}
_UNITS = {"reddit": "upvotes", "x": "likes"}
# Engagement is a percentile among the posts of the same place: 0.5 is a typical post there, and what a post
# without figures counts as.
_NEUTRAL = 0.5
# Similarity matrices a window keeps for reuse: a batch of 64 learners' goals over a million posts.
_SIM_BYTES = 1 << 30
_NO_ALIASES: Mapping[tuple[str, str], tuple[str, str]] = MappingProxyType({})


@dataclass(frozen=True)
class WindowPosts:
    """Embedded posts from the time window, as parallel columns; `vectors` rows are unit length.

    `engagement` holds each post's ENGAGEMENT_METRIC figure (NaN where its source or the post has none).
    `vector_row` is each post's row in `vectors` when they are stored in another order (None: the same row).
    """

    source: Column
    community: Column
    author: Column
    title: Column
    url: Column
    published_at: Column
    vectors: np.ndarray
    engagement: np.ndarray | None = None
    vector_row: np.ndarray | None = None
    # Products by what they multiply (None: `vectors`, or a factor's key) and the bytes of the matrix they are to,
    # newest last: each kind ranked for a learner reuses them, and a batch primed for many learners is read back one
    # learner at a time. Rows are `vectors` rows: a million put in window order per batch would cost more than the
    # product.
    _similarities: dict[tuple[Any, bytes], np.ndarray] = field(default_factory=dict, init=False, repr=False,
                                                               compare=False)
    # What ranking derives from the posts alone (codes, groupings, percentiles): the same for every learner.
    _memo: dict[tuple, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Matrices derived from the posts that goals are multiplied with, as with `vectors` (groups' vector sums).
    _factors: dict[tuple, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Learners may be ranked on several threads over one window: the caches change under this lock.
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False, compare=False)

    def similarities(self, to: np.ndarray, factor: tuple | None = None) -> np.ndarray:
        """Rows of `vectors` (read through `rows()`), or of the factor made under `factor`, x rows of `to`: the dot
        product of each with each."""
        key = (factor, _matrix_key(to))
        with self._lock:
            if key not in self._similarities:
                self._keep({key: _product(to, self.vectors if factor is None else self._factors[factor])})
            return self._similarities[key]

    def factor(self, key: tuple, make: Callable[[], np.ndarray]) -> np.ndarray:
        """A matrix derived from the posts (made once) whose products with goals `prime` computes with theirs."""
        with self._lock:
            if key not in self._factors:
                self._factors[key] = make()
            return self._factors[key]

    def prime(self, matrices: Sequence[np.ndarray]) -> None:
        """Compute the similarities to several matrices (one per learner) in one pass over the vectors and factors.

        A product with a few goal rows is bound by reading the vectors; with many it is bound by arithmetic, so a
        batch of learners costs a fraction of one pass each.
        """
        if not matrices:
            return
        bounds = np.cumsum([0, *(len(m) for m in matrices)])
        with self._lock:
            factors = [(None, self.vectors), *self._factors.items()]
        new = {}
        for key, factor in factors:
            products = _product(np.vstack(matrices), factor)
            new.update({(key, _matrix_key(m)): products[:, a:b] for m, a, b in zip(matrices, bounds[:-1], bounds[1:])})
        with self._lock:
            self._keep(new)

    def _keep(self, new: dict[tuple[Any, bytes], np.ndarray]) -> None:
        # Bounded, oldest out first, so ranking a thousand learners does not keep a thousand similarity matrices.
        # A learner's similarities are a view of their batch's product, which lives while any of them is kept.
        self._similarities.update(new)
        while len(self._similarities) > len(new) and _held_bytes(self._similarities.values()) > _SIM_BYTES:
            del self._similarities[next(iter(self._similarities))]

    def derived(self, key: tuple, make: Callable[[], Any]) -> Any:
        """Something computed from the posts alone, computed once and shared by every learner ranked over them."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = make()
            return self._memo[key]

    def vector(self, i: int) -> np.ndarray:
        return self.vectors[i if self.vector_row is None else self.vector_row[i]]

    def rows(self, post_ids: np.ndarray) -> np.ndarray:
        """The `vectors` rows of these posts."""
        return post_ids if self.vector_row is None else self.vector_row[post_ids]


def _product(to: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows x rows of `to`, as a view of (to @ rows.T): each learner's block of a batch lies together, and each goal's
    similarities too (the column the ranker scans). One learner alone is multiplied the same way round, so that BLAS
    adds up each dot product as it does in a batch (a test checks batches rank as single learners do)."""
    return (np.asarray(to, dtype=rows.dtype) @ rows.T).T


def _rows_of(sims: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """These rows of a posts x goals similarity matrix, each goal's column kept in one piece as `_product` leaves
    them: gathered column by column, several times faster than row by row."""
    return np.take(sims.T, rows, axis=1).T


def _held_bytes(arrays: Iterable[np.ndarray]) -> int:
    """The memory held by these arrays, each buffer counted once however many views of it there are."""
    held = {id(a if a.base is None else a.base): (a if a.base is None else a.base).nbytes for a in arrays}
    return sum(held.values())


def _matrix_key(to: np.ndarray) -> bytes:
    return np.ascontiguousarray(to).tobytes() + str(to.shape).encode()


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
    on_goal_posts: int = 0
    # The figures the score is made of (docs/ranking.md); engagement and breadth are None where they do not apply.
    signals: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Preferences:
    """What the learner told pln: a weight per goal, topics they do not want, and votes (+1/-1) by candidate."""

    weights: Sequence[float] = ()
    exclusion_vectors: np.ndarray | None = None
    votes: Mapping[Key, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RankingSettings:
    """Weights and thresholds of the score; relevance dominates, the other signals break ties between near-equals."""

    top_posts: int = 5
    w_relevance: float = 0.6
    w_focus: float = 0.3
    w_activity: float = 0.1
    # Activity saturates at this rate: a source posting a few times a week is as active as a learner can follow,
    # so volume beyond it earns nothing and quiet, focused sources are not buried by loud ones.
    active_per_week: float = 3.0
    # Enters centred on the neutral percentile, so a source without figures (feeds) neither gains nor loses; kept
    # small because on the development set, with real Reddit scores, 0.1 and more began to reorder relevant ones.
    w_engagement: float = 0.05
    # The number of posts with figures at which the engagement median counts half: two lucky posts prove little.
    engagement_trust: float = 10.0
    # People only: posting about the goal in several communities (full marks from `breadth_communities` on).
    w_breadth: float = 0.05
    breadth_communities: int = 3
    # Taken off in full from a candidate whose centroid matches one the learner follows; nothing below `familiar`.
    w_novelty: float = 0.05
    familiar: float = 0.8
    # Below this the best posts are not about the goal at all: better to recommend nothing.
    min_relevance: float = 0.2
    # A post this similar to a goal is counted as being about it, in the reasons.
    on_topic: float = 0.3
    evidence: int = 3
    # Added to the score of a candidate that names something the learner follows elsewhere (a company, a
    # hashtag): a small nudge between near-equals, never enough to lift an off-goal candidate.
    w_interest: float = 0.02
    # Centroid cosine above which a candidate repeats one already listed; it waits until nothing else is left.
    # On the development set distinct subreddits reach 0.92 (r/webdev and r/web_design); mirrors sit near 1.
    near_duplicate: float = 0.95
    # Centroid cosine from which a candidate counts as like one the learner voted on.
    similar: float = 0.85
    w_voted_down: float = 0.3
    w_voted_up: float = 0.03
    # A candidate whose on-goal posts are at least this share about an excluded topic is dropped for that goal.
    excluded_share: float = 0.5


@dataclass(frozen=True)
class Ranking:
    """Ranked recommendations, plus the communities the learner already follows that fit a goal."""

    items: tuple[Recommendation, ...]
    already_following: tuple[Recommendation, ...]


@dataclass(frozen=True)
class _GroupStats:
    keys: list[Key]
    post_ids: np.ndarray  # grouped posts: their index in the window
    group: np.ndarray  # grouped posts: their group
    rows: np.ndarray  # grouped posts: their row in `vectors` and the similarities
    sims: np.ndarray  # grouped posts x goals
    # grouped posts x goals: the posts that show the fit, those about the goal and the `top_posts` closest to it
    relevant: np.ndarray
    closest: np.ndarray  # goals x groups: mean similarity of the `top_posts` closest posts, however few
    relevance: np.ndarray  # the same, with posts short of `top_posts` counted as typical ones
    focus: np.ndarray
    on_topic: np.ndarray
    count: np.ndarray  # groups
    # Per goal: positions of grouped posts in group order, the closest to the goal first in each; of a group with
    # more than `top_posts` posts only those that may be among its closest need be there.
    by_fit: list[np.ndarray]
    starts: list[np.ndarray]  # per goal: where each group's posts start in `by_fit`

    def best_posts(self, g: int, j: int, n: int) -> np.ndarray:
        """The window indices of group j's `n` posts closest to goal g, closest first (n <= `top_posts`)."""
        start = self.starts[g][j]
        return self.post_ids[self.by_fit[g][start:start + min(n, int(self.count[j]))]]


@dataclass(frozen=True)
class _Centroids:
    """Unit-length mean post vectors of some groups: `row[j]` is group j's row in `matrix`, -1 when not computed."""

    row: np.ndarray
    matrix: np.ndarray

    def of(self, groups: Sequence[int] | np.ndarray) -> np.ndarray:
        return self.matrix[self.row[np.asarray(groups, dtype=np.int64)]]


@dataclass(frozen=True)
class _Nearest:
    """For every group, its highest centroid cosine to a set of groups, and which group that is (-1: empty set)."""

    cosine: np.ndarray
    group: np.ndarray


def rank(
    kind: str,
    goals: Sequence[str],
    goal_vectors: np.ndarray,
    posts: WindowPosts,
    candidates: Mapping[Key, Candidate],
    *,
    followed: frozenset[Key] = frozenset(),
    community_names: Mapping[Key, str] | None = None,
    aliases: Mapping[Key, Key] | None = None,
    interests: Sequence[str] = (),
    preferences: Preferences = Preferences(),
    window_days: int,
    top: int,
    settings: RankingSettings = RankingSettings(),
) -> Ranking:
    """Rank communities (`kind="community"`) or people (`kind="person"`) for the goals, best first.

    Each candidate serves the goal it fits best; the list takes goals in turn, as often as their weights say, so
    every goal is served, and a near-duplicate of a listed candidate waits until nothing else is left.
    `aliases` maps accounts known to be one person (models.identity) to the account that stands for them;
    `interests` are names the learner follows elsewhere (companies, hashtags), a candidate naming one gains a little.

    Exact statistics cost a sort of every candidate's posts per goal, so they are computed for the candidates whose
    score could reach the list, by an upper bound from cheap per-candidate figures, widening the set until what is
    listed provably could not change with more (docs/ranking.md, "Scale").
    """
    weights = _goal_weights(goals, preferences.weights)
    grouping = _grouping_of(kind, posts, aliases or _NO_ALIASES)
    if not grouping.keys:
        return Ranking((), ())
    # One pass over the vectors for goals and exclusions together; both kinds of a learner share it.
    to = similarity_rows(goal_vectors, preferences.exclusion_vectors)
    sims = posts.similarities(to)
    # A group's similarities to a goal add up to its posts' vector sum times the goal: no pass over the posts.
    sums_key, _ = _vector_sums(posts, grouping)
    sums = posts.similarities(to, factor=sums_key)[:, :len(goals)].T
    typical = sums.sum(axis=1, dtype=np.float64) / len(grouping.post_rows)
    closest = _closest_reaching(grouping, sims[:, :len(goals)], settings.min_relevance)
    index = grouping.index
    votes = {index[key]: vote for key, vote in preferences.votes.items() if key in index}
    known = [index[key] for key in followed if key in index]
    bound = _score_bounds(kind, grouping, closest, sums, typical, window_days, posts.engagement is not None,
                          bool(interests), any(vote > 0 for vote in votes.values()), settings)
    inputs = _Inputs(kind, goals, goal_vectors, weights, posts, candidates, grouping, sims, typical, votes, known,
                     community_names or {}, interests, window_days, settings)
    among = np.zeros(len(grouping.keys), dtype=bool)
    for goal_bound in bound:
        among[_highest(goal_bound, _FIRST_EXACT)] = True
    among[known + list(votes)] = True
    while True:
        # Per goal, every candidate left out scores at most this on it.
        floor = np.where(among, -np.inf, bound).max(axis=1, initial=-np.inf)
        ranking, next_up = _rank_among(inputs, among, top, floor)
        if ranking is not None:
            return ranking
        # Only a candidate whose bound reaches a goal's next score could change that goal's queue.
        wider = among | (np.isfinite(bound) & (bound >= next_up[:, None])).any(axis=0)
        among = wider if wider.sum() > among.sum() else np.isfinite(bound).any(axis=0) | among


def prepare(posts: WindowPosts, kinds: Sequence[str] = ("community", "person"),
            aliases: Mapping[Key, Key] | None = None) -> None:
    """Compute now what ranking any learner for `kinds` over these posts reads (who posted what, candidates'
    centroids, engagement percentiles), rather than while ranking the first learner."""
    for kind in kinds:
        _all_centroids(posts, _grouping_of(kind, posts, (aliases if kind == "person" else None) or _NO_ALIASES))
    if posts.engagement is not None:
        _percentiles(posts)


def similarity_rows(goal_vectors: np.ndarray, exclusion_vectors: np.ndarray | None) -> np.ndarray:
    """What a learner's posts are compared with: goals, then excluded topics (`WindowPosts.prime` takes these)."""
    if exclusion_vectors is None or not len(exclusion_vectors):
        return goal_vectors
    return np.vstack([goal_vectors, exclusion_vectors])


# Candidates per goal given exact statistics at first; then those whose bound reaches the next score of a queue.
_FIRST_EXACT = 16
# Vector dimensions a bound makes room for in float32 rounding (the packaged model has 384).
_DIMENSION_ROOM = 1024


def _closest_reaching(grouping: _Grouping, sims: np.ndarray, floor: float) -> np.ndarray:
    """Goals x groups: each group's highest similarity to each goal (rows x goals), -inf where none reaches `floor`.

    Only the few posts at the floor or above are looked up: below it no group can be listed anyway.
    """
    closest = np.full((sims.shape[1], len(grouping.keys)), -np.inf, dtype=sims.dtype)
    for g in range(sims.shape[1]):
        rows = np.flatnonzero(sims[:, g] >= floor)
        group = grouping.row_group[rows]
        owned = group >= 0
        np.maximum.at(closest[g], group[owned], sims[rows[owned], g])
    return closest


def _highest(values: np.ndarray, n: int) -> np.ndarray:
    """The positions of the `n` highest values, in no set order."""
    return np.arange(len(values)) if n >= len(values) else np.argpartition(-values, n)[:n]


def _score_bounds(kind: str, grouping: _Grouping, closest: np.ndarray, sums: np.ndarray, typical: np.ndarray,
                  window_days: int, engagement: bool, interests: bool, liked: bool,
                  settings: RankingSettings) -> np.ndarray:
    """Goals x groups: a score the group cannot beat on the goal (-inf where it cannot fit it), from each group's
    closest post (-inf below `min_relevance`) and sum of similarities per goal (goals x groups).

    Relevance is at most what it would be with every best post as close as the closest; focus is exact from the
    sums; engagement, breadth, interests and a thumbs-up at most their full weight; novelty, thumbs-down and
    exclusions only lower a score.
    """
    count = grouping.count
    missing = np.maximum(settings.top_posts - count, 0)
    # As the exact relevance (best posts, and typical ones for those missing, over `top_posts`), with every one of
    # the group's best posts as close as its closest.
    relevance = (np.minimum(count, settings.top_posts) * closest + missing * typical[:, None]) / settings.top_posts
    focus = (sums + missing * typical[:, None]) / (count + missing)
    bound = (settings.w_relevance * relevance + settings.w_focus * focus
             + settings.w_activity * _activity(count, window_days, settings))
    if engagement:
        bound += settings.w_engagement * (1 - _NEUTRAL) * count / (count + settings.engagement_trust)
    if kind == "person":
        bound += settings.w_breadth * np.clip((grouping.places - 1) / (settings.breadth_communities - 1), 0, 1)
    bound += settings.w_interest * interests + settings.w_voted_up * liked
    # The sums were added and multiplied in float32: a group's sum over n posts of dimension d may be off by (n + d)
    # float32 roundings of the sum of its terms' sizes, each at most 1, so its focus by n + d of them, and the exact
    # focus (float32 similarities) by d; four times that room, and a hair for the rest, keeps the bound a bound.
    bound += settings.w_focus * (count + 2 * _DIMENSION_ROOM) * 2.0 ** -22 + 1e-6
    bound[closest < settings.min_relevance] = -np.inf
    return bound


@dataclass(frozen=True)
class _Inputs:
    """Everything one learner's ranking of one kind reads."""

    kind: str
    goals: Sequence[str]
    goal_vectors: np.ndarray
    weights: np.ndarray
    posts: WindowPosts
    candidates: Mapping[Key, Candidate]
    grouping: _Grouping
    sims: np.ndarray  # `vectors` rows x goals (then exclusions)
    typical: np.ndarray  # per goal: the mean similarity of the grouped posts
    votes: Mapping[int, int]
    known: list[int]
    community_names: Mapping[Key, str]
    interests: Sequence[str]
    window_days: int
    settings: RankingSettings


def _rank_among(inputs: _Inputs, among: np.ndarray, top: int,
                floor: np.ndarray) -> tuple[Ranking | None, np.ndarray]:
    """The ranking with exact statistics for the groups in `among`, and per goal the score of the next candidate
    in its queue (-inf when none is left). The ranking is None when a group left out, whose score on goal g is at
    most `floor[g]`, could still take a place in it."""
    kind, goals, goal_vectors, posts, candidates = (inputs.kind, inputs.goals, inputs.goal_vectors, inputs.posts,
                                                    inputs.candidates)
    settings, n_goals = inputs.settings, len(goals)
    # From here on a group is numbered by its place among those in `among` (which hold the followed and voted ones):
    # the work then grows with them, not with a hundred thousand people.
    groups = np.flatnonzero(among)
    known = np.searchsorted(groups, inputs.known).tolist()
    votes = dict(zip(np.searchsorted(groups, list(inputs.votes)).tolist(), inputs.votes.values()))
    source, sources = _source_codes(posts)
    stats = _group_stats(inputs.grouping, inputs.sims[:, :n_goals], inputs.typical, groups, settings)
    # Only candidates that can be listed, and those they are compared with, take part in centroid comparisons.
    in_play = (stats.closest >= settings.min_relevance).any(axis=0)
    in_play[known + list(votes)] = True
    centroids = _centroids(posts, inputs.grouping, groups, in_play)
    signals = _signals(kind, posts, stats, centroids, known, votes, inputs.window_days, settings)
    # Only a candidate in play can fit a goal, so only their texts are searched.
    shared = ({j: _interests_named(candidates.get(stats.keys[j]), inputs.interests)
               for j in np.flatnonzero(in_play).tolist()} if inputs.interests else {})
    interest = np.zeros(len(stats.keys))
    interest[list(shared)] = settings.w_interest * np.array([bool(found) for found in shared.values()], dtype=float)
    scores = _scores(stats, signals, interest, settings)
    if inputs.sims.shape[1] > n_goals:
        scores[_excluded(inputs.sims[:, n_goals:], stats, settings)] = -np.inf
    best_goal = scores.argmax(axis=0)
    columns = np.arange(len(stats.keys))
    fits = np.isfinite(scores[best_goal, columns]) & (stats.closest[best_goal, columns] >= settings.min_relevance)
    fits[[j for j, vote in votes.items() if vote < 0]] = False
    eligible = np.flatnonzero(fits)

    def name_of(j: int) -> str:
        return (candidates.get(stats.keys[j]) or Candidate(name=stats.keys[j][1])).name

    def build(j: int) -> Recommendation:
        g = int(best_goal[j])
        key = stats.keys[j]
        info = candidates.get(key) or Candidate(name=key[1])
        names = inputs.community_names
        evidence = tuple(
            Evidence(_at(posts.title, i), _at(posts.url, i), round(float(posts.vector(i) @ goal_vectors[g]), 4),
                     _at(posts.published_at, i), _community_name(posts, i, names))
            for i in stats.best_posts(g, j, settings.evidence).tolist()
        )
        on_goal_communities = signals.communities_on_goal
        liked, disliked = signals.liked, signals.disliked
        why = _Why(
            goal=goals[g], on_topic=int(stats.on_topic[g, j]), count=int(stats.count[j]),
            window_days=inputs.window_days,
            engagement=_engagement_figure(source, sources, posts.engagement, stats, j, g,
                                          float(signals.engagement.median[g, j])),
            evidence=evidence, communities=_communities_of(stats, j, posts, names) if kind == "person" else (),
            on_goal_communities=int(on_goal_communities[g, j]) if on_goal_communities is not None else 0,
            familiar=name_of(int(signals.familiar.group[j])) if signals.novelty[j] < 1 else "",
            liked=name_of(int(liked.group[j])) if liked.cosine[j] >= settings.similar else "",
            liked_itself=bool(liked.group[j] == j),
            disliked=name_of(int(disliked.group[j])) if signals.feedback[j] < 0 else "",
            other_accounts=tuple(inputs.grouping.also_as.get(key, ())), interests=shared.get(j, ()),
        )
        engagement = signals.engagement.signal[g, j]
        figures = {
            "relevance": stats.relevance[g, j], "focus": stats.focus[g, j], "activity": signals.activity[j],
            "engagement": None if np.isnan(engagement) else engagement, "novelty": signals.novelty[j],
            "breadth": signals.breadth[g, j] if kind == "person" else None, "feedback": signals.feedback[j],
            "interest": interest[j],
        }
        return Recommendation(
            kind=kind, source=key[0], key=key[1], name=info.name, url=info.url,
            score=round(float(scores[g, j]), 4), goal=goals[g], reasons=_reasons(kind, why, info),
            evidence=evidence, posts_in_window=int(stats.count[j]), description=info.description, size=info.size,
            on_goal_posts=why.on_topic,
            signals={name: None if value is None else round(float(value), 4) for name, value in figures.items()},
        )

    is_followed = np.zeros(len(stats.keys), dtype=bool)
    is_followed[known] = True
    open_ = eligible[~is_followed[eligible]]
    chosen, queues, taken = _take_goals_in_turn(open_, best_goal, scores, inputs.weights, centroids, top,
                                                 settings.near_duplicate)
    # Exact when every goal's queue, up to and including its next candidate, holds only candidates above the floor:
    # a group left out could only have come later in a queue.
    next_up = np.array([scores[g, queue[head]] if head < len(queue) else -np.inf
                        for g, (queue, head) in enumerate(zip(queues, taken))])
    if ((floor > -np.inf) & (next_up <= floor)).any():
        return None, next_up
    following = sorted(eligible[is_followed[eligible]].tolist(), key=lambda j: -scores[best_goal[j], j])
    return Ranking(tuple(build(j) for j in chosen), tuple(build(j) for j in following)), next_up


@dataclass(frozen=True)
class _Signals:
    """What besides relevance and focus goes into the score, per group (and goal, where it depends on the goal)."""

    activity: np.ndarray
    engagement: _Engagement
    novelty: np.ndarray
    familiar: _Nearest
    communities_on_goal: np.ndarray | None  # people only: goals x groups
    breadth: np.ndarray  # goals x groups
    liked: _Nearest
    disliked: _Nearest
    feedback: np.ndarray


def _signals(kind: str, posts: WindowPosts, stats: _GroupStats, centroids: _Centroids, followed: list[int],
             votes: Mapping[int, int], window_days: int, settings: RankingSettings) -> _Signals:
    activity = _activity(stats.count, window_days, settings)
    place = _places(posts)
    familiar = _nearest(centroids, followed, skip_self=True)
    novelty = 1 - np.clip((familiar.cosine - settings.familiar) / (1 - settings.familiar), 0, 1)
    communities_on_goal = _communities_on_goal(place, stats, settings) if kind == "person" else None
    breadth = (np.clip((communities_on_goal - 1) / (settings.breadth_communities - 1), 0, 1)
               if communities_on_goal is not None else np.zeros_like(stats.relevance))
    liked = _nearest(centroids, [j for j, vote in votes.items() if vote > 0])
    disliked = _nearest(centroids, [j for j, vote in votes.items() if vote < 0])
    # A candidate voted down is gone (rank); the ones like it fall, the ones like a candidate voted up rise a little.
    feedback = (settings.w_voted_up * (liked.cosine >= settings.similar)
                - settings.w_voted_down * (disliked.cosine >= settings.similar))
    return _Signals(activity, _engagement(posts, stats, settings), novelty, familiar, communities_on_goal, breadth,
                    liked, disliked, feedback)


def _activity(count: np.ndarray, window_days: int, settings: RankingSettings) -> np.ndarray:
    return np.minimum(1.0, np.log1p(count * 7 / window_days) / np.log1p(settings.active_per_week))


def _scores(stats: _GroupStats, signals: _Signals, interest: np.ndarray, settings: RankingSettings) -> np.ndarray:
    """Goals x groups: the weighted sum docs/ranking.md describes."""
    engagement = np.nan_to_num(signals.engagement.signal, nan=_NEUTRAL) - _NEUTRAL
    per_group = interest + signals.feedback - settings.w_novelty * (1 - signals.novelty)
    return (settings.w_relevance * stats.relevance + settings.w_focus * stats.focus
            + settings.w_activity * signals.activity[None, :] + settings.w_engagement * engagement
            + settings.w_breadth * signals.breadth + per_group[None, :])


def _goal_weights(goals: Sequence[str], weights: Sequence[float]) -> np.ndarray:
    if not weights:
        return np.ones(len(goals))
    if len(weights) != len(goals):
        raise ValueError(f"goal weights: {len(weights)} given for {len(goals)} goals")
    if not all(w > 0 for w in weights):
        raise ValueError(f"goal weights {list(weights)}: each must be above 0")
    return np.asarray(weights, dtype=float)


@dataclass(frozen=True)
class _Grouping:
    """Whose each post is, for one kind of candidate: the same for every learner ranked over the window."""

    keys: list[Key]
    post_ids: np.ndarray  # posts that have an owner: their window index
    group: np.ndarray  # those posts' group
    count: np.ndarray  # posts per group
    by_group: np.ndarray  # positions in `post_ids`, group after group, window order within one
    starts: np.ndarray  # where each group starts in `by_group`
    places: np.ndarray  # how many communities each group posted in
    index: dict[Key, int]  # each key's group
    in_group_rows: np.ndarray  # the grouped posts' rows in the vectors and similarities, group after group
    post_rows: np.ndarray  # the rows of `post_ids`
    row_group: np.ndarray  # each row's group, -1 for posts of none
    aliases: Mapping[Key, Key]  # held, so the memo key made of their id stays theirs
    also_as: dict[Key, list[Key]]  # each lead account's other accounts


def _grouping_of(kind: str, posts: WindowPosts, aliases: Mapping[Key, Key]) -> _Grouping:
    # Keyed by the aliases' identity, as sorting them per learner costs more than the ranking of a small window; the
    # memo keeps them referenced, so the identity cannot pass to another mapping.
    return posts.derived(("grouping", kind, id(aliases)),
                         lambda: _grouping(posts, kind, aliases))


def _grouping(posts: WindowPosts, kind: str, aliases: Mapping[Key, Key]) -> _Grouping:
    """The candidates, by key, whom the posts belong to (their community or author, by `kind`), and for each
    post that has an owner its window index and its candidate; aliased accounts count as their lead account."""
    source, sources = _source_codes(posts)
    owner, names = _owner_codes(posts, kind)
    post_ids = np.flatnonzero(np.asarray([name != "" for name in names], dtype=bool)[owner]) if names else owner
    accounts, account = np.unique(source[post_ids] * len(names) + owner[post_ids], return_inverse=True)
    leads = [aliases.get(key, key) for key in ((sources[a // len(names)], names[a % len(names)]) for a in accounts)]
    keys = sorted(set(leads))
    index = {key: n for n, key in enumerate(keys)}
    group = np.array([index[lead] for lead in leads], dtype=np.int64)[account.reshape(-1)]
    count = np.bincount(group, minlength=len(keys)).astype(np.float64)
    place = _places(posts)[post_ids]
    n_places = int(place.max()) + 1 if len(place) else 1
    places = np.bincount(np.unique(group * n_places + place) // n_places, minlength=len(keys))
    by_group = np.argsort(group, kind="stable")
    also_as: dict[Key, list[Key]] = {}
    for account, lead in sorted(aliases.items()):
        also_as.setdefault(lead, []).append(account)
    post_rows = posts.rows(post_ids)
    row_group = np.full(len(posts.vectors), -1, dtype=np.int64)
    row_group[post_rows] = group
    return _Grouping(keys, post_ids, group, count, by_group, (np.cumsum(count) - count).astype(np.int64), places,
                     index, posts.rows(post_ids[by_group]), post_rows, row_group, aliases, also_as)


def _members(grouping: _Grouping, groups: np.ndarray) -> np.ndarray:
    """The positions in `grouping.post_ids` of these groups' posts, group after group, window order within one."""
    sizes = grouping.count[groups].astype(np.int64)
    offsets = np.repeat(grouping.starts[groups] - (np.cumsum(sizes) - sizes), sizes)
    return grouping.by_group[np.arange(int(sizes.sum())) + offsets]


def _source_codes(posts: WindowPosts) -> tuple[np.ndarray, list[str]]:
    return posts.derived(("source",), lambda: _codes(posts.source))


def _owner_codes(posts: WindowPosts, kind: str) -> tuple[np.ndarray, list[str]]:
    """Each post's community (`kind="community"`) or author as a number among the distinct ones, and those."""
    return posts.derived(("owner", kind),
                         lambda: _codes(posts.community if kind == "community" else posts.author))


def _places(posts: WindowPosts) -> np.ndarray:
    """Each post's place: its source and community as one number."""
    def make() -> np.ndarray:
        source = _source_codes(posts)[0]
        community, names = _owner_codes(posts, "community")
        return source * max(len(names), 1) + community
    return posts.derived(("place",), make)


def _group_stats(grouping: _Grouping, sims: np.ndarray, typical: np.ndarray, groups: np.ndarray,
                 settings: RankingSettings) -> _GroupStats:
    """Exact statistics for some groups (ascending), numbered from 0 in that order."""
    keys = [grouping.keys[j] for j in groups.tolist()]
    n_groups, n_goals = len(keys), sims.shape[1]
    members = _members(grouping, groups)
    count = grouping.count[groups]
    post_ids, rows = grouping.post_ids[members], grouping.post_rows[members]
    group = np.repeat(np.arange(n_groups), count.astype(np.int64))
    closest = np.zeros((n_goals, n_groups))
    relevance = np.zeros((n_goals, n_groups))
    focus = np.zeros((n_goals, n_groups))
    on_topic = np.zeros((n_goals, n_groups))
    relevant = np.zeros((len(post_ids), n_goals), dtype=bool)
    by_fit: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    sims = _rows_of(sims, rows)  # listed posts x goals
    missing = np.maximum(settings.top_posts - count, 0)
    for g in range(n_goals):
        s = sims[:, g]
        contenders = _contenders(group, s, count, n_groups, settings.top_posts)
        order = contenders[_by_group_closest_first(group[contenders], s[contenders])]
        held = np.bincount(group[order], minlength=n_groups)
        starts.append((np.cumsum(held) - held).astype(np.int64))
        g_sorted, s_sorted = group[order], s[order]
        top = np.arange(len(order)) - starts[g][g_sorted] < settings.top_posts
        best_sum, best_count = (np.bincount(g_sorted[top], weights=s_sorted[top], minlength=n_groups),
                                np.bincount(g_sorted[top], minlength=n_groups))
        closest[g] = best_sum / best_count
        # Fewer than `top_posts` posts prove little: the missing ones count as typical posts of the window, so one
        # lucky post does not outrank someone who writes about the goal week after week.
        relevance[g] = (best_sum + missing * typical[g]) / (best_count + missing)
        focus[g] = (np.bincount(group, weights=s, minlength=n_groups) + missing * typical[g]) / (count + missing)
        about = s >= settings.on_topic
        on_topic[g] = np.bincount(group, weights=about.astype(float), minlength=n_groups)
        best = np.zeros(len(s), dtype=bool)
        best[order[top]] = True
        relevant[:, g] = about | best
        by_fit.append(order)
    return _GroupStats(keys, post_ids, group, rows, sims, relevant, closest, relevance, focus, on_topic, count, by_fit,
                       starts)


def _contenders(group: np.ndarray, s: np.ndarray, count: np.ndarray, n_groups: int, top_posts: int) -> np.ndarray:
    """Positions of the posts that may be among their group's `top_posts` closest (all of a small set).

    Posts at or above a cut that a few times `top_posts` posts per group clear are in; a group with fewer than
    `top_posts` in (most of those listed for another goal) has its other posts cut again, and so on. A cut keeps
    ties, so the order among equals is as over all posts.
    """
    chosen = np.zeros(len(s), dtype=bool)
    pending = np.arange(len(s))
    while len(pending):
        wanted = 4 * top_posts * int(np.count_nonzero(np.bincount(group[pending], minlength=n_groups)))
        if len(pending) <= 2 * wanted:
            chosen[pending] = True
            break
        values = s[pending]
        above = values >= np.partition(values, len(values) - wanted)[len(values) - wanted]
        chosen[pending[above]] = True
        short = np.bincount(group[chosen], minlength=n_groups) < np.minimum(count, top_posts)
        pending = pending[~above & short[group[pending]]]
    return np.flatnonzero(chosen)


def _by_group_closest_first(group: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The order of posts by group, most similar first within one, ties in post order: np.lexsort((-s, group)).

    Done as one sort of 64-bit keys (the group, then the similarity's bits made to sort as unsigned integers):
    several times faster than lexsort on a large window.
    """
    if s.dtype != np.float32 or not len(s) or group.max() >= 1 << 31:
        return np.lexsort((-s, group))
    # 0 - s rather than -s: no -0.0, whose bits differ from 0.0's where lexsort counts them equal.
    bits = (np.float32(0) - s).view(np.int32).astype(np.int64)
    key = (group.astype(np.int64) << 32) | np.where(bits < 0, ~bits & 0x7FFFFFFF, bits | 0x80000000)
    order = np.argsort(key)
    # That sort is not stable: equal keys are put back in post order, as lexsort leaves them.
    ordered = key[order]
    tied = np.flatnonzero(ordered[1:] == ordered[:-1])
    if len(tied):
        members = np.unique(np.r_[tied, tied + 1])
        order[members] = order[members][np.lexsort((order[members], ordered[members]))]
    return order


def _centroids(posts: WindowPosts, grouping: _Grouping, groups: np.ndarray, wanted: np.ndarray) -> _Centroids:
    """The mean post vectors at unit length (what each talks about overall) of the wanted ones among `groups`,
    whose positions in `groups` number them."""
    row = np.full(len(groups), -1, dtype=np.int64)
    row[wanted] = np.arange(int(wanted.sum()))
    return _Centroids(row, _all_centroids(posts, grouping)[groups[wanted]])


def _vector_sums(posts: WindowPosts, grouping: _Grouping) -> tuple[tuple, np.ndarray]:
    """Groups x dimensions: the sum of each group's post vectors, and its key among the posts' factors."""
    def make() -> np.ndarray:
        # A CSR matrix over each group's posts in window order: the sums add up in that order whatever the order
        # the vectors are stored in, and come out the same to the last bit.
        indptr = np.r_[0, np.cumsum(grouping.count.astype(np.int64))]
        matrix = sparse.csr_matrix(
            (np.ones(len(grouping.in_group_rows), dtype=posts.vectors.dtype), grouping.in_group_rows,
             indptr), shape=(len(grouping.keys), len(posts.vectors)))
        return np.asarray(matrix @ posts.vectors)
    key = ("vector sums", id(grouping))
    return key, posts.factor(key, make)


def _all_centroids(posts: WindowPosts, grouping: _Grouping) -> np.ndarray:
    def make() -> np.ndarray:
        _, sums = _vector_sums(posts, grouping)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return sums / np.where(norms > 0, norms, 1)
    return posts.derived(("centroids", id(grouping)), make)


def _nearest(centroids: _Centroids, among: list[int], skip_self: bool = False) -> _Nearest:
    n = len(centroids.row)
    nearest = _Nearest(np.full(n, -1.0), np.full(n, -1))
    if not among:
        return nearest
    have = np.flatnonzero(centroids.row >= 0)
    cosines = centroids.of(have) @ centroids.of(among).T
    if skip_self:
        cosines[have[:, None] == np.asarray(among)[None, :]] = -1.0
    best = cosines.argmax(axis=1)
    nearest.cosine[have] = cosines[np.arange(len(have)), best]
    nearest.group[have] = np.asarray(among)[best]
    return nearest


def _codes(values: Column) -> tuple[np.ndarray, list[str]]:
    """Each value's number among the distinct values, and those values (hashed: fast on a million posts)."""
    encoded = (values if isinstance(values, pa.Array) else pa.array(values, pa.string())).dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()


def _percentile_within(place: np.ndarray, figures: np.ndarray) -> np.ndarray:
    """Each post's mid-rank percentile among the posts of the same place that have a figure (NaN where it has none)."""
    percentile = np.full(len(figures), np.nan)
    known = np.flatnonzero(~np.isnan(figures))
    if not len(known):
        return percentile
    order = np.lexsort((figures[known], place[known]))
    at, value = place[known][order], figures[known][order]
    new_place = np.r_[True, at[1:] != at[:-1]]
    new_value = new_place | np.r_[True, value[1:] != value[:-1]]
    place_start = np.flatnonzero(new_place)[np.cumsum(new_place) - 1]
    place_size = np.diff(np.r_[np.flatnonzero(new_place), len(at)])[np.cumsum(new_place) - 1]
    run_starts = np.flatnonzero(new_value)
    run = np.cumsum(new_value) - 1
    below, up_to = run_starts[run] - place_start, np.r_[run_starts[1:], len(at)][run] - place_start
    percentile[known[order]] = (below + up_to) / (2 * place_size)
    return percentile


def _percentiles(posts: WindowPosts) -> np.ndarray:
    return posts.derived(("percentile",), lambda: _percentile_within(_places(posts),
                                                                    np.asarray(posts.engagement, dtype=float)))


def _group_median(values: np.ndarray, group: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    """The median of `values` over each group's posts in `mask`, NaN values left out (NaN where none is left)."""
    chosen = mask & ~np.isnan(values)
    order = np.lexsort((values[chosen], group[chosen]))
    ordered = values[chosen][order]
    counts = np.bincount(group[chosen], minlength=n_groups)
    starts = np.cumsum(counts) - counts
    median = np.full(n_groups, np.nan)
    has = counts > 0
    median[has] = (ordered[starts[has] + (counts[has] - 1) // 2] + ordered[starts[has] + counts[has] // 2]) / 2
    return median


@dataclass(frozen=True)
class _Engagement:
    median: np.ndarray  # goals x groups: median percentile of the relevant posts, NaN where none has a figure
    signal: np.ndarray  # the same, pulled towards neutral when few posts have figures


def _engagement(posts: WindowPosts, stats: _GroupStats, settings: RankingSettings) -> _Engagement:
    """How a group's relevant posts fare against the other posts where they were posted, per goal.

    Each post's figure becomes a percentile among the posts of its place (source and community) in the window:
    unit-free, so a Reddit score and an X like compare, and free of audience size, so a small community whose
    posts get a dozen upvotes is not buried under a big one whose posts get thousands.
    """
    n_goals, n_groups = stats.sims.shape[1], len(stats.keys)
    if posts.engagement is None:
        nothing = np.full((n_goals, n_groups), np.nan)
        return _Engagement(nothing, nothing)
    percentile = _percentiles(posts)[stats.post_ids]
    known = ~np.isnan(percentile)
    median = np.vstack([_group_median(percentile, stats.group, stats.relevant[:, g], n_groups)
                        for g in range(n_goals)])
    counted = np.vstack([np.bincount(stats.group, weights=(known & stats.relevant[:, g]).astype(float),
                                     minlength=n_groups) for g in range(n_goals)])
    return _Engagement(median, _NEUTRAL + (median - _NEUTRAL) * counted / (counted + settings.engagement_trust))


@dataclass(frozen=True)
class _EngagementFigure:
    median: float
    unit: str
    percentile: float


def _engagement_figure(source: np.ndarray, sources: list[str], figures: np.ndarray | None, stats: _GroupStats,
                       j: int, g: int, percentile: float) -> _EngagementFigure | None:
    """The figure behind a candidate's engagement, in its own source's unit, for the reasons."""
    own_source = stats.keys[j][0]
    if figures is None or np.isnan(percentile) or own_source not in _UNITS or own_source not in sources:
        return None
    own = (stats.group == j) & stats.relevant[:, g] & (source[stats.post_ids] == sources.index(own_source))
    values = np.asarray(figures, dtype=float)[stats.post_ids[own]]
    values = values[~np.isnan(values)]
    if not len(values):
        return None
    return _EngagementFigure(float(np.median(values)), _UNITS[own_source], percentile)


def _communities_on_goal(place: np.ndarray, stats: _GroupStats, settings: RankingSettings) -> np.ndarray:
    """Goals x groups: in how many communities (places) each group, a person, posted about the goal."""
    community = place[stats.post_ids]
    n_communities = int(place.max()) + 1
    counts = []
    for g in range(stats.sims.shape[1]):
        about = stats.sims[:, g] >= settings.on_topic
        pairs = np.unique(stats.group[about] * n_communities + community[about])
        counts.append(np.bincount(pairs // n_communities, minlength=len(stats.keys)))
    return np.vstack(counts).astype(float)


def _excluded(exclusion_sims: np.ndarray, stats: _GroupStats, settings: RankingSettings) -> np.ndarray:
    """Goals x groups: True where most of the group's relevant posts are about a topic the learner excluded.

    `exclusion_sims` is `vectors` rows x excluded topics. A post is about an excluded topic when it is on topic for it
    and closer to it than to the goal.
    """
    closest = _rows_of(exclusion_sims, stats.rows).max(axis=1)
    n_groups = len(stats.keys)
    shares = []
    for g in range(stats.sims.shape[1]):
        about = (closest >= settings.on_topic) & (closest > stats.sims[:, g]) & stats.relevant[:, g]
        shares.append(np.bincount(stats.group, weights=about.astype(float), minlength=n_groups)
                      / np.maximum(np.bincount(stats.group, weights=stats.relevant[:, g].astype(float),
                                               minlength=n_groups), 1))
    return np.vstack(shares) >= settings.excluded_share


def _interests_named(info: Candidate | None, interests: Sequence[str]) -> tuple[str, ...]:
    """The interests a candidate's name or description names as whole words (three letters at least)."""
    if info is None:
        return ()
    text = f"{info.name}\n{info.description}"
    return tuple(t for t in interests if len(t) >= 3 and re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text, re.I))


def _take_goals_in_turn(groups: np.ndarray, best_goal: np.ndarray, scores: np.ndarray, weights: np.ndarray,
                        centroids: _Centroids, top: int,
                        near_duplicate: float) -> tuple[list[int], list[list[int]], list[int]]:
    """Goals in turn, each as often as its weight says; the stronger first when two goals are due together.

    A goal of weight 0.5 is due every second round. A candidate whose centroid is closer than `near_duplicate` to
    one already chosen is set aside, and the set-aside ones follow, strongest first, once nothing else is left.
    Returns the list, and each goal's queue with how many of it were taken.
    """
    queues = []
    for g in range(len(weights)):
        mine = groups[best_goal[groups] == g]
        queues.append(mine[np.argsort(-scores[g, mine], kind="stable")].tolist())
    heads = [0] * len(weights)
    served = np.zeros(len(weights))
    chosen: list[int] = []
    set_aside: list[int] = []
    while len(chosen) < top and any(head < len(queue) for head, queue in zip(heads, queues)):
        g = min((g for g, queue in enumerate(queues) if heads[g] < len(queue)),
                key=lambda g: ((served[g] + 1) / weights[g], -scores[g, queues[g][heads[g]]]))
        j = queues[g][heads[g]]
        heads[g] += 1
        if chosen and float((centroids.of(chosen) @ centroids.of([j])[0]).max()) > near_duplicate:
            set_aside.append(j)
            continue
        chosen.append(j)
        served[g] += 1
    set_aside.sort(key=lambda j: -scores[best_goal[j], j])
    return (chosen + set_aside)[:top], queues, heads


def _communities_of(stats: _GroupStats, j: int, posts: WindowPosts,
                    names: Mapping[Key, str]) -> tuple[str, ...]:
    ordered: dict[str, None] = {}
    for i in stats.post_ids[stats.group == j].tolist():
        ordered.setdefault(_community_name(posts, i, names))
    return tuple(ordered)


def _community_name(posts: WindowPosts, i: int, names: Mapping[Key, str]) -> str:
    community = _at(posts.community, i)
    return names.get((_at(posts.source, i), community), community)


def _at(column: Column, i: int) -> Any:
    """Post i's value in a column, as a Python object."""
    return column[i].as_py() if isinstance(column, pa.Array) else column[i]


@dataclass(frozen=True)
class _Why:
    """The figures a recommendation's reasons are written from."""

    goal: str
    on_topic: int
    count: int
    window_days: int
    engagement: _EngagementFigure | None
    evidence: tuple[Evidence, ...]
    communities: tuple[str, ...]
    on_goal_communities: int
    familiar: str
    liked: str
    liked_itself: bool
    disliked: str
    other_accounts: tuple[Key, ...]
    interests: tuple[str, ...]


def _reasons(kind: str, why: _Why, info: Candidate) -> tuple[str, ...]:
    posts = "post" if why.count == 1 else "posts"
    whose = "its" if kind == "community" else "their"
    if why.on_topic:
        first = (f"Serves your goal “{why.goal}”: {why.on_topic} of {whose} {why.count} {posts} "
                 f"in the last {why.window_days} days are about it")
    else:
        first = (f"Closest match for your goal “{why.goal}” among {whose} {why.count} {posts} "
                 f"in the last {why.window_days} days")
    if why.engagement:
        e = why.engagement
        around = "its posts" if kind == "community" else "the posts in the same communities"
        first += f"; median {e.median:,.0f} {e.unit} on those, above {e.percentile:.0%} of {around} in the window"
    reasons = [first + "."]
    if why.evidence:
        best = why.evidence[0]
        reasons.append(f"Most relevant: “{best.title}” (similarity {best.similarity:.2f}).")
    if kind == "person" and why.communities:
        shown = ", ".join(why.communities[:3]) + (f" and {len(why.communities) - 3} more"
                                                  if len(why.communities) > 3 else "")
        reasons.append(f"Writes in {shown}.")
        if why.on_goal_communities > 1:
            reasons.append(f"Writes about this goal in {why.on_goal_communities} communities.")
    if why.familiar:
        reasons.append(f"Much like {why.familiar}, which you already follow.")
    if why.liked:
        reasons.append("You gave it a thumbs-up." if why.liked_itself
                       else f"Much like {why.liked}, which you gave a thumbs-up.")
    if why.disliked:
        reasons.append(f"Much like {why.disliked}, which you gave a thumbs-down.")
    if why.interests:
        reasons.append(f"Mentions {', '.join(why.interests[:3])}, which you follow on LinkedIn.")
    if why.other_accounts:
        reasons.append("Also posts as " + ", ".join(f"{key} ({_PLATFORMS.get(source, source)})"
                                                    for source, key in why.other_accounts) + ".")
    if info.size:
        noun = "members" if kind == "community" else "followers"
        reasons.append(f"{info.size:,} {noun}.")
    return tuple(reasons)
