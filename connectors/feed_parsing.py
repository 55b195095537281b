"""Parses feed bytes (RSS 0.9x/1.0/2.0 and Atom through feedparser; JSON Feed and RSS-in-JSON) into one plain shape."""
from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import feedparser
from bs4 import BeautifulSoup

from connectors.base import SourceError

# Version 1 feeds in the wild use http as often as https.
_JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
# Elements that end a line when a browser renders them; everything else flows inline.
_BLOCKS = ("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
           "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section",
           "table", "tr", "ul")


@dataclass(frozen=True)
class RawEntry:
    """One entry as the feed gave it, text already plain."""

    id: str
    title: str
    text: str
    url: str
    author: str
    author_url: str
    published_at: datetime | None
    lang: str | None


@dataclass(frozen=True)
class RawFeed:
    """A parsed feed: what it says about itself, its entries, and what had to be forgiven to read it."""

    title: str
    url: str
    description: str
    entries: tuple[RawEntry, ...]
    warning: str = ""


def parse_feed(body: bytes, location: str, headers: Mapping[str, str] | None = None) -> RawFeed:
    """Parse one feed document read from `location`; SourceError when nothing in it is a feed."""
    if not body.strip():
        raise SourceError(location, "empty document: no feed in it")
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _parse_json(body, location)
    return _parse_xml(body, location, headers or {})


def plain_text(value: str, content_type: str = "text/html") -> str:
    """HTML (or already plain text) as readable plain text: tags gone, entities decoded, paragraphs kept."""
    if not value:
        return ""
    if any(t in content_type for t in _HTML_TYPES) or "<" in value:
        soup = BeautifulSoup(value, "lxml")
        for hidden in soup(["script", "style", "noscript"]):
            hidden.decompose()
        for block in soup(_BLOCKS):
            block.insert_after("\n")
        value = soup.get_text()
    else:
        value = html.unescape(value)
    lines = (_SPACES.sub(" ", line).strip() for line in value.splitlines())
    return "\n".join(line for line in lines if line)


def _parse_xml(body: bytes, location: str, headers: Mapping[str, str]) -> RawFeed:
    # content-location makes relative links resolve against where the feed really is.
    parsed = feedparser.parse(body, response_headers={"content-location": location, **headers},
                              sanitize_html=True, resolve_relative_uris=True)
    problem = parsed.get("bozo_exception")
    # A server (or a file) that does not say the feed is XML is harmless when the feed parses.
    if isinstance(problem, feedparser.NonXMLContentType):
        problem = None
    if not parsed.get("version") and not parsed.entries:
        why = f" ({_describe(problem)})" if problem else ""
        raise SourceError(location, f"not a feed: no RSS, Atom or JSON Feed found{why}")
    if problem and not parsed.entries:
        raise SourceError(location, f"malformed feed with no readable entries ({_describe(problem)})")
    feed = parsed.feed
    feed_author = _author_name(feed)
    feed_lang = feed.get("language")
    entries = tuple(_xml_entry(e, feed_author, feed_lang) for e in parsed.entries)
    warning = f"malformed feed, read {len(entries)} entries anyway ({_describe(problem)})" if problem else ""
    return RawFeed(plain_text(feed.get("title", ""), _type_of(feed, "title")), feed.get("link", ""),
                   plain_text(feed.get("subtitle", ""), _type_of(feed, "subtitle")), entries,
                   warning or _no_entries(entries))


def _xml_entry(entry: Mapping, feed_author: str, feed_lang: str | None) -> RawEntry:
    title = plain_text(entry.get("title", ""), _type_of(entry, "title"))
    contents = [c for c in entry.get("content", []) if c.get("value")]
    body = max(contents, key=lambda c: len(c["value"])) if contents else entry.get("summary_detail")
    text = plain_text(body.get("value", ""), body.get("type", "text/html")) if body else ""
    # dict.get, not feedparser's: its mapping of `updated` onto `published` is deprecated and warns.
    stamp = next((dict.get(entry, k) for k in ("published_parsed", "updated_parsed", "created_parsed")
                  if dict.get(entry, k)), None)
    published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
    link = entry.get("link", "")
    detail = entry.get("author_detail") or {}
    lang = (body or {}).get("language") or feed_lang
    return RawEntry(
        id=entry.get("id") or link or _fingerprint(title, text, published),
        title=title, text=text, url=link,
        author=_author_name(entry) or feed_author, author_url=detail.get("href", ""),
        published_at=published, lang=_primary_language(lang),
    )


def _parse_json(body: bytes, location: str) -> RawFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(location, f"not a feed: invalid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise SourceError(location, "not a feed: JSON, but neither JSON Feed nor RSS-in-JSON")
    if _JSON_FEED_VERSION.match(str(document.get("version", ""))):
        return _json_feed(document, location)
    channel = document.get("rss", {}).get("channel") if isinstance(document.get("rss"), dict) else None
    if isinstance(channel, dict):
        return _rss_in_json(channel)
    raise SourceError(location, "not a feed: JSON, but neither JSON Feed nor RSS-in-JSON")


def _json_feed(document: Mapping, location: str) -> RawFeed:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""
    items = document.get("items")
    if not isinstance(items, list):
        raise SourceError(location, "not a feed: JSON Feed without an 'items' list")
    feed_author = _json_author(document)
    feed_lang = document.get("language")
    entries, skipped = [], 0
    for item in items:
        if not isinstance(item, dict):
            skipped += 1
            continue
        title = plain_text(str(item.get("title") or ""), "text/plain")
        if item.get("content_html"):
            text = plain_text(str(item["content_html"]))
        else:
            text = plain_text(str(item.get("content_text") or item.get("summary") or ""), "text/plain")
        published = _parse_date(item.get("date_published") or item.get("date_modified"))
        url = str(item.get("url") or item.get("external_url") or "")
        name, author_url = _json_author(item) or feed_author or ("", "")
        entries.append(RawEntry(
            id=str(item.get("id") or url or _fingerprint(title, text, published)), title=title, text=text,
            url=url, author=name, author_url=author_url, published_at=published,
            lang=_primary_language(item.get("language") or feed_lang)))
    warning = f"skipped {skipped} items that are not JSON objects" if skipped else ""
    return RawFeed(plain_text(str(document.get("title") or ""), "text/plain"),
                   str(document.get("home_page_url") or ""),
                   plain_text(str(document.get("description") or ""), "text/plain"),
                   tuple(entries), _no_entries(entries) or warning)


def _json_author(obj: Mapping) -> tuple[str, str] | None:
    authors = obj.get("authors") if isinstance(obj.get("authors"), list) else [obj.get("author")]
    for author in authors:
        if isinstance(author, dict) and author.get("name"):
            return str(author["name"]).strip(), str(author.get("url") or "")
    return None


def _rss_in_json(channel: Mapping) -> RawFeed:
    """Dave Winer's RSS-in-JSON: RSS 2.0's elements as JSON keys."""
    items = channel.get("item", [])
    items = items if isinstance(items, list) else [items]
    lang = channel.get("language")
    entries = []
    for item in (i for i in items if isinstance(i, dict)):
        guid = item.get("guid")
        guid = guid.get("value") if isinstance(guid, dict) else guid
        title = plain_text(str(item.get("title") or ""))
        text = plain_text(str(item.get("description") or ""))
        published = _parse_date(item.get("pubDate"))
        link = str(item.get("link") or "")
        entries.append(RawEntry(str(guid or link or _fingerprint(title, text, published)), title, text, link,
                                plain_text(str(item.get("author") or "")), "", published, _primary_language(lang)))
    return RawFeed(plain_text(str(channel.get("title") or "")), str(channel.get("link") or ""),
                   plain_text(str(channel.get("description") or "")), tuple(entries), _no_entries(entries))


def _parse_date(value: object) -> datetime | None:
    """RFC 3339 as JSON Feed asks, or the RFC 822 dates that real JSON feeds use anyway."""
    if not isinstance(value, str) or not value.strip():
        return None
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            moment = parse(value.strip())
        except (ValueError, TypeError, IndexError):
            continue
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return None


def _author_name(obj: Mapping) -> str:
    detail = obj.get("author_detail") or {}
    return plain_text(detail.get("name") or obj.get("author") or "", "text/plain")


def _type_of(obj: Mapping, key: str) -> str:
    return (obj.get(f"{key}_detail") or {}).get("type", "text/plain")


def _primary_language(lang: object) -> str | None:
    """'en-US' -> 'en': the language, not the region, is what matters for matching text."""
    if not isinstance(lang, str) or not lang.strip():
        return None
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or None


def _fingerprint(title: str, text: str, published: datetime | None) -> str:
    # An entry with no id and no link still needs a stable identity across fetches.
    stamp = published.isoformat() if published else ""
    return "sha256:" + hashlib.sha256(f"{title}\n{stamp}\n{text}".encode()).hexdigest()[:32]


def _no_entries(entries: Sequence[RawEntry]) -> str:
    return "" if entries else "the feed has no entries"


def _describe(problem: BaseException) -> str:
    text = str(problem).strip().splitlines()
    return f"{type(problem).__name__}: {text[0]}" if text else type(problem).__name__
