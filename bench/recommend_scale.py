"""Recommendation latency and peak memory over a warehouse of 1,000,000 embedded posts: one learner, then 1,000.

    .venv/bin/python bench/recommend_scale.py [--posts 1000000] [--communities 2000] [--authors 100000]
        [--learners 1000] [--keep DIR]

Three figures, in one fresh process: `recommend()` for one learner from cold (it reads the window from DuckDB);
ranking one learner at a time over a window already read (different learners, so nothing of a learner is reused);
and `recommend_all()` for every learner, as the daily flow runs it.

`--keep DIR` builds the synthetic warehouse there once and reuses it; the timings always run in a fresh process.
"""
from __future__ import annotations

import argparse
import functools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

DB_NAME = "recommend_scale.duckdb"
LEARNER = "scale-bench"
GOALS = ("learn distributed stream processing", "get better at sourdough baking", "read medieval Occitan poetry")
SOURCES = ("rss", "reddit", "x")
SOURCE_SHARE = (0.30, 0.45, 0.25)  # of communities
DIM = 384
WINDOW_DAYS = 30
WARM_CALLS = 5
CHUNK = 100_000
_TS = pa.timestamp("us", tz="UTC")


def peak_rss_mib() -> float:
    """The process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} cores"


def file_size_mib(path: Path) -> float:
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists()) / 2**20


def seconds(s: float) -> str:
    return f"{s * 1000:8.1f} ms" if s < 10 else f"{s:8.2f} s "


# --- building the warehouse ------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    posts: int
    communities: int
    authors: int


@dataclass(frozen=True)
class World:
    """Everything about the synthetic communities and authors that posts are drawn from."""

    community_source: np.ndarray  # index into SOURCES, per community (ordered by popularity)
    community_key: list[str]
    community_name: list[str]
    community_weight: np.ndarray  # share of posts
    centroid: np.ndarray  # communities x DIM, unit rows
    author_source: np.ndarray
    author_key: list[str]
    author_home: np.ndarray  # community each author writes in
    authors_of: np.ndarray  # author indices sorted by home community
    authors_start: np.ndarray  # per community: where its authors start in authors_of
    site_of_author: dict[int, str]  # personal sites that tie an X account to a blog author


def _words(rng: np.random.Generator, n: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ter", "an", "sol", "ve", "dri", "pu", "nor", "ex", "qua", "zen", "bor", "li",
                 "tra", "mon", "es", "ul", "fin", "gra", "ho", "ne", "ri", "sta", "cu", "pel", "do", "var", "ith"]
    lengths = rng.integers(2, 5, n)
    picks = rng.integers(0, len(syllables), (n, 4))
    return list(dict.fromkeys("".join(syllables[p] for p in picks[i, :lengths[i]]) for i in range(n)))


def _phrases(rng: np.random.Generator, vocab: list[str], n: int, low: int, high: int) -> list[str]:
    lengths = rng.integers(low, high + 1, n)
    picks = rng.integers(0, len(vocab), (n, high))
    return [" ".join(vocab[w] for w in picks[i, :lengths[i]]) for i in range(n)]


def make_world(shape: Shape, rng: np.random.Generator, vocab: list[str]) -> World:
    n_c, n_a = shape.communities, shape.authors
    # Popularity rank decides volume: Zipf-like, so a few communities carry much of the traffic.
    weight = 1.0 / (np.arange(n_c) + 2.0)
    weight /= weight.sum()
    source = rng.choice(len(SOURCES), n_c, p=SOURCE_SHARE)
    keys: list[str] = []
    names: list[str] = []
    for c in range(n_c):
        word = vocab[c % len(vocab)]
        if SOURCES[source[c]] == "rss":
            keys.append(f"https://{word}-{c}.example.org/feed.xml")
            names.append(f"{word.title()} Notes {c}")
        elif SOURCES[source[c]] == "reddit":
            keys.append(f"r/{word}{c}")
            names.append(f"r/{word}{c}")
        else:
            keys.append(f"@{word}{c}")
            names.append(f"@{word}{c}")
    # Topics shared by about ten communities each, so a goal matches a handful of places, not just one.
    n_topics = max(n_c // 10, 1)
    topics = _unit(rng.standard_normal((n_topics, DIM), dtype=np.float32))
    centroid = _unit(topics[rng.integers(0, n_topics, n_c)]
                     + 0.6 * _unit(rng.standard_normal((n_c, DIM), dtype=np.float32)))
    # Every community gets at least one author; the rest settle where the traffic is.
    home = np.concatenate([np.arange(min(n_c, n_a)), rng.choice(n_c, max(n_a - n_c, 0), p=weight)])
    author_source = source[home]
    author_key: list[str] = []
    for a in range(n_a):
        word = vocab[(a * 7) % len(vocab)]
        kind = SOURCES[author_source[a]]
        author_key.append(f"u/{word}_{a}" if kind == "reddit" else f"@{word}{a}" if kind == "x"
                          else f"{word.title()} {vocab[(a * 13) % len(vocab)].title()} {a}")
    order = np.argsort(home, kind="stable")
    start = np.searchsorted(home[order], np.arange(n_c + 1))
    # About 2% of X accounts link a personal site that a blog author also gives: one person, two accounts.
    xs = np.flatnonzero(author_source == SOURCES.index("x"))
    blogs = np.flatnonzero(author_source == SOURCES.index("rss"))
    pairs = min(len(xs), len(blogs), n_a // 50)
    site: dict[int, str] = {}
    for n, (x_a, b_a) in enumerate(zip(rng.choice(xs, pairs, replace=False), rng.choice(blogs, pairs, replace=False))):
        site[int(x_a)] = site[int(b_a)] = f"https://{vocab[n % len(vocab)]}{n}.example.dev"
    return World(source, keys, names, weight, centroid, author_source, author_key, home, order, start, site)


def _unit(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def draw_posts(shape: Shape, world: World, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(community, author) of every post, in publication order."""
    community = rng.choice(shape.communities, shape.posts, p=world.community_weight)
    count = np.diff(world.authors_start)[community]
    # A community's first authors write most of its posts.
    within = np.minimum((count * rng.random(shape.posts) ** 3).astype(np.int64), count - 1)
    author = world.authors_of[world.authors_start[community] + within]
    # Each author posts at least once (given as many posts as authors): people are known from their posts.
    forced = rng.permutation(shape.posts)[:min(shape.authors, shape.posts)]
    author[forced] = np.arange(len(forced))
    community[forced] = world.author_home[:len(forced)]
    return community, author


def build(path: Path, shape: Shape, model: str, seed: int = 7) -> datetime:
    """Write the synthetic warehouse at `path`; returns the moment it counts as built (the window's end)."""
    from warehouse import db

    rng = np.random.default_rng(seed)
    vocab = _words(rng, 3000)
    world = make_world(shape, rng, vocab)
    community, author = draw_posts(shape, world, rng)
    titles = _phrases(rng, vocab, 50_000, 4, 12)
    paragraphs = _phrases(rng, vocab, 20_000, 10, 60)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=WINDOW_DAYS)
    # Posts arrive in time order, as collection stores them; kept a minute inside both window edges.
    span_us = (WINDOW_DAYS * 86_400 - 120) * 1_000_000
    published = np.sort(rng.integers(0, span_us, shape.posts)) + np.int64((start.timestamp() + 60) * 1_000_000)
    print(f"building {shape.posts:,} posts, {shape.communities:,} communities, {shape.authors:,} authors "
          f"into {path} (embeddings filed under {model!r})", flush=True)
    began = time.perf_counter()
    with db.connect(path) as conn:
        _insert_communities(conn, world, shape, rng, vocab, now)
        for lo in range(0, shape.posts, CHUNK):
            hi = min(lo + CHUNK, shape.posts)
            _insert_posts(conn, world, community[lo:hi], author[lo:hi], published[lo:hi], np.arange(lo, hi),
                          titles, paragraphs, rng, model, now)
            done = time.perf_counter() - began
            print(f"  {hi:>10,} posts with vectors  {done:6.1f}s  ({hi / done:,.0f} posts/s)", flush=True)
        _insert_people(conn, world, rng, vocab, now)
        _add_learner(conn, world, rng, model, now)
        conn.execute("CHECKPOINT")
    print(f"built in {time.perf_counter() - began:.1f}s; peak RSS of the build {peak_rss_mib():,.0f} MiB; "
          f"file {file_size_mib(path):,.0f} MiB", flush=True)
    return now


def _insert_communities(conn: duckdb.DuckDBPyConnection, world: World, shape: Shape, rng: np.random.Generator,
                        vocab: list[str], now: datetime) -> None:
    n = shape.communities
    size = (world.community_weight * 50_000_000 * rng.lognormal(0, 0.7, n)).astype(np.int64)
    is_rss = world.community_source == SOURCES.index("rss")
    url = [f"https://www.reddit.com/{k}/" if k.startswith("r/") else f"https://x.com/{k[1:]}" if k.startswith("@")
           else k.removesuffix("feed.xml") for k in world.community_key]
    staged = pa.table({
        "source": [SOURCES[s] for s in world.community_source],
        "key": world.community_key,
        "name": world.community_name,
        "url": url,
        "description": _phrases(rng, vocab, n, 5, 20),
        "size": pa.array(size, pa.int64(), mask=is_rss),  # feeds do not say how many read them
        "created_at": pa.array(np.full(n, int((now - timedelta(days=900)).timestamp() * 1e6)), _TS),
    })
    conn.register("staged_communities", staged)
    conn.execute("INSERT INTO communities (source, key, name, url, description, size, category, updated_at, "
                 "created_at) SELECT source, key, name, url, description, size, '', ?, created_at "
                 "FROM staged_communities", [now])
    conn.unregister("staged_communities")


def _insert_posts(conn: duckdb.DuckDBPyConnection, world: World, community: np.ndarray, author: np.ndarray,
                  published_us: np.ndarray, serial: np.ndarray, titles: list[str], paragraphs: list[str],
                  rng: np.random.Generator, model: str, now: datetime) -> None:
    n = len(community)
    source = world.community_source[community]
    kinds = [SOURCES[s] for s in source]
    keys = [world.community_key[c] for c in community]
    source_id: list[str] = []
    url: list[str] = []
    for kind, key, number in zip(kinds, keys, serial.tolist()):
        if kind == "reddit":
            sid = f"t3_{np.base_repr(number + 36**5, 36).lower()}"
            source_id.append(sid)
            url.append(f"https://www.reddit.com/{key}/comments/{sid[3:]}/")
        elif kind == "x":
            sid = str(1_900_000_000_000_000_000 + number * 4099)
            source_id.append(sid)
            url.append(f"https://x.com/{key[1:]}/status/{sid}")
        else:
            source_id.append(f"{key}#post-{number}")
            url.append(f"{key.removesuffix('feed.xml')}posts/{number}")
    t = rng.integers(0, len(titles), n)
    p = rng.integers(0, len(paragraphs), (n, 2))
    empty = rng.random(n) < 0.4
    # Tweets have no title and a short text; many Reddit posts are links with no body; feeds carry a summary.
    title = ["" if k == "x" else titles[i] for k, i in zip(kinds, t.tolist())]
    text = [paragraphs[a][:280] if k == "x" else "" if k == "reddit" and e
            else paragraphs[a] if k == "reddit" else f"{paragraphs[a]} {paragraphs[b]}"
            for k, (a, b), e in zip(kinds, p.tolist(), empty.tolist())]
    noise = rng.standard_normal((n, DIM), dtype=np.float32)
    noise *= np.float32(1.2 / np.sqrt(DIM))  # about 0.6 cosine between a post and its community's centroid
    vectors = _unit(world.centroid[community] + noise)
    staged = pa.table({
        "source": kinds,
        "source_id": source_id,
        "community": keys,
        "author": [world.author_key[a] for a in author],
        "title": title,
        "text": text,
        "url": url,
        "published_at": pa.array(published_us, pa.int64()).cast(_TS),
        "a": pa.array(rng.zipf(1.8, n).clip(max=50_000), pa.int64()),
        "b": pa.array(rng.zipf(2.2, n).clip(max=5_000), pa.int64()),
        "vector": pa.ListArray.from_arrays(pa.array(np.arange(0, n * DIM + 1, DIM, dtype=np.int32)),
                                           pa.array(vectors.ravel())),
    })
    conn.register("staged_posts", staged)
    # Mirrors queries._upsert_posts and store_embeddings, less the upsert: every row is new.
    conn.execute("BEGIN TRANSACTION")
    conn.execute(
        """
        INSERT INTO posts SELECT source, source_id, community, author, title, text, url, published_at, ?,
            CASE source WHEN 'reddit' THEN json_object('score', a, 'comments', b)
                        WHEN 'x' THEN json_object('likes', a, 'reposts', b) ELSE '{}' END,
            CASE source WHEN 'reddit' THEN NULL ELSE 'en' END, md5(source || source_id), ?
        FROM staged_posts
        """, [now, now])
    conn.execute("INSERT INTO embeddings SELECT source, source_id, ?, md5(source || source_id), vector, ? "
                 "FROM staged_posts", [model, now])
    conn.execute("COMMIT")
    conn.unregister("staged_posts")


def _insert_people(conn: duckdb.DuckDBPyConnection, world: World, rng: np.random.Generator, vocab: list[str],
                   now: datetime) -> None:
    n = len(world.author_key)
    kinds = [SOURCES[s] for s in world.author_source]
    url = [world.site_of_author.get(a) if k == "rss" and a in world.site_of_author
           else f"https://www.reddit.com/user/{key[2:]}/" if k == "reddit"
           else f"https://x.com/{key[1:]}" if k == "x" else ""
           for a, (k, key) in enumerate(zip(kinds, world.author_key))]
    links = [f'["{world.site_of_author[a]}"]' if k == "x" and a in world.site_of_author else None
             for a, k in enumerate(kinds)]
    followers = rng.lognormal(5, 2, n).astype(np.int64)
    is_x = np.array([k == "x" for k in kinds])
    staged = pa.table({
        "source": kinds,
        "key": world.author_key,
        "name": world.author_key,
        "url": url,
        "description": [d if x else "" for d, x in zip(_phrases(rng, vocab, n, 3, 15), is_x.tolist())],
        "followers": pa.array(followers, pa.int64(), mask=~is_x),  # only X says
        "links": links,
    })
    conn.register("staged_people", staged)
    conn.execute("INSERT INTO people (source, key, name, url, description, followers, updated_at, links, metrics) "
                 "SELECT source, key, name, url, description, followers, ?, links, "
                 "CASE WHEN followers IS NULL THEN NULL ELSE json_object('followers_count', followers) END "
                 "FROM staged_people", [now])
    conn.unregister("staged_people")


def _add_learner(conn: duckdb.DuckDBPyConnection, world: World, rng: np.random.Generator, model: str,
                 now: datetime) -> None:
    from warehouse import queries

    n_c = len(world.community_key)
    # Goals near a big, a middling and a long-tail community, so every scale of community competes.
    near = [min(i, n_c - 1) for i in (4, n_c // 30, n_c // 2)]
    goals = _unit(world.centroid[near] + 0.5 * _unit(rng.standard_normal((len(near), DIM), dtype=np.float32)))
    queries.upsert_learner(conn, queries.Learner(LEARNER, "learner@example.org", GOALS), now, model, goals)
    # One followed community exercises the "already following" path.
    followed = near[0]
    queries.add_follows(conn, LEARNER, SOURCES[world.community_source[followed]], [world.community_key[followed]],
                        now)


def reusable(path: Path, shape: Shape, model: str) -> datetime | None:
    """The build moment of a warehouse at `path` of this shape, or None when it must be (re)built."""
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as conn:
        try:
            posts, communities, people, embedded, learners, built = conn.execute(
                "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM communities), "
                "(SELECT count(*) FROM people), (SELECT count(*) FROM embeddings WHERE model = ?), "
                "(SELECT count(*) FROM learners WHERE name = ?), (SELECT max(fetched_at) FROM posts)",
                [model, LEARNER]).fetchone()
        except duckdb.Error:
            return None
    if (posts, communities, people, embedded, learners) != (shape.posts, shape.communities, shape.authors,
                                                           shape.posts, 1):
        return None
    return built


# --- measuring (in a fresh process) ----------------------------------------------------------


class Stopwatch:
    """Times functions where recommend() looks them up, so the breakdown is of the very calls it makes."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._active: list[str] = []

    def wrap(self, owner: Any, attr: str, label: str | Callable[..., str]) -> None:
        original = getattr(owner, attr)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = label(*args, **kwargs) if callable(label) else label
            # A call inside another timed call is shown under it, and left out of the top-level sum.
            path = " > ".join([*self._active, name])
            self.spent.setdefault(path, 0.0)  # first seen, first shown: a caller before what it calls
            self._active.append(name)
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[path] = self.spent.get(path, 0.0) + time.perf_counter() - began
                self._active.pop()

        setattr(owner, attr, timed)

    @contextmanager
    def call(self) -> Iterator[dict[str, float]]:
        self.spent = {}
        result: dict[str, float] = {}
        began = time.perf_counter()
        yield result
        total = time.perf_counter() - began
        result.update(self.spent)
        result[INLINE] = total - sum(s for k, s in self.spent.items() if " > " not in k)
        result[TOTAL] = total


INLINE = "outside the timed calls"
TOTAL = "total"


def instrument() -> Stopwatch:
    import flows.recommend as rec
    from models import identity, ranking
    from warehouse import network, queries

    watch = Stopwatch()
    watch.wrap(rec, "require_learner", "require_learner")
    watch.wrap(rec, "goal_vectors", "goal_vectors (stored)")
    watch.wrap(rec, "window", "window (read once, shared by learners)")
    watch.wrap(rec, "_window_posts", "posts with vectors (DuckDB -> Arrow, numpy)")
    watch.wrap(queries, "communities", "queries.communities")
    watch.wrap(queries, "people", "queries.people")
    watch.wrap(identity, "aliases", "identity.aliases")
    watch.wrap(rec, "prepare", "ranking.prepare (groupings, centroids, percentiles)")
    watch.wrap(queries, "follows", "follows + LinkedIn network")
    watch.wrap(network, "people_in_network", "follows + LinkedIn network")
    watch.wrap(network, "network", "follows + LinkedIn network")
    watch.wrap(rec, "rank", lambda kind, *_, **__: f"ranking.rank({kind})")
    watch.wrap(ranking.WindowPosts, "similarities", "similarities (goals x posts, x groups' vector sums)")
    watch.wrap(ranking, "_closest_reaching", "closest post per group (of the posts at the floor)")
    watch.wrap(ranking, "_score_bounds", "score bounds")
    watch.wrap(ranking, "_rank_among", "exact statistics for the candidates in reach")
    return watch


def show(title: str, runs: list[dict[str, float]], first_label: str, rest_label: str) -> None:
    """A breakdown table: the first run, and the median of the others."""
    first, rest = runs[0], runs[1:] or runs[:1]
    print(f"\n{title}")
    print(f"  {'':<66}{first_label:>11}{rest_label:>14}{'share':>7}")
    total = statistics.median(r[TOTAL] for r in rest)
    labels = list(dict.fromkeys(k for r in runs for k in r if k not in (INLINE, TOTAL))) + [INLINE, TOTAL]
    for label in labels:
        median = statistics.median(r.get(label, 0.0) for r in rest)
        shown = ("  " * label.count(" > ") + label.split(" > ")[-1])[:64]
        print(f"  {shown:<66}{seconds(first.get(label, 0.0)):>11}{seconds(median):>14}{100 * median / total:6.0f}%")


def measure(path: Path, as_of: datetime, crowd: int) -> bool:
    """Runs in a fresh process, so the first call pays what `pln recommend` pays on a cold start; False when the
    bounded ranking's lists differ from the exhaustive ones."""
    began = time.perf_counter()
    import flows.recommend as rec
    from models.embedding import Embedder
    from warehouse import db, queries
    imported = time.perf_counter() - began
    watch = instrument()
    # Fresh process and DuckDB buffers; the OS page cache is left as it is (dropping it would disturb others).
    print(f"\n[fresh process, pid {os.getpid()}] {load()}")
    began = time.perf_counter()
    conn = db.connect(path)
    connected = time.perf_counter() - began
    embedder = Embedder()
    others = sorted(n for n in (learner.name for learner in queries.list_learners(conn)) if n != LEARNER)
    with watch.call() as cold:
        result = rec.recommend(conn, LEARNER, embedder=embedder, as_of=as_of)
    rss_cold = peak_rss_mib()
    table_ = queries.window_posts(conn, embedder.name, as_of - timedelta(days=WINDOW_DAYS), as_of, ("linkedin",))
    print(f"import flows.recommend (prefect etc.) {seconds(imported)}; db.connect {seconds(connected)}; "
          f"{table_.num_rows:,} posts in the {WINDOW_DAYS}-day window; {len(others) + 1:,} learners")
    show(f"recommend(conn, {LEARNER!r}, ...) in a fresh process: reads the window, ranks both kinds, top 5",
         [cold], "1st call", "")
    for item in result.by_kind["community"].items:
        print(f"  community {item.name:<28} score {item.score:.3f}  {item.posts_in_window:>6,} posts  "
              f"for “{item.goal}”")
    following = [f.name for f in result.by_kind["community"].already_following]
    print(f"  already following: {', '.join(following) or '-'}")
    print(f"peak RSS after the first call {rss_cold:,.0f} MiB")

    with watch.call() as built:
        shared = rec.window(conn, embedder.name, window_days=WINDOW_DAYS, as_of=as_of)
    runs: list[dict[str, float]] = []
    for name in [LEARNER, *others[:WARM_CALLS]]:
        with watch.call() as one:
            again = rec.recommend_in(conn, shared, name, embedder=embedder)
        runs.append(one)
    show(f"the window read once ({seconds(built[TOTAL]).strip()}), then one learner at a time "
         f"({len(runs)} different learners; nothing learner-specific is reused)", runs, "1st learner",
         f"median of {len(runs) - 1}")
    print(f"  per learner: {', '.join(f'{r[TOTAL]:.2f}s' for r in runs)}")
    del shared, again
    print(f"peak RSS so far {peak_rss_mib():,.0f} MiB")

    same = exhaustive_check(conn, embedder, as_of, [LEARNER, *others[:2]])

    names = [LEARNER, *others][:crowd]
    began = time.perf_counter()
    first_at = 0.0
    done = 0
    for _ in rec.recommend_all(conn, names, embedder=embedder, window_days=WINDOW_DAYS, as_of=as_of):
        done += 1
        if done == 1:
            first_at = time.perf_counter() - began
    total = time.perf_counter() - began
    print(f"\nrecommend_all over {done:,} learners (what the daily flow runs), both kinds, top 5: {total:.1f} s "
          f"in all ({first_at:.1f} s to read the window and rank the first batch's first learner), "
          f"{1000 * (total - first_at) / max(done - 1, 1):.0f} ms per further learner; peak RSS {peak_rss_mib():,.0f} MiB")
    baselines(conn, table_, embedder.name, as_of)
    print(f"peak RSS after the baselines {peak_rss_mib():,.0f} MiB; {load()}")
    conn.close()
    return same


def exhaustive_check(conn: duckdb.DuckDBPyConnection, embedder: Any, as_of: datetime, names: list[str]) -> bool:
    """The bounded ranking against exact figures for every candidate, for a few learners: the lists must be equal."""
    import flows.recommend as rec
    from models import ranking

    shared = rec.window(conn, embedder.name, window_days=WINDOW_DAYS, as_of=as_of)
    first = ranking._FIRST_EXACT
    lists: dict[int, list[list[tuple]]] = {}
    for setting in (first, 10 ** 9):
        ranking._FIRST_EXACT = setting
        began = time.perf_counter()
        lists[setting] = [[(i.kind, i.key, i.score, i.reasons) for i in rec.recommend_in(conn, shared, n,
                                                                                    embedder=embedder).items()]
                          for n in names]
        print(f"  {'bounded' if setting == first else 'every candidate exact'}: "
              f"{(time.perf_counter() - began) / len(names):.2f} s per learner")
    ranking._FIRST_EXACT = first
    same = lists[first] == lists[10 ** 9]
    print(f"bounded ranking equals ranking every candidate exactly, for {len(names)} learners: {'yes' if same else 'NO'}")
    return same


def add_crowd(path: Path, learners: int, model: str) -> None:
    """Learners besides the bench's own, three goals each near the posts of a random community, until there are
    `learners` in all (kept in the warehouse for the next run)."""
    from warehouse import queries

    with duckdb.connect(str(path)) as conn:
        have = conn.execute("SELECT count(*) FROM learners").fetchall()[0][0]
        if have >= learners:
            return
        began = time.perf_counter()
        rng = np.random.default_rng(have)
        sample = queries.vectors_of(conn.sql(
            "SELECT vector FROM embeddings WHERE model = ? USING SAMPLE 20000 ROWS", params=[model]).to_arrow_table())
        now = datetime.now(UTC)
        for n in range(have, learners):
            picks = sample[rng.choice(len(sample), 3, replace=False)]
            goals = _unit(picks + 0.6 * _unit(rng.standard_normal(picks.shape, dtype=np.float32)))
            queries.upsert_learner(conn, queries.Learner(f"crowd-{n:05d}", f"crowd{n}@example.org",
                                                         (f"goal {n}a", f"goal {n}b", f"goal {n}c")), now, model, goals)
        print(f"added {learners - have:,} learners in {time.perf_counter() - began:.1f}s", flush=True)


def _best_of(fn: Callable[[], object], runs: int = 3) -> float:
    times: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def baselines(conn: duckdb.DuckDBPyConnection, window: pa.Table, model: str, as_of: datetime) -> None:
    """What the same data costs at its simplest, for scale; best of 3, same process and connection."""
    from warehouse import queries

    n = window.num_rows
    goals = np.vstack(list(queries.goal_vectors(conn, LEARNER, model).values()))
    vectors = queries.vectors_of(window)
    print(f"\nbaselines, same run (best of 3), over {n:,} posts:")
    window_sql = (
        "SELECT p.source, p.source_id, p.community, p.author, p.title, p.url, "
        "coalesce(p.published_at, p.fetched_at) AS published_at, p.metrics{vector} FROM posts p{join} "
        "WHERE coalesce(p.published_at, p.fetched_at) > $start AND coalesce(p.published_at, p.fetched_at) <= $end"
        "{order}")
    join = (" JOIN embeddings e ON e.source = p.source AND e.source_id = p.source_id AND e.model = $model "
            "AND e.content_hash = p.content_hash")
    span = {"start": as_of - timedelta(days=WINDOW_DAYS), "end": as_of}
    rows: list[tuple[str, float]] = [
        ("DuckDB SELECT count(*) FROM posts",
         _best_of(lambda: conn.execute("SELECT count(*) FROM posts").fetchall())),
        ("DuckDB read the vector column alone -> Arrow",
         _best_of(lambda: conn.sql("SELECT vector FROM embeddings WHERE model = ?", params=[model]).to_arrow_table())),
        ("DuckDB window_posts' query less the join and vector -> Arrow",
         _best_of(lambda: conn.sql(window_sql.format(vector="", join="", order=" ORDER BY p.source, p.source_id"),
                                   params=span).to_arrow_table())),
        ("DuckDB window_posts' query less its ORDER BY -> Arrow",
         _best_of(lambda: conn.sql(window_sql.format(vector=", e.vector", join=join, order=""),
                                   params={**span, "model": model}).to_arrow_table())),
        ("queries.vectors_of on window_posts' table (Arrow -> numpy)", _best_of(lambda: queries.vectors_of(window))),
        ("Arrow -> Python lists: source, community, author, title, url",
         _best_of(lambda: [window.column(c).to_pylist() for c in ("source", "community", "author", "title", "url")])),
        ("Arrow -> Python datetimes: published_at", _best_of(lambda: window.column("published_at").to_pylist())),
        (f"numpy matmul {n:,} x {DIM} @ {DIM} x {len(goals)}", _best_of(lambda: vectors @ goals.T)),
        (f"numpy gather of all {n:,} rows (a 1.5 GB copy at 1M, as vectors[ids])",
         _best_of(lambda: vectors[np.arange(n)])),
        (f"numpy lexsort of {n:,} (group, -similarity) keys",
         _best_of(lambda: np.lexsort((vectors[:, 0], np.arange(n) % 2000)))),
        (f"what-if: in DuckDB, {len(goals)} goal similarities + per-community top-5 mean, mean, count",
         _best_of(lambda: in_duckdb_scores(conn, model, as_of))),
    ]
    for label, s in rows:
        print(f"  {label:<92}{seconds(s):>11}")


def in_duckdb_scores(conn: duckdb.DuckDBPyConnection, model: str, as_of: datetime) -> pa.Table:
    """A what-if, not pln's code: _group_stats' relevance and focus for communities, computed inside DuckDB."""
    return conn.sql(
        """
        SELECT p.source, p.community, g.position AS goal, count(*) AS posts,
               list_avg(max(list_inner_product(e.vector, g.vector), 5)) AS relevance,
               avg(list_inner_product(e.vector, g.vector)) AS focus
        FROM posts p JOIN embeddings e
          ON e.source = p.source AND e.source_id = p.source_id AND e.model = $model
         AND e.content_hash = p.content_hash
        CROSS JOIN (SELECT position, vector FROM goal_embeddings WHERE learner = $learner AND model = $model) g
        WHERE coalesce(p.published_at, p.fetched_at) > $start AND coalesce(p.published_at, p.fetched_at) <= $end
        GROUP BY ALL
        """,
        params={"model": model, "learner": LEARNER, "start": as_of - timedelta(days=WINDOW_DAYS), "end": as_of},
    ).to_arrow_table()


# --- entry point -----------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000, help="posts (all embedded, all in the window)")
    ap.add_argument("--communities", type=int, default=2000, help="communities across rss, reddit and x")
    ap.add_argument("--authors", type=int, default=100_000, help="distinct authors (people)")
    ap.add_argument("--learners", type=int, default=1000, help="learners ranked together, as the daily flow does")
    ap.add_argument("--keep", type=Path, help="build the warehouse in DIR and reuse it when its shape matches")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the fresh measuring process
    ap.add_argument("--as-of", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.authors < a.communities:
        ap.error("--authors must be at least --communities: every community needs someone posting in it")
    if a.measure:
        return 0 if measure(a.measure, datetime.fromisoformat(a.as_of), a.learners) else 1
    from models.embedding import Embedder

    shape = Shape(a.posts, a.communities, a.authors)
    model = Embedder().name  # the name only: Embedder loads its model on first encode
    print(f"recommend_scale: {shape.posts:,} posts, {shape.communities:,} communities, {shape.authors:,} authors; "
          f"duckdb {duckdb.__version__}, numpy {np.__version__}, pyarrow {pa.__version__}; {load()}")
    with tempfile.TemporaryDirectory(prefix="pln-recommend-scale-") as scratch:
        folder = a.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / DB_NAME
        built = reusable(path, shape, model)
        if built is None:
            for stale in (path, path.with_name(path.name + ".wal")):
                stale.unlink(missing_ok=True)
            built = build(path, shape, model)
        else:
            print(f"reusing {path} (built {built:%Y-%m-%d %H:%M} UTC; recommending as of then)")
        print(f"warehouse file: {file_size_mib(path):,.0f} MiB ({path.stat().st_size / shape.posts:,.0f} bytes/post)")
        # The measuring process is new: nothing of the build (its imports, RSS, DuckDB buffers) carries over.
        add_crowd(path, a.learners, model)
        child = subprocess.run([sys.executable, __file__, "--measure", str(path), "--as-of", built.isoformat(),
                                "--learners", str(a.learners)],
                               check=False)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
