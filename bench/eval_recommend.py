"""Development evaluation: pln's community recommendations against graded judgements, beside a BM25 baseline.

Builds Atom feeds from the Reddit archive with ../shared/tools/corpus_to_feeds.py, then goes through the
product's own path (`pln feeds import-opml`, `pln collect`, `pln learner add`, `pln recommend --format json`)
and prints nDCG@5, MRR and recall@5 over the goals. BM25 ranks the same stored posts, grouped by community.

    python bench/eval_recommend.py [--max-per 200] [--keep DIR] [--runtime onnx-int8|onnx|torch|both]

`--runtime` picks the embedder the CLI uses (through $PLN_EMBED_RUNTIME; a RUNTIME/tN/TEXT form also sets the
token limit through $PLN_EMBED_MAX_TOKENS and the text preparation through $PLN_EMBED_TEXT); default: pln's default. `both` runs stock fp32 ("torch") and pln's
default on the same feeds and prints the nDCG@5 delta. Each run starts from an empty warehouse.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import bm25s
import numpy as np
from typer.testing import CliRunner

from corpus import SHARED, corpus_feeds, embedder_env
from flows.cli import app, parse_as_of
from models.embedding import DEFAULT_RUNTIME, Embedder
from warehouse import db, queries

AS_OF = "2026-11-16"
WINDOW_DAYS = 30


def pln(db_path: Path, *args: str) -> str:
    """Run one `pln` command in this process (same code path as the console script) and return stdout."""
    result = CliRunner().invoke(app, ["--db", str(db_path), *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"pln {' '.join(args)} failed ({result.exit_code}): {result.output}")
    return result.stdout


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int) -> float:
    gains = [(2 ** grades.get(name, 0) - 1) / math.log2(i + 2) for i, name in enumerate(ranked[:k])]
    ideal = [(2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(sorted(grades.values(), reverse=True)[:k])]
    return sum(gains) / sum(ideal)


def reciprocal_rank(ranked: list[str], grades: dict[str, int], k: int) -> float:
    return next((1 / (i + 1) for i, name in enumerate(ranked[:k]) if grades.get(name, 0) > 0), 0.0)


def recall_at(ranked: list[str], grades: dict[str, int], k: int) -> float:
    return len(set(ranked[:k]) & {n for n, g in grades.items() if g > 0}) / sum(1 for g in grades.values() if g > 0)


def metrics(rankings: list[list[str]], judgements: list[dict[str, int]]) -> dict[str, float]:
    return {
        "nDCG@5": float(np.mean([ndcg_at(r, j, 5) for r, j in zip(rankings, judgements)])),
        "MRR": float(np.mean([reciprocal_rank(r, j, len(r)) for r, j in zip(rankings, judgements)])),
        "recall@5": float(np.mean([recall_at(r, j, 5) for r, j in zip(rankings, judgements)])),
    }


def bm25_rankings(db_path: Path, goals: list[str]) -> list[list[str]]:
    """Each community's window posts as one document; the goal as the query."""
    end = parse_as_of(AS_OF)
    with db.connect(db_path) as conn:
        table = queries.window_texts(conn, end - timedelta(days=WINDOW_DAYS), end)
        names = {key: c.name for key, c in queries.communities(conn).items()}
    docs: dict[tuple[str, str], list[str]] = {}
    for source, community, title, text in zip(*(table.column(c).to_pylist()
                                                for c in ("source", "community", "title", "text"))):
        docs.setdefault((source, community), []).append(f"{title}\n{text}")
    keys = list(docs)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(["\n".join(docs[k]) for k in keys], stopwords="en", show_progress=False),
                    show_progress=False)
    results, _ = retriever.retrieve(bm25s.tokenize(goals, stopwords="en", show_progress=False),
                                    k=len(keys), show_progress=False)
    return [[names.get(keys[i], keys[i][1]) for i in row] for row in results]


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
    """Import the feeds in `work`, collect them, and score pln and BM25 on every goal of the benchmark."""
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
    for n, case in enumerate(cases):
        name = f"goal-{n:02d}"
        pln(db_path, "learner", "add", name, "--email", f"{name}@example.org", "--goal", case["goal"])
        items = json.loads(pln(db_path, "recommend", name, "--kind", "communities", "--top", str(len(subreddits)),
                               "--window-days", str(WINDOW_DAYS), "--as-of", AS_OF, "--format", "json"))
        rankings.append([item["name"] for item in items])
    judgements = [case["relevant"] for case in cases]
    pln_scores = metrics(rankings, judgements)
    bm25_scores = metrics(bm25_rankings(db_path, [c["goal"] for c in cases]), judgements)

    print(f"\n{len(cases)} goals, {len(subreddits)} candidate communities, as of {AS_OF}, "
          f"window {WINDOW_DAYS} days, up to {max_per} posts each")
    print(f"{'':8}" + "".join(f"{m:>10}" for m in pln_scores))
    print(f"{'pln':8}" + "".join(f"{v:>10.4f}" for v in pln_scores.values()))
    print(f"{'BM25':8}" + "".join(f"{v:>10.4f}" for v in bm25_scores.values()))
    print(f"{'pln/BM25':8}" + "".join(f"{pln_scores[m] / bm25_scores[m]:>10.3f}" for m in pln_scores))
    misses = [(c["goal"], r[:3]) for c, r in zip(cases, rankings) if reciprocal_rank(r, c["relevant"], 5) == 0]
    for goal, top3 in misses:
        print(f"  miss: {goal[:70]!r} -> {top3}")
    if per_goal:
        for case, ranked in zip(cases, rankings):
            if (score := ndcg_at(ranked, case["relevant"], 5)) < 1:
                print(f"  nDCG@5 {score:.3f} {case['goal'][:60]!r}: {ranked[:5]}")
    return pln_scores


if __name__ == "__main__":
    sys.exit(main())
