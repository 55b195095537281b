"""Finds topics in recent posts by their embeddings, labels them by distinctive terms and measures their growth.

How it works, on the posts of a baseline period followed by a window (both given by `Period`):

- Clustering: k-means on the unit vectors (so Euclidean distance follows cosine). k is chosen from the data:
  the best silhouette (cosine) of k-means on a sample of at most `sample` posts, over a grid of k up to the
  ceiling sqrt(n/2) (the usual rule of thumb; at most `max_topics`) from `min_k_share` of it (at least 2). On
  20 Newsgroups embeddings it picks 10 topics for 10 groups and 5-6 for 5. The floor matters at scale: on
  11,000 posts of all 20 groups the silhouette is flat (0.06-0.07 for every k from 2 to 50) and was highest at
  k=2-4 in 9 of 15 runs (k=2 splits the hardware groups from the talk groups, which scores as well as the groups
  do); topics that coarse hid a group's threefold surge entirely. From 12 up it picked 12-20 (once 50) and
  found the surge in 15 of 15 runs (bench/trends_surge.py). Below 288 posts the floor is 2. Lloyd's k-means
  then runs over every post from the sample's centres.
  Then each topic is cut in 2, 3 or 4 parts by k-means, and a part of at least `min_posts` posts with
  `new_share` of them in the window becomes a topic of its own: clustering over the whole period sizes topics
  by all their posts, so a subject new this week is otherwise folded into an older neighbour and shows only as
  its growth (20 newsgroup posts of a sixth group, all from the last week, were folded into the space topic).
- Labels: class-based TF-IDF of each topic's posts against the rest. tf is the share of the topic's posts that
  use a term (a post counts a term once, so one long post repeating a word cannot name a topic); the weight is
  log(tf / tf_rest), tf_rest being the share of the other topics' posts using it, smoothed as if one more of
  them did. Terms no more common in the topic than elsewhere score 0, and so do terms used by a single post of
  the topic. On 20 Newsgroups this names topics by their subject ("space, nasa, flight", "team, hockey, nhl")
  where BERTopic's idf, log(1 + A / f) over all topics, lets words common everywhere ("just", "like", "know")
  into the top terms. Label: the top `label_terms`; terms: the top `terms`.
- Growth: posts per week in the window against posts per week in the baseline, both smoothed by
  `pseudo_count` posts per week, so a handful of posts cannot make a huge ratio:
  growth = (window_rate + a) / (baseline_rate + a). The baseline counts only the time the data covers
  (`Period.data_since`): a warehouse started two weeks ago has a two-week baseline, not an empty four-week one.
- Status, in this order (thresholds in `TrendSettings`):
  emerging: at least `min_posts` in the window, and the baseline's weekly rate at most 1/`emerging` of the
            window's (nothing or almost nothing before);
  rising:   at least `min_posts` in the window and growth >= `rising`;
  fading:   at least `min_posts` in the baseline and growth <= 1/`rising`;
  steady:   everything else.
- Who and what: the communities and people posting most on the topic, and the posts closest to its centroid
  (one per title), are taken from the window; from the baseline for a topic with no post in the window.
- Identity: this run's centroids are matched one to one to the latest centroids of topics known from earlier
  runs (Hungarian assignment on cosine); a pair at or above `match` keeps the known id, the rest get new ids.
  On newsgroup posts a week apart, the same group's topics scored 0.70-0.99 (0.70: a topic that was a mix the
  week before and stood clear after its surge), different groups' topics at most 0.37.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

STATUSES = ("emerging", "rising", "steady", "fading")
SPLIT_SAMPLE = 2000
WEEK = timedelta(days=7)
# Link debris and markup entities: frequent in posts, never a topic.
_WEB_WORDS = frozenset({"http", "https", "www", "com", "org", "net", "html", "htm", "amp", "nbsp", "quot", "gt", "lt"})
# Links and email addresses: their words name hosts, not topics.
_LINKS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
# Words of at least three characters that start with a letter: no numbers, ids or stray letters as labels.
LABEL_TOKEN = r"(?u)\b[^\W\d_][\w-]*[^\W_]\b"


@dataclass(frozen=True)
class TrendPosts:
    """Embedded posts of the baseline and the window, as parallel columns; `vectors` rows are unit length.

    `community` and `author` are the names people read (as `pln recommend` prints them); '' when unknown.
    """

    community: Sequence[str]
    author: Sequence[str]
    title: Sequence[str]
    text: Sequence[str]
    url: Sequence[str]
    published_at: Sequence[datetime]
    vectors: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.vectors)
        columns = {"community": self.community, "author": self.author, "title": self.title, "text": self.text,
                   "url": self.url, "published_at": self.published_at}
        uneven = [name for name, column in columns.items() if len(column) != n]
        if uneven:
            raise ValueError(f"TrendPosts: {', '.join(uneven)} must have one entry per vector ({n})")


@dataclass(frozen=True)
class Period:
    """The baseline (baseline_start, window_start] followed by the window (window_start, end]."""

    baseline_start: datetime
    window_start: datetime
    end: datetime
    # The earliest post the warehouse has for these sources: a baseline before it is not "no posts", it is no data.
    data_since: datetime | None = None

    def __post_init__(self) -> None:
        if not self.baseline_start <= self.window_start < self.end:
            raise ValueError(f"Period: need baseline_start <= window_start < end, got {self.baseline_start}, "
                             f"{self.window_start}, {self.end}")

    @property
    def window_weeks(self) -> float:
        return (self.end - self.window_start) / WEEK

    @property
    def baseline_weeks(self) -> float:
        """Weeks of the baseline the data covers."""
        start = max(self.baseline_start, self.data_since) if self.data_since else self.baseline_start
        return max(0.0, (self.window_start - start) / WEEK)

    def week_starts(self) -> tuple[datetime, ...]:
        """Starts of the 7-day buckets counted back from `end` that cover the baseline and the window."""
        weeks = math.ceil((self.end - self.baseline_start) / WEEK)
        return tuple(self.end - (weeks - i) * WEEK for i in range(weeks))


@dataclass(frozen=True)
class KnownTopic:
    """A topic as an earlier run left it: the id to keep and the centroid to match against."""

    id: int
    centroid: np.ndarray


@dataclass(frozen=True)
class Example:
    """A post that shows what a topic is about: one of the closest to its centroid."""

    title: str
    url: str
    community: str
    published_at: datetime
    similarity: float


@dataclass(frozen=True)
class Topic:
    """One topic of a run with its size, growth and status, who drives it, and posts that show it."""

    id: int
    label: str
    terms: tuple[str, ...]
    status: str
    growth: float
    window_count: int
    baseline_count: int
    window_rate: float  # posts per week
    baseline_rate: float
    weekly: tuple[int, ...]  # posts per week bucket of `Trends.week_starts`
    communities: tuple[tuple[str, int], ...]  # largest first
    people: tuple[tuple[str, int], ...]
    examples: tuple[Example, ...]
    centroid: np.ndarray = field(repr=False)
    known: bool  # the id comes from an earlier run
    relevance: float | None = None  # to the best-matching goal, when trends are scoped to goals
    goal: str | None = None


@dataclass(frozen=True)
class Trends:
    """The topics of one run, in report order, and what they were computed from."""

    topics: tuple[Topic, ...]
    week_starts: tuple[datetime, ...]
    window_posts: int
    baseline_posts: int


@dataclass(frozen=True)
class TrendSettings:
    """Sizes and thresholds; the module docstring says how each is used."""

    max_topics: int = 50
    sample: int = 4000
    # k is at least this share of its ceiling: at scale the silhouette favours coarse splits (module docstring).
    min_k_share: float = 0.25
    pseudo_count: float = 1.0
    rising: float = 1.5
    emerging: float = 10.0
    min_posts: int = 3
    # A part of a topic with this share of its posts in the window is new (the window is 20% of 7+28 days).
    new_share: float = 0.8
    match: float = 0.6
    label_terms: int = 3
    terms: int = 10
    examples: int = 3
    drivers: int = 5
    # Characters of a post's text read for labels: its opening says what it is about, and the rest costs time.
    label_chars: int = 1000
    seed: int = 0


def find_trends(posts: TrendPosts, period: Period, known: Sequence[KnownTopic] = (), next_id: int = 1,
                settings: TrendSettings = TrendSettings()) -> Trends:
    """Topics of `posts` in report order: emerging, rising, steady, fading; the most posts now first within each.

    Topics matched to `known` keep their ids; new ones are numbered from `next_id`, larger topics first.
    """
    weeks = period.week_starts()
    if len(posts.vectors) == 0:
        return Trends((), weeks, 0, 0)
    published = np.array([t.timestamp() for t in posts.published_at])
    in_window = published > period.window_start.timestamp()
    in_range = (published > period.baseline_start.timestamp()) & (published <= period.end.timestamp())
    if not in_range.all():
        raise ValueError(f"find_trends: {int((~in_range).sum())} posts fall outside ({period.baseline_start}, "
                         f"{period.end}]")
    vectors = _unit(np.asarray(posts.vectors, dtype=np.float32))
    # One thread: on this 2-core machine shared with other jobs, OpenMP's waiting threads made k-means 5-7x
    # slower with two (100,000 posts: 23 s against 4.6 s).
    with threadpool_limits(limits=1):
        labels, centroids = split_new(vectors, *cluster(vectors, settings), in_window, settings)
    k = len(centroids)
    sizes = np.bincount(labels, minlength=k)
    ids, matched = match_topics(centroids, known, next_id, settings.match, sizes)
    names = label_topics([label_text(t, x, settings.label_chars) for t, x in zip(posts.title, posts.text)],
                         labels, k, settings)
    week_of = np.minimum(((published - weeks[0].timestamp()) // WEEK.total_seconds()).astype(np.int64),
                         len(weeks) - 1)
    similarity = np.einsum("ij,ij->i", vectors, centroids[labels])
    topics = []
    for t in range(k):
        members = np.flatnonzero(labels == t)
        now = members[in_window[members]]
        before = members[~in_window[members]]
        growth, status = growth_status(len(now), len(before), period, settings)
        drivers = now if len(now) else before
        shown = drivers[np.argsort(-similarity[drivers], kind="stable")]
        topics.append(Topic(
            id=ids[t], label=", ".join(names[t][:settings.label_terms]), terms=names[t][:settings.terms],
            status=status, growth=round(growth, 3), window_count=len(now), baseline_count=len(before),
            window_rate=round(len(now) / period.window_weeks, 2),
            baseline_rate=round(len(before) / period.baseline_weeks, 2) if period.baseline_weeks else 0.0,
            weekly=tuple(int(c) for c in np.bincount(week_of[members], minlength=len(weeks))),
            communities=_top(posts.community, drivers, settings.drivers),
            people=_top(posts.author, drivers, settings.drivers),
            examples=_examples(posts, shown, similarity, settings.examples),
            centroid=centroids[t], known=matched[t],
        ))
    order = {status: n for n, status in enumerate(STATUSES)}
    topics.sort(key=lambda topic: (order[topic.status], -topic.window_count, -topic.baseline_count, topic.id))
    return Trends(tuple(topics), weeks, int(in_window.sum()), int((~in_window).sum()))


def cluster(vectors: np.ndarray, settings: TrendSettings = TrendSettings()) -> tuple[np.ndarray, np.ndarray]:
    """(topic of each post, unit centroid of each topic) by k-means with k chosen from the data; no empty topic."""
    n = len(vectors)
    ceiling = min(settings.max_topics, int(math.sqrt(n / 2)))
    if ceiling < 2:  # under 8 posts: one topic
        return np.zeros(n, dtype=np.int64), _unit(vectors.mean(axis=0, keepdims=True))
    rng = np.random.default_rng(settings.seed)
    sample = vectors[rng.choice(n, settings.sample, replace=False)] if n > settings.sample else vectors
    k, centres = choose_k(sample, ceiling, settings)
    # Lloyd's k-means from the sample's centres: a few passes over every post, where MiniBatchKMeans clustered
    # 20 Newsgroups posts markedly worse (NMI 0.63 against 0.87 on 5 groups).
    labels = KMeans(n_clusters=k, init=centres, n_init=1, random_state=settings.seed).fit_predict(vectors)
    # A centre can end up with no post; renumbering keeps topics 0..k-1 all populated.
    used, labels = np.unique(labels, return_inverse=True)
    centroids = np.vstack([vectors[labels == t].mean(axis=0) for t in range(len(used))])
    return labels.astype(np.int64), _unit(centroids)


def split_new(vectors: np.ndarray, labels: np.ndarray, centroids: np.ndarray, in_window: np.ndarray,
              settings: TrendSettings = TrendSettings()) -> tuple[np.ndarray, np.ndarray]:
    """Topics with their new part split off (see the module docstring): the topic is cut in 2, else 3, else 4
    parts by k-means, and the largest part of at least `min_posts` posts with `new_share` of them in the window
    becomes a topic of its own."""
    rng = np.random.default_rng(settings.seed)
    pieces = [labels == t for t in range(len(centroids))]
    for t, members in enumerate(list(pieces)):
        where = np.flatnonzero(members)
        if len(where) < 4 * settings.min_posts:
            continue
        # Fitted on a sample of a large topic: the cut needs its shape, not every post.
        fit = where if len(where) <= SPLIT_SAMPLE else rng.choice(where, SPLIT_SAMPLE, replace=False)
        for parts in (2, 3, 4):
            cut = KMeans(n_clusters=parts, n_init=3, random_state=settings.seed).fit(vectors[fit])
            part_of = cut.predict(vectors[where])
            new = [where[part_of == p] for p in range(parts)]
            new = [part for part in new if len(part) >= settings.min_posts
                   and len(where) - len(part) >= settings.min_posts and in_window[part].mean() >= settings.new_share]
            if new:
                part = max(new, key=len)
                pieces[t] = members.copy()
                pieces[t][part] = False
                pieces.append(np.isin(np.arange(len(labels)), part))
                break
    labels = np.zeros(len(labels), dtype=np.int64)
    for t, members in enumerate(pieces):
        labels[members] = t
    return labels, _unit(np.vstack([vectors[members].mean(axis=0) for members in pieces]))


def choose_k(sample: np.ndarray, ceiling: int, settings: TrendSettings = TrendSettings()) -> tuple[int, np.ndarray]:
    """(k, its centres): the best cosine silhouette of k-means on `sample` for k over a grid from `min_k_share` of
    `ceiling` (at least 2) up to `ceiling`."""
    floor = max(2, int(ceiling * settings.min_k_share))
    grid = sorted({k for k in (2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 24, 28, 33, 40, 48, 57, 68, 80, 96)
                   if floor <= k <= ceiling} | {ceiling})
    best: tuple[float, int, np.ndarray] | None = None
    for k in grid:
        model = KMeans(n_clusters=k, random_state=settings.seed, n_init=3).fit(sample)
        if len(set(model.labels_)) < 2:
            continue
        score = silhouette_score(sample, model.labels_, metric="cosine", sample_size=min(len(sample), 2000),
                                 random_state=settings.seed)
        if best is None or score > best[0]:
            best = (score, k, model.cluster_centers_)
    if best is None:  # every post the same: one topic
        return 1, sample.mean(axis=0, keepdims=True)
    return best[1], best[2]


def label_topics(texts: Sequence[str], labels: np.ndarray, k: int,
                 settings: TrendSettings = TrendSettings()) -> list[tuple[str, ...]]:
    """Each topic's most distinctive terms by class-based TF-IDF, best first (see the module docstring)."""
    vectorizer = CountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | _WEB_WORDS), token_pattern=LABEL_TOKEN,
                                 binary=True, min_df=2, dtype=np.float32)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # no term used by two posts: nothing can label anything
        return [() for _ in range(k)]
    membership = sparse.csr_matrix((np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
                                   shape=(k, len(labels)))
    using = np.asarray((membership @ counts).todense())  # topics x terms: posts of the topic using the term
    sizes = np.bincount(labels, minlength=k)[:, None].astype(np.float32)
    share = using / np.maximum(sizes, 1.0)
    share_rest = (using.sum(axis=0, keepdims=True) - using + 1.0) / (len(labels) - sizes + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(using >= 2, share * np.log(share / share_rest), 0.0)
    scores = np.maximum(scores, 0.0)
    vocabulary = vectorizer.get_feature_names_out()
    return [_distinct([vocabulary[j] for j in np.argsort(-row, kind="stable")[:settings.terms * 3] if row[j] > 0],
                      settings.terms)
            for row in scores]


def growth_status(window_count: int, baseline_count: int, period: Period,
                  settings: TrendSettings = TrendSettings()) -> tuple[float, str]:
    """(smoothed growth, status) of a topic with these counts over `period` (module docstring)."""
    window_rate = window_count / period.window_weeks
    baseline_rate = baseline_count / period.baseline_weeks if period.baseline_weeks else 0.0
    a = settings.pseudo_count
    growth = (window_rate + a) / (baseline_rate + a)
    if window_count >= settings.min_posts and baseline_rate * settings.emerging <= window_rate:
        return growth, "emerging"
    if window_count >= settings.min_posts and growth >= settings.rising:
        return growth, "rising"
    if baseline_count >= settings.min_posts and growth <= 1 / settings.rising:
        return growth, "fading"
    return growth, "steady"


def match_topics(centroids: np.ndarray, known: Sequence[KnownTopic], next_id: int, threshold: float,
                 sizes: np.ndarray | None = None) -> tuple[list[int], list[bool]]:
    """(id of each centroid, whether it was known): one-to-one cosine matching to `known`, new ids from `next_id`."""
    ids: list[int | None] = [None] * len(centroids)
    if known and len(centroids):
        similarity = _unit(centroids) @ _unit(np.vstack([k.centroid for k in known])).T
        rows, cols = linear_sum_assignment(-similarity)
        for r, c in zip(rows, cols):
            if similarity[r, c] >= threshold:
                ids[r] = known[c].id
    matched = [i is not None for i in ids]
    taken = max([next_id - 1, *(k.id for k in known)])
    new = [t for t in range(len(centroids)) if ids[t] is None]
    new.sort(key=lambda t: -int(sizes[t]) if sizes is not None else 0)
    for n, t in enumerate(new, start=1):
        ids[t] = taken + n
    return [int(i) for i in ids], matched


def for_goals(topics: Sequence[Topic], goals: Sequence[str], goal_vectors: np.ndarray,
              min_relevance: float) -> tuple[Topic, ...]:
    """The topics whose centroid is at least `min_relevance` (cosine) from some goal, most relevant first."""
    if len(goals) != len(goal_vectors):
        raise ValueError(f"for_goals: {len(goals)} goals but {len(goal_vectors)} goal vectors")
    if not topics or not len(goals):
        return ()
    similarity = np.vstack([t.centroid for t in topics]) @ _unit(np.asarray(goal_vectors, dtype=np.float32)).T
    best = similarity.argmax(axis=1)
    scored = [replace(topic, relevance=round(float(similarity[n, best[n]]), 4), goal=goals[best[n]])
              for n, topic in enumerate(topics) if similarity[n, best[n]] >= min_relevance]
    return tuple(sorted(scored, key=lambda t: -(t.relevance or 0.0)))


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def label_text(title: str, text: str, chars: int) -> str:
    """What of a post its topic's label is drawn from: the title and the start of the body, links removed."""
    return _LINKS.sub(" ", f"{title}\n{text[:chars]}")


def _distinct(candidates: Sequence[str], limit: int) -> tuple[str, ...]:
    """Top terms without plural twins ('model' and 'models'): a label has room for three ideas, not two spellings."""
    chosen: list[str] = []
    seen: set[str] = set()
    for term in candidates:
        stem = term.removesuffix("s")
        if stem not in seen:
            chosen.append(term)
            seen.add(stem)
        if len(chosen) == limit:
            break
    return tuple(chosen)


def _top(names: Sequence[str], members: np.ndarray, limit: int) -> tuple[tuple[str, int], ...]:
    counts = Counter(names[i] for i in members if names[i])
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit])


def _examples(posts: TrendPosts, ordered: np.ndarray, similarity: np.ndarray, limit: int) -> tuple[Example, ...]:
    """The posts closest to the centroid, one per title: a cross-posted story should not fill every slot."""
    shown: list[Example] = []
    titles: set[str] = set()
    for i in ordered:
        title = posts.title[i] or posts.text[i][:120]
        if title.casefold() in titles:
            continue
        titles.add(title.casefold())
        shown.append(Example(title, posts.url[i], posts.community[i], posts.published_at[i],
                             round(float(similarity[i]), 4)))
        if len(shown) == limit:
            break
    return tuple(shown)
