"""`pln trends` and the trends flow on a warehouse of real newsgroup posts where one group surges in the last week."""
from __future__ import annotations

import importlib
import json
import logging
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule

from connectors.base import Community, Fetch, Person, Post
from flows.embed import embed_pending
from flows.errors import UsageError
from flows.learners import add_learner
from flows.report import LogReporter
from flows.trends import TrendsReport, trends, trends_flow
from flows.trends_report import render_html
from models.embedding import Embedder
from models.trends import Example, Topic
from tests.browser import render
from tests.trend_corpus import END, GROUPS, SURGING, surge_docs
from warehouse import db, queries
from warehouse import trends as history

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-22"  # the end of that day is END
WEEK_BEFORE = "2026-11-15"
REQUIRED = {"id", "label", "terms", "status", "growth", "window_count", "baseline_count", "communities", "examples"}
SPACE_GOAL = "Understand rockets, orbits and how spacecraft reach the Moon"


def community_name(group: str) -> str:
    return f"{group} newsgroup"


def build_surge(path: Path) -> None:
    """A warehouse built as pln builds one: records stored, then embedded; a learner who wants to learn about space."""
    docs = surge_docs()
    now = END
    posts = tuple(Post(source="rss", source_id=f"{d.group}/{d.doc_id}", community=f"news://{d.group}",
                       author=d.author, title=d.subject, text=d.body, url=f"https://news.example/{d.group}/{d.doc_id}",
                       published_at=d.published_at, fetched_at=now) for d in docs)
    communities = tuple(Community("rss", f"news://{g}", community_name(g), url=f"https://news.example/{g}")
                        for g in GROUPS)
    people = tuple(Person("rss", a, a) for a in sorted({d.author for d in docs if d.author}))
    with db.connect(path) as conn:
        queries.store_records(conn, Fetch(target="20news", posts=posts, communities=communities, people=people), now)
        embedder = Embedder()
        embed_pending(conn, embedder, LogReporter(logging.getLogger(__name__)))
        add_learner(conn, "ada", "ada@example.org", [SPACE_GOAL], embedder)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trends") / "pln.duckdb"
    build_surge(path)
    return path


@pytest.fixture
def db_path(built: Path, tmp_path: Path) -> Path:
    """A copy of the built warehouse for one test: runs write topic history."""
    copy = tmp_path / "pln.duckdb"
    shutil.copy(built, copy)
    return copy


def topics_json(run, *args: str) -> list[dict]:
    result = run("trends", "--as-of", AS_OF, "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def lead(topic: dict) -> str:
    return topic["communities"][0]["name"]


def test_json_names_the_surging_topic_rising_and_no_other(run) -> None:
    topics = topics_json(run)
    assert topics and all(REQUIRED <= set(t) for t in topics)
    surging = [t for t in topics if t["status"] in ("emerging", "rising")]
    assert surging and {lead(t) for t in surging} == {community_name(SURGING)}
    assert all(t["growth"] < 1.5 for t in topics if lead(t) != community_name(SURGING))
    assert topics[0] in surging, "rising topics come first"
    names = {c["name"] for t in topics for c in t["communities"]}
    assert names <= {community_name(g) for g in GROUPS}, "communities by the names pln recommend prints"
    for t in topics:
        assert t["status"] in ("emerging", "rising", "steady", "fading")
        assert isinstance(t["terms"], list) and t["label"] == ", ".join(t["terms"][:3])
        counts = [c["count"] for c in t["communities"]]
        assert counts == sorted(counts, reverse=True)
        assert sum(w["posts"] for w in t["weekly"]) == t["window_count"] + t["baseline_count"]
        assert t["examples"] and all(e["url"].startswith("https://news.example/") for e in t["examples"])
        assert t["first_seen"] == "2026-11-23T00:00:00+00:00", "this run stored the history"


def test_topic_ids_stay_from_one_week_to_the_next(run, db_path: Path) -> None:
    week_before = topics_json(run, "--as-of", WEEK_BEFORE)
    this_week = topics_json(run)
    led_before = {lead(t): t["id"] for t in week_before}
    led_now = {lead(t): t for t in this_week}
    both = set(led_before) & set(led_now)
    assert len(both) >= 4
    assert {g: led_now[g]["id"] for g in both} == {g: led_before[g] for g in both}
    assert all(led_now[g]["first_seen"].startswith("2026-11-16") for g in both), "first seen the week before"
    with db.connect(db_path) as conn:
        kept = history.known_topics(conn, Embedder().name, END)
    assert {k.topic_id for k in kept} == {t["id"] for t in week_before} | {t["id"] for t in this_week}
    assert all(k.centroid.shape == (384,) for k in kept)
    again = topics_json(run)
    assert [t["id"] for t in again] == [t["id"] for t in this_week], "a run again as of the same day changes nothing"


def test_a_team_sees_the_topics_of_its_goals_first(run) -> None:
    topics = topics_json(run, "--learner", "ada")
    assert topics and lead(topics[0]) == community_name(SURGING)
    assert all(t["goal"] == SPACE_GOAL for t in topics)
    assert [t["relevance"] for t in topics] == sorted((t["relevance"] for t in topics), reverse=True)
    assert community_name("rec.sport.hockey") not in {lead(t) for t in topics}


def test_the_table_shows_topics_for_people(run) -> None:
    result = run("trends", "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert "rising" in result.out and "steady" in result.out
    assert result.out.startswith("Topics as of 2026-11-22: 84 posts in the last 7 days, 216 in the 28 days before")
    assert "space" in result.out


def test_html_is_one_self_contained_page_with_the_chart(run, tmp_path: Path) -> None:
    page = tmp_path / "trends.html"
    result = run("trends", "--as-of", AS_OF, "--format", "html", "--out", str(page))
    assert result.code == 0, result.err
    assert result.out == "" and str(page) in result.err
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "</svg>" in html
    assert "<polyline" in html or "<path" in html
    assert not re.search(r"<script|<link\b|<iframe|@import|url\((?!#)", html, re.IGNORECASE)
    assert not re.search(r"\bsrc\s*=", html, re.IGNORECASE), "nothing loaded from anywhere"
    assert not re.search(r"<\?xml|<!DOCTYPE svg", html), "the SVG is inlined as an element"
    assert community_name(SURGING) in html and "rising" in html


def test_the_page_opens_in_a_browser_without_errors_and_draws_the_chart(run, tmp_path: Path) -> None:
    page = tmp_path / "trends.html"
    assert run("trends", "--as-of", AS_OF, "--format", "html", "--out", str(page)).code == 0
    shown = render(page)
    assert shown.console == [], shown.console
    assert "<svg" in shown.dom and community_name(SURGING) in shown.dom
    shot = tmp_path / "trends.png"
    render(page, screenshot=shot, size=(1200, 900))
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    # The topic lines are coloured; text, rules and background are grey. Coloured pixels mean a drawn chart.
    coloured = (pixels.max(axis=2) - pixels.min(axis=2)) > 60
    assert coloured.mean() > 0.002, f"{coloured.mean():.4%} coloured pixels: no chart on screen"


def test_post_text_is_escaped_in_the_page() -> None:
    when = datetime(2026, 11, 20, tzinfo=UTC)
    nasty = "<script>alert('x')</script> & <b>bold</b>"
    topic = Topic(id=1, label="a<b>, c", terms=("a<b>", "c"), status="rising", growth=2.0, window_count=4,
                  baseline_count=1, window_rate=4.0, baseline_rate=0.25, weekly=(0, 0, 0, 1, 4),
                  communities=((nasty, 4),), people=(("Mallory <m@x>", 2),),
                  examples=(Example(nasty, "javascript:alert(1)", nasty, when, 0.9),
                            Example("fine", "https://example.org/a?b=1&c=2", "c", when, 0.8)),
                  centroid=np.ones(3, dtype=np.float32), known=False)
    report = TrendsReport(END, 7, 28, (), (), (topic,), tuple(END - (5 - i) * timedelta(days=7) for i in range(5)),
                          4, 1, {})
    html = render_html(report)
    assert "<script" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(" in html and "Mallory &lt;m@x&gt;" in html
    assert "javascript:" not in html, "only http(s) links become links"
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html


def test_scoped_and_empty_runs(run, db_path: Path) -> None:
    assert topics_json(run, "--source", "reddit") == []
    result = run("trends", "--as-of", "2020-01-01")
    assert result.code == 0 and "no embedded posts" in result.out
    with db.connect(db_path) as conn:
        assert history.known_topics(conn, Embedder().name, END) == [], "scoped and empty runs keep no history"


@pytest.mark.parametrize(("args", "message"), [
    (("--as-of", "next week"), "--as-of 'next week': not a date"),
    (("--learner", "nobody"), "nobody: no such learner"),
    (("--window-days", "0"), "Invalid value for '--window-days'"),
    (("--source", "myspace"), "Invalid value for '--source'"),
])
def test_bad_input_is_named(run, args: tuple[str, ...], message: str) -> None:
    result = run("trends", *args)
    assert result.code != 0
    assert message in result.err


def test_the_function_reads_what_the_cli_reads(db_path: Path) -> None:
    with db.connect(db_path) as conn:
        report = trends(conn, as_of=END, sources=["rss"])
        with pytest.raises(UsageError, match="--source gopher: unknown"):
            trends(conn, as_of=END, sources=["gopher"])
    assert report.window_posts + report.baseline_posts == 300
    assert report.sources == ("rss",) and report.window_start == END - timedelta(days=7)


def test_the_weekly_flow_keeps_history_and_writes_the_page(prefect_api, db_path: Path, tmp_path: Path) -> None:
    counts = trends_flow(db_path=str(db_path), as_of=END, report_dir=str(tmp_path / "reports"))
    assert counts["rising"] + counts["emerging"] >= 1 and sum(counts.values()) >= 4
    page = tmp_path / "reports" / "trends-2026-11-22.html"
    assert "<svg" in page.read_text(encoding="utf-8")
    with db.connect(db_path) as conn:
        assert len(history.known_topics(conn, Embedder().name, END)) == sum(counts.values())


def test_trends_weekly_is_deployed_on_a_weekly_schedule() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    deployment = next(d for d in spec["deployments"] if d["name"] == "trends-weekly")
    path, attribute = deployment["entrypoint"].split(":")
    flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), attribute)
    assert isinstance(flow, Flow) and flow is trends_flow
    assert set(deployment["parameters"]) <= set(flow.parameters.properties)
    (schedule,) = deployment["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    assert cron.cron.split()[2:] == ["*", "*", "1"], "once a week, on Mondays"
