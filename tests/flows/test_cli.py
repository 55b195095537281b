"""The `pln` commands end to end on the shipped sample feeds: collect, embed, store, recommend, and bad input."""
from __future__ import annotations

import json
from datetime import UTC, datetime
import shutil
from pathlib import Path

import pytest

from flows.demo import SAMPLE, sample_learner
from flows.recommend import recommend, recommend_all, to_json
from models.embedding import Embedder
from tests.conftest import shared_path
from tests.flows.cli_runner import pln
from warehouse import db, queries

AS_OF = "2026-11-16"


@pytest.fixture
def sample(run, tmp_path: Path) -> Path:
    """The sample catalogue copied to a folder the test may change, imported, with the sample learner."""
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    learner = sample_learner(folder)
    assert run("feeds", "import-opml", str(folder / "catalog.opml")).code == 0
    goals = [arg for goal in learner.goals for arg in ("--goal", goal)]
    assert run("learner", "add", learner.name, "--email", learner.email, *goals).code == 0
    assert run("feeds", "add", *map(str, learner.follows), "--learner", learner.name).code == 0
    return folder


def collect(run) -> dict:
    result = run("collect", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_collect_stores_and_embeds_every_entry_once(run, sample: Path, db_path: Path) -> None:
    first = collect(run)
    with db.connect(db_path) as conn:
        stored = queries.count_posts(conn)
    assert first["failed"] == [] and first["fetched"] == first["targets"] == 7
    assert first["new"] == stored > 50
    assert first["embedded"] == stored

    again = collect(run)
    assert (again["new"], again["updated"], again["embedded"]) == (0, 0, 0)
    assert again["not_modified"] == 7


def test_a_changed_entry_is_updated_and_re_embedded(run, sample: Path) -> None:
    collect(run)
    feed = next(p for p in (sample / "feeds").iterdir() if p.suffix in (".xml", ".rss", ".atom"))
    text = feed.read_text(encoding="utf-8")
    title_start = text.index("<title>", text.index("<item") if "<item" in text else text.index("<entry")) + 7
    feed.write_text(text[:title_start] + "Revised: " + text[title_start:], encoding="utf-8")

    changed = collect(run)
    assert (changed["new"], changed["updated"], changed["embedded"]) == (0, 1, 1)


def test_a_feed_with_one_new_entry_embeds_one_post(run, sample: Path) -> None:
    collect(run)
    feed = sample / "feeds" / "spanish-grammar-corner.rss"
    text = feed.read_text(encoding="utf-8")
    entry = ("<item><title>Indirect object pronouns: le, les and se</title>"
             "<link>https://spanish-grammar-corner.example.org/2026/11/le-les-se/</link>"
             "<guid>https://spanish-grammar-corner.example.org/2026/11/le-les-se/</guid>"
             "<pubDate>Mon, 16 Nov 2026 08:00:00 GMT</pubDate>"
             "<description>Le becomes se before lo and la: se lo di, never le lo di.</description></item>")
    feed.write_text(text.replace("<item>", entry + "<item>", 1), encoding="utf-8")

    grown = collect(run)
    assert (grown["new"], grown["updated"], grown["embedded"]) == (1, 0, 1)
    assert grown["not_modified"] == grown["targets"] - 1


def test_collect_without_embedding_leaves_them_for_pln_embed(run, sample: Path) -> None:
    stored = run("collect", "--no-embed", "--format", "json")
    assert json.loads(stored.out)["embedded"] is None
    embedded = run("embed")
    assert embedded.code == 0
    assert f"Embedded {json.loads(stored.out)['new']} posts" in embedded.out
    assert "Embedded 0 posts" in run("embed").out


def test_recommend_json_has_the_promised_shape(run, sample: Path) -> None:
    collect(run)
    learner = sample_learner(sample)
    result = run("recommend", learner.name, "--as-of", AS_OF, "--format", "json")
    assert result.code == 0, result.err
    items = json.loads(result.out)
    assert {i["kind"] for i in items} == {"community", "person"}
    for item in items:
        assert {"rank", "kind", "name", "url", "score", "goal", "reasons", "evidence"} <= set(item)
        assert item["goal"] in learner.goals and item["reasons"] and item["evidence"]
        assert {"title", "url", "similarity"} <= set(item["evidence"][0])
    communities = [i for i in items if i["kind"] == "community"]
    assert [i["rank"] for i in communities] == list(range(1, len(communities) + 1))
    assert {i["goal"] for i in communities} == set(learner.goals), "every goal gets a community"
    followed = {f.as_uri() for f in learner.follows}
    assert not followed & {i["key"] for i in communities}, "followed feeds are not recommended again"


def test_recommend_table_marks_what_the_learner_already_follows(run, sample: Path) -> None:
    collect(run)
    result = run("recommend", sample_learner(sample).name, "--as-of", AS_OF, "--kind", "communities")
    assert result.code == 0
    assert "Communities to join" in result.out and "People to follow" not in result.out
    assert "Already following" in result.out


def test_an_empty_window_says_so(run, sample: Path) -> None:
    collect(run)
    result = run("recommend", sample_learner(sample).name, "--as-of", "2020-01-01")
    assert result.code == 0 and "Nothing to recommend" in result.out


@pytest.mark.parametrize(("args", "message"), [
    (("recommend", "nobody"), "nobody: no such learner"),
    (("recommend", "ana", "--as-of", "last tuesday"), "--as-of 'last tuesday': not a date"),
    (("feeds", "add", "ftp://example.org/feed.xml"), "ftp://example.org/feed.xml"),
    (("learner", "add", "bo", "--email", "not-an-email", "--goal", "x"), "'not-an-email': not an email address"),
    (("feeds", "import-opml", "/no/such/file.opml"), "/no/such/file.opml"),
])
def test_bad_input_gets_one_line_naming_it(run, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.code == 1
    assert result.err.startswith("pln: error: ") and message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_an_opml_file_that_is_not_opml_is_refused(run, sample: Path) -> None:
    feed = next((sample / "feeds").iterdir())
    result = run("feeds", "import-opml", str(feed))
    assert result.code == 1 and str(feed) in result.err and "OPML" in result.err


def test_a_db_that_is_not_duckdb_is_refused_untouched(capsys, monkeypatch, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    result = pln(capsys, monkeypatch, "--db", str(notes), "learner", "list")
    assert result.code == 1 and f"{notes}" in result.err and "not a valid DuckDB" in result.err
    assert notes.read_text() == "not a database\n"


def test_failing_feeds_are_reported_and_lose_nothing(run, sample: Path, httpserver, db_path: Path) -> None:
    collect(run)
    with db.connect(db_path) as conn:
        before = queries.count_posts(conn)
    httpserver.expect_request("/gone.xml").respond_with_data("no", status=404)
    httpserver.expect_request("/junk.xml").respond_with_data("<html><body>not a feed", content_type="text/html")
    assert run("feeds", "add", httpserver.url_for("/gone.xml"), httpserver.url_for("/junk.xml")).code == 0

    result = run("collect", "--format", "json")
    report = json.loads(result.out)
    assert result.code == 0, "the sample feeds still worked"
    errors = {f["target"]: f["error"] for f in report["failed"]}
    assert errors[httpserver.url_for("/gone.xml")].startswith("HTTP 404")
    assert httpserver.url_for("/junk.xml") in errors
    assert "pln: error" not in result.err and httpserver.url_for("/gone.xml") in result.err
    with db.connect(db_path) as conn:
        assert queries.count_posts(conn) == before
        status = {t.target: (t.last_status, t.failures) for t in queries.list_targets(conn)}
    assert status[httpserver.url_for("/gone.xml")] == ("error", 1)


def test_collect_exits_non_zero_when_every_feed_fails(capsys, monkeypatch, tmp_path: Path, httpserver) -> None:
    httpserver.expect_request("/gone.xml").respond_with_data("no", status=404)
    db_path = str(tmp_path / "only-bad.duckdb")
    assert pln(capsys, monkeypatch, "--db", db_path, "feeds", "add", httpserver.url_for("/gone.xml")).code == 0
    result = pln(capsys, monkeypatch, "--db", db_path, "collect")
    assert result.code == 1 and "HTTP 404" in result.err


def test_a_real_ill_formed_opml_imports_with_its_folders(run) -> None:
    path = shared_path("opml-subscription-lists", "awesome-rss-feeds", "recommended", "with_category",
                       "Android Development.opml")
    result = run("feeds", "import-opml", str(path))
    assert result.code == 0 and "32 feeds, 32 new" in result.out
    listed = json.loads(run("feeds", "list", "--format", "json").out)
    assert len(listed) == 32 and {f["category"] for f in listed} == {"Android Development"}
    assert "https://saket.me/feed/" in {f["url"] for f in listed}
    assert run("feeds", "import-opml", str(path)).out.strip().endswith("32 feeds, 0 new.")


def test_the_daily_flow_in_batches_on_threads_gives_each_learner_what_pln_recommend_gives(run, sample: Path,
                                                                                           db_path: Path) -> None:
    collect(run)
    assert run("learner", "add", "ben", "--email", "ben@example.org", "--goal", "Spanish verb tenses",
               "--goal", "machine learning in production@0.5", "--not-interested", "cooking").code == 0
    assert run("learner", "add", "cleo", "--email", "cleo@example.org", "--goal", "photography at night").code == 0
    names = [sample_learner(sample).name, "ben", "cleo"]
    as_of = datetime(2026, 11, 16, tzinfo=UTC)
    embedder = Embedder()
    with db.connect(db_path) as conn:
        # Batches of two over two threads: a batch's similarities come from one product and are read back per learner.
        together = [to_json(r) for r in recommend_all(conn, names, embedder=embedder, as_of=as_of, batch=2,
                                                      workers=2)]
        alone = [to_json(recommend(conn, name, embedder=embedder, as_of=as_of)) for name in names]
    assert together == alone
    assert all(together) and together[0] != together[1]
