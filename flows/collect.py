"""Collects what is new from every tracked feed, subreddit and X account and stores it; the CLI and the flow share one path."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
from prefect import flow, get_run_logger, task
from prefect.futures import PrefectFuture

from connectors import rss
from connectors.base import Fetch, SourceError
from flows import settings as configuration
from flows.embed import EmbedReport, embed_pending
from flows.report import LogReporter, Reporter
from flows.sources import SOURCES, Outcome, SourceRun, as_source_error, feeds, reddit_source, x_source
from models.embedding import Embedder
from warehouse import db, queries
from warehouse.queries import Target


@dataclass
class SourceReport:
    """What one collection run did for one source, target by target; `skipped` says why it did nothing."""

    source: str
    targets: int = 0
    fetched: int = 0
    not_modified: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    skipped: str = ""


@dataclass
class CollectReport:
    """Every source's report, and what was embedded after."""

    sources: list[SourceReport] = field(default_factory=list)
    embedded: EmbedReport | None = None

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.sources)

    @property
    def failed(self) -> list[tuple[str, str]]:
        return [f for s in self.sources for f in s.failed]

    @property
    def all_failed(self) -> bool:
        """Something was tried and nothing worked: the one case where collecting as a whole failed."""
        return bool(self.total("targets")) and len(self.failed) == self.total("targets")


def store_outcomes(conn: duckdb.DuckDBPyConnection, source: str, outcomes: Iterable[Outcome], total: int,
                   reporter: Reporter, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> SourceReport:
    """Store each fetch as it arrives (one transaction per target), recording failures beside the others."""
    report = SourceReport(source, targets=total)
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


def sources_for(conn: duckdb.DuckDBPyConnection, only: str | None = None, *, use_blocks: bool = False,
                feeds_run: SourceRun | None = None, now: datetime | None = None) -> list[SourceRun]:
    """The sources to collect (all, or `only` one), each ready to run or saying why it is skipped."""
    now = now or datetime.now(UTC)
    settings = configuration.from_environment()
    runs = {
        "rss": lambda: feeds_run or feeds(),
        "reddit": lambda: reddit_source(settings, configuration.reddit_credentials(use_blocks), now),
        "x": lambda: x_source(conn, settings, configuration.x_bearer_token(use_blocks), now),
    }
    return [runs[name]() for name in SOURCES if only in (None, name)]


def collect(conn: duckdb.DuckDBPyConnection, reporter: Reporter, runs: Sequence[SourceRun], *,
            embedder: Embedder | None = None) -> CollectReport:
    """Collect every source in `runs`, then embed what is pending unless `embedder` is None."""
    report = CollectReport()
    for run in runs:
        targets = queries.list_targets(conn, run.source)
        if run.fetch_all is None:
            reporter.note(f"{run.source}: skipped, {run.skipped}")
            report.sources.append(SourceReport(run.source, skipped=run.skipped))
            continue
        if targets:
            report.sources.append(store_outcomes(conn, run.source, run.fetch_all(targets), len(targets), reporter))
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
    """The flow's way to fetch feeds: one Prefect task per feed, run concurrently, with retries."""
    futures = fetch_feed.map([t.target for t in targets], [t.cursor or {} for t in targets])
    for target, future in zip(targets, futures):
        yield _settled(target, future)


def _settled(target: Target, future: PrefectFuture) -> Outcome:
    try:
        return target, future.result()
    except Exception as exc:  # noqa: BLE001 - one broken target must never stop the others
        return target, as_source_error(target, exc)


@flow(name="collect", log_prints=True)
def collect_flow(db_path: str | None = None, embed: bool = True, source: str | None = None,
                 reporter: Reporter | None = None) -> dict:
    """Hourly: fetch every tracked feed, subreddit and X account, store what is new or changed, embed it.

    Credentials come from the environment or from Prefect Secret blocks (pln-x-bearer-token,
    pln-reddit-credentials); a source without them is skipped and says so in the run's log.
    """
    with db.connect(db_path or db.default_path()) as conn:
        runs = sources_for(conn, source, use_blocks=True, feeds_run=SourceRun(rss.SOURCE, fetch_feeds_as_tasks))
        report = collect(conn, reporter or LogReporter(get_run_logger()), runs,
                         embedder=Embedder() if embed else None)
    return summary(report)


def summary(report: CollectReport) -> dict:
    """The report as plain JSON-able data: totals first, then each source."""
    def part(s: SourceReport) -> dict:
        return {
            "targets": s.targets, "fetched": s.fetched, "not_modified": s.not_modified, "new": s.new,
            "updated": s.updated, "unchanged": s.unchanged,
            "failed": [{"source": s.source, "target": t, "error": e} for t, e in s.failed],
            "warnings": [{"source": s.source, "target": t, "warning": w} for t, w in s.warnings],
        }

    totals = {name: report.total(name) for name in ("targets", "fetched", "not_modified", "new", "updated",
                                                      "unchanged")}
    return {
        **totals,
        "failed": [f for s in report.sources for f in part(s)["failed"]],
        "warnings": [w for s in report.sources for w in part(s)["warnings"]],
        "embedded": report.embedded.embedded if report.embedded else None,
        "sources": {s.source: {**part(s), "skipped": s.skipped or None} for s in report.sources},
    }
