"""The `pln trends` command: trending topics as a table for people, JSON for scripts, or a self-contained HTML page."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.cli_common import connect, emit, err, out, parse_as_of

if TYPE_CHECKING:
    from flows.trends import TrendsReport


class TrendsFormat(str, Enum):
    table = "table"
    json = "json"
    html = "html"


class TrendSource(str, Enum):
    rss = "rss"
    reddit = "reddit"
    x = "x"


def trends(ctx: typer.Context,
           window_days: Annotated[int, typer.Option(min=1, help="the recent window: posts of the last N days")] = 7,
           baseline_days: Annotated[int, typer.Option(min=1, help="compared with the N days before the window")] = 28,
           as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD: as of that day \\[default: now]")] = None,
           source: Annotated[list[TrendSource] | None, typer.Option(help="only posts of this source (repeatable) "
                                                                         "\\[default: all]")] = None,
           learner: Annotated[list[str] | None, typer.Option(help="only topics relevant to this learner's goals, "
                                                                  "most relevant first (repeatable)")] = None,
           format: Annotated[TrendsFormat, typer.Option("--format", help="table for people, json for scripts, html "
                                                                         "for a page to share")] = TrendsFormat.table,
           out_file: Annotated[Path | None, typer.Option("--out", help="write to this file instead of the "
                                                                       "terminal")] = None) -> None:
    """Topics rising, emerging, steady or fading across the sources pln reads, with who drives them."""
    # scikit-learn takes a second or more to import: only this command should pay for it.
    from flows.trends import to_json
    from flows.trends import trends as find_trends

    with connect(ctx) as conn:
        report = find_trends(conn, window_days=window_days, baseline_days=baseline_days, as_of=parse_as_of(as_of),
                             sources=[s.value for s in source] if source else None, learners=learner, keep=True)
    if format is TrendsFormat.json:
        emit(json.dumps(to_json(report), ensure_ascii=False, indent=2) + "\n", out_file)
    elif format is TrendsFormat.html:
        from flows.trends_report import render_html  # matplotlib loads only when a page is drawn

        emit(render_html(report), out_file)
    elif out_file is None:
        _print_table(report, out)
    else:
        with out_file.open("w", encoding="utf-8") as fh:
            _print_table(report, Console(file=fh, width=160, soft_wrap=True))
    if out_file is not None:
        err.print(f"Wrote {len(report.topics)} topics to {out_file}", markup=False, highlight=False)


def _print_table(report: TrendsReport, console: Console) -> None:
    """One row per topic: what it is about, how it moves, who writes about it, one post that shows it."""
    scope = f" for {', '.join(report.learners)}" if report.learners else ""
    title = (f"Topics as of {report.last_day}{scope}: {report.window_posts} posts in the last {report.window_days} "
             f"days, {report.baseline_posts} in the {report.baseline_days} days before")
    if not report.topics:
        if report.learners and report.window_posts + report.baseline_posts:
            reason = f"none is about the goals of {', '.join(report.learners)}"
        else:
            reason = "no embedded posts in that period (`pln collect` first)"
        console.print(f"{title}: {reason}.", markup=False, highlight=False)
        return
    table = Table(title=title, title_justify="left", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Topic", ratio=3)
    table.add_column("Status")
    table.add_column("Per week\nnow / before", justify="right")
    table.add_column("Communities", ratio=2)
    table.add_column("Example", ratio=3)
    for t in report.topics:
        topic = f"[bold]{escape(t.label)}[/bold]"
        if t.goal:
            topic += f"\n[dim]for “{escape(t.goal)}”[/dim]"
        table.add_row(str(t.id), topic, f"{t.status}\n{t.growth:.2f}×", f"{t.window_rate:.1f} / {t.baseline_rate:.1f}",
                      escape("\n".join(f"{name} ({count})" for name, count in t.communities[:2])),
                      escape(t.examples[0].title if t.examples else ""))
    console.print(table)
