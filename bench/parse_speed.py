"""Posts per second each connector parses from real recordings, beside the bare decoding of the same bytes.

The baseline for each source is the step no parser can skip, timed in the same run on the same input:
feedparser alone for XML feeds (json.loads for JSON feeds), json.loads for the Reddit and X API pages, and
csv.reader for the LinkedIn export files. The ratio says what pln's mapping to records costs on top.

    python bench/parse_speed.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import feedparser

from connectors import linkedin, reddit, x
from connectors.feed_parsing import parse_feed
from corpus import SHARED

DATA = SHARED / "data"
NOW = datetime(2026, 11, 16, tzinfo=UTC)


def timed(work: Callable[[], int], repeat: int) -> tuple[int, float]:
    """Items produced by one call of `work`, and the best of `repeat` wall times (the least disturbed run)."""
    best, items = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        items = work()
        best = min(best, time.perf_counter() - started)
    return items, best


def feeds() -> tuple[Callable[[], int], Callable[[], int]]:
    files = [(p.as_uri(), p.read_bytes()) for p in sorted((DATA / "rss-atom-feed-snapshots").glob("*/*"))
             if p.suffix not in (".md", ".csv")]

    def pln() -> int:
        return sum(len(parse_feed(body, uri).entries) for uri, body in files)

    def baseline() -> int:
        for _, body in files:
            json.loads(body) if body.lstrip().startswith(b"{") else feedparser.parse(body)
        return 0
    return pln, baseline


def reddit_pages() -> tuple[Callable[[], int], Callable[[], int]]:
    with gzip.open(DATA / "reddit-api-praw-cassettes" / "posts_t3.jsonl.gz", "rt", encoding="utf-8") as fh:
        things = [json.loads(line) for line in fh]
    # Pages of 100, as Reddit serves its listings.
    pages = [json.dumps({"kind": "Listing", "data": {"children": things[i:i + 100], "after": None}})
             for i in range(0, len(things), 100)]
    settings = reddit.RedditSettings(include_nsfw=True)

    def pln() -> int:
        return sum(len(reddit.parse_listing(json.loads(p), community=None, now=NOW, settings=settings)[0])
                   for p in pages)

    def baseline() -> int:
        for p in pages:
            json.loads(p)
        return 0
    return pln, baseline


def x_pages() -> tuple[Callable[[], int], Callable[[], int]]:
    pages = list(_tweet_pages())

    def pln() -> int:
        return sum(len(x.parse_page(json.loads(p), community=None, now=NOW)[0]) for p in pages)

    def baseline() -> int:
        for p in pages:
            json.loads(p)
        return 0
    return pln, baseline


def _tweet_pages() -> Iterator[str]:
    """Raw v2 pages whose data are tweets (not users, lists or counts); flat.jsonl is twarc's format, not the API's."""
    for path in sorted((DATA / "x-api-v2-twarc-responses").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines() if path.name != "flat.jsonl" else ():
            try:
                data = json.loads(line).get("data")
            except json.JSONDecodeError:
                continue  # the streaming file's deliberately broken line
            items = data if isinstance(data, list) else [data] if data else []
            if items and all("text" in item for item in items):
                yield line


def linkedin_files() -> tuple[Callable[[], int], Callable[[], int]]:
    samples = DATA / "linkedin-data-export-schema" / "samples"
    files = [(p.name, p.read_bytes()) for p in sorted(samples.glob("*/*.csv")) if "HEADER_ONLY" not in p.name
             and p.name in ("Shares.csv", "Comments.csv")]

    def pln() -> int:
        return sum(len(linkedin.parse_file(name, data, owner="bench", now=NOW).posts) for name, data in files)

    def baseline() -> int:
        for _, data in files:
            text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
            list(csv.reader(io.StringIO(text), delimiter="\t" if "\t" in text.split("\n", 1)[0] else ","))
        return 0
    return pln, baseline


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best counts")
    a = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA}: not found (the benchmark needs ../shared next to the clone)")
    print(f"{'source':10}{'posts':>8}{'pln s':>10}{'posts/s':>12}{'baseline s':>12}{'pln/baseline':>14}")
    for name, (pln, baseline), what in (
        ("feeds", feeds(), "feedparser / json.loads"), ("reddit", reddit_pages(), "json.loads"),
        ("x", x_pages(), "json.loads"), ("linkedin", linkedin_files(), "csv.reader"),
    ):
        posts, pln_s = timed(pln, a.repeat)
        _, base_s = timed(baseline, a.repeat)
        print(f"{name:10}{posts:>8}{pln_s:>10.3f}{posts / pln_s:>12,.0f}{base_s:>12.3f}{pln_s / base_s:>13.1f}x"
              f"   (baseline: {what})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
