"""Incremental runs on real posts: a second collect+embed with nothing new beside the first, and one new entry.

Feeds come from the Reddit archive (bench/corpus.py). The first run fetches, stores and embeds everything with
pln's default embedder; the second finds nothing new (each feed unchanged since its cursor) and must cost under
5% of the first; then one feed gains one entry, and exactly one post must be embedded.

    python bench/incremental.py [--max-per 200]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from corpus import SHARED, corpus_feeds
from flows.tracking import import_opml
from models.embedding import Embedder
from warehouse import db

NEW_ENTRY = """<entry>
<id>t3_pln_bench_new</id>
<title>A question nobody asked before</title>
<link href="https://www.reddit.com/r/bench/comments/pln_bench_new/"/>
<published>2026-11-15T23:00:00+00:00</published>
<updated>2026-11-15T23:00:00+00:00</updated>
<content type="text">Posted after the last collection run, so the next run must embed this one post and nothing else.</content>
</entry>
"""


def timed_collect(db_path: Path) -> tuple[dict, float]:
    """`pln collect` as a person runs it, a new process each time (start-up included), and its JSON report."""
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).with_name("pln")), "--db", str(db_path), "collect",
                           "--source", "rss", "--format", "json"], check=True, capture_output=True, text=True)
    return json.loads(done.stdout), time.perf_counter() - started


def startup_seconds() -> float:
    """What any `pln` process costs before it does work (imports), the floor of a run with nothing to do."""
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("pln")), "--help"], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-per", type=int, default=200, help="posts per subreddit (69 subreddits)")
    a = ap.parse_args()
    subreddits = (SHARED / "eval" / "reddit-dev-subreddits.txt").read_text().split()
    with corpus_feeds("reddit-top", as_of="2026-11-16", max_per=a.max_per, only=subreddits) as work:
        db_path = work / "incremental.duckdb"
        with db.connect(db_path) as conn:
            import_opml(conn, str(work / "subscriptions.opml"))
        first, first_s = timed_collect(db_path)
        second, second_s = timed_collect(db_path)
        feed = sorted((work / "feeds").glob("*.xml"))[0]
        feed.write_text(feed.read_text(encoding="utf-8").replace("<entry>", NEW_ENTRY + "<entry>", 1),
                        encoding="utf-8")
        third, third_s = timed_collect(db_path)
        startup_s = min(startup_seconds() for _ in range(3))
    print(f"embedder: {Embedder().name}")
    print(f"first run:  {first['new']} posts from {first['fetched']} feeds, {first['embedded']} embedded, "
          f"{first_s:.1f}s")
    print(f"second run: {second['new']} new, {second['not_modified']} feeds unchanged, {second['embedded']} "
          f"embedded, {second_s:.2f}s = {100 * second_s / first_s:.2f}% of the first (target < 5%)")
    print(f"            of which a pln process's start-up (`pln --help`, best of 3) is {startup_s:.2f}s; "
          f"the rest, {max(second_s - startup_s, 0):.2f}s, is checking {second['not_modified']} feeds")
    print(f"one new entry in {feed.name}: {third['new']} new, {third['embedded']} embedded, {third_s:.2f}s")
    return 0 if (second["embedded"], third["new"], third["embedded"]) == (0, 1, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
