"""Recommends communities and people to a learner; the daily flow does it for every learner and keeps the result."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from connectors import linkedin
from connectors.base import Person
from flows.learners import exclusion_vectors, goal_vectors, require_learner
from models import identity
from models.embedding import Embedder
from models.ranking import (ENGAGEMENT_METRIC, Candidate, Key, Preferences, Ranking, Recommendation, WindowPosts,
                            rank)
from warehouse import db, feedback, network, queries

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


def recommend(conn: duckdb.DuckDBPyConnection, learner_name: str, *, embedder: Embedder,
              kinds: tuple[str, ...] = KINDS, top: int = 5, window_days: int = 30,
              as_of: datetime | None = None) -> Recommendations:
    """Rank what serves the learner's goals best among posts published in the `window_days` before `as_of`."""
    learner = require_learner(conn, learner_name)
    as_of = as_of or datetime.now(UTC)
    goals = goal_vectors(conn, learner, embedder)
    posts = _window_posts(conn, embedder.name, as_of - timedelta(days=window_days), as_of)
    communities = queries.communities(conn)
    names = {key: c.name for key, c in communities.items()}
    # From the learner's LinkedIn export: connections and followed members count as followed already;
    # followed companies and hashtags are interests.
    followed = frozenset(queries.follows(conn, learner.name) | network.people_in_network(conn, learner.name))
    interests = [entry.name.lstrip("#") for kind in ("company", "hashtag")
                 for entry in network.network(conn, learner.name, kind)]
    excluded = exclusion_vectors(conn, learner, embedder)
    by_kind = {}
    for kind in kinds:
        if kind == "community":
            candidates = {k: Candidate(c.name, c.url, c.description, c.size) for k, c in communities.items()}
            same_person = {}
        else:
            people = queries.people(conn)
            candidates = _PeopleAsCandidates(people)
            same_person = identity.aliases(people)
        preferences = Preferences(learner.goal_weights(), excluded, feedback.votes(conn, learner.name, kind))
        by_kind[kind] = rank(kind, learner.goals, goals, posts, candidates, followed=followed,
                             community_names=names, aliases=same_person, interests=interests,
                             preferences=preferences, window_days=window_days, top=top)
    return Recommendations(learner.name, as_of, window_days, by_kind)


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
        for name in learners or [learner.name for learner in queries.list_learners(conn)]:
            result = recommend(conn, name, embedder=embedder, top=top, window_days=window_days, as_of=as_of)
            items = to_json(result)
            queries.store_recommendations(conn, name, run_at, result.as_of, items)
            create_markdown_artifact(markdown(result), key=f"recommendations-{_artifact_key(name)}",
                                     description=f"Recommendations for {name}")
            logger.info("%s: %d recommendations", name, len(items))
            counts[name] = len(items)
    return counts


def _artifact_key(name: str) -> str:
    # Prefect artifact keys allow only lowercase letters, digits and dashes.
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "learner"
