"""People evaluation on 20 Newsgroups: pln's person recommendations against authors who write mostly in one group.

Builds one Atom feed per newsgroup (test split) with ../shared/tools/corpus_to_feeds.py `20ng`, then goes
through the product's own path (`pln feeds import-opml`, `pln collect`, `pln learner add`,
`pln recommend NAME --kind people --top 10 --format json`) with one learner per goal in bench/goals_20ng.jsonl.
Ground truth, from the posts pln stored: an author (as pln stores people) with at least 3 posts in the window,
60% or more of them in one group, is relevant to that group's goals. Prints nDCG@10 (binary relevance, ideal
over all the group's relevant authors), MRR over the top 10 and recall@10 for pln and, in the same run on the
same stored posts, for BM25 with each author's posts as one document.

    python bench/eval_people.py [--max-per 400] [--keep DIR] [--per-goal]

`--max-per` caps the posts per newsgroup (the test split has 251-399, 7,532 in all). The run's cost is
embedding them (~200 posts/s on 2 cores when idle): the default, the whole split, took 3.5 minutes on a
machine busy with other jobs. Fewer posts mean fewer authors reaching 3 posts, so fewer relevant ones.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from corpus import corpus_feeds
from evaluation import bm25_scores, metrics, ndcg_at, pln, print_table, ranked_by
from flows.cli import parse_as_of
from warehouse import db, queries

AS_OF = "2026-11-16"
# corpus_to_feeds spreads each group's posts over the 28 days before AS_OF; 30 days holds them all.
WINDOW_DAYS = 30
TOP = 10
GOALS = Path(__file__).resolve().parent / "goals_20ng.jsonl"
MIN_POSTS = 3
MIN_SHARE = 0.6


def authors_in_window(db_path: Path) -> tuple[dict[str, Counter[str]], dict[str, list[str]]]:
    """Per stored author: posts per newsgroup in the window, and their posts' texts."""
    end = parse_as_of(AS_OF)
    with db.connect(db_path) as conn:
        table = queries.window_texts(conn, end - timedelta(days=WINDOW_DAYS), end)
        names = {key: c.name for key, c in queries.communities(conn).items()}
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    texts: dict[str, list[str]] = defaultdict(list)
    for source, community, author, title, text in zip(*(table.column(c).to_pylist() for c in
                                                        ("source", "community", "author", "title", "text"))):
        if author:
            groups[author][names.get((source, community), community)] += 1
            texts[author].append(f"{title}\n{text}")
    return groups, texts


def relevant_authors(groups: dict[str, Counter[str]]) -> dict[str, set[str]]:
    """Newsgroup -> the authors whose posts are mostly there (MIN_POSTS posts at least, MIN_SHARE in it)."""
    relevant: dict[str, set[str]] = defaultdict(set)
    for author, counts in groups.items():
        group, n = counts.most_common(1)[0]
        total = sum(counts.values())
        if total >= MIN_POSTS and n / total >= MIN_SHARE:
            relevant[group].add(author)
    return relevant


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-per", type=int, default=400,
                    help="posts per newsgroup (default: 400, the whole test split)")
    ap.add_argument("--keep", type=Path, help="build into this folder and keep it")
    ap.add_argument("--per-goal", action="store_true", help="print every goal's nDCG@10 for pln and BM25 "
                                                           "with pln's top three")
    a = ap.parse_args()
    cases = [json.loads(line) for line in GOALS.read_text().splitlines() if line.strip()]
    started = time.perf_counter()
    with corpus_feeds("20ng", as_of=AS_OF, max_per=a.max_per, keep=a.keep) as work:
        db_path = work / "people.duckdb"
        db_path.unlink(missing_ok=True)
        pln(db_path, "feeds", "import-opml", str(work / "subscriptions.opml"))
        collected = json.loads(pln(db_path, "collect", "--format", "json"))
        print(f"collected {collected['new']} posts from {collected['fetched']} feeds and embedded "
              f"{collected['embedded']} in {time.perf_counter() - started:.0f}s; "
              f"{len(collected['failed'])} feeds failed")

        groups, texts = authors_in_window(db_path)
        relevant = relevant_authors(groups)
        print(f"\n{len(groups)} authors in the window; relevant (>= {MIN_POSTS} posts, >= {MIN_SHARE:.0%} "
              f"in one group) per group:")
        for group in sorted({c["group"] for c in cases}):
            print(f"  {group:26} {len(relevant.get(group, ())):>4}")
        # A goal whose group has no relevant author has no ideal ranking to measure against.
        scored = [c for c in cases if relevant.get(c["group"])]
        for case in cases:
            if case not in scored:
                print(f"  skipped (no relevant author): {case['goal']!r}")

        ranking_started = time.perf_counter()
        rankings = []
        for n, case in enumerate(scored):
            name = f"goal-{n:02d}"
            pln(db_path, "learner", "add", name, "--email", f"{name}@example.org", "--goal", case["goal"])
            items = json.loads(pln(db_path, "recommend", name, "--kind", "people", "--top", str(TOP),
                                   "--window-days", str(WINDOW_DAYS), "--as-of", AS_OF, "--format", "json"))
            rankings.append([item["key"] for item in items])
        print(f"\npln recommended for {len(scored)} learners in {time.perf_counter() - ranking_started:.0f}s")

    authors = list(texts)
    goals = [case["goal"] for case in scored]
    bm25 = ranked_by(bm25_scores(["\n".join(texts[a]) for a in authors], goals), authors, TOP)
    judgements = [dict.fromkeys(relevant[case["group"]], 1) for case in scored]
    print(f"\n{len(scored)} goals over {len({c['group'] for c in scored})} groups, {len(authors)} candidate authors, "
          f"as of {AS_OF}, window {WINDOW_DAYS} days, up to {a.max_per} posts per group; MRR over the top {TOP}; "
          f"measured {time.strftime('%Y-%m-%d %H:%M')}")
    print_table({"pln": metrics(rankings, judgements, TOP), "BM25": metrics(bm25, judgements, TOP)})
    # The ground truth can only name authors with MIN_POSTS posts or more: how far each system's picks reach them.
    for system, lists in (("pln", rankings), ("BM25", bm25)):
        sizes = [sum(groups[author].values()) for ranked in lists for author in ranked]
        if sizes:
            print(f"{system:5} top {TOP}: median {statistics.median(sizes):g} posts per author, "
                  f"{sum(n < MIN_POSTS for n in sizes) / len(sizes):.0%} with fewer than {MIN_POSTS}")
    if a.per_goal:
        for case, ours, theirs, judged in zip(scored, rankings, bm25, judgements):
            print(f"  {ndcg_at(ours, judged, TOP):.3f} vs BM25 {ndcg_at(theirs, judged, TOP):.3f} "
                  f"{case['group']:24} {case['goal'][:50]!r}: {ours[:3]}")
    print(f"\nwhole run {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
