"""`pln digest send` and the learner's subscription to it (`pln learner unsubscribe` / `subscribe`)."""
from __future__ import annotations

import os
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from flows import settings as configuration
from flows.cli_common import Format, FormatOption, connect, err, out, print_json
from flows.errors import UsageError
from flows.learners import require_learner
from flows.report import RichReporter
from warehouse import digests

digest_app = typer.Typer(no_args_is_help=True, help="The weekly digest email.")
# What a dry run's From line says when no PLN_SMTP_FROM is set: nothing is sent, so no server needs to accept it.
PREVIEW_SENDER = "pln <pln@localhost>"


@digest_app.command("send")
def send(ctx: typer.Context,
         week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www; its digest covers the 7 days before its "
                                                       "Monday \\[default: this week]")] = None,
         learner: Annotated[list[str] | None, typer.Option(help="only this learner (repeatable) \\[default: every "
                                                                "subscribed learner]")] = None,
         dry_run: Annotated[bool, typer.Option("--dry-run", help="send nothing: write one .eml and one .html per "
                                                                "learner to --out")] = False,
         out_dir: Annotated[Path | None, typer.Option("--out", help="folder for --dry-run's files")] = None,
         timezone: Annotated[str, typer.Option(help="where the week starts on Monday at midnight")] = "UTC",
         resend_uncertain: Annotated[bool, typer.Option(
             "--resend-uncertain", help="resend digests that may have arrived (a run stopped mid-send) under "
                                        "their recorded Message-ID")] = False,
         retry_delays: Annotated[str | None, typer.Option(help="seconds before each retry of undelivered messages, "
                                                               "comma-separated \\[default: 10,60,300]")] = None,
         format: FormatOption = Format.table) -> None:
    """Send the week's digest to every subscribed learner, exactly once; exits 1 when any failed or is in doubt."""
    if dry_run != (out_dir is not None):
        raise UsageError("--dry-run and --out DIR go together: a dry run writes its files to --out, and only a "
                         "dry run writes files")
    # The digest composes rankings and trends: scikit-learn and the rest load only for this command.
    from flows import smtp
    from flows.digest_content import DigestSettings, chosen_week
    from flows.digest_links import Links
    from flows.digest_run import Retry, run_week
    from models.embedding import Embedder

    settings = DigestSettings(timezone=timezone)
    chosen = chosen_week(week, settings)
    retry = Retry() if retry_delays is None else Retry(_delays(retry_delays))
    server = None if dry_run else smtp.resolve(use_blocks=configuration.blocks_reachable())
    sender = server.sender if server else os.environ.get("PLN_SMTP_FROM", "").strip() or PREVIEW_SENDER
    with connect(ctx) as conn, (smtp.Mailer(server) if server else nullcontext()) as mailer:
        report = run_week(conn, chosen, embedder=Embedder(), links=Links.from_environment(sender),
                          mailer=mailer, settings=settings, learners=learner or (), retry=retry,
                          resend_uncertain=resend_uncertain, out_dir=out_dir,
                          reporter=RichReporter(err))
    if format is Format.json:
        print_json(report.to_json())
    else:
        for line in report.lines():
            out.print(line, markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def unsubscribe(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the learner")]) -> None:
    """No more weekly digests for the learner (`pln learner subscribe` undoes it)."""
    with connect(ctx) as conn:
        learner = require_learner(conn, name).name
        changed = digests.unsubscribe(conn, learner, datetime.now(UTC))
    out.print(f"{learner} will get no more weekly digests." if changed else f"{learner} had unsubscribed already.",
              markup=False, highlight=False)


def subscribe(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the learner")]) -> None:
    """Weekly digests again for a learner who unsubscribed (learners are subscribed when added)."""
    with connect(ctx) as conn:
        learner = require_learner(conn, name).name
        changed = digests.subscribe(conn, learner)
    out.print(f"{learner} will get the weekly digest again." if changed else f"{learner} was subscribed already.",
              markup=False, highlight=False)


def _delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        delays = (-1.0,)
    if any(d < 0 for d in delays):
        raise UsageError(f"--retry-delays {text!r}: give seconds separated by commas, e.g. 10,60,300")
    return delays
