"""The Reddit connector through praw's real HTTP path, against a loopback server answering with recorded Reddit JSON."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import praw
import praw.config
import pytest

from connectors import reddit
from connectors.base import Fetch, SourceError
from connectors.reddit import RedditNotConfigured, RedditSettings
from tests.fakes.reddit_api import (  # noqa: F401 - fixtures: recorded, praw_home, fake, client, no_prawcore_sleep
    CLIENT_ID, CREDENTIALS, FAST, SECRET, SITE, FakeReddit, Recorded, client, fake, no_prawcore_sleep, praw_home,
    recorded, utc,
)


def test_fetch_maps_about_data_posts_and_people(fake: FakeReddit, client: praw.Reddit) -> None:
    now = utc("2016-07-17T15:00:00")
    fake.clock = now.timestamp()

    fetched = reddit.fetch("redditdev", {}, client=client, settings=RedditSettings(), now=now)

    assert fetched.target == "r/redditdev"
    (community,) = fetched.communities
    assert community.key == "r/redditdev" and community.name == "r/redditdev"
    assert community.url == "https://www.reddit.com/r/redditdev/"
    assert community.description == "A subreddit for discussion of reddit API clients."
    assert community.size == 43967
    assert community.created_at == utc("2008-06-18T15:16:17")
    # Every post of the 30 days before `now`: /new stopped at the window on its first page.
    assert len(fetched.posts) == 86
    assert [args.get("after") for args in fake.calls(r"/r/redditdev/new")] == [None]
    newest = fetched.posts[0]
    assert newest.source == "reddit" and newest.source_id == "t3_4t9ut3"
    assert newest.community == "r/redditdev" and newest.author == "u/dwarfy"
    assert newest.title == "Getting a list of votes"
    assert newest.text.startswith("Hi Everyone, \n\nI've been playing with the APIs for a few hours")
    assert newest.url == "https://www.reddit.com/r/redditdev/comments/4t9ut3/getting_a_list_of_votes/"
    assert newest.published_at == utc("2016-07-17T14:33:12") and newest.fetched_at == now
    assert newest.metrics == {"score": 1, "comments": 0} and newest.lang is None
    link_post = next(p for p in fetched.posts if p.source_id == "t3_4rvkty")
    assert link_post.title == "Golang and Reddit's API" and link_post.text == ""
    assert len(fetched.people) == 70
    dwarfy = next(p for p in fetched.people if p.key == "u/dwarfy")
    assert (dwarfy.source, dwarfy.name, dwarfy.url) == ("reddit", "u/dwarfy", "https://www.reddit.com/user/dwarfy/")
    assert fetched.cursor == {"newest_utc": "1468765992.0", "newest_id": "t3_4t9ut3"}
    assert fetched.warning == ""


def test_paging_follows_after_until_new_limit(fake: FakeReddit, client: praw.Reddit) -> None:
    now = utc("2016-03-12T21:00:00")
    fake.clock = now.timestamp()
    settings = RedditSettings(new_limit=150, top_limit=0)

    fetched = reddit.fetch("r/AskReddit", {}, client=client, settings=settings, now=now)

    assert [args.get("after") for args in fake.calls(r"/r/AskReddit/new")] == [None, "t3_4a51xe"]
    assert fake.calls(r"/r/AskReddit/top") == []
    # 150 posts read, 9 of them NSFW.
    assert len(fetched.posts) == 141
    assert fetched.posts[-1].source_id == "t3_48f944"
    assert "new_limit" in fetched.warning


def test_a_second_fetch_with_the_cursor_reads_one_page_and_no_older_posts(fake: FakeReddit,
                                                                          client: praw.Reddit) -> None:
    now = utc("2016-07-17T15:00:00")
    fake.clock = now.timestamp()
    first = reddit.fetch("r/redditdev", {}, client=client, settings=RedditSettings(), now=now)
    fake.log.clear()
    fake.served.clear()

    again = reddit.fetch("r/redditdev", first.cursor, client=client, settings=RedditSettings(), now=now)

    assert [args.get("after") for args in fake.calls(r"/r/redditdev/new")] == [None]
    # Only the month's top posts come again, for their newer scores; nothing from /new.
    assert {p.source_id for p in again.posts} <= set(fake.served["/r/redditdev/top"])
    assert again.cursor == first.cursor

    later = utc("2016-09-26T00:00:00")
    fake.clock = later.timestamp()
    settings = RedditSettings(top_limit=0)
    newer = reddit.fetch("r/redditdev", first.cursor, client=client, settings=settings, now=later)
    (post,) = newer.posts
    assert post.source_id == "t3_54hhwl" and post.title == "[PRAW 4]: Fetch specific comment replies"
    assert post.metrics == {"score": 1, "comments": 10, "upvote_ratio": 0.67, "flair": "PRAW"}
    assert newer.cursor == {"newest_utc": "1474842336.0", "newest_id": "t3_54hhwl"}


def test_posts_older_than_the_window_stop_paging_and_a_deleted_body_keeps_its_title(
        fake: FakeReddit, client: praw.Reddit) -> None:
    now = utc("2016-11-17T07:00:00")
    fake.clock = now.timestamp()

    fetched = reddit.fetch("r/AskReddit", {}, client=client, settings=RedditSettings(), now=now)

    # The third newest post is from March: eight months older than the 30-day window.
    assert [p.source_id for p in fetched.posts] == ["t3_5dec65", "t3_5dec18"]
    assert len(fake.calls(r"/r/AskReddit/new")) == 1
    deleted = fetched.posts[1]
    assert deleted.title.startswith("[Serious] People who live and die with their sport")
    assert deleted.text == "" and deleted.author == ""
    assert deleted.metrics["flair"] == "serious replies only"
    assert [p.key for p in fetched.people] == ["u/Sergiology"]


def test_nsfw_posts_are_left_out_unless_configured(fake: FakeReddit, client: praw.Reddit) -> None:
    now = utc("2016-03-12T21:00:00")
    fake.clock = now.timestamp()

    default = reddit.fetch("r/AskReddit", {}, client=client, settings=RedditSettings(window_days=1), now=now)
    included = reddit.fetch("r/AskReddit", {}, client=client,
                            settings=RedditSettings(window_days=1, include_nsfw=True), now=now)

    nsfw = {"t3_4a59z2", "t3_4a57t4", "t3_4a57sr", "t3_4a57rh", "t3_4a563c", "t3_4a53at", "t3_4a52bx"}
    assert len(default.posts) == 93 and not nsfw & {p.source_id for p in default.posts}
    assert len(included.posts) == 100 and nsfw <= {p.source_id for p in included.posts}
    # The window ends inside the second page: one post of it read, then paging stops.
    assert [args.get("after") for args in fake.calls(r"/r/AskReddit/new")] == [None, "t3_4a51xe"] * 2
    serious = next(p for p in default.posts if p.source_id == "t3_4a57yr")
    assert serious.metrics == {"score": 3, "comments": 6, "flair": "serious replies only"}
    # The NSFW post is the newest seen by neither run's output, yet the cursor is the same: skipped posts count.
    assert default.cursor == included.cursor == {"newest_utc": "1457814664.0", "newest_id": "t3_4a5d0o"}


def test_top_posts_join_new_ones_without_duplicates_within_the_window(fake: FakeReddit, client: praw.Reddit) -> None:
    now = utc("2016-03-12T21:00:00")
    fake.clock = now.timestamp()
    settings = RedditSettings(window_days=14, new_limit=20, top_limit=10)

    fetched = reddit.fetch("r/AskReddit", {}, client=client, settings=settings, now=now)

    ids = [p.source_id for p in fetched.posts]
    assert len(ids) == len(set(ids)) == 26
    assert fake.calls(r"/r/AskReddit/top") == [{"t": "month", "limit": "10", "raw_json": "1"}]
    # The month's ten best: the four from before the 14-day window are skipped, the six of 29 February kept.
    assert ids[20:] == ["t3_487b9m", "t3_4894gv", "t3_48b1x8", "t3_48ap4b", "t3_488gwi", "t3_48a6ak"]
    assert not {"t3_45ez9m", "t3_46v4y5", "t3_46x2sl", "t3_45m1zl"} & set(ids)
    best = fetched.posts[20]
    assert best.title and best.metrics["score"] == 4997


def test_parse_listing_on_a_recorded_page(recorded: Recorded) -> None:
    body = recorded.responses["https://oauth.reddit.com/r/askreddit/new?raw_json=1&limit=100"]
    now = utc("2016-03-01T09:00:00")

    posts, people = reddit.parse_listing(body, community="r/AskReddit", now=now, settings=RedditSettings())

    assert len(posts) == 96 and len(people) == 87
    first = posts[0]
    assert first.source_id == "t3_48fbm9" and first.community == "r/AskReddit" and first.author == "u/RedHeadQc"
    assert first.url == "https://www.reddit.com/r/AskReddit/comments/48fbm9/serious_parents_of_reddit_whats_the_biggest_lie/"
    assert first.published_at == utc("2016-03-01T08:37:38") and first.fetched_at == now
    with_nsfw, _ = reddit.parse_listing(body, community=None, now=now, settings=RedditSettings(include_nsfw=True))
    assert len(with_nsfw) == 100 and {p.community for p in with_nsfw} == {"r/AskReddit"}


def test_parse_listing_leaves_out_removed_posts_and_ads_but_keeps_a_deleted_body(recorded: Recorded) -> None:
    wanted = {"t3_8kkgc", "t3_ehafm2", "t3_ehagzp", "t3_5dec18", "t3_5dec01", "t3_60uvur"}
    children = [{"kind": "t3", "data": p} for posts in recorded.posts.values() for p in posts if p["name"] in wanted]
    assert len(children) == len(wanted)
    listing = {"kind": "Listing", "data": {"after": None, "before": None, "children": children}}

    posts, people = reddit.parse_listing(listing, community=None, now=utc("2026-01-01T00:00:00"),
                                         settings=RedditSettings())

    # [removed] body (r/programming), removed by a moderator and by Reddit, and an ad: out.
    assert sorted((p.source_id, p.community, p.text, p.author) for p in posts) == [
        ("t3_5dec01", "r/ModernMagic", "", ""), ("t3_5dec18", "r/AskReddit", "", "")]
    assert people == []


def test_parse_listing_rejects_what_is_not_a_listing() -> None:
    with pytest.raises(SourceError, match=r"r/x: not a Listing JSON body \(kind 't5'\)"):
        reddit.parse_listing({"kind": "t5", "data": {}}, community="r/x", now=utc("2026-01-01T00:00:00"),
                             settings=RedditSettings())


@pytest.mark.parametrize(("target", "status", "body", "reason"), [
    ("r/PRAW", 403, {"reason": "private", "message": "Forbidden", "error": 403}, "private subreddit (HTTP 403)"),
    ("r/ferguson", 403, {"reason": "quarantined", "quarantine_message": "", "message": "Forbidden", "error": 403},
     "quarantined subreddit"),
    ("r/The_Donald", 404, {"reason": "banned", "message": "Not Found", "error": 404}, "banned subreddit (HTTP 404)"),
    ("r/NoSuchSubPln", None, None, "no such subreddit (Reddit redirects to /subreddits/search)"),
])
def test_an_unreadable_subreddit_gives_a_source_error_naming_it_and_others_still_work(
        fake: FakeReddit, client: praw.Reddit, target: str, status: int | None, body: dict[str, Any] | None,
        reason: str) -> None:
    now = utc("2016-07-17T15:00:00")
    fake.clock = now.timestamp()
    if status is not None and body is not None:
        fake.refusals[target[2:].lower()] = (status, body)

    results: dict[str, Fetch | SourceError] = {}
    for each in (target, "r/redditdev"):
        try:
            results[each] = reddit.fetch(each, {}, client=client, settings=FAST, now=now)
        except SourceError as error:
            results[each] = error

    refused, other = results[target], results["r/redditdev"]
    assert isinstance(refused, SourceError) and refused.target == target and not refused.transient
    assert str(refused).startswith(f"{target}: {reason}")
    assert isinstance(other, Fetch) and len(other.posts) == 86


def test_a_nsfw_subreddit_is_refused_unless_configured(fake: FakeReddit, client: praw.Reddit) -> None:
    fake.clock = utc("2016-07-17T15:00:00").timestamp()
    with pytest.raises(SourceError, match=r"^r/Babes: NSFW subreddit"):
        reddit.fetch("r/Babes", {}, client=client, settings=FAST, now=utc("2016-07-17T15:00:00"))
    assert fake.calls(r"/r/Babes/new") == []


def test_a_429_is_retried_and_paging_resumes_on_the_same_page(fake: FakeReddit, client: praw.Reddit) -> None:
    now = utc("2016-03-12T21:00:00")
    fake.clock = now.timestamp()
    fake.faults.append((lambda request: request.args.get("after") == "t3_4a51xe", [429]))

    fetched = reddit.fetch("r/AskReddit", {}, client=client, settings=RedditSettings(
        new_limit=150, top_limit=0, backoff_seconds=0.001), now=now)

    assert [args.get("after") for args in fake.calls(r"/r/AskReddit/new")] == [None, "t3_4a51xe", "t3_4a51xe"]
    assert len(fetched.posts) == 141


def test_repeated_503_gives_a_transient_source_error(fake: FakeReddit, client: praw.Reddit,
                                                      no_prawcore_sleep: None) -> None:
    fake.faults.append((lambda request: request.path.endswith("/about/"), [503] * 100))

    with pytest.raises(SourceError) as raised:
        reddit.fetch("r/redditdev", {}, client=client, settings=RedditSettings(max_retries=2, backoff_seconds=0.001),
                     now=utc("2016-07-17T15:00:00"))

    assert raised.value.transient and raised.value.target == "r/redditdev"
    assert str(raised.value) == "r/redditdev: Reddit still answered HTTP 503 after 3 attempts"
    # prawcore tries each request three times itself; the connector asks it three times.
    assert len(fake.calls(r"/r/redditdev/about/")) == 9


def test_refused_credentials_give_a_source_error_without_the_secret(fake: FakeReddit, praw_home: Path) -> None:
    wrong = reddit.make_client({**CREDENTIALS, "client_secret": SECRET + "-wrong"}, site=SITE)
    with pytest.raises(SourceError, match="refused the app credentials") as raised:
        reddit.fetch("r/redditdev", {}, client=wrong, settings=FAST, now=utc("2016-07-17T15:00:00"))
    assert SECRET not in str(raised.value) and SECRET not in repr(raised.value)


def test_the_client_secret_never_reaches_logs_records_or_errors(fake: FakeReddit, client: praw.Reddit,
                                                                 caplog: pytest.LogCaptureFixture,
                                                                 no_prawcore_sleep: None) -> None:
    now = utc("2016-03-12T21:00:00")
    fake.clock = now.timestamp()
    fake.faults.append((lambda request: request.path.endswith("/new"), [429, 503]))
    caplog.set_level(logging.DEBUG)

    fetched = reddit.fetch("r/AskReddit", {}, client=client, settings=RedditSettings(window_days=1,
                                                                                     backoff_seconds=0.001), now=now)
    fake.refusals["praw"] = (403, {"reason": "private", "message": "Forbidden", "error": 403})
    with pytest.raises(SourceError) as raised:
        reddit.fetch("r/PRAW", {}, client=client, settings=FAST, now=now)

    assert "Retrying due to 503" in caplog.text and "HTTP 429, trying again" in caplog.text, "logs were captured"
    for text in (caplog.text, repr(fetched), str(fetched.cursor), str(raised.value), repr(raised.value),
                 repr(client), repr(reddit.make_client(CREDENTIALS, site=SITE))):
        assert SECRET not in text


def test_discovery_returns_subreddits_from_both_searches_best_first(fake: FakeReddit, client: praw.Reddit) -> None:
    found = reddit.discover(["praw", "praw oauth search"], client=client, settings=FAST)

    keys = [c.key for c in found]
    # Three of the posts found for "praw oauth search" are in r/redditdev.
    assert keys[0] == "r/redditdev"
    assert keys[1:3] == ["r/PRAWTesting", "r/PRAW_73oy54eo3a"]
    assert {"r/learnpython", "r/bugs", "r/p18s"} <= set(keys)
    assert "r/6hpJ2_hrs_praw_test" not in keys and "r/praw_tester" not in keys, "private subreddits left out"
    assert len(keys) == len({k.lower() for k in keys}) == 12
    testing = found[1]
    assert testing.description.startswith("A subreddit designed to allow for a place to test bots")
    assert testing.size == 14 and testing.url == "https://www.reddit.com/r/PRAWTesting/"
    assert fake.calls(r"/subreddits/search/?") == [{"q": "praw", "limit": "10", "raw_json": "1"},
                                                   {"q": "praw oauth search", "limit": "10", "raw_json": "1"}]
    assert all(args["limit"] == "10" for args in fake.calls(r"/r/all/search/?"))


def test_make_client_without_credentials_anywhere_is_not_configured(praw_home: Path) -> None:
    with pytest.raises(RedditNotConfigured, match=r"praw\.ini site.*praw_client_id.*Prefect Secret block"):
        reddit.make_client()
    with pytest.raises(RedditNotConfigured):
        reddit.make_client({"client_id": "", "client_secret": "", "user_agent": ""})
    with pytest.raises(RedditNotConfigured, match=r"no praw.ini has a \[nowhere\] site"):
        reddit.make_client(CREDENTIALS, site="nowhere")
    with pytest.raises(RedditNotConfigured, match=r"the credentials hold oauth_url, besides client_id"):
        reddit.make_client({**CREDENTIALS, "oauth_url": "http://127.0.0.1:1"})


def test_make_client_reads_praw_environment_variables(fake: FakeReddit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("praw_client_id", CLIENT_ID)
    monkeypatch.setenv("praw_client_secret", SECRET)
    monkeypatch.setenv("praw_user_agent", "pln tests from the environment")
    monkeypatch.setenv("praw_site", SITE)
    fake.clock = utc("2016-07-17T15:00:00").timestamp()

    client = reddit.make_client()

    assert client.read_only and client.config.check_for_updates is False
    fetched = reddit.fetch("r/redditdev", {}, client=client, settings=FAST, now=utc("2016-07-17T15:00:00"))
    assert len(fetched.posts) == 86


@pytest.mark.parametrize(("given", "key"), [
    ("learnpython", "r/learnpython"),
    ("r/LearnPython", "r/LearnPython"),
    ("/r/learnpython/", "r/learnpython"),
    (" R/learnpython ", "r/learnpython"),
    ("https://www.reddit.com/r/learnpython/comments/abc123/some_title/", "r/learnpython"),
    ("old.reddit.com/r/redditdev", "r/redditdev"),
    ("r/de", "r/de"),
    ("r/reddit.com", "r/reddit.com"),
    ("u_spez", "r/u_spez"),
])
def test_normalise_subreddit(given: str, key: str) -> None:
    assert reddit.normalise_subreddit(given) == key


@pytest.mark.parametrize("given", ["", "r/", "u/spez", "r/a", "r/_underscore", "r/way_too_long_for_a_subreddit",
                                   "r/c++", "r/learnpython/new", "https://example.com/r/learnpython",
                                   "https://www.reddit.com/user/spez/", "r/a1"])
def test_normalise_subreddit_rejects_what_names_no_subreddit(given: str) -> None:
    with pytest.raises(SourceError, match="not a subreddit name") as raised:
        reddit.normalise_subreddit(given)
    assert raised.value.target == given


def test_listings_of_many_subreddits_are_not_communities() -> None:
    with pytest.raises(SourceError, match="r/all is a listing of many subreddits"):
        reddit.normalise_subreddit("r/all")


def test_settings_reject_impossible_values() -> None:
    with pytest.raises(ValueError, match="top_time_filter must be one of"):
        RedditSettings(top_time_filter="fortnight")
    with pytest.raises(ValueError, match="new_limit must not be negative"):
        RedditSettings(new_limit=-1)
