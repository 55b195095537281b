"""A loopback X API for tests: tweepy's real HTTP path, answered from recorded X API v2 responses in ../shared."""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import tweepy
from requests.adapters import BaseAdapter
from werkzeug import Request, Response

from connectors import x
from tests.conftest import FIXTURES, SHARED, shared_path

TWARC = "x-api-v2-twarc-responses"
CASSETTES = "x-api-tweepy-cassettes"
ERRORS: dict[str, Any] = json.loads((FIXTURES / "x" / "error_responses.json").read_text(encoding="utf-8"))
TOKEN = "AAAAAAAAAAAAAAAAAAAAAPlnTestBearer0123456789abcdefXYZ"
# @PhillyNEFL's timeline page in withheld.jsonl: 100 tweets from 2020-04-14 to 2020-05-05, newest first.
PHILLY = "2351222345"
PHILLY_TWEETS = f"/2/users/{PHILLY}/tweets"
PHILLY_NOW = datetime(2020, 5, 6, tzinfo=UTC)
# The smallest tweet id of 2020-04-06, when the default 30-day window before PHILLY_NOW begins.
WINDOW_SINCE_ID = "1246950747141046272"
SEARCH = "/2/tweets/search/recent"

Body = Mapping[str, Any] | Callable[[dict[str, str]], Mapping[str, Any]]
Headers = Mapping[str, str] | Callable[[], Mapping[str, str]]


def twarc(name: str) -> list[dict[str, Any]]:
    """The raw API v2 pages of one twarc recording, in file order."""
    lines = shared_path(TWARC, name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def cassette(name: str, path: str) -> dict[str, Any]:
    """The body tweepy's own tests recorded for GET `path` in cassette `name`."""
    with shared_path(CASSETTES, "v2_responses.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            entry = json.loads(line)
            if entry["cassette"] == name and entry["method"] == "GET" and urlsplit(entry["uri"]).path == path:
                return entry["body"]
    raise LookupError(f"{name} has no GET {path}")


def tweet_pages() -> list[str]:
    """Every recording of raw pages of tweets (not the flattened file, counts, lists, users or the stream)."""
    index = SHARED / "data" / TWARC / "files_index.csv"
    if not index.exists():
        return ["(absent)"]
    with index.open(encoding="utf-8") as fh:
        return [row["file"] for row in csv.DictReader(fh)
                if row["format"].startswith("raw API") and int(row["data_tweets"] or 0)
                and not row["endpoint"].endswith(("/stream", "/counts/recent"))]


def philly_page() -> dict[str, Any]:
    return twarc("withheld.jsonl")[3]


def user_answer(page: Mapping[str, Any], user_id: str) -> dict[str, Any]:
    """What GET /2/users/by/username answers for a user recorded in a page's includes."""
    return {"data": next(user for user in page["includes"]["users"] if user["id"] == user_id)}


def last_page(page: Mapping[str, Any]) -> dict[str, Any]:
    """The page as the end of its timeline: no next_token."""
    return {**page, "meta": {k: v for k, v in page["meta"].items() if k != "next_token"}}


def as_timeline(page: Mapping[str, Any]) -> Callable[[dict[str, str]], dict[str, Any]]:
    """A page's real tweets served as X pages a timeline: newest first, by since_id, until_id and max_results."""
    tweets = sorted(page["data"], key=lambda tweet: int(tweet["id"]), reverse=True)

    def answer(args: dict[str, str]) -> dict[str, Any]:
        since, until = int(args.get("since_id", 0)), int(args.get("until_id", 2**64))
        chosen = [tweet for tweet in tweets if since < int(tweet["id"]) < until]
        start, size = int(args.get("pagination_token", 0)), int(args["max_results"])
        batch = chosen[start:start + size]
        meta: dict[str, Any] = {"result_count": len(batch)}
        if start + size < len(chosen):
            meta["next_token"] = str(start + size)
        if not batch:
            return {"meta": meta}
        return {"data": batch, "includes": page["includes"],
                "meta": {**meta, "newest_id": batch[0]["id"], "oldest_id": batch[-1]["id"]}}

    return answer


@dataclass(frozen=True)
class Seen:
    path: str
    args: dict[str, str]
    authorization: str


class FakeX:
    """A loopback X API: answers each request by path and query from recordings, and remembers the requests."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, dict[str, str], list[tuple[int, Body, Headers]]]] = []
        self.seen: list[Seen] = []

    def on(self, path: str, body: Body, *, status: int = 200, headers: Headers | None = None,
           **query: str) -> None:
        """Answer GET `path` whose query holds `query` with `body`; answers to one route are served in turn, the
        last one again and again."""
        for route_path, route_query, answers in self.routes:
            if route_path == path and route_query == query:
                answers.append((status, body, headers or {}))
                return
        self.routes.append((path, query, [(status, body, headers or {})]))

    def handle(self, request: Request) -> Response:
        args = dict(request.args)
        self.seen.append(Seen(request.path, args, request.headers.get("Authorization", "")))
        for path, query, answers in sorted(self.routes, key=lambda route: -len(route[1])):
            if path == request.path and all(args.get(key) == value for key, value in query.items()):
                status, body, headers = answers.pop(0) if len(answers) > 1 else answers[0]
                payload = body(args) if callable(body) else body
                return Response(json.dumps(payload), status=status, content_type="application/json",
                                headers=dict(headers() if callable(headers) else headers))
        unknown = {"title": "Not Found Error", "detail": f"nothing recorded for {request.full_path}"}
        return Response(json.dumps(unknown), status=404, content_type="application/json")


class Loopback(BaseAdapter):
    """Sends what tweepy addresses to its hard-coded https://api.twitter.com to the test's loopback server, through
    the adapter the connector mounted (and so with its timeout)."""

    def __init__(self, base: str, inner: BaseAdapter) -> None:
        super().__init__()
        self.base, self.inner = base, inner

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        request.url = self.base + (request.url or "").removeprefix("https://api.twitter.com")
        return self.inner.send(request, *args, **kwargs)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def api(httpserver) -> FakeX:
    fake = FakeX()
    httpserver.expect_request(re.compile(r"^/2/")).respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def client(httpserver, api: FakeX) -> tweepy.Client:
    made = x.make_client(TOKEN)
    inner = made.session.get_adapter("https://api.twitter.com/")
    made.session.mount("https://api.twitter.com/", Loopback(f"http://{httpserver.host}:{httpserver.port}", inner))
    return made


def budget(tweets: int = 10_000) -> x.ReadBudget:
    return x.ReadBudget(run_remaining=tweets, month_remaining=1_000_000)


def philly_ids() -> list[str]:
    return [tweet["id"] for tweet in sorted(philly_page()["data"], key=lambda t: int(t["id"]), reverse=True)]
