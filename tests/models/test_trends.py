"""Trends on real newsgroup posts with one group surging: the right topic rises, labels name it, ids stay stable."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from models.embedding import Embedder, post_text
from models.trends import (KnownTopic, Period, Topic, TrendPosts, Trends, choose_k, cluster, find_trends, for_goals,
                           growth_status, label_topics, match_topics)
from tests.trend_corpus import END, GROUPS, SURGING, Doc, surge_docs

WEEK = timedelta(days=7)
SPACE_WORDS = {"space", "nasa", "orbit", "shuttle", "launch", "moon", "spacecraft", "satellite", "lunar", "mission",
               "solar", "earth", "station", "rocket", "planet"}


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    return surge_docs()


@pytest.fixture(scope="module")
def vectors(docs: list[Doc], embedder: Embedder) -> np.ndarray:
    return embedder.encode([post_text(d.subject, d.body) for d in docs])


def posts_of(docs: list[Doc], vectors: np.ndarray, until: datetime = END) -> TrendPosts:
    keep = [i for i, d in enumerate(docs) if d.published_at <= until]
    return TrendPosts(community=[docs[i].group for i in keep], author=[docs[i].author for i in keep],
                      title=[docs[i].subject for i in keep], text=[docs[i].body for i in keep],
                      url=[f"news:{docs[i].group}/{docs[i].doc_id}" for i in keep],
                      published_at=[docs[i].published_at for i in keep], vectors=vectors[keep])


def period(end: datetime = END, data_since: datetime | None = None) -> Period:
    return Period(end - 5 * WEEK, end - WEEK, end, data_since)


def main_group(topic: Topic) -> str:
    return topic.communities[0][0]


def main_topics(trends: Trends) -> dict[str, Topic]:
    """Each group's topic: the one holding most of the group's posts of the window and baseline."""
    best: dict[str, tuple[int, Topic]] = {}
    for topic in trends.topics:
        for group in GROUPS:
            share = sum(n for name, n in topic.communities if name == group)
            if share > best.get(group, (0, topic))[0]:
                best[group] = (share, topic)
    return {group: topic for group, (_, topic) in best.items()}


def test_the_surging_group_is_rising_and_no_other_topic_is(docs: list[Doc], vectors: np.ndarray) -> None:
    trends = find_trends(posts_of(docs, vectors), period())
    surging = [t for t in trends.topics if t.status in ("emerging", "rising")]
    assert surging, [(t.label, t.status, t.growth) for t in trends.topics]
    assert {main_group(t) for t in surging} == {SURGING}
    assert max(t.growth for t in surging) >= 2.5
    others = [t for t in trends.topics if main_group(t) != SURGING]
    assert others and all(t.growth < 1.5 for t in others), [(t.label, t.growth) for t in others]
    space = max(surging, key=lambda t: t.window_count)
    assert SPACE_WORDS & set(space.terms[:3]), space.terms
    assert space.status == trends.topics[0].status, "rising topics come before steady ones"


def test_a_group_new_this_week_is_emerging(docs: list[Doc], vectors: np.ndarray, embedder: Embedder) -> None:
    new = surge_docs(per_group=20, window_share={"sci.crypt": 20})
    both = docs + new
    trends = find_trends(posts_of(both, np.vstack([vectors, embedder.encode([post_text(d.subject, d.body)
                                                                              for d in new])])), period())
    led = {main_group(t): t for t in trends.topics}
    assert led["sci.crypt"].status == "emerging" and led["sci.crypt"].baseline_count <= 1
    assert {main_group(t) for t in trends.topics if t.status in ("emerging", "rising")} == {SURGING, "sci.crypt"}


def test_topics_follow_the_groups(docs: list[Doc], vectors: np.ndarray) -> None:
    trends = find_trends(posts_of(docs, vectors), period())
    assert 3 <= len(trends.topics) <= 12
    total = sum(t.window_count + t.baseline_count for t in trends.topics)
    assert total == len(docs) == trends.window_posts + trends.baseline_posts
    # Topics take posts of one group: the main group's share over all topics (purity) is high.
    purity = sum(Counter(dict(t.communities)).most_common(1)[0][1] for t in trends.topics if t.communities)
    in_window = sum(t.window_count if t.window_count else t.baseline_count for t in trends.topics)
    assert purity / in_window >= 0.75
    assert set(main_topics(trends)) == set(GROUPS)


def test_counts_rates_and_weeks_add_up(docs: list[Doc], vectors: np.ndarray) -> None:
    trends = find_trends(posts_of(docs, vectors), period())
    assert trends.week_starts == tuple(END - (5 - i) * WEEK for i in range(5))
    for t in trends.topics:
        assert sum(t.weekly) == t.window_count + t.baseline_count
        assert t.weekly[-1] == t.window_count
        assert t.window_rate == t.window_count and t.baseline_rate == pytest.approx(t.baseline_count / 4, abs=0.01)
        assert [n for _, n in t.communities] == sorted((n for _, n in t.communities), reverse=True)
        assert t.examples and all(e.published_at > END - WEEK for e in t.examples if t.window_count)
        assert [e.similarity for e in t.examples] == sorted((e.similarity for e in t.examples), reverse=True)


def test_next_weeks_run_keeps_the_ids_of_the_same_topics(docs: list[Doc], vectors: np.ndarray) -> None:
    since = min(d.published_at for d in docs)
    week_before = find_trends(posts_of(docs, vectors, END - WEEK), period(END - WEEK, since), next_id=1)
    assert all(t.status == "steady" for t in week_before.topics), "before the surge nothing moves"
    known = [KnownTopic(t.id, t.centroid) for t in week_before.topics]
    this_week = find_trends(posts_of(docs, vectors), period(END, since), known, next_id=len(known) + 1)
    led_before = {main_group(t): t.id for t in week_before.topics}
    led_now = {main_group(t): t for t in this_week.topics}
    # A group that leads a topic in both weeks is the same topic: it keeps its id.
    both = set(led_before) & set(led_now)
    assert len(both) >= 4
    assert {g: led_now[g].id for g in both} == {g: led_before[g] for g in both}
    assert all(led_now[g].known for g in both)
    assert len({t.id for t in this_week.topics}) == len(this_week.topics)
    again = find_trends(posts_of(docs, vectors), period(),
                        [KnownTopic(t.id, t.centroid) for t in this_week.topics], next_id=99)
    assert [t.id for t in again.topics] == [t.id for t in this_week.topics], "a run again changes no id"


def test_a_run_with_no_earlier_topics_numbers_larger_topics_first(docs: list[Doc], vectors: np.ndarray) -> None:
    trends = find_trends(posts_of(docs, vectors), period(), next_id=7)
    by_id = sorted(trends.topics, key=lambda t: t.id)
    assert [t.id for t in by_id] == list(range(7, 7 + len(by_id)))
    sizes = [t.window_count + t.baseline_count for t in by_id]
    assert sizes == sorted(sizes, reverse=True)
    assert not any(t.known for t in trends.topics)


def test_goals_keep_the_topics_about_them_most_relevant_first(docs: list[Doc], vectors: np.ndarray,
                                                              embedder: Embedder) -> None:
    trends = find_trends(posts_of(docs, vectors), period())
    goals = ["Understand rockets, orbits and how spacecraft reach the Moon", "Follow ice hockey and the NHL"]
    chosen = for_goals(trends.topics, goals, embedder.encode(goals), 0.2)
    assert {main_group(t) for t in chosen} <= {SURGING, "rec.sport.hockey"}
    assert {t.goal for t in chosen} == set(goals)
    assert [t.relevance for t in chosen] == sorted((t.relevance for t in chosen), reverse=True)
    knitting = "Knit a wool sweater with a cable pattern"
    assert for_goals(trends.topics, [knitting], embedder.encode([knitting]), 0.2) == ()


@pytest.mark.parametrize(("window", "baseline", "status"), [
    (10, 0, "emerging"),   # nothing before
    (10, 4, "emerging"),   # 1 a week before, 10 now: almost nothing before
    (10, 8, "rising"),     # 2 a week before
    (8, 12, "rising"),     # 3 a week before, 8 now: growth 9/4 = 2.25
    (6, 16, "steady"),     # 4 a week before, 6 now: growth 7/5 = 1.4, under 1.5
    (5, 20, "steady"),
    (1, 20, "fading"),
    (2, 0, "steady"),      # too few posts to call anything rising
    (0, 2, "steady"),      # too few posts to call anything fading
])
def test_status_thresholds(window: int, baseline: int, status: str) -> None:
    growth, found = growth_status(window, baseline, period())
    assert growth == pytest.approx((window + 1) / (baseline / 4 + 1))
    assert found == status


def test_the_baseline_counts_only_the_weeks_with_data() -> None:
    full = period()
    half = period(data_since=END - 3 * WEEK)  # two of the four baseline weeks have data
    assert half.baseline_weeks == 2 and full.baseline_weeks == 4
    assert growth_status(10, 20, full)[1] == "rising"
    assert growth_status(10, 20, half) == (pytest.approx(1.0), "steady")
    assert growth_status(10, 0, period(data_since=END - WEEK // 2))[1] == "emerging"


def test_matching_is_one_to_one_above_the_threshold() -> None:
    rng = np.random.default_rng(1)
    old = rng.normal(size=(3, 384)).astype(np.float32)
    known = [KnownTopic(4, old[0]), KnownTopic(9, old[1]), KnownTopic(2, old[2])]
    noise = rng.normal(size=(3, 384)).astype(np.float32)
    # Two topics near known topic 4 (cosine about 0.99 and 0.89): only the closer one can be it.
    new = np.vstack([old[2] + 0.1 * noise[0], rng.normal(size=384), old[0] + 0.1 * noise[1], old[0] + 0.5 * noise[2]])
    ids, known_flags = match_topics(new, known, next_id=1, threshold=0.8, sizes=np.array([5, 9, 7, 3]))
    assert ids == [2, 10, 4, 11], "new ids come after every known id, the larger new topic first"
    assert known_flags == [True, False, True, False]
    strict, _ = match_topics(new, known, next_id=1, threshold=0.999, sizes=np.array([5, 9, 7, 3]))
    assert not set(strict) & {2, 4, 9}, "below the threshold a topic is new"


def test_labels_are_the_distinctive_terms_of_each_topic() -> None:
    texts = ["Rocket launch delayed, orbit insertion next week", "The rocket reached orbit after launch",
             "Launch window for the lunar rocket", "Change the engine oil of your car",
             "Car engine oil and filters compared", "My car engine knocks: oil pressure low",
             "Rockets and cars both need engines", "A zeppelin zeppelin zeppelin story"]
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    names = label_topics(texts, labels, 2)
    assert set(names[0][:3]) == {"rocket", "launch", "orbit"}
    assert set(names[1][:3]) == {"car", "engine", "oil"}
    assert "zeppelin" not in names[1], "a term of a single post does not label a topic"
    assert not {"rocket", "rockets"} <= set(names[0]), "plural twins take one place"


def test_k_comes_from_the_data() -> None:
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(6, 384))
    points = centres[rng.integers(0, 6, 600)] + 0.6 * rng.normal(size=(600, 384))
    points = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
    k, found = choose_k(points, ceiling=12)
    assert k == 6 and found.shape == (6, 384)
    labels, centroids = cluster(points)
    assert len(centroids) == 6 and set(labels) == set(range(6))
    assert np.allclose(np.linalg.norm(centroids, axis=1), 1.0, atol=1e-5)
    few, one = cluster(points[:7])
    assert set(few) == {0} and one.shape == (1, 384), "seven posts make one topic"


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="baseline_start <= window_start < end"):
        Period(END, END, END)
    with pytest.raises(ValueError, match="title"):
        TrendPosts(["c"], [""], [], ["t"], [""], [END], np.zeros((1, 3), dtype=np.float32))
    outside = TrendPosts(["c"], [""], ["t"], ["t"], [""], [END + WEEK], np.ones((1, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="1 posts fall outside"):
        find_trends(outside, period())


def test_no_posts_no_topics() -> None:
    empty = TrendPosts([], [], [], [], [], [], np.zeros((0, 384), dtype=np.float32))
    trends = find_trends(empty, period())
    assert trends.topics == () and len(trends.week_starts) == 5
    assert datetime(2026, 1, 1, tzinfo=UTC) < trends.week_starts[0]
