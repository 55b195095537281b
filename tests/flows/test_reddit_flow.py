"""Collecting and discovering on Reddit through pln's own flow functions, against the loopback Reddit API."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from flows.collect import collect, summary
from flows.discover import discover
from flows.report import LogReporter
from flows.settings import Settings
from flows.sources import reddit_source
from flows.tracking import add_subreddits
from tests.fakes.reddit_api import CREDENTIALS, SITE, FakeReddit, fake, praw_home, recorded, utc  # noqa: F401
from warehouse import db, queries
from warehouse.queries import Learner

QUIET = LogReporter(logging.getLogger("tests"))
NOW = utc("2016-07-17T15:00:00")


@pytest.fixture
def settings(fake: FakeReddit) -> Settings:
    fake.clock = NOW.timestamp()
    return Settings(reddit_site=SITE)


def test_subreddits_are_collected_once_with_their_about_data(settings: Settings, db_path: Path) -> None:
    with db.connect(db_path) as conn:
        add_subreddits(conn, ["redditdev", "r/PRAW"])
        first = summary(collect(conn, QUIET, [reddit_source(settings, CREDENTIALS, NOW)]))
        again = summary(collect(conn, QUIET, [reddit_source(settings, CREDENTIALS, NOW)]))
        community = queries.communities(conn)[("reddit", "r/redditdev")]
        authors = conn.execute("SELECT count(DISTINCT author) FROM posts WHERE community = 'r/redditdev'").fetchall()
        people = conn.execute("SELECT count(*) FROM people WHERE source = 'reddit'").fetchall()
    assert first["sources"]["reddit"]["fetched"] == 2 and first["new"] > 10
    assert again["new"] == 0, "the cursor stops paging where the last run ended"
    assert community.size == 43967 and community.created_at is not None
    assert people[0][0] >= authors[0][0] > 1


def test_discovery_tracks_what_a_goals_search_finds(settings: Settings, db_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flows.settings.from_environment", lambda: settings)
    monkeypatch.setattr("flows.settings.reddit_credentials", lambda use_blocks: CREDENTIALS)
    goal = "learn praw: praw oauth search"
    with db.connect(db_path) as conn:
        report = discover(conn, [Learner("ana", "ana@example.org", (goal,))], QUIET, sources=("reddit",), now=NOW)
        tracked = {t.target: t for t in queries.list_targets(conn, "reddit")}
    assert report.failed == [] and report.new == len(tracked) > 5
    assert tracked["r/redditdev"].discovered and tracked["r/redditdev"].discovered_from == goal
