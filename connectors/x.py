"""The X (Twitter) connector: recent posts of accounts and lists through the API v2, within a paid read budget."""
from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import tweepy
from requests.adapters import HTTPAdapter

from connectors import fetching
from connectors.base import Community, Fetch, Person, Post, SourceError

SOURCE = "x"

TWEET_FIELDS = ["created_at", "public_metrics", "lang", "entities", "author_id", "conversation_id",
                "referenced_tweets", "edit_history_tweet_ids", "withheld", "possibly_sensitive"]
USER_FIELDS = ["name", "username", "description", "public_metrics", "url", "entities", "verified",
               "created_at", "location"]
LIST_FIELDS = ["description", "member_count", "follower_count", "owner_id", "created_at"]

# The smallest max_results each endpoint accepts; below it a request cannot be sized to the budget.
_MIN_TIMELINE, _MIN_LIST, _MIN_SEARCH = 5, 1, 10
# search/recent reaches back 7 days and refuses an older start_time.
_SEARCH_DAYS = 7
_ID_EPOCH_MS = 1288834974657
_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")
_LIST = re.compile(r"list:(\d+)")
_X_HOSTS = ("x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com")
_X_URL_PREFIXES = tuple(f"{host}/" for host in _X_HOSTS)
# X replaces the text of a tweet withheld for its author's account, or for copyright, with its own notice.
_WITHHELD_NOTICE = re.compile(r"(This Tweet from @\w+|@\w+'s account) has been withheld\b")
_BEARER = re.compile(r"Bearer\s+[^\s'\",}]+")
_COUNTS = (("likes", "like_count"), ("reposts", "retweet_count"), ("replies", "reply_count"),
           ("quotes", "quote_count"), ("impressions", "impression_count"))
_RESUME_KEYS = ("until_id", "pagination_token", "pending_since_id")
_MAX_WARNINGS = 4

Page = Mapping[str, Any]
Request = Callable[[int, str | None], Page]


@dataclass(frozen=True)
class XSettings:
    """How much of each target one run reads."""

    window_days: int = 30
    # Per request: the API allows at most 100 (and at least 5 on timelines, 10 on search).
    max_results: int = 100
    max_pages: int = 5


@dataclass
class ReadBudget:
    """How many more tweets this run may read; every tweet the API returns costs money."""

    run_remaining: int
    month_remaining: int
    read: int = 0

    @property
    def remaining(self) -> int:
        """Tweets that may still be read."""
        return max(0, min(self.run_remaining, self.month_remaining) - self.read)

    @property
    def spent(self) -> bool:
        """Nothing more may be read."""
        return self.remaining == 0

    def take(self, n: int) -> int:
        """Count `n` tweets as read, up to what remains; returns how many of them were allowed."""
        allowed = min(n, self.remaining)
        self.read += allowed
        return allowed


def make_client(bearer_token: str) -> tweepy.Client:
    """An app-only client that returns raw JSON pages and sleeps through rate limits until X's reset time."""
    client = tweepy.Client(bearer_token=bearer_token, return_type=dict, wait_on_rate_limit=True)
    client.session.mount("https://", _TimeoutAdapter())
    client.session.hooks["response"].append(_refuse_endless_wait)
    tweepy_log = logging.getLogger("tweepy.client")
    if not any(isinstance(f, _RedactBearer) for f in tweepy_log.filters):
        tweepy_log.addFilter(_RedactBearer())
    return client


def normalise_target(value: str) -> str:
    """'@handle' (lower case: X handles ignore case) or 'list:<id>', from a handle, a list id or their x.com URLs.

    Raises SourceError naming `value` when it is neither.
    """
    given = value.strip()
    if "://" in given or given.lower().startswith(_X_URL_PREFIXES):
        parts = urlsplit(given if "://" in given else f"https://{given}")
        path = [part for part in parts.path.split("/") if part]
        if parts.hostname in _X_HOSTS and len(path) == 3 and path[:2] == ["i", "lists"] and path[2].isdigit():
            return f"list:{path[2]}"
        if parts.hostname in _X_HOSTS and len(path) == 1 and _HANDLE.fullmatch(path[0]):
            return f"@{path[0].lower()}"
    elif (listed := _LIST.fullmatch(given)) is not None:
        return f"list:{listed[1]}"
    elif (handle := _HANDLE.fullmatch(given)) is not None:
        return f"@{handle[1].lower()}"
    raise SourceError(value, "not an X handle or list")


def fetch(target: str, cursor: Mapping[str, str], *, client: tweepy.Client, settings: XSettings,
          budget: ReadBudget, now: datetime) -> Fetch:
    """Read one account's or list's tweets newer than `cursor` and within the window, as far as `budget` allows.

    The cursor returned covers exactly what was read: when the budget or the page limit stops the reading,
    it remembers where, and the next run reads the older rest before moving on.
    Raises SourceError naming the target when it cannot be read; `transient` says whether trying later may help.
    """
    _check_client(client)
    if target.startswith("list:"):
        return _fetch_list(target, cursor, client, settings, budget, now)
    return _fetch_account(target, cursor, client, settings, budget, now)


def discover(phrases: Sequence[str], *, client: tweepy.Client, settings: XSettings, budget: ReadBudget,
             now: datetime, lang: str | None = "en") -> Fetch:
    """Search the last days' original tweets for each key phrase: their authors as communities and people.

    Each post is filed under its author's '@handle', so the caller can add the authors as discovered accounts.
    A phrase that fails becomes a warning; only when every phrase fails is that a SourceError.
    """
    _check_client(client)
    start_time = now - timedelta(days=settings.window_days) if settings.window_days < _SEARCH_DAYS else None
    pages: list[Page] = []
    notes: list[str] = []
    failures: list[SourceError] = []
    skipped: list[str] = []
    budget_hit = False
    attempted, already_read = 0, budget.read
    for phrase in phrases:
        query = _search_query(phrase, lang)
        if query is None:
            notes.append(f"{phrase!r}: no words to search for")
            continue
        if budget.remaining < _MIN_SEARCH:
            skipped.append(repr(phrase))
            continue
        target = f"search {phrase!r}"

        def search(size: int, token: str | None, query: str = query, target: str = target) -> Page:
            return _call(target, client.search_recent_tweets, query, start_time=start_time, max_results=size,
                         next_token=token, tweet_fields=TWEET_FIELDS, expansions=["author_id"],
                         user_fields=USER_FIELDS)

        attempted += 1
        try:
            found = _read_pages(target, search, minimum=_MIN_SEARCH, settings=settings, budget=budget)
        except SourceError as exc:
            failures.append(exc)
            notes.append(str(exc))
            continue
        pages.extend(found.pages)
        budget_hit = budget_hit or found.budget_spent
        # Search has no cursor: the page limit just bounds a phrase, and a failed later page only ends it.
        if found.failure:
            notes.append(f"{target}: {found.failure}")
    if failures and len(failures) == attempted:
        raise failures[0]
    if budget_hit or skipped:
        notes.insert(0, f"read budget spent after {budget.read - already_read} tweets"
                        + (f"; not searched: {', '.join(skipped)}" if skipped else ""))
    posts, people, warnings = _records(pages, None, now)
    authors = {post.author for post in posts}
    communities: dict[str, Community] = {}
    for user in (user for page in pages for user in _included_users(page)):
        key = _user_key(user)
        if key in authors and key not in communities:
            communities[key] = _account_community(key, user)
    return Fetch("discover", tuple(posts), tuple(communities.values()), tuple(people),
                 warning=_summary(notes + warnings))


def parse_page(page: Page, *, community: str | None,
               now: datetime) -> tuple[list[Post], list[Person], list[str]]:
    """One raw API v2 page ({"data", "includes", "meta", "errors"}) as posts, their authors and warnings.

    `community` is the target the posts belong to; None files each post under its author's '@handle' (and
    drops those whose author X left out of the page, as it does for suspended accounts).
    An edited tweet is one post under its original id, with the latest version's text.
    """
    users = {user["id"]: user for user in _included_users(page)}
    latest: dict[str, tuple[int, Post]] = {}
    notices = 0
    data = page.get("data") or ()
    # A lookup of one tweet answers with the tweet itself, not a list.
    for tweet in [data] if isinstance(data, dict) else data:
        text = tweet.get("text", "")
        withheld = tweet.get("withheld")
        # A tweet withheld only in some countries keeps its author's words (kept, and marked in metrics);
        # one whose text X replaced with a withholding notice says nothing of its author (skipped).
        if withheld and _WITHHELD_NOTICE.match(text):
            notices += 1
            continue
        version = int(tweet["id"])
        original = (tweet.get("edit_history_tweet_ids") or [tweet["id"]])[0]
        if original in latest and latest[original][0] > version:
            continue
        user = users.get(tweet.get("author_id", ""))
        author = _user_key(user) if user else ""
        if community is None and not author:
            continue
        post = Post(source=SOURCE, source_id=original, community=community or author, author=author, title="",
                    text=_tweet_text(text, tweet), url=_status_url(user, tweet["id"]),
                    published_at=_time(tweet.get("created_at")), fetched_at=now,
                    metrics=_tweet_metrics(tweet, withheld), lang=tweet.get("lang"))
        latest[original] = (version, post)
    posts = [post for _, post in latest.values()]
    authors = {post.author for post in posts}
    # A person comes with posts that show what they write about; users only mentioned or quoted do not.
    people = [_person(user) for user in users.values() if _user_key(user) in authors]
    warnings = [_error_text(error) for error in page.get("errors") or ()]
    if notices:
        warnings.append(f"{notices} withheld tweets skipped: X replaced their text with a withholding notice")
    return posts, people, warnings


def _fetch_account(target: str, cursor: Mapping[str, str], client: tweepy.Client, settings: XSettings,
                   budget: ReadBudget, now: datetime) -> Fetch:
    if not target.startswith("@") or not _HANDLE.fullmatch(target):
        raise SourceError(target, "not an X handle or list (normalise it first)")
    if budget.remaining < _MIN_TIMELINE:
        return Fetch(target, cursor=dict(cursor), warning="read budget spent after 0 tweets")
    user: Mapping[str, Any] | None = None
    user_id = cursor.get("user_id")
    if not user_id:
        answer = _call(target, client.get_user, username=target[1:], user_fields=USER_FIELDS)
        user = answer.get("data")
        if not user:
            raise SourceError(target, _lookup_failure(answer, "no such user"))
        user_id = str(user["id"])

    # X refuses since_id together with start_time, so the window's start becomes a since_id of its own.
    window_id = _first_id_at(now - timedelta(days=settings.window_days))
    since_id = max(_cursor_id(target, cursor, "since_id") or 0, window_id)

    def timeline(size: int, token: str | None) -> Page:
        return _call(target, client.get_users_tweets, user_id, since_id=since_id or None,
                     until_id=cursor.get("until_id"), max_results=size, pagination_token=token,
                     # Retweets cost a read each for a truncated copy of someone else's tweet.
                     exclude=["retweets"], tweet_fields=TWEET_FIELDS, expansions=["author_id"],
                     user_fields=USER_FIELDS)

    read = _read_pages(target, timeline, minimum=_MIN_TIMELINE, settings=settings, budget=budget)
    # Timelines resume below the oldest tweet read (until_id), which never skips or repeats one.
    resume = str(read.oldest) if read.oldest is not None else None
    # Once the id is cached there is no lookup: the account comes with its tweets, through the author expansion.
    user = user or next((u for page in read.pages for u in _included_users(page) if u["id"] == user_id), None)
    communities = (_account_community(target, user),) if user else ()
    return _assemble(target, {**cursor, "user_id": user_id}, read, "until_id", resume, communities, now)


def _fetch_list(target: str, cursor: Mapping[str, str], client: tweepy.Client, settings: XSettings,
                budget: ReadBudget, now: datetime) -> Fetch:
    if not _LIST.fullmatch(target):
        raise SourceError(target, "not an X handle or list (normalise it first)")
    if budget.remaining < _MIN_LIST:
        return Fetch(target, cursor=dict(cursor), warning="read budget spent after 0 tweets")
    list_id = target.removeprefix("list:")
    answer = _call(target, client.get_list, list_id, list_fields=LIST_FIELDS)
    info = answer.get("data")
    if not info:
        raise SourceError(target, _lookup_failure(answer, "no such list"))
    since_id = _cursor_id(target, cursor, "since_id")

    def list_tweets(size: int, token: str | None) -> Page:
        return _call(target, client.get_list_tweets, list_id, max_results=size, pagination_token=token,
                     tweet_fields=TWEET_FIELDS, expansions=["author_id"], user_fields=USER_FIELDS)

    # This endpoint has no since_id or start_time: paging stops at the first tweet already read or too old.
    read = _read_pages(target, list_tweets, minimum=_MIN_LIST, settings=settings, budget=budget,
                       since_id=since_id, window_start=now - timedelta(days=settings.window_days),
                       token=cursor.get("pagination_token"))
    # Nor has it until_id, so it resumes from the page token where reading stopped.
    followers = info.get("follower_count")
    community = Community(SOURCE, target, info.get("name") or target, url=f"https://x.com/i/lists/{list_id}",
                          description=info.get("description", ""),
                          size=followers if followers is not None else info.get("member_count"),
                          created_at=_time(info.get("created_at")))
    return _assemble(target, cursor, read, "pagination_token", read.resume_token, (community,), now)


@dataclass
class _Pages:
    """What paging read: the pages kept (newest first), the ids read, and why it stopped short, if it did."""

    pages: list[Page] = field(default_factory=list)
    count: int = 0
    newest: int | None = None
    oldest: int | None = None
    # Set when reading stopped with more to read: a warning, and the page token to go on from.
    stop_reason: str = ""
    resume_token: str | None = None
    budget_spent: bool = False
    failure: str = ""

    def stop(self, token: str | None, reason: str) -> _Pages:
        self.stop_reason, self.resume_token = reason, token
        return self


def _read_pages(target: str, request: Request, *, minimum: int, settings: XSettings, budget: ReadBudget,
                since_id: int | None = None, window_start: datetime | None = None,
                token: str | None = None) -> _Pages:
    """Page newest first until the end, a tweet already read or too old, the budget or the page limit.

    A failure after the first page ends the reading there: the tweets before it are paid for and kept.
    """
    read = _Pages()
    for _ in range(settings.max_pages):
        size = min(settings.max_results, budget.remaining)
        if size < minimum:
            read.budget_spent = True
            return read.stop(token, f"read budget spent after {read.count} tweets")
        try:
            page = request(size, token)
        except SourceError as exc:
            if not read.pages:
                raise
            read.failure = exc.reason
            return read.stop(token, f"stopped after {read.count} tweets: {exc.reason}")
        tweets = page.get("data") or []
        if not tweets and page.get("errors"):
            # An answer without data whose errors concern the target itself: suspended, protected, deleted.
            raise SourceError(target, _error_text(page["errors"][0]))
        allowed = budget.take(len(tweets))
        taken = tweets[:allowed]
        read.count += allowed
        ids = [int(tweet["id"]) for tweet in taken]
        if ids:
            read.newest = max(ids + ([read.newest] if read.newest is not None else []))
            read.oldest = min(ids + ([read.oldest] if read.oldest is not None else []))
        fresh = [tweet for tweet in taken if _is_new(tweet, since_id, window_start)]
        read.pages.append({**page, "data": fresh})
        if allowed < len(tweets):
            # The API returned more than asked; re-reading this page next time beats skipping its rest.
            read.budget_spent = True
            return read.stop(token, f"read budget spent after {read.count} tweets")
        next_token = (page.get("meta") or {}).get("next_token")
        if len(fresh) < len(taken) or not next_token:
            return read
        token = next_token
    return read.stop(token, f"page limit ({settings.max_pages}) reached after {read.count} tweets; "
                            "the rest next run")


def _assemble(target: str, cursor: Mapping[str, str], read: _Pages, resume_key: str, resume: str | None,
              communities: tuple[Community, ...], now: datetime) -> Fetch:
    posts, people, warnings = _records(read.pages, target, now)
    notes = [read.stop_reason] if read.stop_reason else []
    return Fetch(target, tuple(posts), communities, tuple(people),
                 _advance(cursor, read, resume_key, resume), warning=_summary(notes + warnings))


def _records(pages: Iterable[Page], community: str | None,
             now: datetime) -> tuple[list[Post], list[Person], list[str]]:
    """Every page's records; pages come newest first, so the first version of a post seen is the latest."""
    posts: dict[str, Post] = {}
    people: dict[str, Person] = {}
    warnings: list[str] = []
    for page in pages:
        page_posts, page_people, page_warnings = parse_page(page, community=community, now=now)
        for post in page_posts:
            posts.setdefault(post.source_id, post)
        for person in page_people:
            people.setdefault(person.key, person)
        warnings.extend(page_warnings)
    return list(posts.values()), list(people.values()), warnings


def _advance(cursor: Mapping[str, str], read: _Pages, resume_key: str, resume: str | None) -> dict[str, str]:
    """The cursor after this read: a complete read moves since_id on; a cut one keeps it and marks the gap.

    While a gap is open, `pending_since_id` holds the newest id read before it, to become since_id once
    the gap is read.
    """
    since, pending = cursor.get("since_id"), cursor.get("pending_since_id")
    newest = str(read.newest) if read.newest is not None else None
    frontier = pending or (newest if newest and (not since or int(newest) > int(since)) else since)
    kept = {key: value for key, value in cursor.items() if key not in ("since_id", *_RESUME_KEYS)}
    if not read.stop_reason:
        return {**kept, "since_id": frontier} if frontier else kept
    if resume is None:
        return dict(cursor)
    gap = {**kept, resume_key: resume}
    if since:
        gap["since_id"] = since
    if frontier:
        gap["pending_since_id"] = frontier
    return gap


def _call(target: str, method: Callable[..., Any], *args: Any, **params: Any) -> Page:
    """One API request; a failure becomes a SourceError that names the target.

    The SourceError is raised outside the except clause, so it holds no trace of tweepy's exception: that one
    keeps the request, whose headers hold the bearer token.
    """
    try:
        return method(*args, **params)
    except tweepy.HTTPException as exc:
        status = exc.response.status_code
        reason = f"X API answered {status} {exc.response.reason or ''}".rstrip()
        if exc.api_messages:
            reason += ": " + "; ".join(str(message) for message in exc.api_messages)
        error = SourceError(target, reason, transient=status >= 500 or status == 429)
    except _RateLimitDeadEnd as exc:
        error = SourceError(target, str(exc), transient=exc.transient)
    except requests.JSONDecodeError:
        error = SourceError(target, "X API answered with something other than JSON", transient=True)
    except requests.Timeout:
        error = SourceError(target, f"X API timed out (no answer within {fetching.TIMEOUT[1]:g}s)", transient=True)
    except requests.RequestException as exc:
        error = SourceError(target, f"X API unreachable: {fetching.root_cause(exc)}", transient=True)
    raise error


def _check_client(client: tweepy.Client) -> None:
    if client.return_type is not dict:
        raise TypeError("the X connector needs a client from make_client (return_type=dict: raw JSON pages)")


def _is_new(tweet: Mapping[str, Any], since_id: int | None, window_start: datetime | None) -> bool:
    if since_id is not None and int(tweet["id"]) <= since_id:
        return False
    published = _time(tweet.get("created_at"))
    return window_start is None or published is None or published >= window_start


def _first_id_at(moment: datetime) -> int:
    """The smallest tweet id X can give at `moment`: ids start with the milliseconds since X's 2010 epoch."""
    return max(0, (int(moment.timestamp() * 1000) - _ID_EPOCH_MS) << 22)


def _cursor_id(target: str, cursor: Mapping[str, str], key: str) -> int | None:
    value = cursor.get(key)
    if value is None:
        return None
    if not value.isdigit():
        raise SourceError(target, f"cursor {key} {value!r} is not a tweet id")
    return int(value)


def _search_query(phrase: str, lang: str | None) -> str | None:
    """The phrase as one exact-match term (its own quotes dropped), original tweets only."""
    words = " ".join(phrase.replace('"', " ").split())
    if not words:
        return None
    return f'"{words}" -is:retweet' + (f" lang:{lang}" if lang else "")


def _tweet_text(text: str, tweet: Mapping[str, Any]) -> str:
    """Plain text with t.co links expanded; a media link only points back at the tweet, so it goes."""
    for link in (tweet.get("entities") or {}).get("urls", ()):
        short = link.get("url")
        if not short:
            continue
        media = link.get("media_key") or link.get("display_url", "").startswith(("pic.twitter.com", "pic.x.com"))
        text = text.replace(short, "" if media else link.get("expanded_url") or short)
    # X escapes &, < and > in tweet text (not in profiles).
    return html.unescape(text).strip()


def _tweet_metrics(tweet: Mapping[str, Any], withheld: Mapping[str, Any] | None) -> dict[str, float | str]:
    counts = tweet.get("public_metrics") or {}
    metrics: dict[str, float | str] = {name: counts[key] for name, key in _COUNTS if key in counts}
    if withheld:
        countries = ",".join(withheld.get("country_codes", ())) or "unspecified"
        metrics["withheld"] = "copyright" if withheld.get("copyright") else countries
    if tweet.get("possibly_sensitive"):
        metrics["possibly_sensitive"] = 1
    return metrics


def _person(user: Mapping[str, Any]) -> Person:
    counts = user.get("public_metrics") or {}
    return Person(SOURCE, _user_key(user), user.get("name") or f"@{user['username']}",
                  url=f"https://x.com/{user['username']}", description=_description(user),
                  followers=counts.get("followers_count"), links=_profile_links(user), metrics=dict(counts))


def _account_community(key: str, user: Mapping[str, Any]) -> Community:
    counts = user.get("public_metrics") or {}
    return Community(SOURCE, key, f"@{user['username']}", url=f"https://x.com/{user['username']}",
                     description=_description(user), size=counts.get("followers_count"),
                     created_at=_time(user.get("created_at")))


def _user_key(user: Mapping[str, Any]) -> str:
    return f"@{user['username'].lower()}"


def _description(user: Mapping[str, Any]) -> str:
    text = user.get("description", "")
    for link in ((user.get("entities") or {}).get("description") or {}).get("urls", ()):
        if link.get("url") and link.get("expanded_url"):
            text = text.replace(link["url"], link["expanded_url"])
    return text


def _profile_links(user: Mapping[str, Any]) -> tuple[str, ...]:
    """The profile's own link and those in its bio, expanded: how the person is recognised elsewhere."""
    entities = user.get("entities") or {}
    links = [*(entities.get("url") or {}).get("urls", ()), *(entities.get("description") or {}).get("urls", ())]
    return tuple(dict.fromkeys(link["expanded_url"] for link in links if link.get("expanded_url")))


def _status_url(user: Mapping[str, Any] | None, tweet_id: str) -> str:
    return f"https://x.com/{user['username'] if user else 'i'}/status/{tweet_id}"


def _included_users(page: Page) -> list[Mapping[str, Any]]:
    return (page.get("includes") or {}).get("users") or []


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def _error_text(error: Mapping[str, Any]) -> str:
    return str(error.get("detail") or error.get("title") or error)


def _lookup_failure(answer: Page, default: str) -> str:
    errors = answer.get("errors") or []
    return _error_text(errors[0]) if errors else default


def _summary(notes: list[str]) -> str:
    """The first few distinct warnings, and how many more there were."""
    distinct = list(dict.fromkeys(note for note in notes if note))
    shown = "; ".join(distinct[:_MAX_WARNINGS])
    return shown + (f"; and {len(distinct) - _MAX_WARNINGS} more" if len(distinct) > _MAX_WARNINGS else "")


class _TimeoutAdapter(HTTPAdapter):
    """tweepy sets no timeout, and a connection that never answers would hold the whole collection run."""

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float, float] | None = None, verify: bool | str = True,
             cert: str | tuple[str, str] | None = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        return super().send(request, stream=stream, timeout=timeout or fetching.TIMEOUT, verify=verify,
                            cert=cert, proxies=proxies)


class _RateLimitDeadEnd(Exception):
    """A 429 that waiting for the reset time will not cure."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def _refuse_endless_wait(response: requests.Response, **_: Any) -> None:
    """Stop tweepy from waiting on a 429 it would wait on forever.

    tweepy retries a 429 immediately, again and again, when no reset time is given, and after every reset
    when the monthly usage cap (not the 15-minute rate limit) is what X is enforcing.
    """
    if response.status_code != 429:
        return
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("title") == "UsageCapExceeded":
        raise _RateLimitDeadEnd(f"X usage cap exceeded: {answer.get('detail', 'no more reads this period')}",
                                transient=False)
    if "x-rate-limit-reset" not in response.headers:
        raise _RateLimitDeadEnd("X API answered 429 Too Many Requests without a reset time", transient=True)


class _RedactBearer(logging.Filter):
    """tweepy logs each request's headers at DEBUG, bearer token included: cut it before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Bearer" in message:
            record.msg, record.args = _BEARER.sub("Bearer [redacted]", message), ()
        return True
