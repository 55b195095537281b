"""Report cards to evaluate a community or a person before joining: found by name, judged on a window of posts."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import duckdb

from connectors import linkedin, reddit, rss, x
from connectors.base import Community, Person, SourceError
from flows.errors import UsageError
from flows.learners import goal_vectors, require_learner
from models.cards import Engagement, GoalShare, Week, engagement, engagement_metrics, goal_shares, posts_per_week, weeks
from models.embedding import Embedder
from models.ranking import RankingSettings
from warehouse import cards, queries
from warehouse.cards import Active, Sample, Subject

SOURCES = (rss.SOURCE, reddit.SOURCE, x.SOURCE)
# A learner's own LinkedIn posts are nobody's community to join, as in `pln recommend`.
_EXCLUDED = (linkedin.SOURCE,)
TOP = 5
SAMPLES = 3
_SUGGESTIONS = 5
# A Reddit user as u/name, /u/name, a reddit.com/user/name URL or the bare name.
_REDDIT_USER = re.compile(r"(?:(?:(?:https?://)?(?:www\.|old\.)?reddit\.com)?/?u(?:ser)?/)?([\w-]{3,20})/?", re.I)

Found = TypeVar("Found", Community, Person)


@dataclass(frozen=True)
class Goals:
    """How much of the window's embedded posts is on each of a learner's goals."""

    learner: str
    judged: int  # embedded posts: only those can be compared with a goal
    on_any_goal: int
    on_topic: float
    shares: tuple[GoalShare, ...]


@dataclass(frozen=True)
class Activity:
    """What a community or person published in the `window_days` before `as_of`, and how it was received."""

    as_of: datetime
    window_days: int
    posts: int
    posts_per_week: float
    weeks: tuple[Week, ...]
    goals: Goals | None
    engagement: tuple[Engagement, ...]
    recent: tuple[Sample, ...]
    most_engaged: tuple[Sample, ...]


@dataclass(frozen=True)
class CommunityCard:
    community: Community
    activity: Activity
    top_people: tuple[Active, ...]


@dataclass(frozen=True)
class PersonCard:
    person: Person
    activity: Activity
    communities: tuple[Active, ...]


class NotFound(UsageError):
    """No community or person has the name given; the message names it."""


def community_card(conn: duckdb.DuckDBPyConnection, name: str, learner: str | None = None, window_days: int = 28,
                   as_of: datetime | None = None, embedder: Embedder | None = None) -> CommunityCard:
    """The card of the community `name` (see find_community); goal shares when a learner is given."""
    community = find_community(conn, name)
    subject = _subject("community", community.source, community.key, window_days, as_of)
    return CommunityCard(community, _activity(conn, subject, window_days, learner, embedder),
                         tuple(cards.most_active_people(conn, subject, TOP)))


def person_card(conn: duckdb.DuckDBPyConnection, name: str, learner: str | None = None, window_days: int = 28,
                as_of: datetime | None = None, embedder: Embedder | None = None) -> PersonCard:
    """The card of the person `name` (see find_person); goal shares when a learner is given."""
    person = find_person(conn, name)
    subject = _subject("person", person.source, person.key, window_days, as_of)
    return PersonCard(person, _activity(conn, subject, window_days, learner, embedder),
                      tuple(cards.most_active_communities(conn, subject, TOP)))


def find_community(conn: duckdb.DuckDBPyConnection, name: str) -> Community:
    """The community `name` designates: its name as `pln recommend` prints it (r/name, @handle, a feed's title),
    its key (feed URL or path, subreddit, handle, list:ID) or its URL; `SOURCE:KEY` picks one of several.

    Raises UsageError naming `name` when nothing or several communities match.
    """
    source, text = _split_source(name)
    keys = [text] if source else [text, *_community_keys(text)]
    found = cards.find_communities(conn, keys, text, source=source, exclude_sources=_EXCLUDED)
    return _only(name, "community", "communities", found,
                 lambda: cards.communities_like(conn, text, _SUGGESTIONS, _EXCLUDED))


def find_person(conn: duckdb.DuckDBPyConnection, name: str) -> Person:
    """The person `name` designates: their name, handle (@handle, u/name) or profile URL; `SOURCE:KEY` picks one
    of several.

    Raises UsageError naming `name` when nothing or several people match.
    """
    source, text = _split_source(name)
    keys = [text] if source else [text, *_person_keys(text)]
    found = cards.find_people(conn, keys, text, source=source, exclude_sources=_EXCLUDED)
    return _only(name, "person", "people", found, lambda: cards.people_like(conn, text, _SUGGESTIONS, _EXCLUDED))


def to_json(card: CommunityCard | PersonCard) -> dict[str, object]:
    """The card in the shape `pln community show` / `pln person show --format json` promise (see the README)."""
    if isinstance(card, CommunityCard):
        c = card.community
        head: dict[str, object] = {
            "kind": "community", "name": c.name, "source": c.source, "key": c.key, "url": c.url,
            "description": c.description, "size": c.size, "category": c.category,
            "created_at": c.created_at.isoformat() if c.created_at else None}
        tail: dict[str, object] = {"top_people": [asdict(a) for a in card.top_people]}
    else:
        p = card.person
        head = {"kind": "person", "name": p.name, "source": p.source, "key": p.key, "url": p.url,
                "description": p.description, "followers": p.followers, "links": list(p.links)}
        tail = {"communities": [asdict(a) for a in card.communities]}
    a = card.activity
    goals = None if a.goals is None else {
        "learner": a.goals.learner, "judged_posts": a.goals.judged, "on_any_goal": a.goals.on_any_goal,
        "on_topic_similarity": a.goals.on_topic,
        "by_goal": [{"goal": s.goal, "posts": s.posts, "share": round(s.share, 4),
                     "closest": asdict(s.closest) if s.closest else None} for s in a.goals.shares]}
    return {
        **head, "as_of": a.as_of.isoformat(), "window_days": a.window_days, "posts": a.posts,
        "posts_per_week": round(a.posts_per_week, 2),
        "weeks": [{"start": w.start.isoformat(), "end": w.end.isoformat(), "posts": w.posts} for w in a.weeks],
        "goals": goals, "engagement": [asdict(e) for e in a.engagement], **tail,
        "recent": [_sample_json(s) for s in a.recent], "most_engaged": [_sample_json(s) for s in a.most_engaged],
    }


def _sample_json(sample: Sample) -> dict[str, object]:
    return {"title": sample.title, "text": sample.snippet, "url": sample.url,
            "published_at": sample.published_at.isoformat(), "community": sample.community,
            "author": sample.author, "engagement": sample.engagement}


def _subject(kind: str, source: str, key: str, window_days: int, as_of: datetime | None) -> Subject:
    if window_days < 1:
        raise UsageError(f"window_days {window_days}: must be at least 1 day")
    end = as_of or datetime.now(UTC)
    return Subject(kind, source, key, end - timedelta(days=window_days), end)


def _activity(conn: duckdb.DuckDBPyConnection, subject: Subject, window_days: int, learner: str | None,
              embedder: Embedder | None) -> Activity:
    goals = None if learner is None else _goals(conn, subject, learner, embedder or Embedder())
    counts = cards.weekly_counts(conn, subject)
    posts = sum(counts.values())
    metrics = engagement_metrics(subject.source)
    return Activity(
        as_of=subject.end, window_days=window_days, posts=posts, posts_per_week=posts_per_week(posts, window_days),
        weeks=weeks(counts, subject.end, window_days), goals=goals,
        engagement=engagement(cards.metric_values(conn, subject, metrics), subject.source),
        recent=tuple(cards.sample_posts(conn, subject, metrics, SAMPLES)),
        most_engaged=tuple(cards.sample_posts(conn, subject, metrics, SAMPLES, most_engaged=True)) if metrics else (),
    )


def _goals(conn: duckdb.DuckDBPyConnection, subject: Subject, learner: str, embedder: Embedder) -> Goals:
    who = require_learner(conn, learner)
    table = cards.embedded_posts(conn, subject, embedder.name)
    # An X post has no title: its opening words stand in for one.
    titles = [t or s for t, s in zip(table.column("title").to_pylist(), table.column("snippet").to_pylist())]
    on_topic = RankingSettings().on_topic
    shares, on_any = goal_shares(who.goals, goal_vectors(conn, who, embedder), queries.vectors_of(table), titles,
                                 table.column("url").to_pylist(), on_topic)
    return Goals(who.name, table.num_rows, on_any, on_topic, shares)


def _split_source(name: str) -> tuple[str | None, str]:
    """`SOURCE:KEY` as (source, key); anything else as (None, name)."""
    text = name.strip()
    if not text:
        raise UsageError(f"{name!r}: give a name, key or URL")
    prefix, colon, rest = text.partition(":")
    if colon and prefix.lower() in SOURCES and rest.strip():
        return prefix.lower(), rest.strip()
    return None, text


def _community_keys(text: str) -> list[str]:
    """The keys `text` would be tracked under as a subreddit, an X account or list, or a feed."""
    keys: list[str] = []
    for normalise in (reddit.normalise_subreddit, x.normalise_target, rss.normalise_target):
        try:
            keys.append(normalise(text))
        except SourceError:
            continue
    return keys


def _person_keys(text: str) -> list[str]:
    """The keys `text` would have as a Reddit user (u/name) or an X account (@handle)."""
    keys: list[str] = []
    if user := _REDDIT_USER.fullmatch(text):
        keys.append(f"u/{user[1]}")
    try:
        handle = x.normalise_target(text)
    except SourceError:
        return keys
    return keys + [handle] if handle.startswith("@") else keys


def _only(name: str, noun: str, plural: str, found: list[Found], similar: Callable[[], list[str]]) -> Found:
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(f"{f.name} ({f.source}:{f.key})" for f in found)
        raise UsageError(f"{name}: {len(found)} {plural} match ({listed}); name one as SOURCE:KEY")
    names = similar()
    hint = f"; did you mean {', '.join(names)}?" if names else f" (give a {noun}'s name, key or URL)"
    raise NotFound(f"{name}: no such {noun}{hint}")
