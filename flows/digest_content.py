"""What each learner's weekly digest says: recommendations that are news, colleagues who can help, the week's best
posts per goal, topics rising in their field, and how many posts were about each goal week by week; the warehouse is
read once per week for every learner."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np
import pyarrow as pa

from flows.errors import UsageError
from flows.org_network import Colleague, Network, colleagues_in, load_network
from flows.recommend import KINDS, Wanted, Window, recommend_wanted, wanted_batches, window
from flows.trends import MIN_GOAL_RELEVANCE, trends
from models.digest import Shown, Week, best_posts, news, on_goal_counts, period_of
from models.embedding import Embedder
from models.ranking import Evidence, RankingSettings, Recommendation, similarity_rows
from models.trends import Topic, for_goals
from warehouse import digests
from warehouse.digests import ShownItem
from warehouse.queries import Learner

RISING = ("emerging", "rising")
WEEK_DAYS = 7
# Trends compare the week with the four before it, as the weekly trends report does.
TRENDS_BASELINE_DAYS = 28
# A post "about" a goal for the ranking's reasons is about it in the digest too.
ON_TOPIC = RankingSettings().on_topic


@dataclass(frozen=True)
class DigestSettings:
    """How much a digest holds and where its week starts; the defaults are what the weekly deployment sends."""

    timezone: str = "UTC"
    # Recommendations are judged over the posts of this many days before the Monday, as `pln recommend` judges.
    window_days: int = 30
    per_kind: int = 5
    # Ranked per kind to find `per_kind` that earlier digests did not show.
    look_at: int = 15
    posts_per_goal: int = 3
    rising: int = 3
    # Per goal, when the organisation has members (`pln org add-member`).
    colleagues: int = 2

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"time zone {self.timezone!r}: unknown (an IANA name such as Europe/Madrid)") from None


@dataclass(frozen=True)
class NewItem:
    """A recommendation the digest shows, and why it is news."""

    item: Recommendation
    why: str


@dataclass(frozen=True)
class GoalPosts:
    goal: str
    posts: tuple[Evidence, ...]


@dataclass(frozen=True)
class GoalVolume:
    """Posts about each of the learner's goals per week, over every source pln reads: the digest's chart.

    Why this chart: it is about the learner's own goals, so every digest has it (a learner gets topics rising near
    their goals in few weeks, and the digest says their growth in words already), and it puts the week in
    perspective: whether the field of each goal was busier or quieter than in the weeks before, which the best posts
    and recommendations alone do not tell. It costs no read: it counts the ranking window's posts, whose
    similarities to the learner's goals the ranking has just computed.
    """

    goals: tuple[str, ...]
    week_starts: tuple[datetime, ...]  # oldest first, midnights where the learners are; the last is the digest's
    ends: datetime
    counts: tuple[tuple[int, ...], ...]  # per goal, per week


@dataclass(frozen=True)
class Digest:
    """One learner's digest of one week."""

    learner: Learner
    week: Week
    starts: datetime
    ends: datetime
    communities: tuple[NewItem, ...]
    people: tuple[NewItem, ...]
    best: tuple[GoalPosts, ...]
    rising: tuple[Topic, ...]
    volume: GoalVolume
    colleagues: tuple[Colleague, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.communities or self.people or any(g.posts for g in self.best) or self.rising
                    or self.colleagues)

    def shown(self) -> list[ShownItem]:
        """The recommendations it shows, as the warehouse keeps them for the next digests."""
        return [ShownItem(n.item.kind, n.item.source, n.item.key, n.item.goal, n.item.score, str(self.week))
                for n in (*self.communities, *self.people)]


@dataclass(frozen=True)
class WeekData:
    """What every learner's digest of a week reads: the ranking window, which of its posts are the week's and which
    week each falls in, the topics rising that week, and the organisation's members (None when it has none)."""

    week: Week
    starts: datetime
    ends: datetime
    window: Window
    week_posts: np.ndarray  # the window's indices of the posts published in the week
    week_vectors: np.ndarray  # their vectors, in that order
    rising: tuple[Topic, ...]
    # The window's whole weeks, oldest first, ending with the digest's: midnights where the learners are, from the
    # first week's start to the digest's end.
    week_bounds: tuple[datetime, ...]
    row_week: np.ndarray  # for each row of the window's vectors, the week its post falls in (-1: before them)
    network: Network | None = None


def read_week(conn: duckdb.DuckDBPyConnection, week: Week, embedder: Embedder, settings: DigestSettings) -> WeekData:
    """Read the week once: the posts recommendations are judged on, the week's trends, and the organisation's
    members."""
    if settings.window_days < WEEK_DAYS:
        raise UsageError(f"window of {settings.window_days} days: a digest covers a week, give at least {WEEK_DAYS}")
    zone = settings.zone()
    starts, ends = week.starts(zone).astimezone(UTC), week.ends(zone).astimezone(UTC)
    shared = window(conn, embedder.name, window_days=settings.window_days, as_of=ends)
    # Each week as the digest of that week covered it; the window's days before its first whole week are left out.
    bounds = (*(w.starts(zone) for w in week.series(settings.window_days // WEEK_DAYS)), week.ends(zone))
    # window() keeps its columns in Arrow: microseconds since the epoch, compared without a Python object each.
    published = shared.posts.published_at.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    post_week = period_of(published.to_numpy(zero_copy_only=False),
                          np.array([int(t.timestamp() * 1_000_000) for t in bounds]))
    week_posts = np.flatnonzero(post_week == len(bounds) - 2)
    row_week = np.empty_like(post_week)
    row_week[shared.posts.rows(np.arange(len(post_week)))] = post_week
    report = trends(conn, window_days=WEEK_DAYS, baseline_days=TRENDS_BASELINE_DAYS, as_of=ends, embedder=embedder)
    return WeekData(week, starts, ends, shared, week_posts, shared.posts.vectors[shared.posts.rows(week_posts)],
                    tuple(t for t in report.topics if t.status in RISING), bounds, row_week,
                    network if (network := load_network(conn, embedder)).members else None)


def compose_all(conn: duckdb.DuckDBPyConnection, data: WeekData, names: Sequence[str], embedder: Embedder,
                settings: DigestSettings, batch: int = 64) -> Iterator[Digest]:
    """The digests of the learners `names`, in that order, read and ranked in batches as the daily flow's are."""
    for wanted in wanted_batches(conn, data.window, names, embedder=embedder, batch=batch):
        for learner in wanted:
            yield compose(conn, data, learner, settings)


def compose(conn: duckdb.DuckDBPyConnection, data: WeekData, wanted: Wanted, settings: DigestSettings) -> Digest:
    """One learner's digest."""
    learner = wanted.learner
    ranked = recommend_wanted(data.window, wanted, settings.look_at)
    before = digests.shown_before(conn, learner.name, str(data.week))
    fresh = {kind: _news(ranked.by_kind[kind].items, before, settings.per_kind) for kind in KINDS}
    rising = for_goals(data.rising, learner.goals, wanted.goals, MIN_GOAL_RELEVANCE)[:settings.rising]
    return Digest(learner, data.week, data.starts, data.ends, fresh["community"], fresh["person"],
                  _best(data, learner, wanted.goals, wanted.exclusions, settings), rising, _volume(data, wanted),
                  tuple(colleagues_in(data.network, learner, wanted.goals, settings.colleagues)
                        if data.network else ()))


def _volume(data: WeekData, wanted: Wanted) -> GoalVolume:
    # The similarities the ranking of this learner's batch computed and keeps: no product of its own.
    sims = data.window.posts.similarities(similarity_rows(wanted.goals, wanted.exclusions))
    n = len(wanted.goals)
    counts = on_goal_counts(sims[:, :n], data.row_week, len(data.week_bounds) - 1, ON_TOPIC, sims[:, n:])
    return GoalVolume(tuple(wanted.learner.goals), data.week_bounds[:-1], data.week_bounds[-1],
                      tuple(tuple(int(c) for c in row) for row in counts))


def _news(items: Sequence[Recommendation], before: dict[tuple[str, str, str], ShownItem],
          limit: int) -> tuple[NewItem, ...]:
    chosen = []
    for item in items:
        shown = before.get((item.kind, item.source, item.key))
        why = news(item.goal, item.score, Shown(shown.goal, shown.score) if shown else None)
        if why:
            chosen.append(NewItem(item, why))
        if len(chosen) == limit:
            break
    return tuple(chosen)


def _best(data: WeekData, learner: Learner, goals: np.ndarray, avoid: np.ndarray | None,
          settings: DigestSettings) -> tuple[GoalPosts, ...]:
    # Only the week's few posts, multiplied here: the ranking's similarities are in an order of its own.
    sims = data.week_vectors @ similarity_rows(goals, avoid).astype(data.week_vectors.dtype).T
    n = len(goals)
    titles = data.window.posts.title

    def title(j: int) -> str:
        return (titles[int(data.week_posts[j])].as_py() or "").strip().lower() or str(j)

    picked = best_posts(sims[:, :n], settings.posts_per_goal, ON_TOPIC,
                        sims[:, n:] if avoid is not None else None, same=title)
    return tuple(GoalPosts(goal, tuple(_link(data.window, int(data.week_posts[j]), float(sims[j, g])) for j in rows))
                 for g, (goal, rows) in enumerate(zip(learner.goals, picked)))


def _link(shared: Window, i: int, similarity: float) -> Evidence:
    posts = shared.posts
    source, community = posts.source[i].as_py(), posts.community[i].as_py()
    return Evidence(posts.title[i].as_py() or "", posts.url[i].as_py() or "", round(similarity, 3),
                    posts.published_at[i].as_py(), shared.community_names.get((source, community), community))


def chosen_week(text: str | None, settings: DigestSettings) -> Week:
    """The ISO week `text` names (YYYY-Www), or the week it is now where the learners are."""
    if text is None:
        return Week.of(datetime.now(settings.zone()).date())
    try:
        return Week.parse(text)
    except ValueError as exc:
        raise UsageError(f"--week {exc}") from None
