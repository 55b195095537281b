"""How each source is read in a collection run: feeds concurrently, Reddit and X one target at a time within limits."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import duckdb

from connectors import reddit, rss, x
from connectors.base import Fetch, SourceError
from flows.settings import Settings
from warehouse import api_reads
from warehouse.queries import Target

FetchOne = Callable[[str, Mapping[str, str]], Fetch]
Outcome = tuple[Target, Fetch | SourceError]
FetchAll = Callable[[list[Target]], Iterator[Outcome]]
SOURCES = (rss.SOURCE, reddit.SOURCE, x.SOURCE)
NO_X_TOKEN = "no bearer token (set PLN_X_BEARER_TOKEN, or the Prefect Secret block pln-x-bearer-token)"


@dataclass(frozen=True)
class SourceRun:
    """One source's part of a collection run, or why it cannot take part."""

    source: str
    fetch_all: FetchAll | None
    skipped: str = ""


def fetch_guarded(fetch_one: FetchOne, target: Target) -> Fetch | SourceError:
    """The target's fetch, or the error that stopped it: one broken target must never stop the others."""
    try:
        return fetch_one(target.target, target.cursor or {})
    except Exception as exc:  # noqa: BLE001 - anything a connector did not foresee is still this target's failure
        return as_source_error(target, exc)


def as_source_error(target: Target, exc: Exception) -> SourceError:
    """`exc` as the SourceError that names `target`."""
    if isinstance(exc, SourceError):
        return exc
    return SourceError(target.target, f"unexpected {type(exc).__name__}: {exc}")


def concurrently(targets: list[Target], fetch_one: FetchOne, workers: int = 8) -> Iterator[Outcome]:
    """Fetch targets on a thread pool (the work is network-bound), yielding in the targets' order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fetch_guarded, fetch_one, t) for t in targets]
        for target, future in zip(targets, futures):
            yield target, future.result()


def feeds() -> SourceRun:
    """Feeds, fetched concurrently by plain connector calls."""
    return SourceRun(rss.SOURCE, lambda targets: concurrently(targets, rss.fetch))


def reddit_source(settings: Settings, credentials: Mapping[str, str] | None, now: datetime) -> SourceRun:
    """Subreddits one after another (praw paces itself by Reddit's rate-limit headers), or skipped without credentials."""
    try:
        client = reddit.make_client(credentials, site=settings.reddit_site)
    except reddit.RedditNotConfigured as exc:
        return SourceRun(reddit.SOURCE, None, skipped=str(exc))
    fetch_one = partial(reddit.fetch, client=client, now=now,
                        settings=reddit.RedditSettings(include_nsfw=settings.reddit_include_nsfw))
    return SourceRun(reddit.SOURCE, lambda targets: ((t, fetch_guarded(fetch_one, t)) for t in targets))


def x_budget(conn: duckdb.DuckDBPyConnection, settings: Settings, now: datetime) -> x.ReadBudget:
    """What this run may still read from X: the per-run allowance, within what is left of this month's."""
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = api_reads.reads_since(conn, x.SOURCE, month_start)
    return x.ReadBudget(run_remaining=settings.x_reads_per_run,
                        month_remaining=max(0, settings.x_reads_per_month - used))


def x_source(conn: duckdb.DuckDBPyConnection, settings: Settings, token: str | None, now: datetime) -> SourceRun:
    """Accounts and lists one after another, each read counted in the warehouse, until the budget is spent."""
    if not token:
        return SourceRun(x.SOURCE, None, skipped=NO_X_TOKEN)
    client = x.make_client(token)
    budget = x_budget(conn, settings, now)
    fetch_one = partial(x.fetch, client=client, settings=x.XSettings(), budget=budget, now=now)

    def fetch_all(targets: list[Target]) -> Iterator[Outcome]:
        for target in targets:
            if budget.spent:
                # Not read, not failed: its cursor stays, so the next run starts where this one could not.
                yield target, Fetch(target.target, cursor=target.cursor or {}, not_modified=True,
                                    warning="X read budget spent: not read this run")
                continue
            before = budget.read
            outcome = fetch_guarded(fetch_one, target)
            # Counted before the posts are stored: a crash in between over-counts, it never overspends.
            api_reads.record_reads(conn, x.SOURCE, budget.read - before, now)
            yield target, outcome

    return SourceRun(x.SOURCE, fetch_all)
