"""Finds subreddits and X accounts worth reading for each learner goal, and tracks them, marked as discovered."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
from prefect import flow, get_run_logger

from connectors import reddit, x
from connectors.base import Fetch, SourceError
from flows import settings as configuration
from flows.report import LogReporter, Reporter
from flows.sources import NO_X_TOKEN, x_budget
from models.phrases import key_phrases
from warehouse import api_reads, db, queries
from warehouse.queries import Learner, Target

DISCOVERABLE = (reddit.SOURCE, x.SOURCE)


@dataclass
class DiscoverReport:
    """Targets found per source and goal, sources skipped and searches that failed."""

    found: list[tuple[str, str, str]] = field(default_factory=list)  # source, target, goal
    new: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # source, goal, error


def discover(conn: duckdb.DuckDBPyConnection, learners: Sequence[Learner], reporter: Reporter, *,
             sources: Sequence[str] = DISCOVERABLE, use_blocks: bool = False,
             now: datetime | None = None) -> DiscoverReport:
    """Search each source for every goal's key phrases and track what it finds; one failing search stops nothing."""
    now = now or datetime.now(UTC)
    settings = configuration.from_environment()
    report = DiscoverReport()
    goals = [(learner.name, goal) for learner in learners for goal in learner.goals]
    if reddit.SOURCE in sources:
        try:
            client = reddit.make_client(configuration.reddit_credentials(use_blocks), site=settings.reddit_site)
        except reddit.RedditNotConfigured as exc:
            report.skipped.append((reddit.SOURCE, str(exc)))
        else:
            options = reddit.RedditSettings(include_nsfw=settings.reddit_include_nsfw)
            _search(conn, report, reporter, reddit.SOURCE, goals, now,
                    lambda phrases: Fetch("", communities=tuple(
                        reddit.discover(phrases, client=client, settings=options))))
    if x.SOURCE in sources:
        token = configuration.x_bearer_token(use_blocks)
        if not token:
            report.skipped.append((x.SOURCE, NO_X_TOKEN))
        else:
            client, budget = x.make_client(token), x_budget(conn, settings, now)

            def search_x(phrases: list[str]) -> Fetch:
                before = budget.read
                try:
                    return x.discover(phrases, client=client, settings=x.XSettings(), budget=budget, now=now)
                finally:
                    api_reads.record_reads(conn, x.SOURCE, budget.read - before, now)

            _search(conn, report, reporter, x.SOURCE, goals, now, search_x)
    for source, reason in report.skipped:
        reporter.note(f"{source}: skipped, {reason}")
    return report


def _search(conn: duckdb.DuckDBPyConnection, report: DiscoverReport, reporter: Reporter, source: str,
            goals: list[tuple[str, str]], now: datetime, search: Callable[[list[str]], Fetch]) -> None:
    with reporter.step(f"Discovering on {source}", len(goals)) as advance:
        for learner, goal in goals:
            try:
                found = search(key_phrases(goal))
            except SourceError as exc:
                report.failed.append((source, goal, exc.reason))
                reporter.note(f"✗ {source} search for “{goal}”: {exc.reason}")
                advance(1)
                continue
            queries.store_records(conn, found, now)
            keys = [c.key for c in found.communities] or list(dict.fromkeys(p.community for p in found.posts))
            targets = [Target(source, key, discovered=True, discovered_from=goal) for key in keys]
            report.new += queries.add_targets(conn, targets, now)
            report.found += [(source, key, goal) for key in keys]
            advance(1)


@flow(name="discover", log_prints=True)
def discover_flow(db_path: str | None = None, learners: list[str] | None = None) -> dict[str, int]:
    """Weekly: search Reddit and X for every learner's goals and track the new communities and accounts found."""
    with db.connect(db_path or db.default_path()) as conn:
        chosen = [lr for lr in queries.list_learners(conn) if learners is None or lr.name in learners]
        report = discover(conn, chosen, LogReporter(get_run_logger()), use_blocks=True)
    return {"found": len(report.found), "new": report.new, "failed": len(report.failed)}
