"""Collecting X through pln's own flow functions: reads are counted in the warehouse and budgets hold across runs."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tweepy

from connectors import x
from flows.collect import collect, summary
from flows.report import LogReporter
from flows.settings import Settings
from flows.sources import x_source
from flows.tracking import add_x_accounts
from tests.fakes.x_api import (  # noqa: F401 - api is a fixture
    PHILLY, PHILLY_NOW, PHILLY_TWEETS, TOKEN, FakeX, Loopback, api, as_timeline, philly_ids, philly_page, user_answer,
)
from warehouse import api_reads, db, queries

QUIET = LogReporter(logging.getLogger("tests"))


@pytest.fixture
def loopback_x(api: FakeX, httpserver, monkeypatch: pytest.MonkeyPatch) -> FakeX:
    """The flow's own client, its transport sent to the loopback X (tweepy's host is hard-coded)."""
    real_make_client = x.make_client

    def make_client(token: str) -> tweepy.Client:
        made = real_make_client(token)
        inner = made.session.get_adapter("https://api.twitter.com/")
        made.session.mount("https://api.twitter.com/", Loopback(f"http://{httpserver.host}:{httpserver.port}", inner))
        return made

    monkeypatch.setattr("flows.sources.x.make_client", make_client)
    page = philly_page()
    api.on("/2/users/by/username/phillynefl", user_answer(page, PHILLY))
    api.on(PHILLY_TWEETS, as_timeline(page))
    return api


def test_reads_are_counted_and_a_spent_budget_leaves_the_rest_for_later(loopback_x: FakeX, db_path: Path) -> None:
    settings = Settings(x_reads_per_run=60, x_reads_per_month=1000)
    with db.connect(db_path) as conn:
        add_x_accounts(conn, ["@PhillyNEFL"])
        add_x_accounts(conn, ["@jack"])  # tracked later, so read later
        first = summary(collect(conn, QUIET, [x_source(conn, settings, TOKEN, PHILLY_NOW)]))
        month = api_reads.reads_since(conn, "x", datetime(2020, 5, 1, tzinfo=UTC))
        stored = queries.count_posts(conn)
        jack = {t.target: t for t in queries.list_targets(conn, "x")}["@jack"]
        second = summary(collect(conn, QUIET, [x_source(conn, settings, TOKEN, PHILLY_NOW)]))
        total = queries.count_posts(conn)
    assert month == stored == 60 and first["new"] == 60
    warnings = {w["target"]: w["warning"] for w in first["warnings"]}
    assert warnings["@phillynefl"] == "read budget spent after 60 tweets"
    assert warnings["@jack"] == "X read budget spent: not read this run"
    assert jack.cursor in (None, {}) and jack.last_status == "not_modified", "@jack waits for the next run"
    assert second["new"] == 40 and total == len(philly_ids()) == 100, "the next run reads exactly the rest"


def test_a_spent_month_makes_no_request_at_all(loopback_x: FakeX, db_path: Path) -> None:
    settings = Settings(x_reads_per_run=500, x_reads_per_month=1000)
    with db.connect(db_path) as conn:
        add_x_accounts(conn, ["@PhillyNEFL"])
        api_reads.record_reads(conn, "x", 1000, datetime(2020, 5, 2, tzinfo=UTC))
        report = summary(collect(conn, QUIET, [x_source(conn, settings, TOKEN, PHILLY_NOW)]))
    assert report["new"] == 0 and loopback_x.seen == []
