"""Recommends communities and people to a learner; the daily flow does it for every learner and keeps the result."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from connectors import linkedin
from connectors.base import Person
from flows.learners import exclusion_vectors, goal_vectors, require_learner
from models import identity
from models.embedding import Embedder
from models.ranking import (ENGAGEMENT_METRIC, Candidate, Key, Preferences, Ranking, Recommendation, WindowPosts,
                            prepare, rank, similarity_rows)
from warehouse import db, feedback, network, queries
from warehouse.queries import Learner

KINDS = ("community", "person")


@dataclass(frozen=True)
class Recommendations:
    """One learner's ranked lists by kind, and the window they were computed over."""

    learner: str
    as_of: datetime
    window_days: int
    by_kind: dict[str, Ranking]

    def items(self) -> list[Recommendation]:
        return [item for kind in KINDS if kind in self.by_kind for item in self.by_kind[kind].items]


@dataclass(frozen=True)
class Window:
    """What every learner's ranking over one time window reads: its embedded posts, communities and people.

    Built once and shared, so ranking many learners costs one read of the warehouse and one pass over the vectors
    per batch of learners.
    """

    as_of: datetime
    window_days: int
    posts: WindowPosts
    communities: dict[Key, Candidate]
    community_names: dict[Key, str]
    people: Mapping[Key, Candidate]
    aliases: dict[Key, Key]


def window(conn: duckdb.DuckDBPyConnection, model: str, *, window_days: int = 30, as_of: datetime | None = None,
           kinds: tuple[str, ...] = KINDS) -> Window:
    """The posts published in the `window_days` before `as_of` (default: now), with what ranking `kinds` needs."""
    as_of = as_of or datetime.now(UTC)
    communities = queries.communities(conn)
    # A hundred thousand people cost a second or two to read and match up: only when people are ranked.
    people = queries.people(conn) if "person" in kinds else {}
    posts = _window_posts(conn, model, as_of - timedelta(days=window_days), as_of)
    aliases = identity.aliases(people)
    prepare(posts, kinds, aliases)
    return Window(as_of, window_days, posts,
                  {k: Candidate(c.name, c.url, c.description, c.size) for k, c in communities.items()},
                  {key: c.name for key, c in communities.items()}, _PeopleAsCandidates(people), aliases)


def recommend(conn: duckdb.DuckDBPyConnection, learner_name: str, *, embedder: Embedder,
              kinds: tuple[str, ...] = KINDS, top: int = 5, window_days: int = 30,
              as_of: datetime | None = None) -> Recommendations:
    """Rank what serves the learner's goals best among posts published in the `window_days` before `as_of`."""
    require_learner(conn, learner_name)
    shared = window(conn, embedder.name, window_days=window_days, as_of=as_of, kinds=kinds)
    return recommend_in(conn, shared, learner_name, embedder=embedder, kinds=kinds, top=top)


def recommend_all(conn: duckdb.DuckDBPyConnection, learner_names: Sequence[str], *, embedder: Embedder,
                  kinds: tuple[str, ...] = KINDS, top: int = 5, window_days: int = 30,
                  as_of: datetime | None = None, batch: int = 64,
                  workers: int | None = None) -> Iterator[Recommendations]:
    """Recommendations for many learners over one shared window, in the order given.

    Learners come in batches (`wanted_batches`); those of a batch are ranked on `workers` threads (default: one per
    core), numpy letting go of the interpreter in its larger steps.
    """
    shared = window(conn, embedder.name, window_days=window_days, as_of=as_of, kinds=kinds)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for wanted in wanted_batches(conn, shared, learner_names, embedder=embedder, kinds=kinds, batch=batch):
            yield from pool.map(lambda w: recommend_wanted(shared, w, top), wanted)


def recommend_in(conn: duckdb.DuckDBPyConnection, shared: Window, learner_name: str, *, embedder: Embedder,
                 kinds: tuple[str, ...] = KINDS, top: int = 5) -> Recommendations:
    """One learner's recommendations over a window already read."""
    return recommend_wanted(shared, read_wanted(conn, learner_name, embedder, kinds), top)


@dataclass(frozen=True)
class Wanted:
    """What a learner wants and already has, as the ranker reads it."""

    learner: Learner
    goals: np.ndarray
    exclusions: np.ndarray | None
    followed: frozenset[Key]
    interests: list[str]
    votes: dict[str, dict[Key, int]]  # by kind


def read_wanted(conn: duckdb.DuckDBPyConnection, learner_name: str, embedder: Embedder,
                kinds: tuple[str, ...]) -> Wanted:
    """The learner, their goal and exclusion vectors, and what they follow and voted on."""
    learner = require_learner(conn, learner_name)
    # From the learner's LinkedIn export: connections and followed members count as followed already;
    # followed companies and hashtags are interests.
    followed = frozenset(queries.follows(conn, learner.name) | network.people_in_network(conn, learner.name))
    interests = [entry.name.lstrip("#") for kind in ("company", "hashtag")
                 for entry in network.network(conn, learner.name, kind)]
    return Wanted(learner, goal_vectors(conn, learner, embedder), exclusion_vectors(conn, learner, embedder),
                  followed, interests, {kind: feedback.votes(conn, learner.name, kind) for kind in kinds})


def wanted_batches(conn: duckdb.DuckDBPyConnection, shared: Window, learner_names: Sequence[str], *,
                   embedder: Embedder, kinds: tuple[str, ...] = KINDS, batch: int = 64) -> Iterator[list[Wanted]]:
    """The learners read `batch` at a time, each batch's similarities to the window computed in one pass.

    With a few goals a pass is bound by reading the vectors, with many by arithmetic, so batching makes each
    learner's pass far cheaper. The next batch is read on a connection of its own while the caller ranks this one.
    """
    batches = [learner_names[start:start + batch] for start in range(0, len(learner_names), batch)]
    # Callers write on `conn` between batches (the daily flow stores each result): reading goes on apart.
    reading = conn.cursor()
    with reading, ThreadPoolExecutor(max_workers=1) as reader:
        def read(names: Sequence[str]) -> list[Wanted]:
            return [read_wanted(reading, name, embedder, kinds) for name in names]

        later = iter(batches[1:])
        upcoming = reader.submit(read, batches[0]) if batches else None
        while upcoming is not None:
            wanted = upcoming.result()
            following = next(later, None)
            upcoming = reader.submit(read, following) if following is not None else None
            shared.posts.prime([similarity_rows(w.goals, w.exclusions) for w in wanted])
            yield wanted


def recommend_wanted(shared: Window, wanted: Wanted, top: int) -> Recommendations:
    """One learner's recommendations, of the kinds they were read for, over a window already read."""
    by_kind = {}
    for kind, votes in wanted.votes.items():
        preferences = Preferences(wanted.learner.goal_weights(), wanted.exclusions, votes)
        candidates, same_person = ((shared.communities, {}) if kind == "community"
                                   else (shared.people, shared.aliases))
        by_kind[kind] = rank(kind, wanted.learner.goals, wanted.goals, shared.posts, candidates,
                             followed=wanted.followed, community_names=shared.community_names, aliases=same_person,
                             interests=wanted.interests, preferences=preferences, window_days=shared.window_days,
                             top=top)
    return Recommendations(wanted.learner.name, shared.as_of, shared.window_days, by_kind)


class _PeopleAsCandidates(Mapping[Key, Candidate]):
    """People as candidates, each made when the ranker asks for it: it asks for a few among a hundred thousand."""

    def __init__(self, people: Mapping[Key, Person]) -> None:
        self._people = people

    def __getitem__(self, key: Key) -> Candidate:
        person = self._people[key]
        return Candidate(person.name, person.url, person.description, person.followers)

    def __iter__(self) -> Iterator[Key]:
        return iter(self._people)

    def __len__(self) -> int:
        return len(self._people)


def _window_posts(conn: duckdb.DuckDBPyConnection, model: str, start: datetime, end: datetime) -> WindowPosts:
    # Learners' own LinkedIn posts say what they write about; they are nobody's community to join.
    table, order = queries.ranking_window(conn, model, start, end, exclude_sources=(linkedin.SOURCE,),
                                          engagement=ENGAGEMENT_METRIC)

    def column(name: str) -> pa.Array:
        # Kept in Arrow: the ranker turns into Python objects only the few posts it shows.
        return table.column(name).take(order).combine_chunks()

    return WindowPosts(
        source=column("source"), community=column("community"), author=column("author"), title=column("title"),
        url=column("url"), published_at=column("published_at"), vectors=queries.vectors_of(table),
        engagement=column("engagement").to_numpy(zero_copy_only=False).astype(float), vector_row=order,
    )


def as_json(item: Recommendation, rank_: int) -> dict:
    """One recommendation in the shape `pln recommend --format json` promises."""
    data = asdict(item)
    evidence = [{**e, "published_at": e["published_at"].isoformat()} for e in data.pop("evidence")]
    return {"rank": rank_, "kind": data.pop("kind"), "name": data.pop("name"), "url": data.pop("url"),
            "score": data.pop("score"), "goal": data.pop("goal"), "reasons": list(data.pop("reasons")),
            "evidence": evidence, **data}


def to_json(result: Recommendations) -> list[dict]:
    """All recommendations, ranked within each kind."""
    return [as_json(item, n) for kind in KINDS if kind in result.by_kind
            for n, item in enumerate(result.by_kind[kind].items, start=1)]


def markdown(result: Recommendations) -> str:
    """A short report for the Prefect UI."""
    lines = [f"# Recommendations for {result.learner}", "",
             f"Posts from the {result.window_days} days before {result.as_of:%Y-%m-%d}.", ""]
    for item in to_json(result):
        lines.append(f"{item['rank']}. **{item['name']}** ({item['kind']}, score {item['score']:.2f}) "
                     f"for “{item['goal']}”: {' '.join(item['reasons'][:2])}")
    return "\n".join(lines)


@flow(name="recommend", log_prints=True)
def recommend_flow(db_path: str | None = None, top: int = 5, window_days: int = 30,
                   as_of: datetime | None = None, learners: list[str] | None = None) -> dict[str, int]:
    """Daily: recommend for every learner, keep each run in the warehouse, publish it as an artifact."""
    logger = get_run_logger()
    embedder = Embedder()
    run_at = datetime.now(UTC)
    counts = {}
    with db.connect(db_path or db.default_path()) as conn:
        names = learners or [learner.name for learner in queries.list_learners(conn)]
        for result in recommend_all(conn, names, embedder=embedder, top=top, window_days=window_days,
                                    as_of=as_of or run_at):
            items = to_json(result)
            queries.store_recommendations(conn, result.learner, run_at, result.as_of, items)
            create_markdown_artifact(markdown(result), key=f"recommendations-{_artifact_key(result.learner)}",
                                     description=f"Recommendations for {result.learner}")
            logger.info("%s: %d recommendations", result.learner, len(items))
            counts[result.learner] = len(items)
    return counts


def _artifact_key(name: str) -> str:
    # Prefect artifact keys allow only lowercase letters, digits and dashes.
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "learner"
