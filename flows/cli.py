"""The `pln` command: a thin face over the same functions and flows the schedules run."""
from __future__ import annotations

import os

# Prefect reads these on import: its INFO lines would tear through the CLI's progress bars, and
# its analytics would try a network this tool must not need.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import sys  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from enum import Enum  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Annotated  # noqa: E402

import typer  # noqa: E402
from rich.table import Table  # noqa: E402

from connectors.base import SourceError  # noqa: E402
from flows import collect as collecting  # noqa: E402
from flows import settings as configuration  # noqa: E402
from flows import demo as demo_run  # noqa: E402
from flows.embed import embed_pending  # noqa: E402
from flows.errors import UsageError  # noqa: E402
from flows.tracking import add_feeds, import_opml  # noqa: E402
from flows.learners import add_learner, remove_learner, suggest_goals  # noqa: E402
from flows.linkedin import forget  # noqa: E402
from flows.recommend import recommend as recommend_for  # noqa: E402
from flows.recommend import to_json  # noqa: E402
from flows.cli_platforms import discover, linkedin_app, reddit_app, x_app  # noqa: E402
from flows.cli_cards import card_hint, community_app, person_app  # noqa: E402
from flows.cli_trends import trends as trends_command  # noqa: E402
from flows.cli_feedback import feedback  # noqa: E402
from flows.cli_digest import digest_app, subscribe, unsubscribe  # noqa: E402
from flows.cli_org import org_app  # noqa: E402
from flows.cli_common import Format, FormatOption, connect, err, out, parse_as_of, print_json, report_added  # noqa: E402
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
app.add_typer(reddit_app, name="reddit")
app.add_typer(x_app, name="x")
app.add_typer(linkedin_app, name="linkedin")
app.add_typer(community_app, name="community")
app.add_typer(person_app, name="person")
app.command("discover")(discover)
app.command("trends")(trends_command)
app.command("feedback")(feedback)
app.add_typer(digest_app, name="digest")
app.add_typer(org_app, name="org")
learner_app.command("unsubscribe")(unsubscribe)
learner_app.command("subscribe")(subscribe)

class Kind(str, Enum):
    communities = "communities"
    people = "people"


class Source(str, Enum):
    rss = "rss"
    reddit = "reddit"
    x = "x"


@app.callback()
def options(ctx: typer.Context,
            db_path: Annotated[Path | None, typer.Option("--db", help="warehouse file [default: $PLN_DB, else ./pln.duckdb]")] = None) -> None:
    ctx.obj = db_path or db.default_path()




@feeds_app.command("add")
def feeds_add(ctx: typer.Context, urls: Annotated[list[str], typer.Argument(help="feed URLs or local paths")],
              category: Annotated[str, typer.Option(help="folder to file them under")] = "",
              learner: Annotated[str | None, typer.Option(help="mark them as followed by this learner")] = None) -> None:
    """Track feeds by URL or local path."""
    with connect(ctx) as conn:
        report_added("Added", "feeds", add_feeds(conn, urls, category=category, learner=learner))


@feeds_app.command("import-opml")
def feeds_import_opml(ctx: typer.Context, file: Annotated[str, typer.Argument(help="OPML file path or URL")],
                      learner: Annotated[str | None, typer.Option(help="mark them as followed by this learner")] = None) -> None:
    """Track every feed of an OPML subscription list, keeping its folders as categories."""
    with connect(ctx) as conn:
        report_added(f"Imported {file}", "feeds", import_opml(conn, file, learner=learner))


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, format: FormatOption = Format.table) -> None:
    """Tracked feeds with their category and the state of their last fetch."""
    with connect(ctx) as conn:
        targets = queries.list_targets(conn, "rss")
    if format is Format.json:
        print_json([{"url": t.target, "title": t.title, "category": t.category, "status": t.last_status,
                      "error": t.last_error, "failures": t.failures} for t in targets])
        return
    table = Table("Feed", "Category", "Last fetch")
    for t in targets:
        state = t.last_status or "never fetched"
        table.add_row(t.title or t.target, t.category, f"{state}: {t.last_error}" if t.last_error else state)
    out.print(table)


@app.command()
def collect(ctx: typer.Context,
            source: Annotated[Source | None, typer.Option(help="collect only this source [default: all]")] = None,
            no_embed: Annotated[bool, typer.Option("--no-embed", help="store only; `pln embed` later")] = False,
            format: FormatOption = Format.table) -> None:
    """Fetch what is new from every tracked feed, subreddit and X account, store it, and embed it."""
    with connect(ctx) as conn:
        runs = collecting.sources_for(conn, source.value if source else None,
                                      use_blocks=configuration.blocks_reachable())
        report = collecting.collect(conn, RichReporter(err), runs, embedder=None if no_embed else Embedder())
    summary = collecting.summary(report)
    if format is Format.json:
        print_json(summary)
    else:
        for part in report.sources:
            if not part.skipped:
                out.print(f"{part.source}: {part.fetched} of {part.targets} read ({part.not_modified} unchanged "
                          f"since last time), {part.new} new posts, {part.updated} updated, "
                          f"{len(part.failed)} failed.")
        if summary["embedded"] is not None:
            out.print(f"{summary['embedded']} posts embedded.")
    if report.all_failed:
        raise typer.Exit(1)


@app.command()
def embed(ctx: typer.Context,
          model: Annotated[str | None, typer.Option(help="local sentence-transformers folder [default: $PLN_MODEL, else the packaged all-MiniLM-L6-v2]")] = None) -> None:
    """Embed every stored post that has no vector for the model yet."""
    with connect(ctx) as conn:
        report = embed_pending(conn, Embedder(model), RichReporter(err))
    rate = report.embedded / report.seconds if report.seconds else 0.0
    out.print(f"Embedded {report.embedded} posts with {report.model} ({rate:.0f} posts/s).")


@learner_app.command("add")
def learner_add(ctx: typer.Context, name: str,
                email: Annotated[str, typer.Option(help="where the weekly digest goes")],
                goal: Annotated[list[str], typer.Option(help="what they want to learn, in their words (repeatable); "
                                                             "end it with @WEIGHT to give it more or less room than "
                                                             "the others (1 when none), e.g. \"Spanish grammar@0.5\"")],
                not_interested: Annotated[list[str] | None, typer.Option(
                    "--not-interested", help="a topic to keep out of their recommendations (repeatable)")] = None,
                ) -> None:
    """Add a learner (or replace an existing learner's email, goals and topics they are not interested in)."""
    with connect(ctx) as conn:
        created = add_learner(conn, name, email, goal, Embedder(), not_interested or ())
    excluded = f", not interested in {len(not_interested)}" if not_interested else ""
    out.print(f"{'Added' if created else 'Updated'} learner {name} with {len(goal)} goals{excluded}.")


@learner_app.command("list")
def learner_list(ctx: typer.Context, format: FormatOption = Format.table) -> None:
    """Every learner with their goals."""
    with connect(ctx) as conn:
        learners = queries.list_learners(conn)
    if format is Format.json:
        print_json([{"name": lr.name, "email": lr.email, "goals": list(lr.goals), "weights": list(lr.goal_weights()),
                     "not_interested": list(lr.exclusions)} for lr in learners])
        return
    table = Table("Learner", "Email", "Goals", "Not interested in")
    for lr in learners:
        goals = [g if w == 1 else f"{g} (weight {w:g})" for g, w in zip(lr.goals, lr.goal_weights())]
        table.add_row(lr.name, lr.email, "\n".join(goals), "\n".join(lr.exclusions))
    out.print(table)


@learner_app.command("suggest-goals")
def learner_suggest_goals(ctx: typer.Context, name: str,
                          top: Annotated[int, typer.Option(min=1, help="how many suggestions")] = 5,
                          format: FormatOption = Format.table) -> None:
    """Goals that the learner's imported courses and skills point to, which none of their goals covers yet."""
    with connect(ctx) as conn:
        suggestions = suggest_goals(conn, name, Embedder(), datetime.now(UTC).date(), top)
    if format is Format.json:
        print_json([{"goal": s.goal, "because": s.reason(),
                     "evidence": [{"kind": e.kind, "text": e.text, "dated": e.dated} for e in s.because]}
                    for s in suggestions])
        return
    if not suggestions:
        out.print(f"No suggestions for {name}: import a LinkedIn export with courses or skills first "
                  "(`pln linkedin import PATH --learner NAME`), or their goals already cover them.")
        return
    table = Table("Suggested goal", "Because")
    for s in suggestions:
        table.add_row(s.goal, s.reason())
    out.print(table)
    out.print(f"Add one with: pln learner add {name} --email ... --goal ... (keep the goals they have)")


@learner_app.command("forget")
def learner_forget(ctx: typer.Context, name: str) -> None:
    """Delete everything imported for a learner (LinkedIn posts, network, skills, courses); goals stay."""
    with connect(ctx) as conn:
        deleted = forget(conn, name)
    out.print(f"Forgot what was imported for {name}: {deleted['posts']} posts, {deleted['network']} network "
              f"entries, {deleted['learner_facts']} skills, courses and positions.")


@learner_app.command("remove")
def learner_remove(ctx: typer.Context, name: str, format: FormatOption = Format.table) -> None:
    """Delete a learner and everything about them: goals, votes, recommendations, digests and imported data."""
    with connect(ctx) as conn:
        deleted = remove_learner(conn, name)
    if format is Format.json:
        print_json({"learner": name, "deleted": deleted})
        return
    rows = ", ".join(f"{count} {table}" for table, count in deleted.items() if count and table != "learners")
    out.print(f"Removed learner {name}" + (f" and {rows}." if rows else "."))


@app.command()
def recommend(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the learner")],
              kind: Annotated[Kind | None, typer.Option(help="only communities or only people [default: both]")] = None,
              top: Annotated[int, typer.Option(min=1, help="how many of each kind")] = 5,
              window_days: Annotated[int, typer.Option(min=1, help="judge from posts of the last N days")] = 30,
              as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD: recommend as of that day [default: now]")] = None,
              format: FormatOption = Format.table) -> None:
    """Communities to join and people to follow for a learner's goals, with reasons."""
    kinds = ("community", "person") if kind is None else (("community",) if kind is Kind.communities else ("person",))
    with connect(ctx) as conn:
        result = recommend_for(conn, name, embedder=Embedder(), kinds=kinds, top=top,
                               window_days=window_days, as_of=parse_as_of(as_of))
    if format is Format.json:
        print_json(to_json(result))
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
        for item in rows:
            out.print(card_hint(item, learner))
    if not items:
        out.print(f"Nothing to recommend to {learner} yet: collect some posts first (`pln collect`).")
    if already_following:
        out.print(f"Already following or in your network (not recommended again): {', '.join(already_following)}")


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
        err.print(f"pln: error: {exc}", markup=False, highlight=False, emoji=False)
        sys.exit(1)
