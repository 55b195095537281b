"""The Reddit connector: a subreddit's about data and new and top posts through praw, and subreddits for a phrase."""
from __future__ import annotations

import configparser
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import praw
import prawcore
from praw.endpoints import API_PATH
from praw.exceptions import MissingRequiredAttributeException, PRAWException
from praw.models import Subreddit

from connectors.base import Community, Fetch, Person, Post, SourceError

SOURCE = "reddit"
REDDIT = "https://www.reddit.com"

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_CREDENTIAL_KEYS = ("client_id", "client_secret", "user_agent")
_TIME_FILTERS = ("hour", "day", "week", "month", "year", "all")
# Reddit's own rule for names (3-21 letters, digits, underscores, not starting with an underscore), the
# two-letter language subreddits created before it (r/de, r/nl), and r/reddit.com, the archived original.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{2,20}|[A-Za-z]{2}|reddit\.com")
# Listings Reddit builds from many subreddits: valid names, but nothing a learner can join.
_FEEDS = frozenset({"all", "popular", "random", "randnsfw", "friends", "mod", "home"})
_REDDIT_HOST = re.compile(r"(?i)^(https?://)?([a-z0-9-]+\.)*reddit\.com(/|$)")
# Subreddits a learner cannot read or join, or that are a person's profile rather than a community.
_CLOSED_TYPES = frozenset({"private", "user", "gold_only", "employees_only"})
# What Reddit puts in the JSON body of a 403 or 404 about a subreddit, in words a learner understands.
_REFUSALS = {
    "private": "private subreddit",
    "banned": "banned subreddit",
    "quarantined": "quarantined subreddit (reading it needs a logged-in account that opted in)",
    "gold_only": "subreddit restricted to Reddit Premium members",
}
_DELETED_TITLES = frozenset({"[deleted]", "[removed]", "[deleted by user]"})


@dataclass(frozen=True)
class RedditSettings:
    """How much of each subreddit one run reads, and how hard it tries when Reddit is busy."""

    include_nsfw: bool = False
    window_days: int = 30
    # Most posts read from /new per run; /new is read newest first until the cursor or the window.
    new_limit: int = 200
    top_limit: int = 50
    top_time_filter: str = "month"
    max_retries: int = 4
    backoff_seconds: float = 2.0

    def __post_init__(self) -> None:
        if self.top_time_filter not in _TIME_FILTERS:
            raise ValueError(f"top_time_filter must be one of {', '.join(_TIME_FILTERS)}, not {self.top_time_filter!r}")
        if self.window_days <= 0:
            raise ValueError(f"window_days must be positive, not {self.window_days}")
        for name in ("new_limit", "top_limit", "max_retries", "backoff_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)}")


class RedditNotConfigured(Exception):
    """No Reddit app credentials were found where praw or pln look for them."""

    def __init__(self, detail: str = "no client_id, client_secret and user_agent found") -> None:
        super().__init__(
            f"Reddit is not configured ({detail}): set client_id, client_secret and user_agent in a praw.ini site, "
            "in the praw_client_id / praw_client_secret / praw_user_agent environment variables, "
            "or in a Prefect Secret block"
        )


def make_client(credentials: Mapping[str, str] | None = None, *, site: str | None = None) -> praw.Reddit:
    """A read-only client with app credentials: from `credentials` when given, otherwise praw's own configuration.

    `credentials` holds client_id, client_secret and user_agent (e.g. from a Prefect Secret block). Without
    them praw reads the praw.ini site `site` (or DEFAULT, or the one named by praw_site) and the praw_*
    environment variables. Endpoints are never set here, so a praw.ini site may point praw elsewhere.

    Raises RedditNotConfigured when a credential is missing, `credentials` holds anything else (an endpoint, a
    password) or `site` is not in any praw.ini.
    """
    given = dict(credentials or {})
    unexpected = sorted(set(given) - set(_CREDENTIAL_KEYS))
    if unexpected:
        # Only names, never values, go into the message: a misplaced secret must not end up in a log.
        raise RedditNotConfigured(
            f"the credentials hold {', '.join(unexpected)}, besides {', '.join(_CREDENTIAL_KEYS)}")
    # An empty value (an unfilled Secret block field) counts as missing, so praw's own configuration decides.
    config: dict[str, Any] = {key: value for key, value in given.items() if value}
    try:
        client = praw.Reddit(site_name=site, check_for_updates=False, **config)
    except MissingRequiredAttributeException as missing:
        raise RedditNotConfigured() from missing
    except configparser.NoSectionError:
        raise RedditNotConfigured(f"no praw.ini has a [{site}] site") from None
    # A praw.ini site may also hold a user's password; pln only ever reads, so it never acts as that user.
    client.read_only = True
    return client


def normalise_subreddit(name: str) -> str:
    """The key a subreddit is tracked under, "r/<name>", from a name, "r/name", "/r/name/" or a reddit.com URL.

    Case is kept as given. Raises SourceError when `name` names no subreddit.
    """
    text = name.strip()
    if _REDDIT_HOST.match(text):
        segments = [s for s in urlsplit(text if "://" in text else f"https://{text}").path.split("/") if s]
        candidate = segments[1] if len(segments) >= 2 and segments[0].lower() == "r" else ""
    else:
        segments = [s for s in text.split("/") if s]
        if len(segments) == 2 and segments[0].lower() == "r":
            candidate = segments[1]
        else:
            candidate = segments[0] if len(segments) == 1 and not text.startswith("/") else ""
    if not _NAME.fullmatch(candidate):
        raise SourceError(name, "not a subreddit name")
    if candidate.lower() in _FEEDS:
        raise SourceError(name, f"r/{candidate} is a listing of many subreddits, not a community")
    return f"r/{candidate}"


def fetch(target: str, cursor: Mapping[str, str], *, client: praw.Reddit, settings: RedditSettings,
          now: datetime) -> Fetch:
    """Read one subreddit: its about data, its /new posts since `cursor` and its /top posts, within the window.

    The Fetch's target and records use the canonical key of `target`. Raises SourceError naming it when the
    subreddit cannot be read (private, banned, quarantined, unknown, NSFW while excluded), transient when Reddit
    kept answering 429 or 5xx.
    """
    key = normalise_subreddit(target)
    name = key[2:]
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    since = _cursor_time(key, cursor)
    about = _call(key, settings, lambda: client.get(API_PATH["subreddit_about"].format(subreddit=name)))
    if not isinstance(about, Subreddit):
        raise SourceError(key, f"Reddit's about page describes a {type(about).__name__}, not a subreddit")
    about_data = vars(about)
    if about_data.get("over18") and not settings.include_nsfw:
        raise SourceError(key, "NSFW subreddit, and include_nsfw is off")

    oldest = (now - timedelta(days=settings.window_days)).timestamp()
    subreddit = client.subreddit(name)
    read: dict[str, Mapping[str, Any]] = {}
    new_read = 0
    for submission in _each(key, settings, subreddit.new(limit=settings.new_limit)):
        data = vars(submission)
        if (since is not None and data["created_utc"] <= since) or data["created_utc"] < oldest:
            break
        new_read += 1
        read.setdefault(data["name"], data)
    # Top posts are read again every run even when already stored: their score and comment count keep growing
    # after /new first showed them, and those are what engagement is measured on.
    for submission in _each(key, settings, subreddit.top(time_filter=settings.top_time_filter,
                                                          limit=settings.top_limit)):
        data = vars(submission)
        if data["created_utc"] >= oldest:
            read.setdefault(data["name"], data)

    posts = [_post(data, key, now, where=key) for data in read.values() if _wanted(data, settings)]
    warning = ""
    if settings.new_limit and new_read == settings.new_limit:
        warning = (f"read the newest {new_read} posts (new_limit) without reaching the cursor or the "
                   f"{settings.window_days}-day window; older new posts were not read")
    return Fetch(key, tuple(posts), (_community(key, about_data),), tuple(_people(posts)),
                 _next_cursor(cursor, since, read.values()), warning=warning)


def parse_listing(listing: Mapping[str, Any], *, community: str | None, now: datetime,
                  settings: RedditSettings) -> tuple[list[Post], list[Person]]:
    """The posts of one Listing JSON body as the API returns it, and their authors.

    Removed posts, ads and (unless settings.include_nsfw) NSFW posts are left out, as fetch leaves them out;
    the window is not applied here, since it is a matter of how far fetch pages. `community` is the key every
    post gets; None gives each post its own subreddit, as in search results.
    """
    where = community or "Reddit listing"
    if listing.get("kind") != "Listing" or not isinstance(listing.get("data"), Mapping):
        raise SourceError(where, f"not a Listing JSON body (kind {listing.get('kind')!r})")
    children = listing["data"].get("children") or []
    posts = [_post(child["data"], community, now, where=where) for child in children
             if child.get("kind") == "t3" and _wanted(child["data"], settings)]
    return posts, _people(posts)


def discover(phrases: Sequence[str], *, client: praw.Reddit, settings: RedditSettings,
             limit: int = 10) -> list[Community]:
    """Subreddits for the phrases: those Reddit's subreddit search finds, and those where its post search finds posts.

    Best first: found for more phrases, then by more search results, then by more subscribers. Private,
    premium-only, quarantined and profile subreddits are left out, and NSFW ones unless settings.include_nsfw.
    Raises SourceError naming the phrase whose search failed.
    """
    found: dict[str, _Candidate] = {}
    for phrase in phrases:
        for subreddit in _each(phrase, settings, client.subreddits.search(phrase, limit=limit)):
            data = vars(subreddit)
            if _joinable(data, settings):
                _note(found, phrase, _community(f"r/{data['display_name']}", data))
        for submission in _each(phrase, settings, client.subreddit("all").search(phrase, limit=limit)):
            data = vars(submission)
            if _wanted(data, settings) and data.get("subreddit_type") not in _CLOSED_TYPES:
                key = f"r/{data['subreddit']}"
                _note(found, phrase, Community(SOURCE, key, key, url=f"{REDDIT}/{key}/",
                                               size=data.get("subreddit_subscribers")))
    ranked = sorted(found.values(), key=lambda c: (-len(c.phrases), -c.hits, -(c.community.size or 0),
                                                   c.community.key.lower()))
    return [candidate.community for candidate in ranked]


@dataclass
class _Candidate:
    """A subreddit discovery found, with how often and for which phrases."""

    community: Community
    phrases: set[str] = field(default_factory=set)
    hits: int = 0


def _note(found: dict[str, _Candidate], phrase: str, community: Community) -> None:
    """Count one more search result for `community`, keeping the richest description of it."""
    candidate = found.setdefault(community.key.lower(), _Candidate(community))
    if candidate.community.created_at is None and community.created_at is not None:
        candidate.community = community
    candidate.phrases.add(phrase)
    candidate.hits += 1


def _joinable(about: Mapping[str, Any], settings: RedditSettings) -> bool:
    """Whether a learner could read and join this subreddit."""
    if about.get("over18") and not settings.include_nsfw:
        return False
    return not about.get("quarantine") and about.get("subreddit_type") not in _CLOSED_TYPES


def _wanted(post: Mapping[str, Any], settings: RedditSettings) -> bool:
    """Whether a post counts as something its community said.

    Posts removed by moderators or Reddit (removed_by_category, or "[removed]" in older data) are left out: they
    were judged off-topic or worse, and their link shows nothing. A post whose author deleted only the body
    keeps its title and its discussion, which still say what the community talks about, so it is kept with no text.
    """
    if post.get("promoted") or not post.get("subreddit"):
        return False
    if post.get("removed_by_category") or post.get("selftext") == "[removed]":
        return False
    if post.get("title", "").strip() in _DELETED_TITLES:
        return False
    return settings.include_nsfw or not post.get("over_18")


def _post(data: Mapping[str, Any], community: str | None, fetched_at: datetime, *, where: str) -> Post:
    """One t3 as a Post; `data` is the API's JSON or the vars() of a praw Submission (author, subreddit as objects)."""
    try:
        body = data.get("selftext") or ""
        metrics: dict[str, float | str] = {"score": data["score"], "comments": data["num_comments"]}
        if data.get("upvote_ratio") is not None:
            metrics["upvote_ratio"] = data["upvote_ratio"]
        if data.get("link_flair_text"):
            metrics["flair"] = data["link_flair_text"]
        return Post(
            source=SOURCE, source_id=data["name"], community=community or f"r/{data['subreddit']}",
            author=_author(data.get("author")), title=data["title"],
            text="" if body == "[deleted]" else body, url=REDDIT + data["permalink"],
            published_at=datetime.fromtimestamp(data["created_utc"], UTC), fetched_at=fetched_at,
            metrics=metrics, lang=None,
        )
    except KeyError as missing:
        raise SourceError(where, f"post {data.get('name', '(no name)')} has no {missing.args[0]!r}") from None


def _author(value: object) -> str:
    """"u/<name>", or "" for a deleted account (praw gives None, the JSON "[deleted]")."""
    name = str(value) if value else ""
    return f"u/{name}" if name and name != "[deleted]" else ""


def _people(posts: Sequence[Post]) -> list[Person]:
    """One Person per distinct author, in order of first post."""
    return [Person(SOURCE, author, author, url=f"{REDDIT}/user/{author[2:]}/")
            for author in dict.fromkeys(post.author for post in posts if post.author)]


def _community(key: str, about: Mapping[str, Any]) -> Community:
    """A subreddit's about data as a Community tracked under `key`, named with Reddit's own spelling."""
    display = about.get("display_name") or key[2:]
    created = about.get("created_utc")
    return Community(
        SOURCE, key, f"r/{display}", url=f"{REDDIT}/r/{display}/",
        description=(about.get("public_description") or about.get("title") or "").strip(),
        size=about.get("subscribers"),
        created_at=datetime.fromtimestamp(created, UTC) if created is not None else None,
    )


def _cursor_time(key: str, cursor: Mapping[str, str]) -> float | None:
    """The creation time of the newest post a previous run saw, if any."""
    value = cursor.get("newest_utc")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise SourceError(key, f"cursor newest_utc is not a time: {value!r}") from None


def _next_cursor(cursor: Mapping[str, str], since: float | None, read: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The newest post read, skipped ones included (no need to see them again), or the old cursor when none is newer."""
    newest = max(read, key=lambda data: data["created_utc"], default=None)
    if newest is None or (since is not None and newest["created_utc"] <= since):
        return dict(cursor)
    return {"newest_utc": str(float(newest["created_utc"])), "newest_id": newest["name"]}


def _each(target: str, settings: RedditSettings, listing: Iterator[_T]) -> Iterator[_T]:
    """The items of a praw listing generator, each page request retried like any other call.

    A failed page leaves the generator where it was, so asking again requests the same page.
    """
    while True:
        try:
            yield _call(target, settings, lambda: next(listing))
        except StopIteration:
            return


def _call(target: str, settings: RedditSettings, request: Callable[[], _T]) -> _T:
    """Run one request to Reddit; 429 and 5xx are retried with exponential backoff, other failures name `target`."""
    attempt = 0
    while True:
        try:
            return request()
        except prawcore.RequestException as error:
            # prawcore has already retried the connection twice.
            raise SourceError(target, f"could not reach Reddit ({type(error.original_exception).__name__})",
                              transient=True) from error
        except (prawcore.PrawcoreException, PRAWException) as error:
            status = _status(error)
            if status is None or (status != 429 and status < 500):
                raise _refusal(target, error, status) from error
            if attempt >= settings.max_retries:
                raise SourceError(target, f"Reddit still answered HTTP {status} after {attempt + 1} attempts",
                                  transient=True) from error
            delay = _delay(error, attempt, settings)
            log.warning("%s: Reddit answered HTTP %s, trying again in %.1f s", target, status, delay)
            time.sleep(delay)
            attempt += 1


def _status(error: Exception) -> int | None:
    """The HTTP status of the answer behind `error`, if there was an answer."""
    response = getattr(error, "response", None)
    return getattr(response, "status_code", None)


def _delay(error: Exception, attempt: int, settings: RedditSettings) -> float:
    """Exponential backoff, or longer when a 429 says how long to wait."""
    delay = settings.backoff_seconds * 2 ** attempt
    retry_after = getattr(error, "retry_after", None)
    try:
        return max(delay, float(retry_after)) if retry_after else delay
    except ValueError:
        return delay


def _refusal(target: str, error: Exception, status: int | None) -> SourceError:
    """Why Reddit would not give `target`, in the words of its answer."""
    if isinstance(error, prawcore.Redirect):
        return SourceError(target, f"no such subreddit (Reddit redirects to {error.path})")
    if status == 401 or isinstance(error, prawcore.OAuthException):
        return SourceError(target, "Reddit refused the app credentials; check client_id and client_secret")
    if status is None:
        return SourceError(target, f"Reddit refused the request: {error}")
    reason = ""
    try:
        body = error.response.json()  # type: ignore[attr-defined]
        reason = str(body.get("reason") or "") if isinstance(body, dict) else ""
    except ValueError:
        pass
    if reason in _REFUSALS:
        return SourceError(target, f"{_REFUSALS[reason]} (HTTP {status})")
    if status == 404:
        return SourceError(target, "no such subreddit (HTTP 404)")
    if status == 403:
        return SourceError(target, f"Reddit forbids reading it (HTTP 403{', ' + reason if reason else ''})")
    return SourceError(target, f"Reddit answered HTTP {status}")
