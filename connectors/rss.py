"""The feed connector: reads RSS, Atom and JSON feeds by URL or path and turns their entries into records."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from connectors import fetching
from connectors.base import Community, Fetch, Person, Post
from connectors.feed_parsing import RawFeed, parse_feed

SOURCE = "rss"


def normalise_target(location: str) -> str:
    """The key a feed is tracked under: its http(s) URL, or the absolute file URL of a local feed that exists."""
    return fetching.normalise_location(location, must_exist=True)


def fetch(target: str, cursor: Mapping[str, str], *, session: requests.Session | None = None) -> Fetch:
    """Read one feed; unchanged since `cursor` (ETag, Last-Modified or same bytes) means no parsing at all.

    Raises SourceError naming the feed when it cannot be read or holds no feed.
    """
    read = fetching.read(target, cursor, session=session)
    if read.body is None:
        return Fetch(target, cursor={**cursor, **read.validators}, not_modified=True)
    feed = parse_feed(read.body, read.headers.get("content-location", target), read.headers)
    return records(target, feed, datetime.now(UTC), cursor=read.validators)


def records(target: str, feed: RawFeed, fetched_at: datetime, cursor: Mapping[str, str] | None = None) -> Fetch:
    """The feed as a community, its entries as posts, and their authors as people."""
    posts = tuple(
        Post(source=SOURCE, source_id=f"{target}#{entry.id}", community=target, author=entry.author,
             title=entry.title, text=entry.text, url=entry.url, published_at=entry.published_at,
             fetched_at=fetched_at, lang=entry.lang)
        for entry in feed.entries
    )
    people: dict[str, Person] = {}
    for entry in feed.entries:
        if entry.author and (entry.author not in people or not people[entry.author].url):
            people[entry.author] = Person(SOURCE, entry.author, entry.author, url=entry.author_url)
    community = Community(SOURCE, target, feed.title or _fallback_name(target), url=feed.url or target,
                          description=feed.description)
    return Fetch(target, posts, (community,), tuple(people.values()), dict(cursor or {}), warning=feed.warning)


def _fallback_name(target: str) -> str:
    """A feed with no title is named after its host, or its file name when local."""
    parts = urlsplit(target)
    return Path(unquote(parts.path)).name if parts.scheme == "file" else parts.netloc
