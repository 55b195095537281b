"""Development evaluation: pln's community recommendations against graded judgements, beside three baselines.

Builds Atom feeds from the Reddit archive with ../shared/tools/corpus_to_feeds.py, then goes through the
product's own path (`pln feeds import-opml`, `pln collect`, `pln learner add`, `pln recommend --format json`)
and prints nDCG@5, MRR and recall@5 over the goals for pln and, on the same stored posts in the same window,
for BM25 and TF-IDF cosine (each community's posts as one document) and the embedding centroid (the mean of a
community's stored post embeddings, by cosine to the goal's stored embedding), then pln's ratio to the best.

    python bench/eval_recommend.py [--max-per 200] [--keep DIR] [--runtime onnx-int8|onnx|torch|both]

`--runtime` picks the embedder the CLI uses (through $PLN_EMBED_RUNTIME; a RUNTIME/tN/TEXT form also sets the
token limit through $PLN_EMBED_MAX_TOKENS and the text preparation through $PLN_EMBED_TEXT); default: pln's default. `both` runs stock fp32 ("torch") and pln's
default on the same feeds and prints the nDCG@5 delta. Each run starts from an empty warehouse.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from corpus import SHARED, corpus_feeds, embedder_env
from evaluation import bm25_scores, metrics, ndcg_at, pln, print_table, ranked_by, reciprocal_rank, tfidf_scores
from flows.cli import parse_as_of
from models.embedding import DEFAULT_RUNTIME, Embedder
from warehouse import db, queries

AS_OF = "2026-11-16"
WINDOW_DAYS = 30


def community_documents(db_path: Path) -> tuple[list[str], list[str]]:
    """Each community's window posts as one document, with the community's name as pln prints it."""
    end = parse_as_of(AS_OF)
    with db.connect(db_path) as conn:
        table = queries.window_texts(conn, end - timedelta(days=WINDOW_DAYS), end)
        names = {key: c.name for key, c in queries.communities(conn).items()}
    docs: dict[tuple[str, str], list[str]] = {}
    for source, community, title, text in zip(*(table.column(c).to_pylist()
                                                for c in ("source", "community", "title", "text"))):
        docs.setdefault((source, community), []).append(f"{title}\n{text}")
    return [names.get(key, key[1]) for key in docs], ["\n".join(posts) for posts in docs.values()]


def centroid_rankings(db_path: Path, learners: list[str], model: str) -> list[list[str]]:
    """Each community's mean stored post embedding in the window, by cosine to the goal's stored embedding.

    The goal vectors are the ones `pln learner add` stored with the same Embedder, so pln and this baseline
    start from the very same query vector and differ only in how they score communities.
    """
    end = parse_as_of(AS_OF)
    with db.connect(db_path) as conn:
        table = queries.window_posts(conn, model, end - timedelta(days=WINDOW_DAYS), end)
        names = {key: c.name for key, c in queries.communities(conn).items()}
        goals = np.vstack([vector for name in learners
                           for vector in queries.goal_vectors(conn, name, model).values()])
    vectors = queries.vectors_of(table)
    groups = list(zip(table.column("source").to_pylist(), table.column("community").to_pylist()))
    keys = list(dict.fromkeys(groups))
    index = {key: n for n, key in enumerate(keys)}
    member = np.array([index[key] for key in groups])
    sums = np.zeros((len(keys), vectors.shape[1]))
    np.add.at(sums, member, vectors)
    centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    return ranked_by(goals @ centroids.T, [names.get(key, key[1]) for key in keys])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-per", type=int, default=200, help="posts per subreddit (corpus_to_feeds default: 200)")
    ap.add_argument("--keep", type=Path, help="build into this folder and keep it")
    ap.add_argument("--runtime", default=DEFAULT_RUNTIME,
                    help=f"embedding configuration for the CLI: onnx-int8|onnx|torch, optionally /tN for the token limit "
                         f"and /readable or /raw for the text, "
                         f"or several comma-separated (the first is the base of the deltas), or 'both' (torch and the default) "
                         f"[default: {DEFAULT_RUNTIME}]")
    ap.add_argument("--per-goal", action="store_true", help="print every goal below nDCG@5 1.0 with its top five")
    a = ap.parse_args()
    runtimes = ["torch", DEFAULT_RUNTIME] if a.runtime == "both" else a.runtime.split(",")
    if not (SHARED / "eval").exists():
        raise SystemExit(f"{SHARED / 'eval'}: not found (the evaluation needs ../shared next to the clone)")
    subreddits = (SHARED / "eval" / "reddit-dev-subreddits.txt").read_text().split()
    with corpus_feeds("reddit-top", as_of=AS_OF, max_per=a.max_per, only=subreddits, keep=a.keep) as work:
        results = {}
        for spec in runtimes:
            os.environ.update(embedder_env(spec))
            name = Embedder().name
            print(f"\n=== runtime {spec}: embeddings filed as {name}")
            results[name] = evaluate(work, subreddits, a.max_per, a.per_goal)
    if len(results) > 1:
        (base_name, base), *others = results.items()
        for name, scores in others:
            print(f"\nnDCG@5: {base_name} {base['nDCG@5']:.4f}, {name} {scores['nDCG@5']:.4f}, "
                  f"delta {scores['nDCG@5'] - base['nDCG@5']:+.4f}")
    return 0


def evaluate(work: Path, subreddits: list[str], max_per: int, per_goal: bool = False) -> dict[str, float]:
    """Import the feeds in `work`, collect them, and score pln and the baselines on every goal of the benchmark."""
    goals_file = SHARED / "eval" / "reddit-dev-goals.jsonl"
    db_path = work / "dev.duckdb"
    db_path.unlink(missing_ok=True)
    pln(db_path, "feeds", "import-opml", str(work / "subscriptions.opml"))
    started = time.perf_counter()
    collected = json.loads(pln(db_path, "collect", "--format", "json"))
    collect_seconds = time.perf_counter() - started
    print(f"collected {collected['new']} posts from {collected['fetched']} feeds and embedded "
          f"{collected['embedded']} in {collect_seconds:.0f}s; {len(collected['failed'])} feeds failed")

    cases = [json.loads(line) for line in goals_file.read_text().splitlines() if line.strip()]
    rankings = []
    learners = [f"goal-{n:02d}" for n in range(len(cases))]
    for name, case in zip(learners, cases):
        pln(db_path, "learner", "add", name, "--email", f"{name}@example.org", "--goal", case["goal"])
        items = json.loads(pln(db_path, "recommend", name, "--kind", "communities", "--top", str(len(subreddits)),
                               "--window-days", str(WINDOW_DAYS), "--as-of", AS_OF, "--format", "json"))
        rankings.append([item["name"] for item in items])
    judgements = [case["relevant"] for case in cases]
    goals = [case["goal"] for case in cases]
    names, documents = community_documents(db_path)
    table = {
        "pln": metrics(rankings, judgements, 5),
        "BM25": metrics(ranked_by(bm25_scores(documents, goals), names), judgements, 5),
        "TF-IDF": metrics(ranked_by(tfidf_scores(documents, goals), names), judgements, 5),
        "centroid": metrics(centroid_rankings(db_path, learners, Embedder().name), judgements, 5),
    }

    print(f"\n{len(cases)} goals, {len(subreddits)} candidate communities ({len(names)} with posts in the window), "
          f"as of {AS_OF}, window {WINDOW_DAYS} days, up to {max_per} posts each; "
          f"measured {time.strftime('%Y-%m-%d %H:%M')}")
    print_table(table)
    misses = [(c["goal"], r[:3]) for c, r in zip(cases, rankings) if reciprocal_rank(r, c["relevant"], 5) == 0]
    for goal, top3 in misses:
        print(f"  miss: {goal[:70]!r} -> {top3}")
    if per_goal:
        for case, ranked in zip(cases, rankings):
            if (score := ndcg_at(ranked, case["relevant"], 5)) < 1:
                print(f"  nDCG@5 {score:.3f} {case['goal'][:60]!r}: {ranked[:5]}")
    return table["pln"]


if __name__ == "__main__":
    sys.exit(main())
