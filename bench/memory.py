"""Peak memory while embedding a large warehouse: batches stream from DuckDB and back, so memory stays flat.

Stores up to 115,000 real Reddit posts (bench/corpus.py, all subreddits), then embeds `--posts` of them with
pln's default embedder. Prints the process's peak RSS after the model is loaded and warm (the baseline: what
embedding anything costs) and after embedding everything, and the RSS growth per 10,000 posts.

    python bench/memory.py [--posts 100000] [--max-per 1000]
"""
from __future__ import annotations

import argparse
import logging
import resource
import sys
import time

from corpus import corpus_feeds
from flows.collect import collect
from flows.embed import embed_pending
from flows.report import LogReporter
from flows.sources import feeds
from flows.tracking import import_opml
from models.embedding import Embedder
from warehouse import db

QUIET = LogReporter(logging.getLogger("bench"))


def peak_rss_mib() -> float:
    """The process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000, help="posts to embed")
    ap.add_argument("--max-per", type=int, default=1000, help="posts per subreddit (115 subreddits)")
    a = ap.parse_args()
    with corpus_feeds("reddit-top", as_of="2026-11-16", max_per=a.max_per) as work, \
            db.connect(work / "memory.duckdb") as conn:
        import_opml(conn, str(work / "subscriptions.opml"))
        stored = collect(conn, QUIET, [feeds()]).total("new")
        embedder = Embedder()
        embedder.encode(["warm up the model and its buffers"] * 64)
        baseline = peak_rss_mib()
        started = time.perf_counter()
        done = embed_pending(conn, embedder, QUIET, limit=a.posts).embedded
        seconds = time.perf_counter() - started
    peak = peak_rss_mib()
    print(f"embedder: {embedder.name}; {stored} posts stored, {done} embedded in {seconds:.0f}s "
          f"({done / seconds:.0f} posts/s)")
    print(f"peak RSS with the model loaded and warm: {baseline:.0f} MiB")
    print(f"peak RSS after embedding {done} posts:  {peak:.0f} MiB "
          f"(+{peak - baseline:.0f} MiB, {10_000 * (peak - baseline) / max(done, 1):.1f} MiB per 10,000 posts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
