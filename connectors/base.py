"""Records every connector returns: Post, Community, Person and the Fetch that carries them."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class SourceError(Exception):
    """A target (feed, file, account) could not be read; the message names it and says why."""

    def __init__(self, target: str, reason: str, *, transient: bool = False) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason
        # A timeout or a 5xx may pass if tried again; a 404 or a broken file will not.
        self.transient = transient


@dataclass(frozen=True)
class Post:
    """One item a community published, normalised to plain text and UTC times."""

    source: str
    source_id: str
    community: str
    author: str
    title: str
    text: str
    url: str
    published_at: datetime | None
    fetched_at: datetime
    # Counts (score, comments, likes, reposts...) plus a few labels such as a Reddit flair.
    metrics: Mapping[str, float | str] = field(default_factory=dict)
    lang: str | None = None

    @property
    def content_hash(self) -> str:
        """Changes exactly when what a reader (or the embedder) sees of the post changes."""
        payload = json.dumps([self.title, self.text, self.author, self.url, self.community], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Community:
    """A place a learner can join: a feed, a subreddit, an X list."""

    source: str
    key: str
    name: str
    url: str = ""
    description: str = ""
    size: int | None = None
    category: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Person:
    """Someone worth following: a feed entry author, a Reddit user, an X account."""

    source: str
    key: str
    name: str
    url: str = ""
    description: str = ""
    followers: int | None = None
    # Profile links (personal site, other accounts): how one person is recognised across platforms.
    links: tuple[str, ...] = ()
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Fetch:
    """What one read of one target produced, and the cursor to save once it is stored."""

    target: str
    posts: tuple[Post, ...] = ()
    communities: tuple[Community, ...] = ()
    people: tuple[Person, ...] = ()
    cursor: Mapping[str, str] = field(default_factory=dict)
    not_modified: bool = False
    warning: str = ""
