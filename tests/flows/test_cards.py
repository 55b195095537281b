"""Report cards (`pln community show`, `pln person show`) checked against counts made independently of pln."""
from __future__ import annotations

import json
import logging
import shlex
import shutil
import statistics
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np
import pytest

from flows import collect as collecting
from flows.cards import community_card, find_community, find_person, person_card
from flows.cli_cards import card_command
from flows.demo import SAMPLE, sample_learner
from flows.learners import add_learner
from flows.report import LogReporter
from flows.settings import Settings
from flows.sources import reddit_source
from flows.tracking import add_subreddits, import_opml
from models.embedding import Embedder
from models.ranking import RankingSettings
from tests.fakes.reddit_api import CREDENTIALS, SITE, FakeReddit, Recorded, fake, praw_home, recorded, utc  # noqa: F401
from tests.flows.cli_runner import Run, on_warehouse, pln
from warehouse import db

Invoke = Callable[..., Run]
QUIET = LogReporter(logging.getLogger("tests"))
AS_OF = "2026-11-16"
END = datetime(2026, 11, 17, tzinfo=UTC)  # the end of AS_OF, as --as-of reads a day
WINDOW = 28
NS = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/",
      "rss1": "http://purl.org/rss/1.0/"}
COMMUNITY_FIELDS = {"kind", "name", "source", "key", "url", "description", "size", "category", "created_at", "as_of",
                    "window_days", "posts", "posts_per_week", "weeks", "goals", "engagement", "top_people", "recent",
                    "most_engaged"}
PERSON_FIELDS = (COMMUNITY_FIELDS - {"size", "category", "created_at", "top_people"}) | {"followers", "links",
                                                                                       "communities"}
SAMPLE_FIELDS = {"title", "text", "url", "published_at", "community", "author", "engagement"}


@dataclass(frozen=True)
class Entry:
    published: datetime
    author: str


def read_feed(path: Path) -> tuple[str, list[Entry]]:
    """A sample feed's title and its entries' dates and authors, read with the standard library alone."""
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        default = (data.get("authors") or [{}])[0].get("name", "")
        return data["title"], [Entry(datetime.fromisoformat(item["date_published"]),
                                     (item.get("authors") or [{}])[0].get("name") or default)
                               for item in data["items"]]
    root = ET.parse(path).getroot()
    if root.tag == f"{{{NS['atom']}}}feed":
        return root.findtext("atom:title", namespaces=NS), [
            Entry(datetime.fromisoformat(e.findtext("atom:published", namespaces=NS)
                                         or e.findtext("atom:updated", namespaces=NS)),
                  e.findtext("atom:author/atom:name", default="", namespaces=NS))
            for e in root.findall("atom:entry", NS)]
    if root.tag == "rss":
        return root.findtext("channel/title"), [
            Entry(parsedate_to_datetime(i.findtext("pubDate")),
                  i.findtext("dc:creator", namespaces=NS) or i.findtext("author", default=""))
            for i in root.findall("channel/item")]
    return root.findtext("rss1:channel/rss1:title", namespaces=NS), [
        Entry(datetime.fromisoformat(i.findtext("dc:date", namespaces=NS)), i.findtext("dc:creator", namespaces=NS))
        for i in root.findall("rss1:item", NS)]


def week_counts(dates: list[datetime], end: datetime = END, window_days: int = WINDOW) -> list[int]:
    """Posts per seven days counted back from `end`, oldest week first."""
    weeks = [0] * -(-window_days // 7)
    for when in dates:
        if end - timedelta(days=window_days) < when <= end:
            weeks[(end - when) // timedelta(days=7)] += 1
    return weeks[::-1]


def in_window(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if END - timedelta(days=WINDOW) < e.published <= END]


def ranked(counts: Counter[str], top: int = 5) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sample imported, collected and embedded the way `pln demo` does, with the sample learner."""
    path = tmp_path_factory.mktemp("cards") / "pln.duckdb"
    learner = sample_learner()
    embedder = Embedder()
    with db.connect(path) as conn:
        import_opml(conn, str(SAMPLE / "catalog.opml"))
        add_learner(conn, learner.name, learner.email, learner.goals, embedder)
        report = collecting.collect(conn, QUIET, collecting.sources_for(conn, "rss"), embedder=embedder)
    assert [part.failed for part in report.sources] == [[]]
    return path


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> Invoke:
    monkeypatch.setenv("COLUMNS", "100")
    return on_warehouse(capsys, monkeypatch, warehouse)


def card_json(run: Invoke, kind: str, name: str, *args: str) -> dict:
    result = run(kind, "show", name, "--as-of", AS_OF, "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize("feed", ["spanish-grammar-corner.rss", "kitchen-science.rdf", "mlops-field-notes.atom",
                                  "polyglot-commons.json"])
def test_posts_per_week_and_people_match_the_feed_file(run: Invoke, feed: str) -> None:
    title, entries = read_feed(SAMPLE / "feeds" / feed)
    card = card_json(run, "community", title)
    assert card["name"] == title and card["key"] == (SAMPLE / "feeds" / feed).as_uri()
    weeks = week_counts([e.published for e in entries])
    assert [w["posts"] for w in card["weeks"]] == weeks and sum(weeks) > 0
    assert card["posts"] == len(in_window(entries)) == sum(weeks)
    assert card["posts_per_week"] == round(sum(weeks) / 4, 2)
    assert card["weeks"][-1]["end"] == END.isoformat() and card["weeks"][0]["start"] == "2026-10-20T00:00:00+00:00"
    authors = Counter(e.author for e in in_window(entries))
    assert [(p["name"], p["posts"]) for p in card["top_people"]] == ranked(authors)
    newest = sorted(in_window(entries), key=lambda e: e.published, reverse=True)[:3]
    assert [s["published_at"] for s in card["recent"]] == [e.published.isoformat() for e in newest]
    assert card["engagement"] == [] and card["most_engaged"] == [], "feeds carry no engagement counts"


def test_a_window_that_is_not_whole_weeks_ends_with_a_short_oldest_week(run: Invoke) -> None:
    _, entries = read_feed(SAMPLE / "feeds" / "spanish-grammar-corner.rss")
    card = card_json(run, "community", "Spanish Grammar Corner", "--window-days", "10")
    assert [w["posts"] for w in card["weeks"]] == week_counts([e.published for e in entries], window_days=10)
    assert card["weeks"][0]["start"] == (END - timedelta(days=10)).isoformat()
    assert card["posts_per_week"] == round(card["posts"] * 7 / 10, 2)


def test_a_community_is_found_by_its_name_key_url_or_path(warehouse: Path) -> None:
    path = SAMPLE / "feeds" / "kitchen-science.rdf"
    with db.connect(warehouse) as conn:
        found = {find_community(conn, name).key for name in (
            "Kitchen Science", "kitchen science", path.as_uri(), str(path), "https://kitchen-science.example.org",
            f"rss:{path.as_uri()}")}
    assert found == {path.as_uri()}


def test_goal_shares_count_the_posts_at_the_ranking_threshold(run: Invoke, warehouse: Path) -> None:
    learner = sample_learner()
    model = Embedder().name
    for name, goal in (("MLOps Field Notes", 0), ("Spanish Grammar Corner", 1), ("Kitchen Science", 2)):
        card = card_json(run, "community", name, "--learner", learner.name)
        with db.connect(warehouse) as conn:
            posts = conn.execute(
                "SELECT e.vector FROM posts p JOIN embeddings e ON e.source = p.source AND e.source_id = p.source_id "
                "AND e.model = ? WHERE p.community = ? AND p.published_at > ? AND p.published_at <= ?",
                [model, card["key"], END - timedelta(days=WINDOW), END]).fetchall()
            goals = conn.execute("SELECT vector FROM goal_embeddings WHERE learner = ? AND model = ? ORDER BY position",
                                 [learner.name, model]).fetchall()
        sims = np.array([p[0] for p in posts]) @ np.array([g[0] for g in goals]).T
        on = sims >= RankingSettings().on_topic
        shares = card["goals"]
        assert shares["learner"] == learner.name and shares["judged_posts"] == card["posts"] == len(posts)
        assert [g["goal"] for g in shares["by_goal"]] == list(learner.goals)
        assert [g["posts"] for g in shares["by_goal"]] == on.sum(axis=0).tolist()
        assert [g["share"] for g in shares["by_goal"]] == [round(n / len(posts), 4) for n in on.sum(axis=0)]
        assert shares["on_any_goal"] == int(on.any(axis=1).sum())
        assert max(range(3), key=lambda g: sims[:, g].mean()) == goal, f"{name} is mostly about its own goal"
        assert shares["by_goal"][goal]["closest"]["similarity"] == pytest.approx(sims[:, goal].max(), abs=1e-4)


def test_a_persons_card_counts_their_posts_in_every_feed(run: Invoke) -> None:
    written: Counter[str] = Counter()
    dates = []
    for feed in sorted((SAMPLE / "feeds").iterdir()):
        title, entries = read_feed(feed)
        mine = [e for e in in_window(entries) if e.author == "Priya Raman"]
        written[title] += len(mine)
        dates += [e.published for e in mine]
    card = card_json(run, "person", "Priya Raman")
    assert card["posts"] == sum(written.values()) > 0 and [w["posts"] for w in card["weeks"]] == week_counts(dates)
    assert [(c["name"], c["posts"]) for c in card["communities"]] == ranked(+written)
    by_url = card_json(run, "person", "https://mlops-field-notes.example.org/authors/priya-raman/")
    assert (by_url["source"], by_url["key"]) == ("rss", "Priya Raman")


def test_the_table_fits_100_columns_and_shows_every_part(run: Invoke) -> None:
    result = run("community", "show", "MLOps Field Notes", "--learner", "ana", "--as-of", AS_OF)
    assert result.code == 0, result.err
    for part in ("MLOps Field Notes", "feed", "posts in the 28 days to 2026-11-16", "On ana's goals", "Share",
                 "Most active people", "Recent posts", "https://mlops-field-notes.example.org/2026/11/",
                 "feeds publish no engagement counts"):
        assert part in result.out
    boxed = [line for line in result.out.splitlines() if line[:1] in "┏┃┡│├└"]
    assert boxed and max(len(line) for line in boxed) <= 100


def test_json_fields_are_the_documented_ones(run: Invoke) -> None:
    community = card_json(run, "community", "Polyglot Commons", "--learner", "ana")
    assert set(community) == COMMUNITY_FIELDS and community["kind"] == "community"
    assert set(community["goals"]) == {"learner", "judged_posts", "on_any_goal", "on_topic_similarity", "by_goal"}
    assert set(community["goals"]["by_goal"][0]) == {"goal", "posts", "share", "closest"}
    assert set(community["goals"]["by_goal"][0]["closest"]) == {"title", "url", "similarity"}
    assert set(community["weeks"][0]) == {"start", "end", "posts"}
    assert set(community["top_people"][0]) == {"key", "name", "url", "posts"}
    assert set(community["recent"][0]) == SAMPLE_FIELDS
    person = card_json(run, "person", "Lucía Fernández Ortega")
    assert set(person) == PERSON_FIELDS and person["kind"] == "person" and person["goals"] is None
    assert set(person["communities"][0]) == {"key", "name", "url", "posts"}


@pytest.mark.parametrize(("args", "message"), [
    (("community", "show", "Kitchen Sciense"), "Kitchen Sciense: no such community (give a community's name"),
    (("community", "show", "kitchen"), "kitchen: no such community; did you mean Kitchen Science?"),
    (("person", "show", "priya"), "priya: no such person; did you mean Priya Raman?"),
    (("person", "show", "Nobody Here"), "Nobody Here: no such person"),
    (("community", "show", "Kitchen Science", "--learner", "nobody"), "nobody: no such learner"),
    (("community", "show", "Kitchen Science", "--as-of", "soon"), "--as-of 'soon': not a date"),
    (("community", "show", " "), "' ': give a name, key or URL"),
])
def test_unknown_names_get_one_line_naming_them(run: Invoke, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.code == 1
    assert result.err.startswith("pln: error: ") and message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_an_ambiguous_name_lists_the_matches_and_source_key_picks_one(capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    original = SAMPLE / "feeds" / "kitchen-science.rdf"
    mirror = tmp_path / "kitchen-science-mirror.rdf"
    shutil.copy(original, mirror)
    db_path = str(tmp_path / "two.duckdb")
    assert pln(capsys, monkeypatch, "--db", db_path, "feeds", "add", str(original), str(mirror)).code == 0
    assert pln(capsys, monkeypatch, "--db", db_path, "collect", "--no-embed").code == 0

    result = pln(capsys, monkeypatch, "--db", db_path, "community", "show", "Kitchen Science")
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1
    assert result.err.startswith("pln: error: Kitchen Science: 2 communities match (")
    assert result.err.rstrip().endswith("); name one as SOURCE:KEY")
    assert f"rss:{original.as_uri()}" in result.err and f"rss:{mirror.as_uri()}" in result.err
    picked = pln(capsys, monkeypatch, "--db", db_path, "community", "show", f"rss:{mirror.as_uri()}",
                 "--as-of", AS_OF, "--format", "json")
    assert picked.code == 0 and json.loads(picked.out)["key"] == mirror.as_uri()


def test_recommendations_link_to_cards_that_open(run: Invoke) -> None:
    items = json.loads(run("recommend", "ana", "--as-of", AS_OF, "--format", "json").out)
    table = run("recommend", "ana", "--as-of", AS_OF)
    assert items and table.code == 0
    for item in items:
        command = card_command(item, "ana")
        assert f"#{item['rank']} report card: {command}" in table.out
        pln_, kind, show, name, *options = shlex.split(command)
        assert (pln_, show) == ("pln", "show")
        card = card_json(run, kind, name, *options)
        assert (card["kind"], card["source"], card["key"]) == (item["kind"], item["source"], item["key"])
        assert card["goals"]["learner"] == "ana"


def test_a_subreddit_card_from_real_reddit_posts(fake: FakeReddit, recorded: Recorded, db_path: Path) -> None:
    now = utc("2016-07-17T15:00:00")
    fake.clock = now.timestamp()
    start = now - timedelta(days=WINDOW)
    with db.connect(db_path) as conn:
        add_subreddits(conn, ["redditdev"])
        collecting.collect(conn, QUIET, [reddit_source(Settings(reddit_site=SITE), CREDENTIALS, now)])
        card = community_card(conn, "r/redditdev", as_of=now)
        top = card.top_people[0]
        person = person_card(conn, f"https://www.reddit.com/user/{top.key[2:]}/", as_of=now)
        assert find_person(conn, top.key[2:]).key == top.key

    # What Reddit listed for r/redditdev in the window, less what pln never keeps (removed, NSFW, ads).
    listed = [p for p in recorded.posts["redditdev"]
              if start.timestamp() < p["created_utc"] <= now.timestamp() and not p.get("removed_by_category")
              and p.get("selftext") != "[removed]" and not p.get("over_18") and not p.get("promoted")]
    assert card.community.name == "r/redditdev" and card.community.size == 43967
    assert card.activity.posts == len(listed) > 20
    assert [w.posts for w in card.activity.weeks] == week_counts(
        [datetime.fromtimestamp(p["created_utc"], UTC) for p in listed], end=now)
    engagement = {e.metric: e for e in card.activity.engagement}
    assert engagement["score"].median == statistics.median(p["score"] for p in listed)
    assert engagement["comments"].median == statistics.median(p["num_comments"] for p in listed)
    assert engagement["score"].max == max(p["score"] for p in listed) and engagement["score"].label == "upvotes"
    liveliest = max(listed, key=lambda p: (p["score"] + p["num_comments"], p["created_utc"]))
    assert card.activity.most_engaged[0].title == liveliest["title"]
    assert card.activity.most_engaged[0].engagement == {"score": liveliest["score"],
                                                        "comments": liveliest["num_comments"]}
    authors = Counter(f"u/{p['author']}" for p in listed if p.get("author") not in (None, "[deleted]"))
    assert [(a.key, a.posts) for a in card.top_people] == ranked(authors)
    assert person.person.key == top.key and person.activity.posts == authors[top.key]
    assert [(c.name, c.posts) for c in person.communities] == [("r/redditdev", authors[top.key])]
