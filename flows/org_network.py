"""Colleagues who can help a learner: members' profiles read for scoring, and each pick explained by what shows it."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.learners import goal_vectors, require_learner
from flows.org_members import embedding_text
from models.colleagues import ColleagueSettings, MemberScores, Profiles, best_members, member_items, score_members
from models.embedding import Embedder
from warehouse import org, queries
from warehouse.org import Expertise, Member
from warehouse.queries import Learner

EVIDENCE = 3
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Network:
    """Every member, and all their items (the `member_expertise` columns) in the arrays the scoring reads."""

    members: list[Member]
    items: pa.Table
    profiles: Profiles

    def same_person(self, name: str, email: str = "") -> list[int]:
        """Members who are this person: the same name (case and spacing aside) or the same e-mail address."""
        wanted_name, wanted_email = _plain(name), email.strip().casefold()
        return [i for i, m in enumerate(self.members)
                if _plain(m.name) == wanted_name or (wanted_email and m.email.strip().casefold() == wanted_email)]

    def item(self, row: int) -> Expertise:
        values = {c: self.items.column(c)[row].as_py() for c in ("kind", "title", "text", "url", "dated")}
        return Expertise(**values)


@dataclass(frozen=True)
class ItemEvidence:
    """An item of a member's profile that shows their fit to the goal."""

    kind: str
    title: str
    url: str
    similarity: float
    dated: date | None


@dataclass(frozen=True)
class Colleague:
    """A member suggested for a goal: who, how to reach them, the score, why, and the items that show it."""

    name: str
    email: str
    team: str
    location: str
    score: float
    goal: str
    reasons: tuple[str, ...]
    evidence: tuple[ItemEvidence, ...]
    signals: dict[str, float] = field(default_factory=dict)


def load_network(conn: duckdb.DuckDBPyConnection, embedder: Embedder) -> Network:
    """The members and their items with vectors by the embedder's model, embedding (and storing) any missing."""
    table = org.expertise(conn, embedder.name)
    missing = pc.is_null(table.column("vector"))
    if pc.any(missing).as_py():
        pending = table.filter(missing)
        texts = [embedding_text(Expertise(k, t, x)) for k, t, x in
                 zip(*(pending.column(c).to_pylist() for c in ("kind", "title", "text")))]
        org.store_vectors(conn, pending.column("member").to_pylist(), pending.column("item").to_pylist(),
                          embedder.name, embedder.encode(texts))
        table = org.expertise(conn, embedder.name)
    members = org.list_members(conn)
    index = {m.name: i for i, m in enumerate(members)}
    owner = np.array([index[name] for name in table.column("member").to_pylist()], dtype=np.int64)
    profiles = Profiles(owner, np.array(table.column("kind").to_pylist(), dtype=object),
                        queries.vectors_of(table), len(members))
    return Network(members, table, profiles)


def colleagues(conn: duckdb.DuckDBPyConnection, learner_name: str, embedder: Embedder,
               top: int = 5) -> list[Colleague]:
    """For each of the learner's goals in turn, the `top` members best placed to help, never the learner."""
    learner = require_learner(conn, learner_name)
    network = load_network(conn, embedder)
    return colleagues_in(network, learner, goal_vectors(conn, learner, embedder), top)


def colleagues_in(network: Network, learner: Learner, goals: np.ndarray, top: int) -> list[Colleague]:
    """colleagues() over a network already read, for goal vectors already known."""
    scores = score_members(goals, network.profiles)
    themselves = network.same_person(learner.name, learner.email)
    return [colleague for g, goal in enumerate(learner.goals)
            for colleague in colleagues_for(network, scores, g, goal, top, leave_out=themselves)]


def colleagues_for(network: Network, scores: MemberScores, goal: int, goal_text: str, top: int, *,
                   leave_out: Sequence[int] = ()) -> list[Colleague]:
    """The `top` members best placed to help with goal row `goal` of `scores`, best first, less `leave_out`."""
    return [describe(network, scores, m, goal, goal_text) for m in best_members(scores, goal, top, leave_out=leave_out)]


def describe(network: Network, scores: MemberScores, member: int, goal: int, goal_text: str,
             settings: ColleagueSettings = ColleagueSettings()) -> Colleague:
    """Member `member` as a colleague for goal row `goal`: reasons from their items about it (at `on_topic` or
    more), their closest items as evidence."""
    rows = member_items(network.profiles, scores, member, goal).tolist()
    closest = [network.item(row) for row in rows[:EVIDENCE]]
    evidence = tuple(ItemEvidence(item.kind, item.title, item.url, round(float(scores.sims[row, goal]), 4), item.dated)
                     for row, item in zip(rows, closest))
    about = [network.item(row) for row in rows if scores.sims[row, goal] >= settings.on_topic]
    person = network.members[member]
    posts = int(np.count_nonzero((network.profiles.owner == member) & (network.profiles.kind == "post")))
    signals = {name: round(float(getattr(scores, name)[goal, member]), 4) for name in ("relevance", "focus", "breadth")}
    return Colleague(person.name, person.email, person.team, person.location,
                     round(float(scores.score[goal, member]), 4), goal_text,
                     reasons(about or closest[:1], posts, person, squarely=bool(about)), evidence, signals)


def reasons(about: list[Expertise], posts: int, member: Member, *, squarely: bool = True) -> tuple[str, ...]:
    """Short sentences naming the skills, courses, posts and positions about the goal, closest first; when nothing
    is `squarely` about it, `about` holds the closest item alone and the reasons say so."""
    if not squarely:
        item = about[0]
        said = [f"Nothing in their profile is squarely about it; the closest is their {item.kind} "
                f"“{item.title.rstrip('.')}”."]
        return (*said, *_where(member))
    by_kind: dict[str, list[Expertise]] = {}
    for item in about:
        by_kind.setdefault(item.kind, []).append(item)
    said = []
    if skills := by_kind.get("skill"):
        said.append(f"Lists {_quoted(s.title for s in skills[:3])} among their skills.")
    if courses := by_kind.get("course"):
        said.append(f"Completed {', '.join(_course(c) for c in courses[:3])}.")
    if shared := by_kind.get("post"):
        said.append(f"{len(shared)} of their {posts} posts and comments are about it, "
                    f"the closest “{shared[0].title.rstrip('.')}”.")
    if jobs := by_kind.get("position"):
        said.append(f"Has worked as {_quoted(j.title for j in jobs[:2])}.")
    return (*said, *_where(member))


def _where(member: Member) -> tuple[str, ...]:
    where = ", ".join(part for part in (member.team, member.location) if part)
    return (f"Works in {where}.",) if where else ()


def as_json(colleague: Colleague, rank: int) -> dict:
    """One colleague in the shape `pln org colleagues --format json` promises (rank within its goal)."""
    data = asdict(colleague)
    data["reasons"] = list(colleague.reasons)
    data["evidence"] = [{**e, "dated": e["dated"].isoformat() if e["dated"] else None} for e in data["evidence"]]
    return {"rank": rank, "kind": "colleague", **data}


def to_json(found: list[Colleague]) -> list[dict]:
    """All colleagues found, ranked within each goal."""
    ranks: Counter[str] = Counter()
    items = []
    for colleague in found:
        ranks[colleague.goal] += 1
        items.append(as_json(colleague, ranks[colleague.goal]))
    return items


def _plain(name: str) -> str:
    return _SPACES.sub(" ", name.strip()).casefold()


def _course(course: Expertise) -> str:
    return f"“{course.title}” ({course.dated:%Y-%m})" if course.dated else f"“{course.title}”"


def _quoted(titles: Iterable[str]) -> str:
    return ", ".join(f"“{t}”" for t in titles)
