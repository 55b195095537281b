"""The digest's records in the warehouse: intents, outcomes, what counts as shown before, and subscriptions."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from warehouse import db, digests
from warehouse.digests import Send, ShownItem

NOW = datetime(2026, 11, 16, 8, tzinfo=UTC)


def item(key: str, week: str, score: float = 0.5) -> ShownItem:
    return ShownItem("community", "rss", key, "learn Rust", score, week)


def test_migration_5_adds_the_digest_tables(db_path: Path) -> None:
    with db.connect(db_path) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        assert 5 in versions and digests.sends(conn, "2026-W47") == {}


def test_intent_then_outcome_and_what_counts_as_shown(db_path: Path) -> None:
    with db.connect(db_path) as conn:
        for learner_week, status in ((("ana", "2026-W45"), "sent"), (("ana", "2026-W46"), "failed"),
                                     (("ana", "2026-W47"), "sending")):
            name, week = learner_week
            digests.record_intent(conn, Send(name, week, "ana@example.org", f"<{week}@x>", "sending", 1, None),
                                  [item("a", week), item(week, week)], NOW)
            digests.mark(conn, name, week, status, NOW, attempts=1, error=None if status != "failed" else "550")
        shown = digests.shown_before(conn, "ana", "2026-W48")
        # W46 failed: never arrived, so its items were not shown; W47 may have arrived; "a" as shown last (W47).
        assert set(shown) == {("community", "rss", k) for k in ("a", "2026-W45", "2026-W47")}
        assert shown[("community", "rss", "a")].week == "2026-W47"
        assert set(digests.shown_before(conn, "ana", "2026-W47")) == {("community", "rss", k)
                                                                     for k in ("a", "2026-W45")}
        assert digests.flag_unfinished(conn, "2026-W47", NOW) == ["ana"]
        assert digests.flag_unfinished(conn, "2026-W47", NOW) == []
        assert digests.sends(conn, "2026-W47")["ana"].status == "uncertain"
        # Recording the intent again (a resend) replaces the row and its items.
        digests.record_intent(conn, Send("ana", "2026-W47", "ana@example.org", "<again@x>", "sending", 2, None),
                              [item("b", "2026-W47")], NOW)
        again = digests.sends(conn, "2026-W47")["ana"]
        assert (again.status, again.message_id, again.attempts) == ("sending", "<again@x>", 2)
        assert ("community", "rss", "b") in digests.shown_before(conn, "ana", "2026-W48")


def test_unsubscribing_and_subscribing_again(db_path: Path) -> None:
    with db.connect(db_path) as conn:
        assert digests.unsubscribe(conn, "ben", NOW) and not digests.unsubscribe(conn, "ben", NOW)
        assert digests.unsubscribed(conn) == {"ben"}
        assert digests.subscribe(conn, "ben") and not digests.subscribe(conn, "ben")
        assert digests.unsubscribed(conn) == set()
