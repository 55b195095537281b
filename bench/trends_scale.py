"""`trends()` over a warehouse of 100,000 embedded posts with planted topics: wall time, peak memory, and whether the
planted surges are found.

    .venv/bin/python bench/trends_scale.py [--posts 100000] [--topics 40] [--keep DIR]

The warehouse is built through pln's own writers (store_records, store_embeddings) with synthetic vectors: each
topic a direction, each post its topic's direction plus noise (cosine to the centre ~0.55, about what real posts
have to their topic's centroid), and words drawn mostly from its topic's vocabulary. Topics 0-2 post three times
as often in the last week as before, topic 3 exists only in the last week, topic 4 posts a third as often; the rest
are steady. `--keep DIR` builds once and reuses; the timing always runs in a fresh process, so its peak RSS is
the run's own.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import Community, Fetch, Post  # noqa: E402
from models.embedding import Embedder  # noqa: E402
from warehouse import db, queries  # noqa: E402

END = datetime(2026, 11, 23, tzinfo=UTC)
WINDOW_DAYS, BASELINE_DAYS = 7, 28
DIM = 384
PLANTED = {0: "rising", 1: "rising", 2: "rising", 3: "emerging", 4: "fading"}
# Posts per week in the window relative to the baseline, per planted topic.
WINDOW_FACTOR = {0: 3.0, 1: 3.0, 2: 3.0, 4: 1 / 3}
COMMUNITIES_PER_TOPIC = 8
CHUNK = 20_000


def peak_rss_mib() -> float:
    """The process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _unit(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def _vocabulary(rng: np.random.Generator, n: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ter", "an", "sol", "ve", "dri", "pu", "nor", "ex", "qua", "zen", "bor", "li",
                 "tra", "mon", "es", "ul", "fin", "gra", "ho", "ne", "ri", "sta", "cu", "pel", "do", "var", "ith"]
    words: dict[str, None] = {}
    while len(words) < n:
        words["".join(rng.choice(syllables, rng.integers(2, 5)))] = None
    return list(words)


def build(path: Path, posts: int, topics: int, model: str, seed: int = 11) -> None:
    """Write the synthetic warehouse; every post's topic is kept in its metrics for the check afterwards."""
    rng = np.random.default_rng(seed)
    vocabulary = _vocabulary(rng, topics * 30 + 400)
    own = [vocabulary[t * 30:(t + 1) * 30] for t in range(topics)]
    common = vocabulary[topics * 30:]
    # Topics in families of four, as real subjects are: neighbours are near, not identical.
    families = _unit(rng.standard_normal((topics // 4 + 1, DIM)))
    centres = _unit(families[np.arange(topics) // 4] + 0.9 * _unit(rng.standard_normal((topics, DIM))))
    # Posts per day before the window: a long tail, as real topics have; the emerging topic has none.
    daily = 1.0 / (np.arange(topics) + 5.0)
    baseline_daily = np.where(np.arange(topics) == 3, 0.0, daily)
    window_daily = np.array([daily[t] * (2.0 if t == 3 else WINDOW_FACTOR.get(t, 1.0)) for t in range(topics)])
    expected = np.concatenate([window_daily * WINDOW_DAYS, baseline_daily * BASELINE_DAYS])
    counts = rng.multinomial(posts, expected / expected.sum())
    topic_of = np.concatenate([np.full(n, i % topics) for i, n in enumerate(counts)])
    in_window = np.concatenate([np.full(n, i < topics) for i, n in enumerate(counts)])
    window_s, baseline_s = WINDOW_DAYS * 86_400, BASELINE_DAYS * 86_400
    offset = np.where(in_window, rng.uniform(1, window_s - 1, posts), window_s + rng.uniform(1, baseline_s - 1, posts))
    published = [END - timedelta(seconds=float(s)) for s in offset]
    vectors = _unit(centres[topic_of] + 1.5 * _unit(rng.standard_normal((posts, DIM))))
    community_of = topic_of * COMMUNITIES_PER_TOPIC + rng.integers(0, COMMUNITIES_PER_TOPIC, posts)
    author_of = rng.integers(0, posts // 5, posts)
    sources = ("rss", "reddit", "x")
    print(f"building {posts:,} posts in {topics} topics into {path}", flush=True)
    began = time.perf_counter()
    with db.connect(path) as conn:
        communities = tuple(Community(sources[c % 3], _community_key(c, sources), f"Community {c}")
                            for c in range(topics * COMMUNITIES_PER_TOPIC))
        queries.store_records(conn, Fetch(target="bench", communities=communities), END)
        for lo in range(0, posts, CHUNK):
            hi = min(lo + CHUNK, posts)
            batch = []
            for i in range(lo, hi):
                t = int(topic_of[i])
                words = list(rng.choice(own[t], 26)) + list(rng.choice(common, 14))
                rng.shuffle(words)
                c = int(community_of[i])
                batch.append(Post(source=sources[c % 3], source_id=str(i), community=_community_key(c, sources),
                                  author=f"author{author_of[i]}", title=" ".join(words[:6]), text=" ".join(words[6:]),
                                  url=f"https://bench.example/{i}", published_at=published[i], fetched_at=END,
                                  metrics={"topic": t}))
            queries.store_records(conn, Fetch(target="bench", posts=tuple(batch)), END)
            keys = pa.table({"source": [p.source for p in batch], "source_id": [p.source_id for p in batch],
                             "content_hash": [p.content_hash for p in batch]})
            queries.store_embeddings(conn, model, keys, vectors[lo:hi], END)
            print(f"  {hi:>8,} posts  {time.perf_counter() - began:6.1f} s", flush=True)
        conn.execute("CHECKPOINT")


def _community_key(c: int, sources: tuple[str, ...]) -> str:
    return {"rss": f"https://c{c}.example/feed.xml", "reddit": f"r/c{c}", "x": f"@c{c}"}[sources[c % 3]]


def measure(path: Path) -> dict:
    """Run `trends()` twice (the second matches the first's stored topics) and check the planted topics."""
    from flows.trends import trends  # imported here so the import is timed apart from the run

    began = time.perf_counter()
    with db.connect(path) as conn:
        opened = time.perf_counter() - began
        rss_before = peak_rss_mib()
        started = time.perf_counter()
        first = trends(conn, as_of=END, window_days=WINDOW_DAYS, baseline_days=BASELINE_DAYS, keep=True)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        second = trends(conn, as_of=END, window_days=WINDOW_DAYS, baseline_days=BASELINE_DAYS, keep=True)
        second_s = time.perf_counter() - started
        truth = dict(conn.execute("SELECT url, (metrics->>'topic')::INTEGER FROM posts").fetchall())
    found = {}
    for topic in first.topics:
        # The planted topic of a found topic: the most common one among its representative posts.
        planted = Counter(truth[e.url] for e in topic.examples).most_common(1)[0][0]
        found.setdefault(planted, []).append((topic.status, topic.growth, topic.id))
    planted_found = {t: found.get(t, []) for t in PLANTED}
    others_rising = [(t, s) for t, hits in found.items() if t not in PLANTED for s in hits
                     if s[0] in ("rising", "emerging")]
    return {
        "posts": first.window_posts + first.baseline_posts, "topics_found": len(first.topics),
        "open_s": round(opened, 2), "first_run_s": round(first_s, 2), "second_run_s": round(second_s, 2),
        "peak_rss_mib_before_run": round(rss_before), "peak_rss_mib": round(peak_rss_mib()),
        "same_ids_second_run": [t.id for t in first.topics] == [t.id for t in second.topics],
        "planted": {str(t): {"planted": PLANTED[t], "found": v} for t, v in planted_found.items()},
        "other_topics_rising": others_rising,
        "statuses": dict(Counter(t.status for t in first.topics)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="build the warehouse in this folder once and reuse it")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the fresh process doing the timing
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="pln-trends-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"trends_scale_{args.posts}.duckdb"
        if not path.exists():
            build(path, args.posts, args.topics, Embedder().name)
        else:
            # A kept warehouse has the history of earlier timings: they would make every topic known already.
            with db.connect(path) as conn:
                conn.execute("DELETE FROM topic_history")
        one, five, fifteen = os.getloadavg()
        print(f"timing trends() in a fresh process; load average {one:.2f} / {five:.2f} / {fifteen:.2f} on "
              f"{os.cpu_count()} cores", flush=True)
        result = subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True,
                                capture_output=True, text=True)
        report = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
