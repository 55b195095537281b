"""Collects what is new from every tracked feed and stores it; the plain function and the Prefect flow share one path."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
from prefect import flow, get_run_logger, task
from prefect.futures import PrefectFuture

from connectors import rss
from connectors.base import Fetch, SourceError
from flows.embed import EmbedReport, embed_pending
from flows.report import LogReporter, Reporter
from models.embedding import Embedder
from warehouse import db, queries
from warehouse.queries import Target

FetchOne = Callable[[str, Mapping[str, str]], Fetch]
Outcome = tuple[Target, Fetch | SourceError]
FetchAll = Callable[[list[Target]], Iterator[Outcome]]


@dataclass
class CollectReport:
    """What one collection run did, target by target."""

    targets: int = 0
    fetched: int = 0
    not_modified: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    embedded: EmbedReport | None = None

    @property
    def all_failed(self) -> bool:
        return bool(self.targets) and len(self.failed) == self.targets


def fetch_concurrently(targets: list[Target], fetch_one: FetchOne, workers: int = 8) -> Iterator[Outcome]:
    """Fetch targets on a thread pool (the work is network-bound), yielding in the targets' order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_guarded, fetch_one, t) for t in targets]
        for target, future in zip(targets, futures):
            yield target, future.result()


def _guarded(fetch_one: FetchOne, target: Target) -> Fetch | SourceError:
    try:
        return fetch_one(target.target, target.cursor or {})
    except Exception as exc:  # noqa: BLE001 - one broken target must never stop the others
        return _as_source_error(target, exc)


def _as_source_error(target: Target, exc: Exception) -> SourceError:
    if isinstance(exc, SourceError):
        return exc
    return SourceError(target.target, f"unexpected {type(exc).__name__}: {exc}")


def store_outcomes(conn: duckdb.DuckDBPyConnection, source: str, outcomes: Iterable[Outcome], total: int,
                   reporter: Reporter, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> CollectReport:
    """Store each fetch as it arrives (one transaction per target), recording failures beside the others."""
    report = CollectReport(targets=total)
    with reporter.step(f"Collecting {source}", total) as advance:
        for target, outcome in outcomes:
            if isinstance(outcome, SourceError):
                queries.record_failure(conn, source, target.target, outcome.reason, now())
                report.failed.append((target.target, outcome.reason))
                reporter.note(f"✗ {outcome}")
            else:
                stored = queries.store_fetch(conn, source, outcome, now())
                report.fetched += 1
                report.not_modified += outcome.not_modified
                report.new += stored.new
                report.updated += stored.updated
                report.unchanged += stored.unchanged
                if outcome.warning:
                    report.warnings.append((target.target, outcome.warning))
                    reporter.note(f"! {target.target}: {outcome.warning}")
            advance(1)
    return report


def fetch_feeds(targets: list[Target]) -> Iterator[Outcome]:
    """The CLI's way to fetch: plain connector calls on a thread pool."""
    return fetch_concurrently(targets, rss.fetch)


def collect(conn: duckdb.DuckDBPyConnection, reporter: Reporter, *, fetch_all: FetchAll = fetch_feeds,
            embedder: Embedder | None = None) -> CollectReport:
    """Fetch every tracked feed, store what changed, then embed what is pending unless `embedder` is None."""
    targets = queries.list_targets(conn, rss.SOURCE)
    report = store_outcomes(conn, rss.SOURCE, fetch_all(targets), len(targets), reporter)
    if embedder is not None:
        report.embedded = embed_pending(conn, embedder, reporter)
    return report


def _transient(task_: object, task_run: object, state: object) -> bool:
    try:
        state.result()  # type: ignore[attr-defined]
    except SourceError as exc:
        return exc.transient
    except Exception:  # noqa: BLE001 - anything unexpected may be a passing fault: try again
        return True
    return False


@task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_transient, task_run_name="fetch {target}")
def fetch_feed(target: str, cursor: Mapping[str, str]) -> Fetch:
    """One feed, retried when the failure may pass (timeouts, 5xx, dropped connections)."""
    return rss.fetch(target, cursor)


def fetch_feeds_as_tasks(targets: list[Target]) -> Iterator[Outcome]:
    """The flow's way to fetch: one Prefect task per feed, run concurrently, with retries."""
    futures = fetch_feed.map([t.target for t in targets], [t.cursor or {} for t in targets])
    for target, future in zip(targets, futures):
        yield _settled(target, future)


def _settled(target: Target, future: PrefectFuture) -> Outcome:
    try:
        return target, future.result()
    except Exception as exc:  # noqa: BLE001 - one broken target must never stop the others
        return target, _as_source_error(target, exc)


@flow(name="collect", log_prints=True)
def collect_flow(db_path: str | None = None, embed: bool = True, reporter: Reporter | None = None) -> dict:
    """Hourly: fetch every tracked feed concurrently, store what is new or changed, embed it."""
    with db.connect(db_path or db.default_path()) as conn:
        report = collect(conn, reporter or LogReporter(get_run_logger()), fetch_all=fetch_feeds_as_tasks,
                         embedder=Embedder() if embed else None)
    return summary(report)


def summary(report: CollectReport) -> dict:
    """The report as plain JSON-able data."""
    return {
        "targets": report.targets, "fetched": report.fetched, "not_modified": report.not_modified,
        "new": report.new, "updated": report.updated, "unchanged": report.unchanged,
        "failed": [{"target": t, "error": e} for t, e in report.failed],
        "warnings": [{"target": t, "warning": w} for t, w in report.warnings],
        "embedded": report.embedded.embedded if report.embedded else None,
    }
