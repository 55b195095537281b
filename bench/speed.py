"""Pipeline speed on real posts: collect+store without embedding, and pln's embedding beside raw encode().

Feeds come from the Reddit archive via ../shared/tools/corpus_to_feeds.py. The embedding comparison runs
`SentenceTransformer.encode` on exactly the texts the pipeline embeds, in the same process, so the
difference is the pipeline's own overhead (reading pending posts, batching, storing vectors).

    python bench/speed.py [--max-per 200] [--embed 2000]
"""
from __future__ import annotations

import argparse
import logging
import sys
import time

from corpus import corpus_feeds
from flows.collect import collect
from flows.sources import feeds
from flows.embed import embed_pending
from flows.tracking import import_opml
from flows.report import LogReporter
from models.embedding import Embedder, post_text
from warehouse import db, queries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-per", type=int, default=200, help="posts per subreddit")
    ap.add_argument("--embed", type=int, default=2000, help="posts to embed in the comparison")
    a = ap.parse_args()
    quiet = LogReporter(logging.getLogger("bench"))
    with (corpus_feeds("reddit-top", as_of="2026-11-16", max_per=a.max_per) as work,
          db.connect(work / "speed.duckdb") as conn):
        import_opml(conn, str(work / "subscriptions.opml"))
        started = time.perf_counter()
        report = collect(conn, quiet, [feeds()])
        collect_s = time.perf_counter() - started
        new, fetched = report.total("new"), report.total("fetched")
        print(f"collect+store, no embedding: {new} posts from {fetched} feeds in {collect_s:.1f}s "
              f"= {new / collect_s:.0f} posts/s")

        # Pending posts come in a stable order, so the pipeline's first N are these N texts.
        embedder = Embedder()
        keys = queries.pending_embeddings(conn, embedder.name, a.embed)
        texts = [post_text(t, x) for t, x in zip(keys.column("title").to_pylist(), keys.column("text").to_pylist())]
        embedder.encode(texts[:64])  # load and warm the model outside both timings

        def raw_encode() -> float:
            started = time.perf_counter()
            embedder.model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
            return time.perf_counter() - started

        # Raw, pipeline, raw again: the baseline is the mean of the runs either side, so drift in the
        # machine's speed (thermal, caches) does not land on one side only.
        raw_before = raw_encode()
        started = time.perf_counter()
        done = embed_pending(conn, embedder, quiet, limit=a.embed).embedded
        pipe_s = time.perf_counter() - started
        raw_after = raw_encode()
    raw_s = (raw_before + raw_after) / 2
    print(f"SentenceTransformer.encode: {len(texts)} posts in {raw_s:.1f}s = {len(texts) / raw_s:.1f} posts/s "
          f"(runs before and after: {raw_before:.1f}s, {raw_after:.1f}s)")
    print(f"pln embed pipeline:         {done} posts in {pipe_s:.1f}s = {done / pipe_s:.1f} posts/s")
    print(f"pipeline overhead: {100 * (pipe_s / raw_s - 1):+.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
