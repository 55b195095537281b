"""The `pln` subcommands for Reddit, X and LinkedIn, and discovery from learners' goals."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from flows import discover as discovering
from flows import settings as configuration
from flows.cli_common import Format, FormatOption, connect, out, print_json, report_added
from flows.errors import UsageError
from flows.learners import require_learner
from flows.linkedin import import_export
from flows.report import RichReporter
from flows.tracking import add_subreddits, add_x_accounts
from warehouse import queries

reddit_app = typer.Typer(no_args_is_help=True, help="Track subreddits (read-only app credentials from praw.ini or "
                                                    "praw_* variables).")
x_app = typer.Typer(no_args_is_help=True, help="Track X accounts and lists (PLN_X_BEARER_TOKEN; reads are budgeted).")
linkedin_app = typer.Typer(no_args_is_help=True, help="Import a learner's LinkedIn data export.")
FollowedBy = Annotated[str | None, typer.Option("--learner", help="mark them as followed by this learner")]


@reddit_app.command("add")
def reddit_add(ctx: typer.Context, subreddits: Annotated[list[str], typer.Argument(help="names, r/names or URLs")],
               learner: FollowedBy = None) -> None:
    """Track subreddits: their new and top posts, and what the subreddit says about itself."""
    with connect(ctx) as conn:
        report_added("Added", "subreddits", add_subreddits(conn, subreddits, learner=learner))


@x_app.command("add")
def x_add(ctx: typer.Context, handles: Annotated[list[str], typer.Argument(help="@handles, profile URLs or list:ID")],
          learner: FollowedBy = None) -> None:
    """Track X accounts (their recent posts) and lists (as communities)."""
    with connect(ctx) as conn:
        report_added("Added", "accounts", add_x_accounts(conn, handles, learner=learner))


@linkedin_app.command("import")
def linkedin_import(ctx: typer.Context, path: Annotated[str, typer.Argument(help="the export ZIP or its folder")],
                    learner: Annotated[str, typer.Option(help="whose export it is")],
                    format: FormatOption = Format.table) -> None:
    """Import your own posts, your network (never emails or messages) and your skills and courses."""
    with connect(ctx) as conn:
        result = import_export(conn, path, learner)
    if format is Format.json:
        print_json({"learner": result.learner, "posts": result.posts, "new_posts": result.new_posts,
                    "network": result.network, "facts": result.facts, "warnings": list(result.warnings)})
        return
    network = ", ".join(f"{n} {kind}s" for kind, n in sorted(result.network.items())) or "no network"
    facts = ", ".join(f"{n} {kind}s" for kind, n in sorted(result.facts.items())) or "no skills or courses"
    out.print(f"Imported for {result.learner}: {result.posts} posts ({result.new_posts} new); {network}; {facts}.")
    for warning in result.warnings:
        out.print(f"! {warning}", markup=False, highlight=False)


def discover(ctx: typer.Context,
             learner: Annotated[str | None, typer.Option(help="only this learner's goals [default: every learner]")] = None,
             source: Annotated[str | None, typer.Option(help="reddit or x [default: both]")] = None,
             format: FormatOption = Format.table) -> None:
    """Search Reddit and X for each goal's key phrases and track the communities and accounts found."""
    if source is not None and source not in discovering.DISCOVERABLE:
        raise UsageError(f"--source {source!r}: discovery searches {' or '.join(discovering.DISCOVERABLE)}")
    with connect(ctx) as conn:
        learners = [require_learner(conn, learner)] if learner else queries.list_learners(conn)
        report = discovering.discover(conn, learners, RichReporter(), use_blocks=configuration.blocks_reachable(),
                                      sources=(source,) if source else discovering.DISCOVERABLE)
    if format is Format.json:
        print_json({"found": [{"source": s, "target": t, "goal": g} for s, t, g in report.found], "new": report.new,
                    "skipped": [{"source": s, "reason": r} for s, r in report.skipped],
                    "failed": [{"source": s, "goal": g, "error": e} for s, g, e in report.failed]})
        return
    table = Table("Source", "Found", "For the goal")
    for source_, target, goal in report.found:
        table.add_row(source_, target, goal)
    out.print(table)
    out.print(f"{len(report.found)} found, {report.new} newly tracked, {len(report.failed)} searches failed.")
