"""The `pln` command: a thin face over the same functions and flows the schedules run."""
from __future__ import annotations

import os

# Prefect reads these on import: its INFO lines would tear through the CLI's progress bars, and
# its analytics would try a network this tool must not need.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import json  # noqa: E402
import sys  # noqa: E402
from datetime import UTC, datetime, time, timedelta  # noqa: E402
from enum import Enum  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Annotated  # noqa: E402

import duckdb  # noqa: E402
import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from connectors.base import SourceError  # noqa: E402
from flows import collect as collecting  # noqa: E402
from flows import demo as demo_run  # noqa: E402
from flows.embed import embed_pending  # noqa: E402
from flows.errors import UsageError  # noqa: E402
from flows.feeds import Added, add_feeds, import_opml  # noqa: E402
from flows.learners import add_learner  # noqa: E402
from flows.recommend import recommend as recommend_for  # noqa: E402
from flows.recommend import to_json  # noqa: E402
from flows.report import RichReporter  # noqa: E402
from models.embedding import Embedder, ModelError  # noqa: E402
from warehouse import db, queries  # noqa: E402
from warehouse.db import WarehouseError  # noqa: E402

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="pln: which communities to join and whom to follow, for what you want to learn.")
feeds_app = typer.Typer(no_args_is_help=True, help="Track RSS, Atom and JSON feeds.")
learner_app = typer.Typer(no_args_is_help=True, help="Learners and their goals.")
app.add_typer(feeds_app, name="feeds")
app.add_typer(learner_app, name="learner")

# One line per message, however narrow the terminal: scripts and people grep these. Tables still fit it.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class Format(str, Enum):
    table = "table"
    json = "json"


class Kind(str, Enum):
    communities = "communities"
    people = "people"


class Source(str, Enum):
    rss = "rss"


FormatOption = Annotated[Format, typer.Option("--format", help="table for people, json for scripts")]


@app.callback()
def options(ctx: typer.Context,
            db_path: Annotated[Path | None, typer.Option("--db", help="warehouse file [default: $PLN_DB, else ./pln.duckdb]")] = None) -> None:
    ctx.obj = db_path or db.default_path()


def _connect(ctx: typer.Context) -> duckdb.DuckDBPyConnection:
    return db.connect(ctx.obj)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _added(what: str, added: Added) -> None:
    followed = f"; {added.followed_by} follows them" if added.followed_by else ""
    out.print(f"{what}: {added.given} feeds, {added.new} new{followed}.")
    for outline, reason in added.skipped:
        err.print(f"skipped {outline}: {reason}", markup=False, highlight=False)


@feeds_app.command("add")
def feeds_add(ctx: typer.Context, urls: Annotated[list[str], typer.Argument(help="feed URLs or local paths")],
              category: Annotated[str, typer.Option(help="folder to file them under")] = "",
              learner: Annotated[str | None, typer.Option(help="mark them as followed by this learner")] = None) -> None:
    """Track feeds by URL or local path."""
    with _connect(ctx) as conn:
        _added("Added", add_feeds(conn, urls, category=category, learner=learner))


@feeds_app.command("import-opml")
def feeds_import_opml(ctx: typer.Context, file: Annotated[str, typer.Argument(help="OPML file path or URL")],
                      learner: Annotated[str | None, typer.Option(help="mark them as followed by this learner")] = None) -> None:
    """Track every feed of an OPML subscription list, keeping its folders as categories."""
    with _connect(ctx) as conn:
        _added(f"Imported {file}", import_opml(conn, file, learner=learner))


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, format: FormatOption = Format.table) -> None:
    """Tracked feeds with their category and the state of their last fetch."""
    with _connect(ctx) as conn:
        targets = queries.list_targets(conn, "rss")
    if format is Format.json:
        _print_json([{"url": t.target, "title": t.title, "category": t.category, "status": t.last_status,
                      "error": t.last_error, "failures": t.failures} for t in targets])
        return
    table = Table("Feed", "Category", "Last fetch")
    for t in targets:
        state = t.last_status or "never fetched"
        table.add_row(t.title or t.target, t.category, f"{state}: {t.last_error}" if t.last_error else state)
    out.print(table)


@app.command()
def collect(ctx: typer.Context,
            source: Annotated[Source, typer.Option(help="which source to collect")] = Source.rss,
            no_embed: Annotated[bool, typer.Option("--no-embed", help="store only; `pln embed` later")] = False,
            format: FormatOption = Format.table) -> None:
    """Fetch what is new from every tracked feed, store it, and embed it."""
    with _connect(ctx) as conn:
        report = collecting.collect(conn, RichReporter(err), embedder=None if no_embed else Embedder())
    summary = collecting.summary(report)
    if format is Format.json:
        _print_json(summary)
    else:
        embedded = f", {summary['embedded']} embedded" if summary["embedded"] is not None else ""
        out.print(f"{report.fetched} of {report.targets} feeds read ({report.not_modified} unchanged since last time), "
                  f"{report.new} new posts, {report.updated} updated{embedded}, {len(report.failed)} failed.")
    if report.all_failed:
        raise typer.Exit(1)


@app.command()
def embed(ctx: typer.Context,
          model: Annotated[str | None, typer.Option(help="local sentence-transformers folder [default: $PLN_MODEL, else the packaged all-MiniLM-L6-v2]")] = None) -> None:
    """Embed every stored post that has no vector for the model yet."""
    with _connect(ctx) as conn:
        report = embed_pending(conn, Embedder(model), RichReporter(err))
    rate = report.embedded / report.seconds if report.seconds else 0.0
    out.print(f"Embedded {report.embedded} posts with {report.model} ({rate:.0f} posts/s).")


@learner_app.command("add")
def learner_add(ctx: typer.Context, name: str,
                email: Annotated[str, typer.Option(help="where the weekly digest goes")],
                goal: Annotated[list[str], typer.Option(help="what they want to learn, in their words (repeatable)")]) -> None:
    """Add a learner (or replace an existing learner's email and goals)."""
    with _connect(ctx) as conn:
        created = add_learner(conn, name, email, goal, Embedder())
    out.print(f"{'Added' if created else 'Updated'} learner {name} with {len(goal)} goals.")


@learner_app.command("list")
def learner_list(ctx: typer.Context, format: FormatOption = Format.table) -> None:
    """Every learner with their goals."""
    with _connect(ctx) as conn:
        learners = queries.list_learners(conn)
    if format is Format.json:
        _print_json([{"name": lr.name, "email": lr.email, "goals": list(lr.goals)} for lr in learners])
        return
    table = Table("Learner", "Email", "Goals")
    for lr in learners:
        table.add_row(lr.name, lr.email, "\n".join(lr.goals))
    out.print(table)


def parse_as_of(value: str | None) -> datetime | None:
    """A date means the end of that day (UTC); a date-time is taken as given, UTC if it names no zone."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).date()
            return datetime.combine(day + timedelta(days=1), time(), UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of {value!r}: not a date (YYYY-MM-DD) or ISO date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
def recommend(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the learner")],
              kind: Annotated[Kind | None, typer.Option(help="only communities or only people [default: both]")] = None,
              top: Annotated[int, typer.Option(min=1, help="how many of each kind")] = 5,
              window_days: Annotated[int, typer.Option(min=1, help="judge from posts of the last N days")] = 30,
              as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD: recommend as of that day [default: now]")] = None,
              format: FormatOption = Format.table) -> None:
    """Communities to join and people to follow for a learner's goals, with reasons."""
    kinds = ("community", "person") if kind is None else (("community",) if kind is Kind.communities else ("person",))
    with _connect(ctx) as conn:
        result = recommend_for(conn, name, embedder=Embedder(), kinds=kinds, top=top,
                               window_days=window_days, as_of=parse_as_of(as_of))
    if format is Format.json:
        _print_json(to_json(result))
    else:
        print_recommendations(result.learner, to_json(result),
                              [f.name for r in result.by_kind.values() for f in r.already_following])


def print_recommendations(learner: str, items: list[dict], already_following: list[str]) -> None:
    """Tables a person reads: what to join, whom to follow, and why."""
    for kind, title in (("community", "Communities to join"), ("person", "People to follow")):
        rows = [i for i in items if i["kind"] == kind]
        if not rows:
            continue
        table = Table(title=f"{title}, for {learner}", show_lines=True, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("Name")
        table.add_column("Goal")
        table.add_column("Score", justify="right")
        table.add_column("Why")
        for item in rows:
            table.add_row(str(item["rank"]), f"{item['name']}\n[dim]{item['url']}[/dim]", item["goal"],
                          f"{item['score']:.2f}", "\n".join(item["reasons"]))
        out.print(table)
    if not items:
        out.print(f"Nothing to recommend to {learner} yet: collect some posts first (`pln collect`).")
    if already_following:
        out.print(f"Already following (not recommended again): {', '.join(already_following)}")


@app.command()
def demo(ctx: typer.Context) -> None:
    """Run the whole pipeline as Prefect flows on the shipped sample, offline, and show the recommendations."""
    result = demo_run.run_demo(Path(ctx.obj), RichReporter(err))
    print_recommendations(result.learner, to_json(result),
                          [f.name for r in result.by_kind.values() for f in r.already_following])
    out.print(f"\nWarehouse: {Path(ctx.obj).resolve()}  (try: pln --db {ctx.obj} recommend {result.learner} --format json)")


def main() -> None:
    """Entry point: bad input becomes one line naming it, and exit status 1."""
    try:
        app(prog_name="pln")
    except (UsageError, SourceError, WarehouseError, ModelError) as exc:
        err.print(f"pln: error: {exc}", markup=False, highlight=False)
        sys.exit(1)
