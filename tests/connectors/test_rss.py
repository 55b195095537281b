"""The feed connector on every real feed snapshot in ../shared, over file URLs and over a loopback HTTP server."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from werkzeug import Request, Response

from connectors import fetching, rss
from connectors.base import SourceError
from tests.conftest import SHARED, shared_path

SNAPSHOTS = "rss-atom-feed-snapshots"
# Feeds whose real authors wrote literal tags as text ("all <a> in a <nav>"), or that double-escape their HTML.
_LITERAL_TAGS = {"3960.json", "reddit-atom.rss", "reddit.rss", "reddit-home.rss"}


def snapshot_files() -> list[str]:
    index = SHARED / "data" / SNAPSHOTS / "feeds_index.csv"
    if not index.exists():
        return ["(absent)"]
    with index.open(encoding="utf-8") as fh:
        return [row["file"] for row in csv.DictReader(fh)]


def expected_entries(path: Path, index_row: dict[str, str]) -> int:
    """feedparser's count from the index for XML feeds; the items in the document for JSON feeds."""
    if path.suffix != ".json":
        return int(index_row["entries"])
    document = json.loads(path.read_text(encoding="utf-8"))
    if "items" in document:
        return len(document["items"])
    return len(document["rss"]["channel"]["item"])


@pytest.fixture(scope="module")
def index() -> dict[str, dict[str, str]]:
    with shared_path(SNAPSHOTS, "feeds_index.csv").open(encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


@pytest.mark.parametrize("name", snapshot_files())
def test_every_real_snapshot_yields_its_entries_as_plain_text_posts(name: str, index) -> None:
    path = shared_path(SNAPSHOTS, name)
    target = rss.normalise_target(str(path))
    fetched = rss.fetch(target, {})

    assert len(fetched.posts) == expected_entries(path, index[name])
    assert fetched.communities[0].key == target and fetched.communities[0].name
    assert fetched.cursor["sha256"]
    for post in fetched.posts:
        assert post.source == "rss" and post.community == target
        assert post.source_id.startswith(f"{target}#")
        assert post.published_at is None or post.published_at.utcoffset().total_seconds() == 0
        if path.name not in _LITERAL_TAGS:
            assert not re.search(r"<(p|div|br|img|span|a)(\s[^>]*)?/?>", post.text), post.text[:200]
    if index[name]["parse_note"].startswith("bozo:SAX"):
        assert fetched.warning.startswith("malformed feed, read"), "recovered entries are flagged"
    assert {p.name for p in fetched.people} == {p.author for p in fetched.posts if p.author}


def test_html_becomes_readable_text(tmp_path: Path) -> None:
    fetched = rss.fetch(rss.normalise_target(str(shared_path(SNAPSHOTS, "ranchero-rsparser", "DaringFireball.json"))), {})
    first = fetched.posts[0]
    assert first.title == "The Talk Show: ‘I Do Like Throwing a Baby’"
    assert first.text.startswith("New episode of America’s favorite 3-star podcast, with special guest John Moltz.")
    assert "Use code GRUBER for 10% off your first order." in first.text, "inline tags do not break lines"
    assert first.author == "John Gruber"
    assert first.published_at.isoformat() == "2017-06-27T00:54:17+00:00"


def test_a_feed_in_latin_1_without_declaration_decodes_right(httpserver) -> None:
    body = shared_path(SNAPSHOTS, "rbren-rss-parser", "uolNoticias.rss").read_bytes()
    httpserver.expect_request("/uol.rss").respond_with_data(body, content_type="application/rss+xml; charset=iso-8859-1")
    fetched = rss.fetch(httpserver.url_for("/uol.rss"), {})
    assert fetched.posts[0].title.startswith("Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações")


def test_conditional_get_costs_no_parsing_on_304(httpserver, monkeypatch: pytest.MonkeyPatch) -> None:
    body = shared_path(SNAPSHOTS, "ranchero-rsparser", "russcox.atom").read_bytes()
    seen: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(body, content_type="application/atom+xml",
                        headers={"ETag": '"v1"', "Last-Modified": "Mon, 16 Nov 2026 10:00:00 GMT"})

    httpserver.expect_request("/rsc.atom").respond_with_handler(handler)
    url = httpserver.url_for("/rsc.atom")
    first = rss.fetch(url, {})
    assert len(first.posts) == 19
    assert first.cursor["etag"] == '"v1"' and first.cursor["modified"] == "Mon, 16 Nov 2026 10:00:00 GMT"

    monkeypatch.setattr("connectors.feed_parsing.feedparser.parse", _must_not_parse)
    again = rss.fetch(url, first.cursor)
    assert again.not_modified and again.posts == ()
    assert seen[1]["If-None-Match"] == '"v1"' and seen[1]["If-Modified-Since"] == "Mon, 16 Nov 2026 10:00:00 GMT"
    assert again.cursor["etag"] == '"v1"', "the cursor survives a 304"


def test_same_bytes_from_a_server_without_validators_cost_no_parsing(httpserver, monkeypatch) -> None:
    body = shared_path(SNAPSHOTS, "ranchero-rsparser", "manton.rss").read_bytes()
    httpserver.expect_request("/manton.rss").respond_with_data(body, content_type="application/rss+xml")
    first = rss.fetch(httpserver.url_for("/manton.rss"), {})
    monkeypatch.setattr("connectors.feed_parsing.feedparser.parse", _must_not_parse)
    assert rss.fetch(httpserver.url_for("/manton.rss"), first.cursor).not_modified


def _must_not_parse(*args: object, **kwargs: object) -> None:
    raise AssertionError("an unchanged feed was parsed")


@pytest.mark.parametrize(("status", "transient"), [(404, False), (410, False), (503, True), (429, True)])
def test_http_errors_name_the_feed_and_say_whether_to_retry(httpserver, status: int, transient: bool) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data("nope", status=status)
    with pytest.raises(SourceError) as caught:
        rss.fetch(httpserver.url_for("/feed.xml"), {})
    assert str(caught.value).startswith(f"{httpserver.url_for('/feed.xml')}: HTTP {status}")
    assert caught.value.transient is transient


def test_a_timeout_is_a_transient_error(httpserver, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("<rss/>")

    httpserver.expect_request("/slow.xml").respond_with_handler(slow)
    monkeypatch.setattr(fetching, "TIMEOUT", (1.0, 0.5))
    with pytest.raises(SourceError, match="timed out") as caught:
        rss.fetch(httpserver.url_for("/slow.xml"), {})
    assert caught.value.transient


def test_an_unreachable_host_is_a_transient_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceError, match=r"127\.0\.0\.1:\d+/feed.xml: cannot connect: .*refused") as caught:
        rss.fetch(f"http://127.0.0.1:{port}/feed.xml", {})
    assert caught.value.transient


@pytest.mark.parametrize(("body", "reason"), [
    (b"", "empty document"),
    (b"<html><head><title>Home</title></head><body><p>Welcome</p></body></html>", "not a feed"),
    (b"<rss version='2.0'><channel><title>Cut off", "malformed feed with no readable entries"),
    (b'{"hello": "world"}', "not a feed: JSON, but neither JSON Feed nor RSS-in-JSON"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not a feed: invalid JSON"),
])
def test_what_is_not_a_feed_is_refused_clearly(tmp_path: Path, body: bytes, reason: str) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(body)
    target = rss.normalise_target(str(path))
    with pytest.raises(SourceError, match=re.escape(reason)) as caught:
        rss.fetch(target, {})
    assert caught.value.target == target


def test_an_empty_feed_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_text("<?xml version='1.0'?><rss version='2.0'><channel><title>Quiet</title>"
                    "<link>https://quiet.example/</link></channel></rss>")
    fetched = rss.fetch(rss.normalise_target(str(path)), {})
    assert fetched.posts == () and fetched.warning == "the feed has no entries"
    assert fetched.communities[0].name == "Quiet"


def test_an_entry_without_id_or_link_keeps_one_identity_across_fetches(tmp_path: Path) -> None:
    path = tmp_path / "bare.xml"
    path.write_text("<rss version='2.0'><channel><title>Bare</title><item><title>Only a title</title>"
                    "<description>And a body.</description></item></channel></rss>")
    target = rss.normalise_target(str(path))
    assert rss.fetch(target, {}).posts[0].source_id == rss.fetch(target, {}).posts[0].source_id


@pytest.mark.parametrize(("given", "error"), [
    ("ftp://example.org/feed.xml", "unsupported scheme 'ftp'"),
    ("/no/such/feed.xml", "no such file"),
    ("   ", "empty location"),
])
def test_targets_that_cannot_be_feeds_are_refused_when_added(given: str, error: str) -> None:
    with pytest.raises(SourceError, match=error):
        rss.normalise_target(given)


def test_local_paths_become_file_urls_and_web_urls_stay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my feed.xml").write_text("<rss/>")
    monkeypatch.chdir(tmp_path)
    assert rss.normalise_target("my feed.xml") == (tmp_path / "my feed.xml").as_uri()
    assert rss.normalise_target((tmp_path / "my feed.xml").as_uri()) == (tmp_path / "my feed.xml").as_uri()
    assert rss.normalise_target(" https://example.org/feed?a=1&b=2 ") == "https://example.org/feed?a=1&b=2"
