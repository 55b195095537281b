"""Trending topics across the sources pln reads: on demand for `pln trends`, weekly by the trends flow."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from connectors import linkedin
from flows.errors import UsageError
from flows.learners import goal_vectors, require_learner
from models.embedding import Embedder
from models.trends import STATUSES, KnownTopic, Period, Topic, TrendPosts, TrendSettings, find_trends, for_goals
from warehouse import db, queries
from warehouse import trends as history

SOURCES = ("rss", "reddit", "x")
# Learners' own LinkedIn posts say what they write about, not what the sources they watch are discussing.
EXCLUDED = (linkedin.SOURCE,)
# A topic this close (cosine of its centroid to a goal) is about the goal. Measured on 1,000 posts of 10 newsgroups
# and a goal written for each of 9 of them: the topic of the goal's own group scored 0.24-0.66 (8 goals of 9), the
# topics of unrelated groups under 0.2 but for one mixed topic (0.29); a goal's nearest neighbour group 0.25.
MIN_GOAL_RELEVANCE = 0.2


@dataclass(frozen=True)
class TrendsReport:
    """One run: the topics to show in order, the periods they were measured over, and when each was first seen."""

    as_of: datetime
    window_days: int
    baseline_days: int
    sources: tuple[str, ...]  # empty: every source
    learners: tuple[str, ...]
    topics: tuple[Topic, ...]
    week_starts: tuple[datetime, ...]
    window_posts: int
    baseline_posts: int
    first_seen: dict[int, datetime]

    @property
    def window_start(self) -> datetime:
        return self.as_of - timedelta(days=self.window_days)

    @property
    def last_day(self) -> date:
        return last_day(self.as_of)


def last_day(as_of: datetime) -> date:
    """The last day a run as of `as_of` covers: `--as-of 2026-11-22` runs to the midnight that ends that day."""
    return (as_of - timedelta(microseconds=1)).date()


def trends(conn: duckdb.DuckDBPyConnection, *, window_days: int = 7, baseline_days: int = 28,
           as_of: datetime | None = None, sources: Sequence[str] | None = None,
           learners: Sequence[str] | None = None, embedder: Embedder | None = None, keep: bool = False,
           settings: TrendSettings = TrendSettings()) -> TrendsReport:
    """Topics of the posts published in the `window_days` before `as_of`, against the `baseline_days` before those.

    `sources` limits the posts to those sources; `learners` keeps the topics relevant to their goals, most relevant
    first. With `keep`, the run's topics go into the history that gives next week's topics their ids; only runs
    over every source keep theirs, since a run over some sources sees only part of each topic.
    """
    if window_days < 1 or baseline_days < 1:
        raise UsageError(f"window of {window_days} days, baseline of {baseline_days} days: both must be at least 1")
    unknown = sorted(set(sources or ()) - set(SOURCES))
    if unknown:
        raise UsageError(f"--source {', '.join(unknown)}: unknown (choose from {', '.join(SOURCES)})")
    embedder = embedder or Embedder()
    team = [require_learner(conn, name) for name in dict.fromkeys(learners or ())]
    as_of = as_of or datetime.now(UTC)
    window_start = as_of - timedelta(days=window_days)
    period = Period(window_start - timedelta(days=baseline_days), window_start, as_of,
                    history.data_since(conn, sources=sources, exclude=EXCLUDED))
    table = history.trend_posts(conn, embedder.name, period.baseline_start, as_of, sources=sources,
                                exclude=EXCLUDED, text_chars=settings.label_chars)
    communities = {key: c.name for key, c in queries.communities(conn).items()}
    people = {key: p.name for key, p in queries.people(conn).items()}
    source = table.column("source").to_pylist()
    posts = TrendPosts(
        community=[communities.get((s, c), c) for s, c in zip(source, table.column("community").to_pylist())],
        author=[people.get((s, a), a) if a else "" for s, a in zip(source, table.column("author").to_pylist())],
        title=table.column("title").to_pylist(), text=table.column("text").to_pylist(),
        url=table.column("url").to_pylist(), published_at=table.column("published_at").to_pylist(),
        vectors=queries.vectors_of(table),
    )
    known = [KnownTopic(s.topic_id, s.centroid) for s in history.known_topics(conn, embedder.name, as_of)]
    found = find_trends(posts, period, known, history.next_topic_id(conn), settings)
    if keep and sources is None:
        history.store_run(conn, embedder.name, as_of, datetime.now(UTC), window_days, baseline_days,
                          [history.TopicState(t.id, t.label, t.terms, t.status, t.growth, t.window_count,
                                              t.baseline_count, t.centroid) for t in found.topics])
    topics = found.topics
    if team:
        goals = [goal for learner in team for goal in learner.goals]
        vectors = np.vstack([goal_vectors(conn, learner, embedder) for learner in team])
        topics = for_goals(topics, goals, vectors, MIN_GOAL_RELEVANCE)
    return TrendsReport(as_of, window_days, baseline_days, tuple(sources or ()),
                        tuple(learner.name for learner in team), topics, found.week_starts, found.window_posts,
                        found.baseline_posts, history.first_seen(conn, embedder.name))


def to_json(report: TrendsReport) -> list[dict]:
    """The topics as `pln trends --format json` promises them: id, label, terms, status, growth, counts,
    communities and people ({name, count}, largest first), examples; plus rates, weekly counts and first_seen."""
    items = []
    for t in report.topics:
        first = report.first_seen.get(t.id)
        item = {
            "id": t.id, "label": t.label, "terms": list(t.terms), "status": t.status, "growth": t.growth,
            "window_count": t.window_count, "baseline_count": t.baseline_count,
            "window_per_week": t.window_rate, "baseline_per_week": t.baseline_rate,
            "communities": [{"name": name, "count": count} for name, count in t.communities],
            "people": [{"name": name, "count": count} for name, count in t.people],
            "examples": [{"title": e.title, "url": e.url, "community": e.community,
                          "published_at": e.published_at.isoformat(), "similarity": e.similarity}
                         for e in t.examples],
            "weekly": [{"week_start": start.isoformat(), "posts": n} for start, n in zip(report.week_starts, t.weekly)],
            "first_seen": first.isoformat() if first else None,
        }
        if t.goal is not None:
            item |= {"goal": t.goal, "relevance": t.relevance}
        items.append(item)
    return items


def markdown(report: TrendsReport, html_path: Path | None = None) -> str:
    """A short report for the Prefect UI: the table of topics, and where the full page was written."""
    lines = [f"# Trending topics as of {report.last_day}", "",
             f"{report.window_posts} posts in the last {report.window_days} days against {report.baseline_posts} "
             f"in the {report.baseline_days} days before.", ""]
    if html_path:
        lines += [f"Full report with the weekly chart: `{html_path}`", ""]
    lines += ["| # | Topic | Status | Growth | Posts now | Posts before | Communities |",
              "|---|---|---|---|---|---|---|"]
    for t in report.topics:
        where = ", ".join(f"{name} ({count})" for name, count in t.communities[:3])
        lines.append(f"| {t.id} | {_cell(t.label)} | {t.status} | {t.growth:.2f}x | {t.window_count} | "
                     f"{t.baseline_count} | {_cell(where)} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    # A pipe or a line break inside a cell would break the markdown table.
    return text.replace("|", "\\|").replace("\n", " ")


def report_path(folder: Path, last_day: date) -> Path:
    """Where the run covering up to `last_day` writes its HTML page."""
    return folder / f"trends-{last_day}.html"


@flow(name="trends", log_prints=True)
def trends_flow(db_path: str | None = None, window_days: int = 7, baseline_days: int = 28,
                as_of: datetime | None = None, report_dir: str | None = None) -> dict[str, int]:
    """Weekly: find the trending topics, keep them in the topic history, write the HTML page, publish the table.

    The page goes to `report_dir` (default: `reports/` beside the warehouse); returns the number of topics by status.
    """
    from flows.trends_report import render_html  # matplotlib loads only where a page is drawn

    logger = get_run_logger()
    path = Path(db_path or db.default_path())
    with db.connect(path) as conn:
        report = trends(conn, window_days=window_days, baseline_days=baseline_days, as_of=as_of, keep=True)
    folder = Path(report_dir) if report_dir else path.resolve().parent / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    page = report_path(folder, report.last_day)
    page.write_text(render_html(report), encoding="utf-8")
    create_markdown_artifact(markdown(report, page), key="trends", description="Trending topics this week")
    counts = {status: sum(t.status == status for t in report.topics) for status in STATUSES}
    logger.info("%d topics (%s); report at %s", len(report.topics),
                ", ".join(f"{n} {status}" for status, n in counts.items()), page)
    return counts
