"""Recognises one person behind several accounts (an X handle, a Reddit user, a blog author) by their profile links."""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from connectors.base import Person

Key = tuple[str, str]
# Hosts whose bare front page says nothing about who links to it.
_SHARED_HOSTS = {"x.com", "github.com", "linkedin.com", "reddit.com", "youtube.com", "medium.com", "substack.com",
                 "linktr.ee", "instagram.com", "facebook.com", "mastodon.social", "t.co", "bsky.app"}
_SAME_HOST = {"twitter.com": "x.com", "mobile.twitter.com": "x.com", "old.reddit.com": "reddit.com",
              "m.youtube.com": "youtube.com"}


def profile_token(url: str) -> str | None:
    """A link reduced to what identifies a profile ('x.com/jane'), or None when it identifies no one."""
    parts = urlsplit(url.strip() if "://" in url else f"https://{url.strip()}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    host = _SAME_HOST.get(host, host)
    path = parts.path.rstrip("/").lower()
    if not host or "." not in host or (not path and host in _SHARED_HOSTS):
        return None
    return f"{host}{path}"


def aliases(people: Mapping[Key, Person]) -> dict[Key, Key]:
    """Each account that shares a profile link with another, mapped to one account standing for them all.

    Accounts join when one's profile URL is among the other's links, or both list the same personal link.
    The account with most followers stands for the group (then the first by key), so its name and profile show.
    """
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    owner_of: dict[str, Key] = {}
    for key in sorted(people):
        person = people[key]
        for link in (person.url, *person.links):
            token = profile_token(link) if link else None
            if token is None:
                continue
            if token in owner_of:
                a, b = root(owner_of[token]), root(key)
                if a != b:
                    parent[b] = a
            else:
                owner_of[token] = key
    groups: dict[Key, list[Key]] = {}
    for key in people:
        groups.setdefault(root(key), []).append(key)
    mapping: dict[Key, Key] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        lead = min(members, key=lambda k: (-(people[k].followers or 0), k))
        mapping.update({member: lead for member in members if member != lead})
    return mapping
