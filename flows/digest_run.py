"""Sends a week's digests exactly once.

The rule: before a message goes out its intent is recorded ('sending', with its Message-ID); after, what the server
said ('sent', 'failed', or 'uncertain' when the connection broke while the message was being handed over).
- A learner whose digest of the week is 'sent' is never sent it again.
- 'failed' means surely not delivered (the server refused it, or it never got it): the next run sends it.
- A 'sending' row found at the start of a run was left by a run that stopped between handing the message over and
  recording the answer (DuckDB admits one writing process, so no other run is live). It may have arrived: it
  becomes 'uncertain', like one whose connection broke during DATA, and both are reported by every run of the
  week and never resent on their own. `resend_uncertain` resends them under their recorded Message-ID, which mail
  stores and clients use to recognise a copy of a message they already hold.
Messages not delivered for a reason that may pass (4xx, no connection) are retried in rounds, after each of
`Retry.delays`; one failing address never holds up the others.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import duckdb

from flows.digest_content import DigestSettings, compose_all, read_week
from flows.digest_links import Links
from flows.digest_mail import new_message_id, preview_html, render
from flows.learners import require_learner
from flows.report import QuietReporter, Reporter
from flows.smtp import Attempt, Mailer, Outcome
from models.digest import Week
from models.embedding import Embedder
from warehouse import digests, queries
from warehouse.digests import FAILED, SENDING, SENT, UNCERTAIN, Send


@dataclass(frozen=True)
class Retry:
    """Seconds to wait before each further round of sending what failed for a reason that may pass."""

    delays: tuple[float, ...] = (10.0, 60.0, 300.0)

    def __post_init__(self) -> None:
        if any(d < 0 for d in self.delays):
            raise ValueError(f"retry delays {self.delays}: must not be negative")


@dataclass
class RunReport:
    """What one run did for each learner it was asked about."""

    week: str
    dry_run: bool
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    uncertain: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    retried: dict[str, int] = field(default_factory=dict)  # attempts it took, for those sent after a retry
    unsubscribed: list[str] = field(default_factory=list)
    nothing_new: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.uncertain

    def to_json(self) -> dict[str, object]:
        return {"week": self.week, "dry_run": self.dry_run, "sent": self.sent, "already_sent": self.already_sent,
                "resent": self.resent, "uncertain": self.uncertain, "failed": self.failed, "retried": self.retried,
                "unsubscribed": self.unsubscribed, "nothing_new": self.nothing_new, "written": self.written}

    def lines(self) -> list[str]:
        """The run in a few lines for people and logs; problems one line each."""
        verb = "written" if self.dry_run else "sent"
        done = len(self.written) // 2 if self.dry_run else len(self.sent)
        head = (f"Digest {self.week}: {done} {verb}, {len(self.already_sent)} already sent before, "
                f"{len(self.failed)} failed, {len(self.uncertain)} uncertain, {len(self.unsubscribed)} unsubscribed, "
                f"{len(self.nothing_new)} with nothing new.")
        lines = [head]
        lines += [f"retried: {name} sent on attempt {n}" for name, n in self.retried.items()]
        lines += [f"resent under the same Message-ID: {name}" for name in self.resent]
        lines += [f"failed: {name}: {why}" for name, why in self.failed.items()]
        lines += [f"uncertain (may have arrived; not resent, see --resend-uncertain): {name}: {why}"
                  for name, why in self.uncertain.items()]
        return lines


@dataclass
class _Pending:
    learner: str
    message: EmailMessage
    attempts: int
    error: str


def run_week(conn: duckdb.DuckDBPyConnection, week: Week, *, embedder: Embedder, links: Links,
             mailer: Mailer | None, settings: DigestSettings = DigestSettings(), learners: Sequence[str] = (),
             retry: Retry = Retry(), resend_uncertain: bool = False, out_dir: Path | None = None,
             reporter: Reporter | None = None, sleep: Callable[[float], None] = time.sleep) -> RunReport:
    """Compose and send (or with `out_dir`, only write) the digest of `week` to the subscribed learners among
    `learners` (default: all); `reporter` shows the progress and notes."""
    reporter = reporter or QuietReporter()
    dry_run = out_dir is not None
    if not dry_run and mailer is None:
        raise ValueError("run_week: a mailer is needed unless out_dir is given (a dry run)")
    report = RunReport(str(week), dry_run)
    names = [require_learner(conn, n).name for n in learners] or [lr.name for lr in queries.list_learners(conn)]
    stopped = digests.unsubscribed(conn)
    report.unsubscribed = [n for n in names if n in stopped]
    wanted = [n for n in names if n not in stopped]
    known: dict[str, Send] = {}
    if not dry_run:
        for name in digests.flag_unfinished(conn, str(week), _now()):
            reporter.note(f"{name}: the digest of {week} was left 'sending' by a run that stopped; it may have arrived")
        known = digests.sends(conn, str(week))
        report.already_sent = [n for n in wanted if n in known and known[n].status == SENT]
        doubtful = {n: known[n].error or "" for n in wanted if n in known and known[n].status == UNCERTAIN}
        if not resend_uncertain:
            report.uncertain.update(doubtful)
        wanted = [n for n in wanted if n not in report.already_sent and n not in report.uncertain]
    if not wanted:
        return report
    data = read_week(conn, week, embedder, settings)
    pending: list[_Pending] = []
    with reporter.step(f"Digest {week}", len(wanted)) as advance:
        for digest in compose_all(conn, data, wanted, embedder, settings):
            advance(1)
            name = digest.learner.name
            if digest.empty:
                report.nothing_new.append(name)
                continue
            again = known.get(name) if resend_uncertain and name in known and known[name].status == UNCERTAIN else None
            message = render(digest, links, again.message_id if again else new_message_id(links.sender))
            if out_dir is not None:
                report.written += _write(out_dir, name, week, message)
                continue
            digests.record_intent(conn, Send(name, str(week), digest.learner.email, message["Message-ID"], SENDING,
                                             1, None), digest.shown(), _now())
            if again:
                report.resent.append(name)
            _settle(conn, week, name, message, 1, mailer.send(message), report, pending)
    for delay in retry.delays:
        if not pending:
            break
        reporter.note(f"{len(pending)} digests not delivered yet; trying again in {delay:g} s")
        sleep(delay)
        retrying, pending = pending, []
        for p in retrying:
            digests.mark(conn, p.learner, str(week), SENDING, _now(), attempts=p.attempts + 1)
            _settle(conn, week, p.learner, p.message, p.attempts + 1, mailer.send(p.message), report, pending)
    for p in pending:
        report.failed[p.learner] = f"{p.error} (after {p.attempts} attempts)"
    return report


def _settle(conn: duckdb.DuckDBPyConnection, week: Week, learner: str, message: EmailMessage, attempts: int,
            attempt: Attempt, report: RunReport, pending: list[_Pending]) -> None:
    """Record what the server said about one attempt, and file the learner under it."""
    status = {Outcome.SENT: SENT, Outcome.UNCERTAIN: UNCERTAIN}.get(attempt.outcome, FAILED)
    digests.mark(conn, learner, str(week), status, _now(), attempts=attempts, error=attempt.detail or None)
    if attempt.outcome is Outcome.SENT:
        report.sent.append(learner)
        if attempts > 1:
            report.retried[learner] = attempts
    elif attempt.outcome is Outcome.UNCERTAIN:
        report.uncertain[learner] = attempt.detail
    elif attempt.outcome is Outcome.TRANSIENT:
        pending.append(_Pending(learner, message, attempts, attempt.detail))
    else:
        report.failed[learner] = attempt.detail


def _write(folder: Path, learner: str, week: Week, message: EmailMessage) -> list[str]:
    """A dry run's two files for one learner: the whole message (.eml) and its HTML part as a browser shows it
    (.html)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', learner)}-{week}"
    eml, html = folder / f"{stem}.eml", folder / f"{stem}.html"
    eml.write_bytes(message.as_bytes())
    html.write_text(preview_html(message), encoding="utf-8")
    return [str(eml), str(html)]


def _now() -> datetime:
    return datetime.now(UTC)
