"""Ranking on real posts: the right community per goal, every goal served, followed ones marked, reasons given."""
from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from models.embedding import Embedder, post_text
from models.ranking import Candidate, WindowPosts, rank
from tests.conftest import shared_path

GROUPS = ("sci.space", "rec.autos", "comp.graphics", "sci.med")
GOALS = ("Understand rockets, orbits and how spacecraft reach the Moon",
         "Learn to fix and maintain my own car engine")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def posts(embedder: Embedder) -> WindowPosts:
    taken: dict[str, list[dict]] = {g: [] for g in GROUPS}
    with gzip.open(shared_path("20newsgroups-bydate", "20news-bydate.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc["group"] in taken and doc["split"] == "test" and len(taken[doc["group"]]) < 25:
                taken[doc["group"]].append(doc)
            if all(len(v) == 25 for v in taken.values()):
                break
    docs = [d for g in GROUPS for d in taken[g]]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return WindowPosts(
        source=["rss"] * len(docs), community=[d["group"] for d in docs],
        author=[d["from"] or "" for d in docs], title=[d["subject"] for d in docs],
        url=[f"news:{d['group']}/{d['doc_id']}" for d in docs],
        published_at=[start + timedelta(hours=i) for i in range(len(docs))],
        vectors=embedder.encode([post_text(d["subject"], d["text"]) for d in docs]),
    )


def groups() -> dict[tuple[str, str], Candidate]:
    return {("rss", g): Candidate(name=g, url=f"news:{g}") for g in GROUPS}


def test_each_goal_finds_its_community_first(embedder: Embedder, posts: WindowPosts) -> None:
    for goal, expected in zip(GOALS, ("sci.space", "rec.autos")):
        ranking = rank("community", [goal], embedder.encode([goal]), posts, groups(), window_days=30, top=4)
        assert ranking.items[0].key == expected
        assert ranking.items[0].goal == goal
        assert all(other.score < ranking.items[0].score for other in ranking.items[1:])


def test_every_goal_is_served_before_any_gets_a_second(embedder: Embedder, posts: WindowPosts) -> None:
    ranking = rank("community", GOALS, embedder.encode(list(GOALS)), posts, groups(), window_days=30, top=2)
    assert {item.key for item in ranking.items} == {"sci.space", "rec.autos"}
    assert {item.goal for item in ranking.items} == set(GOALS)


def test_followed_communities_are_marked_not_recommended(embedder: Embedder, posts: WindowPosts) -> None:
    ranking = rank("community", GOALS, embedder.encode(list(GOALS)), posts, groups(),
                   followed=frozenset({("rss", "sci.space")}), window_days=30, top=4)
    assert "sci.space" not in [item.key for item in ranking.items]
    assert [item.key for item in ranking.already_following] == ["sci.space"]


def test_nothing_is_recommended_for_a_goal_no_post_is_about(embedder: Embedder, posts: WindowPosts) -> None:
    goal = "Knit a wool sweater with a cable pattern"
    ranking = rank("community", [goal], embedder.encode([goal]), posts, groups(), window_days=30, top=4)
    assert ranking.items == ()


def test_recommendations_explain_themselves_with_evidence(embedder: Embedder, posts: WindowPosts) -> None:
    ranking = rank("community", GOALS[:1], embedder.encode(list(GOALS[:1])), posts, groups(), window_days=30, top=1)
    item = ranking.items[0]
    assert item.reasons[0].startswith(f"Serves your goal “{GOALS[0]}”")
    assert "of its 25 posts in the last 30 days" in item.reasons[0]
    assert 1 <= len(item.evidence) <= 3
    sims = [e.similarity for e in item.evidence]
    assert sims == sorted(sims, reverse=True)
    assert all(e.community == "sci.space" for e in item.evidence)


def test_people_are_ranked_by_what_they_wrote(embedder: Embedder, posts: WindowPosts) -> None:
    ranking = rank("person", GOALS[:1], embedder.encode(list(GOALS[:1])), posts, {}, window_days=30, top=3)
    assert ranking.items
    for item in ranking.items:
        assert item.kind == "person"
        assert all(e.community == "sci.space" for e in item.evidence[:1])
        assert any(r.startswith("Writes in sci.space") for r in item.reasons)


def test_an_empty_window_gives_no_recommendations(embedder: Embedder) -> None:
    empty = WindowPosts([], [], [], [], [], [], np.zeros((0, 384), dtype=np.float32))
    assert rank("community", GOALS, embedder.encode(list(GOALS)), empty, {}, window_days=30, top=5).items == ()


def test_one_person_on_two_platforms_is_recommended_once(embedder: Embedder, posts: WindowPosts) -> None:
    goal = embedder.encode(list(GOALS[:1]))
    # Jane wrote the four posts closest to the goal: two on her blog, two from her X account.
    best = [int(i) for i in np.argsort(-(posts.vectors @ goal[0]))[:4]]
    account = {best[0]: ("rss", "Jane Doe"), best[1]: ("rss", "Jane Doe"), best[2]: ("x", "@jane"),
               best[3]: ("x", "@jane")}
    moved = WindowPosts(
        source=[account[i][0] if i in account else s for i, s in enumerate(posts.source)],
        community=posts.community,
        author=[account[i][1] if i in account else a for i, a in enumerate(posts.author)],
        title=posts.title, url=posts.url, published_at=posts.published_at, vectors=posts.vectors)
    apart = rank("person", GOALS[:1], goal, moved, {}, window_days=30, top=50)
    together = rank("person", GOALS[:1], goal, moved, {}, aliases={("x", "@jane"): ("rss", "Jane Doe")},
                    window_days=30, top=50)
    assert {("x", "@jane"), ("rss", "Jane Doe")} <= {(i.source, i.key) for i in apart.items}
    keys = [(i.source, i.key) for i in together.items]
    assert ("x", "@jane") not in keys and keys[0] == ("rss", "Jane Doe")
    assert together.items[0].posts_in_window == 4
    assert "Also posts as @jane (X)." in together.items[0].reasons


def test_a_candidate_naming_what_the_learner_follows_gains_a_reason_and_a_nudge(embedder: Embedder,
                                                                                 posts: WindowPosts) -> None:
    goal = embedder.encode(list(GOALS[:1]))
    named = {**groups(), ("rss", "sci.space"): Candidate("sci.space", description="News from NASA and ESA")}
    plain = rank("community", GOALS[:1], goal, posts, named, window_days=30, top=4)
    nudged = rank("community", GOALS[:1], goal, posts, named, interests=["NASA", "ai"], window_days=30, top=4)
    space = next(i for i in nudged.items if i.key == "sci.space")
    before = next(i for i in plain.items if i.key == "sci.space")
    assert space.score == pytest.approx(before.score + 0.02, abs=1e-3)
    assert "Mentions NASA, which you follow on LinkedIn." in space.reasons
    assert all("follow on LinkedIn" not in r for i in nudged.items if i.key != "sci.space" for r in i.reasons)
