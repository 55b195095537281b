"""Issue 6 at scale: real posts of many communities, one surging in the last week; `pln trends` must name it alone.

    .venv/bin/python bench/trends_surge.py [--corpus 20ng --corpus reddit] [--per-week 110] [--surge 3]
        [--seeds 0,1,2] [--keep DIR]

Posts, from ../shared/data (the benchmark exits with a message where that folder is absent):
- 20ng: all 20 newsgroups of 20 Newsgroups bydate, bodies cleaned as tests/trend_corpus.py cleans them (no headers,
  quotes or signatures; at least 80 characters). Twenty groups of related subjects (five comp.*, three talk.politics
  and three religion groups, two sports) are the hard case for a topic model: a surging group's posts must stand out
  from near neighbours, not from strangers.
- reddit: 30 subreddits of the Reddit top-posts archive, again with neighbours (Fitness, running and nutrition;
  personalfinance and investing; learnprogramming, Python and cscareerquestions; space, Physics and askscience),
  turned into posts by pln's own Reddit parser (`parse_listing`); link posts keep only their title, as pln stores them.
Each community's posts are shuffled once (seeded), so which posts fall in the window is chance, not the archive's
threads. Every community posts `--per-week` posts a week, evenly spaced, over the 28-day baseline and the 7-day
window; in each scenario one community posts `--surge` times as many in the window. Its baseline is the same as in
the other scenarios: the scenarios differ only in the extra posts of the surging one (the issue's "more of its posts
dated there"). Posts a scenario does not use are dated in the four weeks before the baseline, where trends does not
read them, so one warehouse per corpus serves every scenario.

Path: the posts and communities go in with `queries.store_records`, are embedded by `embed_pending` with the default
`Embedder` (once; a scenario re-dates the same posts, which leaves their content hash and so their vectors as they
are), and each scenario runs `flows.trends.trends` and `to_json`, what `pln trends --format json` prints. Runs do not
keep their topics: each scenario is a world of its own, and one's history must not give ids to the next.

The check on the JSON, per run. A topic belongs to the community with most of its posts in the window (the first of
its `communities`, which the report lists from the window). PASS when at least one topic of the surging community is
`rising` or `emerging`, and no topic of another community is strongly rising, defined as `emerging`, or `rising` with
growth at least `TrendSettings.rising` (1.5). Since `rising` itself requires that growth, this is the strictest
reading: no other community's topic may be rising or emerging at all. Also printed: the surging community's share
of each named topic's window posts, the share of its window posts that fall in topics named rising, and the other
communities' topic that grew most. `--seeds` runs each scenario once per k-means seed (`TrendSettings.seed`; default
0, the product's), so a PASS is not one lucky clustering. `--keep DIR` keeps the warehouses there: a second run
embeds nothing.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import Community, Fetch, Person, Post  # noqa: E402
from connectors.reddit import RedditSettings, parse_listing  # noqa: E402
from corpus import SHARED  # noqa: E402
from flows.embed import embed_pending  # noqa: E402
from flows.report import LogReporter  # noqa: E402
from flows.trends import to_json, trends  # noqa: E402
from models.embedding import Embedder  # noqa: E402
from models.trends import TrendSettings  # noqa: E402
from tests.trend_corpus import END, MIN_BODY, newsgroup_body, sender_name  # noqa: E402
from trends_scale import peak_rss_mib  # noqa: E402
from warehouse import db, queries  # noqa: E402

WINDOW_DAYS, BASELINE_DAYS = 7, 28
WINDOW_START = END - timedelta(days=WINDOW_DAYS)
BASELINE_START = WINDOW_START - timedelta(days=BASELINE_DAYS)
# Where the posts a scenario leaves out are dated: history before the baseline, which trends does not read.
HISTORY_START = BASELINE_START - timedelta(days=BASELINE_DAYS)
RISING = ("rising", "emerging")
SEED = 6

NEWSGROUPS_SURGING = ("sci.space", "comp.sys.mac.hardware", "talk.politics.guns")
SUBREDDITS = ("learnprogramming", "Python", "javascript", "cscareerquestions", "MachineLearning", "statistics", "math",
              "Physics", "askscience", "space", "AskHistorians", "books", "philosophy", "Fitness", "running",
              "nutrition", "Cooking", "personalfinance", "investing", "photography", "Guitar", "musictheory",
              "languagelearning", "legaladvice", "relationships", "Parenting", "HomeImprovement", "Cartalk", "gamedev",
              "travel")
SUBREDDITS_SURGING = ("r/space", "r/personalfinance", "r/Fitness")


@dataclass(frozen=True)
class Corpus:
    """One archive as pln stores it: its communities, and each community's posts (by key) in a fixed random order."""

    name: str
    communities: tuple[Community, ...]
    posts: dict[str, list[Post]]
    surging: tuple[str, ...]  # keys of the communities that surge, one per scenario
    people: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Plan:
    """How many posts each community has in the baseline and in the window of a scenario."""

    per_week: int
    surge: float

    @property
    def baseline(self) -> int:
        return self.per_week * BASELINE_DAYS // 7

    def window(self, key: str, surging: str) -> int:
        return round(self.per_week * self.surge) if key == surging else self.per_week * WINDOW_DAYS // 7

    def stored(self, key: str, corpus: Corpus) -> int:
        """Posts of the community kept in the warehouse: as many as its busiest scenario uses."""
        return self.baseline + max(self.window(key, surging) for surging in corpus.surging)


@dataclass(frozen=True)
class Outcome:
    """One run (a scenario and a seed), judged: the surging community's topics named rising, and any false alarm."""

    surging: str
    seed: int
    seconds: float
    window_posts: int
    baseline_posts: int
    statuses: Counter[str]
    named: list[dict]  # `pln trends` JSON topics, each with "share": the surging community's share of its window
    false_alarms: list[dict]
    coverage: float  # share of the surging community's window posts in topics it leads that are named rising
    highest_other: dict | None  # the other communities' topic with the highest growth

    @property
    def passed(self) -> bool:
        return bool(self.named) and not self.false_alarms


def newsgroups(plan: Plan, rng: random.Random) -> Corpus:
    """All 20 newsgroups, stored as feeds are (source rss), each group one community named by the group."""
    by_group: dict[str, list[dict]] = {}
    with gzip.open(SHARED / "data" / "20newsgroups-bydate" / "20news-bydate.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            body = newsgroup_body(doc["text"])
            if len(body) > MIN_BODY:
                by_group.setdefault(doc["group"], []).append(doc | {"body": body})
    communities = tuple(Community("rss", f"news://{g}", g, url=f"https://news.example/{g}") for g in sorted(by_group))
    posts: dict[str, list[Post]] = {}
    for group, docs in sorted(by_group.items()):
        rng.shuffle(docs)
        posts[f"news://{group}"] = [
            Post(source="rss", source_id=f"{group}/{d['doc_id']}", community=f"news://{group}",
                 author=sender_name(d["from"]), title=d["subject"] or "", text=d["body"],
                 url=f"https://news.example/{group}/{d['doc_id']}", published_at=None, fetched_at=END)
            for d in docs]
    people = tuple(Person("rss", a, a) for a in sorted({p.author for ps in posts.values() for p in ps if p.author}))
    return _fitted("20ng", communities, posts, tuple(f"news://{g}" for g in NEWSGROUPS_SURGING), plan, people)


def subreddits(plan: Plan, rng: random.Random) -> Corpus:
    """`SUBREDDITS` as pln's Reddit connector parses an API listing of them; the archive has no authors."""
    csv.field_size_limit(sys.maxsize)
    settings = RedditSettings()
    communities: list[Community] = []
    posts: dict[str, list[Post]] = {}
    for name in SUBREDDITS:
        with gzip.open(SHARED / "data" / "reddit-top-posts-by-subreddit" / "data" / f"{name}.csv.gz", "rt",
                       encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        # The archive's CSV as the API's JSON: numbers as numbers, the flag as a flag, the subreddit named.
        children = [{"kind": "t3", "data": {**r, "subreddit": name, "created_utc": float(r["created_utc"]),
                                            "score": int(r["score"]), "num_comments": int(r["num_comments"]),
                                            "over_18": r["over_18"] == "True"}}
                    for r in rows]
        parsed, _ = parse_listing({"kind": "Listing", "data": {"children": children}}, community=f"r/{name}",
                                  now=END, settings=settings)
        rng.shuffle(parsed)
        posts[f"r/{name}"] = parsed
        communities.append(Community("reddit", f"r/{name}", f"r/{name}", url=f"https://www.reddit.com/r/{name}/"))
    return _fitted("reddit", tuple(communities), posts, SUBREDDITS_SURGING, plan)


def _fitted(name: str, communities: tuple[Community, ...], posts: dict[str, list[Post]], surging: tuple[str, ...],
            plan: Plan, people: tuple[Person, ...] = ()) -> Corpus:
    """The corpus cut to the posts the plan stores; every community must have enough, or the rates would differ."""
    corpus = Corpus(name, communities, posts, surging, people)
    short = {key: len(p) for key, p in posts.items() if len(p) < plan.stored(key, corpus)}
    if short:
        raise SystemExit(f"{name}: too few posts for {plan.per_week} a week in "
                         + ", ".join(f"{key} ({n}, needs {plan.stored(key, corpus)})" for key, n in short.items())
                         + "; lower --per-week or --surge")
    return replace(corpus, posts={key: p[:plan.stored(key, corpus)] for key, p in posts.items()})


def spread(n: int, start: datetime, end: datetime) -> list[datetime]:
    """`n` times evenly over (start, end], each in the middle of its share: an even rate with no gaps at the ends."""
    return [end - (i + 0.5) * (end - start) / n for i in range(n)]


def dated(corpus: Corpus, plan: Plan, surging: str) -> list[Post]:
    """Every stored post with its date in the scenario where `surging` surges: baseline first, then window, then the
    rest in the history before the baseline."""
    out: list[Post] = []
    for key, posts in corpus.posts.items():
        window = plan.window(key, surging)
        rest = len(posts) - plan.baseline - window
        when = (spread(plan.baseline, BASELINE_START, WINDOW_START) + spread(window, WINDOW_START, END)
                + spread(rest, HISTORY_START, BASELINE_START))
        out += [replace(p, published_at=t) for p, t in zip(posts, when)]
    return out


def judge(items: list[dict], surging: str, surging_window: int, seed: int, seconds: float, window_posts: int,
          baseline_posts: int) -> Outcome:
    """The scenario's outcome from `pln trends --format json` output (the module docstring defines the check)."""
    named: list[dict] = []
    false_alarms: list[dict] = []
    others: list[dict] = []
    covered = 0
    for item in items:
        lead = item["communities"][0]["name"] if item["communities"] else ""
        mine = sum(c["count"] for c in item["communities"] if c["name"] == surging)
        topic = item | {"lead": lead, "share": mine / item["window_count"] if item["window_count"] else 0.0}
        if lead == surging:
            if item["status"] in RISING:
                named.append(topic)
                covered += mine
        else:
            others.append(topic)
            # Strongly rising: emerging, or rising, which models/trends.py grants only at growth >= the threshold.
            if item["status"] in RISING:
                false_alarms.append(topic)
    return Outcome(surging, seed, seconds, window_posts, baseline_posts, Counter(i["status"] for i in items), named,
                   false_alarms, covered / surging_window, max(others, key=lambda t: t["growth"], default=None))


def run_corpus(corpus: Corpus, plan: Plan, folder: Path, embedder: Embedder, seeds: Sequence[int]) -> list[Outcome]:
    """Store and embed the corpus once, then run each scenario on the same warehouse, once per k-means seed."""
    # Named by the plan: a kept warehouse of another plan holds posts this one would leave dated where they were.
    path = folder / f"trends_surge_{corpus.name}_{plan.per_week}x{plan.surge:g}.duckdb"
    names = {c.key: c.name for c in corpus.communities}
    stored = sum(len(p) for p in corpus.posts.values())
    outcomes: list[Outcome] = []
    with db.connect(path) as conn:
        began = time.perf_counter()
        queries.store_records(conn, Fetch(target=corpus.name, posts=tuple(dated(corpus, plan, corpus.surging[0])),
                                          communities=corpus.communities, people=corpus.people), END)
        print(f"{corpus.name}: stored {stored:,} posts of {len(corpus.communities)} communities in "
              f"{time.perf_counter() - began:.1f} s", flush=True)
        # Progress goes to the log, which stays quiet: the summary line below says what was done.
        embedded = embed_pending(conn, embedder, LogReporter(logging.getLogger(__name__)))
        rate = f" ({embedded.embedded / embedded.seconds:.0f} posts/s)" if embedded.embedded else ""
        print(f"{corpus.name}: embedded {embedded.embedded:,} posts in {embedded.seconds:.1f} s{rate}; "
              f"{stored - embedded.embedded:,} were embedded already", flush=True)
        for surging in corpus.surging:
            queries.store_records(conn, Fetch(target=corpus.name, posts=tuple(dated(corpus, plan, surging))), END)
            pending = queries.count_pending_embeddings(conn, embedder.name)
            if pending:  # a re-dated post must keep its vector, or the scenarios would not share one embedding
                raise RuntimeError(f"{pending} posts pending after re-dating: the content hash moved")
            for seed in seeds:
                began = time.perf_counter()
                report = trends(conn, window_days=WINDOW_DAYS, baseline_days=BASELINE_DAYS, as_of=END,
                                embedder=embedder, settings=TrendSettings(seed=seed))
                items = to_json(report)
                seconds = time.perf_counter() - began
                outcomes.append(judge(items, names[surging], plan.window(surging, surging), seed, seconds,
                                      report.window_posts, report.baseline_posts))
                show(outcomes[-1])
    return outcomes


def show(outcome: Outcome) -> None:
    """One run: its statuses, the topics named rising with the surging community's share, and the verdict."""
    print(f"\n  surge of {outcome.surging}, seed {outcome.seed}: trends in {outcome.seconds:.1f} s, "
          f"{outcome.window_posts:,} posts in the window and {outcome.baseline_posts:,} in the baseline; "
          + ", ".join(f"{n} {status}" for status, n in sorted(outcome.statuses.items())))
    for label, topics in (("named", outcome.named), ("FALSE ALARM", outcome.false_alarms)):
        for t in topics:
            print(f"    {label:<11} #{t['id']:<3} {t['status']:<8} growth {t['growth']:5.3f}  "
                  f"{t['window_count']:>4} now / {t['baseline_count']:>4} before  {t['share']:4.0%} of them "
                  f"{outcome.surging}  led by {t['lead']}  [{t['label']}]")
    if not outcome.named:
        print(f"    no topic of {outcome.surging} is named rising")
    if other := outcome.highest_other:
        print(f"    another community's topic at most grew {other['growth']:.3f} ({other['status']}, led by "
              f"{other['lead']}, {other['share']:.0%} of its window posts {outcome.surging}, [{other['label']}])")
    print(f"    {outcome.coverage:.0%} of {outcome.surging}'s window posts are in its topics named rising")
    print(f"  {'PASS' if outcome.passed else 'FAIL'}: surge of {outcome.surging}, seed {outcome.seed}", flush=True)


CORPORA: dict[str, Callable[[Plan, random.Random], Corpus]] = {"20ng": newsgroups, "reddit": subreddits}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA),
                        help="which archive (repeatable; default: both)")
    parser.add_argument("--per-week", type=int, default=110, help="posts per community per week at the even rate")
    parser.add_argument("--surge", type=float, default=3.0, help="the surging community's window rate, x the even one")
    parser.add_argument("--seeds", default="0", help="k-means seeds, comma-separated: one trends run per seed")
    parser.add_argument("--keep", type=Path, help="keep the warehouses in this folder (a second run embeds nothing)")
    args = parser.parse_args(argv)
    if not (SHARED / "data").is_dir():
        print(f"{SHARED / 'data'}: not found. This benchmark reads real posts from ../shared/data next to the clone "
              "(20 Newsgroups and the Reddit top-posts archive); without it there is nothing to measure.",
              file=sys.stderr)
        return 2
    plan = Plan(args.per_week, args.surge)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    began = time.perf_counter()
    embedder = Embedder()
    embedder.encode(["warm-up"])  # the model is built or loaded here, so the embedding time below is encoding alone
    print(f"model {embedder.name} ready in {time.perf_counter() - began:.1f} s; load average "
          f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores", flush=True)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="pln-surge-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for name in args.corpus or sorted(CORPORA):
            started = time.perf_counter()
            corpus = CORPORA[name](plan, random.Random(SEED))
            print(f"\n{name}: read in {time.perf_counter() - started:.1f} s", flush=True)
            outcomes += run_corpus(corpus, plan, folder, embedder, seeds)
    print("\nsummary (growth and the surging community's share of each topic named rising; the highest growth of "
          "another community's topic):")
    for o in outcomes:
        named = ", ".join(f"{t['growth']:.2f} ({t['share']:.0%})" for t in o.named) or "none"
        other = f"{o.highest_other['growth']:.3f} ({o.highest_other['share']:.0%})" if o.highest_other else "-"
        print(f"  {'PASS' if o.passed else 'FAIL'}  {o.surging:<24} seed {o.seed}  {sum(o.statuses.values()):>2} topics"
              f"  {o.seconds:5.1f} s  named {named}; other at most {other}")
    print(f"{sum(o.passed for o in outcomes)} of {len(outcomes)} runs PASS; wall time "
          f"{time.perf_counter() - began:.0f} s; peak RSS {peak_rss_mib():,.0f} MiB")
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
