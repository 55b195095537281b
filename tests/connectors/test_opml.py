"""OPML import on the real subscription lists in ../shared, most of them not well-formed XML."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from connectors import opml
from connectors.base import SourceError
from tests.conftest import SHARED, shared_path

LISTS = "opml-subscription-lists"


def opml_files() -> list[str]:
    index = SHARED / "data" / LISTS / "opml_index.csv"
    if not index.exists():
        return ["(absent)"]
    with index.open(encoding="utf-8") as fh:
        return [row["file"] for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def index() -> dict[str, dict[str, str]]:
    with shared_path(LISTS, "opml_index.csv").open(encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


@pytest.mark.parametrize("name", opml_files())
def test_every_real_list_imports_every_feed_with_its_folder(name: str, index) -> None:
    path = shared_path(LISTS, name)
    document = opml.read_opml(str(path))

    # The raw bytes, read without any XML parser: every distinct feed URL the file holds.
    raw = {re.sub(r"&amp;", "&", u.decode()).strip()
           for u in re.findall(rb'xmlUrl="([^"]*)"', path.read_bytes(), flags=re.IGNORECASE)}
    assert {s.url for s in document.subscriptions} == raw
    assert document.skipped == ()
    folders = index[name]["category_folders"]
    if folders:
        assert {s.category for s in document.subscriptions} - {""} == set(folders.split("|"))


def test_html_and_quotes_inside_attributes_stay_inside_them() -> None:
    android = opml.read_opml(str(shared_path(LISTS, "awesome-rss-feeds", "recommended", "with_category",
                                             "Android Development.opml")))
    saket = next(s for s in android.subscriptions if s.url == "https://saket.me/feed/")
    assert saket.title == "Saket Narayan" and saket.category == "Android Development"
    assert saket.description.startswith('A wild developer appears. He works at <a href="https://square.com/">Square</a>')
    russia = opml.read_opml(str(shared_path(LISTS, "awesome-rss-feeds", "countries", "with_category", "Russia.opml")))
    assert any(s.title == 'Газета "Коммерсантъ". Главное' for s in russia.subscriptions)


def test_bare_ampersands_in_urls_survive(tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>'
                    '<outline text="News & Views"><outline text="Q" xmlUrl="https://ex.org/rss?a=1&b=2"/>'
                    '<outline text="Deep"><outline text="R" xmlUrl="https://ex.org/r"/></outline></outline>'
                    '</body></opml>')
    subs = opml.read_opml(str(path)).subscriptions
    assert [(s.url, s.category) for s in subs] == [("https://ex.org/rss?a=1&b=2", "News & Views"),
                                                   ("https://ex.org/r", "News & Views/Deep")]


def test_relative_feed_urls_resolve_against_the_list(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    path = tmp_path / "subs.opml"
    path.write_text('<opml version="2.0"><body><outline text="A" xmlUrl="feeds/a.xml"/>'
                    '<outline text="bad" xmlUrl="ftp://ex.org/x"/></body></opml>')
    document = opml.read_opml(str(path))
    assert [s.url for s in document.subscriptions] == [(tmp_path / "feeds" / "a.xml").as_uri()]
    assert document.skipped == (("bad", "unsupported scheme 'ftp' (use http, https, file or a local path)"),)
    on_the_web = opml.parse_opml(path.read_bytes(), "https://lists.example/people/subs.opml")
    assert on_the_web.subscriptions[0].url == "https://lists.example/people/feeds/a.xml"


@pytest.mark.parametrize(("content", "reason"), [
    (None, "not an OPML file (no <opml> element in it)"),
    (b'{"version": "https://jsonfeed.org/version/1.1"}', "not an OPML file"),
    (b"", "not an OPML file"),
])
def test_what_is_not_opml_is_refused_naming_the_file(tmp_path: Path, content: bytes | None, reason: str) -> None:
    if content is None:
        path = shared_path("rss-atom-feed-snapshots", "ranchero-rsparser", "russcox.atom")
    else:
        path = tmp_path / "list.opml"
        path.write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(reason)) as caught:
        opml.read_opml(str(path))
    assert str(caught.value).startswith(str(path))
