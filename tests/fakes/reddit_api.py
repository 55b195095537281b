"""A loopback Reddit API for tests: praw's real HTTP path, answered with recorded Reddit JSON from ../shared."""
from __future__ import annotations

import gzip
import json
import os
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import praw
import praw.config
import prawcore.sessions
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from connectors import reddit
from connectors.reddit import RedditSettings
from tests.conftest import shared_path

CASSETTES = "reddit-api-praw-cassettes"
CLIENT_ID = "pln-test-client"
SECRET = "pln-test-secret-3f9a1c77"
TOKEN = "pln-test-bearer-token"
CREDENTIALS = {"client_id": CLIENT_ID, "client_secret": SECRET, "user_agent": "pln tests"}
SITE = "pln_loopback"
# Reddit never returns more than 100 things per page, whatever limit asks for.
PAGE_MAX = 100
SPANS = {"hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}
FAST = RedditSettings(backoff_seconds=0.001)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def read_jsonl(name: str) -> list[dict[str, Any]]:
    with gzip.open(shared_path(CASSETTES, name), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@dataclass(frozen=True)
class Recorded:
    """The recordings, indexed the way the fake server looks them up."""

    posts: dict[str, list[dict[str, Any]]]
    abouts: dict[str, dict[str, Any]]
    responses: dict[str, Any]


@pytest.fixture(scope="module")
def recorded() -> Recorded:
    posts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for thing in read_jsonl("posts_t3.jsonl.gz"):
        posts[thing["data"].get("subreddit", "").lower()].append(thing["data"])
    abouts = {thing["data"]["display_name"].lower(): thing["data"] for thing in read_jsonl("subreddits_t5.jsonl.gz")}
    responses = {row["uri"]: row["body"] for row in read_jsonl("api_responses.jsonl.gz")}
    return Recorded(dict(posts), abouts, responses)


@dataclass
class FakeReddit:
    """The part of Reddit's API that praw uses here, answering from recorded things as Reddit stood at `clock`."""

    recorded: Recorded
    searches: dict[tuple[str, str], dict[str, Any]]
    clock: float = 0.0
    # Subreddit (lower case) -> the status and JSON body Reddit answers for it.
    refusals: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    # (which requests, statuses to answer them with before behaving normally)
    faults: list[tuple[Callable[[Request], bool], list[int]]] = field(default_factory=list)
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    served: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def calls(self, pattern: str) -> list[dict[str, str]]:
        """The query arguments of every request whose path matches `pattern`."""
        return [args for _, path, args in self.log if re.fullmatch(pattern, path)]

    def handle(self, request: Request) -> Response:
        self.log.append((request.method, request.path, dict(request.args)))
        if request.path == "/api/v1/access_token":
            auth = request.authorization
            if (request.method != "POST" or auth is None or (auth.username, auth.password) != (CLIENT_ID, SECRET)
                    or request.form.get("grant_type") != "client_credentials"):
                return _json({"message": "Unauthorized", "error": 401}, 401)
            return _json({"access_token": TOKEN, "token_type": "bearer", "expires_in": 86400, "scope": "*"})
        if request.headers.get("Authorization") != f"bearer {TOKEN}":
            return _json({"message": "Unauthorized", "error": 401}, 401)
        for matches, statuses in self.faults:
            if statuses and matches(request):
                return _json({"message": "fault", "error": statuses[0]}, statuses.pop(0))
        if match := re.fullmatch(r"/r/([^/]+)/(about|new|top)/?", request.path):
            return self.subreddit(match[1], match[2], request)
        if request.path.rstrip("/") in ("/subreddits/search", "/r/all/search"):
            body = self.searches.get((request.path.rstrip("/"), request.args.get("q", "")))
            return self.page(request.path, body["data"]["children"] if body else [], request)
        return _json({"message": "Not Found", "error": 404}, 404)

    def subreddit(self, name: str, what: str, request: Request) -> Response:
        if name.lower() in self.refusals:
            status, body = self.refusals[name.lower()]
            return _json(body, status)
        if name.lower() not in self.recorded.abouts:
            # What Reddit does for a subreddit that never existed.
            return Response("", 302, headers={"Location": f"/subreddits/search.json?q={name}"})
        if what == "about":
            return _json({"kind": "t5", "data": self.recorded.abouts[name.lower()]})
        posts = [p for p in self.recorded.posts.get(name.lower(), []) if p["created_utc"] <= self.clock]
        if what == "new":
            ranked = sorted(posts, key=lambda p: -p["created_utc"])
        else:
            span = SPANS.get(request.args.get("t", "day"), float("inf"))
            ranked = sorted((p for p in posts if p["created_utc"] >= self.clock - span), key=lambda p: -p["score"])
        return self.page(request.path, [{"kind": "t3", "data": p} for p in ranked], request)

    def page(self, path: str, children: list[dict[str, Any]], request: Request) -> Response:
        """One page of a Listing, honouring limit and after as Reddit does."""
        names = [child["data"]["name"] for child in children]
        start = names.index(request.args["after"]) + 1 if request.args.get("after") in names else 0
        size = min(int(request.args.get("limit", 25)), PAGE_MAX)
        page = children[start:start + size]
        self.served[path].extend(child["data"]["name"] for child in page)
        after = page[-1]["data"]["name"] if page and start + size < len(children) else None
        return _json({"kind": "Listing", "data": {"after": after, "before": None, "dist": len(page),
                                                   "modhash": None, "children": page}})


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json; charset=UTF-8")


@pytest.fixture
def praw_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No praw configuration but what the test writes: no praw_* variables, an empty user config folder."""
    for name in list(os.environ):
        if name.lower().startswith("praw_"):
            monkeypatch.delenv(name)
    home = tmp_path / "config"
    home.mkdir()
    monkeypatch.delenv("APPDATA", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    # praw reads its praw.ini files once per process; each test must see its own.
    monkeypatch.setattr(praw.config.Config, "CONFIG", None)
    return home


@pytest.fixture
def fake(httpserver: HTTPServer, recorded: Recorded, praw_home: Path) -> FakeReddit:
    """The loopback Reddit, and a praw.ini site pointing praw at it, as a user would configure another endpoint."""
    searches = {}
    for uri, body in recorded.responses.items():
        parts = urlsplit(uri)
        if parts.path.rstrip("/") in ("/subreddits/search", "/r/all/search"):
            query = dict(pair.split("=", 1) for pair in parts.query.split("&"))
            searches[(parts.path.rstrip("/"), query["q"].replace("+", " "))] = body
    server = FakeReddit(recorded, searches)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(server.handle)
    base = f"http://{httpserver.host}:{httpserver.port}"
    (praw_home / "praw.ini").write_text(f"[{SITE}]\noauth_url = {base}\nreddit_url = {base}\nshort_url = {base}\n")
    return server


@pytest.fixture
def client(fake: FakeReddit) -> praw.Reddit:
    return reddit.make_client(CREDENTIALS, site=SITE)


@pytest.fixture
def no_prawcore_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """prawcore retries each 5xx twice itself, sleeping up to 4 s; the connector's own backoff is what is tested."""
    monkeypatch.setattr(prawcore.sessions.FiniteRetryStrategy, "_sleep_seconds", lambda self: None)
