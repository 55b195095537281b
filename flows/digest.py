"""The weekly digest flow: every subscribed learner's email of the week, sent exactly once, on a Monday schedule."""
from __future__ import annotations

from prefect import flow, get_run_logger

from flows import settings as configuration
from flows import smtp
from flows.digest_content import DigestSettings, chosen_week
from flows.digest_links import Links
from flows.digest_run import Retry, run_week
from flows.report import LogReporter
from models.embedding import Embedder
from warehouse import db


@flow(name="weekly-digest", log_prints=True)
def weekly_digest(db_path: str | None = None, week: str | None = None, timezone: str = "UTC",
                  learners: list[str] | None = None, retry_delays: list[float] | None = None,
                  resend_uncertain: bool = False) -> dict[str, object]:
    """Weekly: send the digest of `week` (default: the week it is now in `timezone`) to every subscribed learner.

    The SMTP server comes from the PLN_SMTP_* variables or the prefect-email block pln-smtp. Failed messages are
    retried by the run itself, after each of `retry_delays` seconds, not by Prefect: a retry must know what the
    warehouse recorded so that nobody gets a week twice. Returns the run's report (who was sent what, who failed,
    whose message is in doubt).
    """
    logger = get_run_logger()
    settings = DigestSettings(timezone=timezone)
    server = smtp.resolve(use_blocks=configuration.blocks_reachable())
    retry = Retry(tuple(retry_delays)) if retry_delays is not None else Retry()
    with db.connect(db_path or db.default_path()) as conn, smtp.Mailer(server) as mailer:
        report = run_week(conn, chosen_week(week, settings), embedder=Embedder(),
                          links=Links.from_environment(server.sender), mailer=mailer, settings=settings,
                          learners=learners or (), retry=retry, resend_uncertain=resend_uncertain,
                          reporter=LogReporter(logger))
    head, *problems = report.lines()
    logger.info(head)
    for line in problems:
        logger.warning(line)
    return report.to_json()
