"""The X connector through tweepy's real HTTP path, against a loopback X API answering from recorded responses."""
from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import tweepy

from connectors import fetching, x
from connectors.base import Community, Person, SourceError
from tests.conftest import shared_path
from tests.fakes.x_api import (  # noqa: F401 - fixtures: api, client
    api,
    client,
    ERRORS,
    FakeX,
    Loopback,
    PHILLY,
    PHILLY_NOW,
    PHILLY_TWEETS,
    SEARCH,
    TOKEN,
    TWARC,
    WINDOW_SINCE_ID,
    as_timeline,
    budget,
    cassette,
    last_page,
    philly_ids,
    philly_page,
    twarc,
    tweet_pages,
    user_answer,
)


# --- targets and budget -------------------------------------------------------------------------------------

@pytest.mark.parametrize("given, target", [
    ("PhillyNEFL", "@phillynefl"), ("@PhillyNEFL", "@phillynefl"), (" @jack ", "@jack"),
    ("https://x.com/PhillyNEFL", "@phillynefl"), ("https://twitter.com/wongmjane/", "@wongmjane"),
    ("https://mobile.twitter.com/wongmjane?s=20", "@wongmjane"), ("x.com/a_b_1", "@a_b_1"),
    ("list:84839422", "list:84839422"), ("https://x.com/i/lists/84839422", "list:84839422"),
    ("https://twitter.com/i/lists/1350391817490067458/", "list:1350391817490067458"),
])
def test_handles_and_lists_are_recognised_in_every_usual_form(given: str, target: str) -> None:
    assert x.normalise_target(given) == target


@pytest.mark.parametrize("given", [
    "", "@", "sixteen_chars_no", "bad-handle", "@two words", "list:", "list:12a", "https://example.com/jack",
    "https://x.com/jack/status/1", "https://x.com/i/lists/abc", "r/python",
])
def test_what_is_neither_a_handle_nor_a_list_is_refused(given: str) -> None:
    with pytest.raises(SourceError) as caught:
        x.normalise_target(given)
    assert str(caught.value) == f"{given}: not an X handle or list"


def test_the_budget_allows_the_smaller_of_the_run_and_the_month() -> None:
    spend = x.ReadBudget(run_remaining=100, month_remaining=30)
    assert spend.take(20) == 20 and spend.take(20) == 10 and spend.take(5) == 0
    assert spend.read == 30 and spend.spent and spend.remaining == 0


# --- parsing real pages -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", tweet_pages())
def test_every_recorded_page_gives_one_post_per_tweet_with_expanded_links(name: str) -> None:
    for page in twarc(name):
        posts, people, warnings = x.parse_page(page, community=None, now=PHILLY_NOW)
        by_id = {post.source_id: post for post in posts}
        users = {user["id"]: user["username"] for user in page.get("includes", {}).get("users", [])}
        notices = [t for t in page["data"] if t.get("withheld") and "has been withheld" in t["text"]]
        # X leaves suspended or withheld authors out of the includes; such posts belong to no account.
        kept = [t for t in page["data"] if t not in notices and t["author_id"] in users]
        assert set(by_id) == {(t.get("edit_history_tweet_ids") or [t["id"]])[0] for t in kept}
        assert len(warnings) == len(page.get("errors", [])) + bool(notices)
        for tweet in kept:
            post = by_id[(tweet.get("edit_history_tweet_ids") or [tweet["id"]])[0]]
            username = users[tweet["author_id"]]
            assert post.author == post.community == f"@{username.lower()}"
            assert post.url == f"https://x.com/{username}/status/{tweet['id']}"
            assert post.published_at is not None and post.published_at.utcoffset().total_seconds() == 0
            assert post.metrics["likes"] == tweet["public_metrics"]["like_count"]
            assert "&amp;" not in post.text and "&gt;" not in post.text
            for link in tweet.get("entities", {}).get("urls", []):
                if link.get("expanded_url"):
                    assert link["url"] not in post.text
        assert {person.key for person in people} == {post.author for post in posts}


def test_an_edited_tweet_in_a_page_is_one_post_under_its_original_id() -> None:
    (page,) = twarc("edited.jsonl")
    posts, people, warnings = x.parse_page(page, community="@wongmjane", now=PHILLY_NOW)
    (post,) = posts
    assert post.source_id == "1576994746135764992" and post.url.endswith("/status/1576994789110992896")
    assert post.text == "hey :) https://twitter.com/i/web/status/1576994789110992896"
    assert post.metrics == {"likes": 27, "reposts": 2, "replies": 12, "quotes": 2}
    assert [person.key for person in people] == ["@wongmjane"] and warnings == []


@pytest.mark.parametrize("order", [1, -1], ids=["oldest first", "newest first"])
def test_of_several_versions_of_a_tweet_in_one_page_the_latest_is_kept(order: int) -> None:
    (page,) = twarc("edited.jsonl")
    both = {**page, "data": page["includes"]["tweets"][::order]}
    (post,), _, _ = x.parse_page(both, community="@wongmjane", now=PHILLY_NOW)
    assert post.source_id == "1576994746135764992" and post.text.startswith("hey :)")


def test_a_reply_quoting_an_edited_tweet_is_its_own_post_and_the_quoted_versions_are_not() -> None:
    (page,) = twarc("quoted_edit.jsonl")
    (post,), people, _ = x.parse_page(page, community=None, now=PHILLY_NOW)
    assert post.source_id == "1576995594388000768" and post.community == post.author == "@dappdavid99"
    assert post.text == "@wongmjane Test \nhttps://twitter.com/wongmjane/status/1576994746135764992"
    assert [person.key for person in people] == ["@dappdavid99"]


def test_withheld_tweets_keep_their_text_and_say_where_unless_x_replaced_the_text() -> None:
    pages = twarc("withheld.jsonl")
    (india,), _, _ = x.parse_page(pages[0], community="@manavjivan", now=PHILLY_NOW)
    (germany_france,), _, _ = x.parse_page(pages[1], community="@benshapiro", now=PHILLY_NOW)
    assert india.metrics["withheld"] == "IN" and india.text.startswith("When the pandemic first hit")
    assert germany_france.metrics["withheld"] == "DE,FR"
    assert germany_france.text.startswith("Israelis like to build.")

    posts, _, warnings = x.parse_page(pages[4], community="list:1", now=PHILLY_NOW)
    assert len(pages[4]["data"]) == 112 and len(posts) == 101
    assert not any("has been withheld" in post.text for post in posts)
    assert "11 withheld tweets skipped: X replaced their text with a withholding notice" in warnings
    copyright_notice = next(t for t in pages[3]["includes"]["tweets"] if t.get("withheld", {}).get("copyright"))
    assert x.parse_page({"data": [copyright_notice]}, community="@rexchapman", now=PHILLY_NOW)[0] == []


def test_errors_in_a_200_page_become_warnings() -> None:
    (page,) = twarc("entities_test.jsonl")
    posts, _, warnings = x.parse_page(page, community=None, now=PHILLY_NOW)
    assert len(posts) == 474 and len(warnings) == 11
    assert ("Sorry, you are not authorized to see the Tweet with referenced_tweets.id: [1574182828933365760]."
            in warnings)
    assert "User has been suspended: [Swaffle_7]." in warnings


def test_a_page_holding_one_tweet_as_an_object_gives_that_tweet() -> None:
    lines = shared_path(TWARC, "streaming_output_with_error.jsonl").read_text(encoding="utf-8").splitlines()
    page = json.loads(lines[0])
    posts, people, _ = x.parse_page(page, community=None, now=PHILLY_NOW)
    assert [p.source_id for p in posts] == [page["data"]["id"]]
    assert posts[0].author in {p.key for p in people}


# --- reading an account through tweepy ----------------------------------------------------------------------

def test_a_recorded_timeline_becomes_posts_people_and_a_community(api: FakeX, client: tweepy.Client) -> None:
    page = philly_page()
    api.on("/2/users/by/username/phillynefl", user_answer(page, PHILLY))
    api.on(PHILLY_TWEETS, page)
    api.on(PHILLY_TWEETS, ERRORS["no_results"], pagination_token=page["meta"]["next_token"])
    spend = budget()

    fetched = x.fetch("@phillynefl", {}, client=client, settings=x.XSettings(), budget=spend, now=PHILLY_NOW)

    assert len(fetched.posts) == 100 and spend.read == 100
    posts = {post.source_id: post for post in fetched.posts}
    star_wars = posts["1257469520882647040"]
    assert star_wars.text == ("Star Wars Releases 'May the 4th' Video to Inspire Fans in These Dark Times "
                              "http://epicstream.com/news/NicoParungo/Star-Wars-Releases-May-the-4th-Video-to-"
                              "Inspire-Fans-in-These-Dark-Times via @FantasyandSciFi")
    assert (star_wars.source, star_wars.community, star_wars.author, star_wars.title) == ("x", "@phillynefl",
                                                                                          "@phillynefl", "")
    assert star_wars.url == "https://x.com/PhillyNEFL/status/1257469520882647040"
    assert star_wars.published_at == datetime(2020, 5, 5, 0, 37, 51, tzinfo=UTC)
    assert star_wars.fetched_at == PHILLY_NOW and star_wars.lang == "en"
    assert star_wars.metrics == {"likes": 1, "reposts": 0, "replies": 0, "quotes": 0}
    # The photo's link points back at the tweet: it goes.
    assert posts["1256945149231484928"].text == "Good morning #twitter"
    assert posts["1256945149231484928"].metrics == {"likes": 4, "reposts": 0, "replies": 1, "quotes": 0}
    assert fetched.people == (Person(
        "x", "@phillynefl", "Philly NEFL", url="https://x.com/PhillyNEFL",
        description="electric football league founded in 1997", followers=443,
        links=("http://www.leaguelineup.com/phillynefl",),
        metrics={"followers_count": 443, "following_count": 809, "tweet_count": 15121, "listed_count": 38}),)
    assert fetched.communities == (Community(
        "x", "@phillynefl", "@PhillyNEFL", url="https://x.com/PhillyNEFL",
        description="electric football league founded in 1997", size=443,
        created_at=datetime(2014, 2, 18, 19, 55, 9, tzinfo=UTC)),)
    assert fetched.cursor == {"user_id": PHILLY, "since_id": "1257786232978968578"}
    assert fetched.warning == "Could not find tweet with referenced_tweets.id: [1252320537600299008]."

    lookup, first, second = api.seen
    assert lookup.path == "/2/users/by/username/phillynefl" and "public_metrics" in lookup.args["user.fields"]
    assert first.args["max_results"] == "100" and first.args["since_id"] == WINDOW_SINCE_ID
    assert first.args["expansions"] == "author_id" and first.args["exclude"] == "retweets"
    assert set(first.args["tweet.fields"].split(",")) == set(x.TWEET_FIELDS)
    assert "start_time" not in first.args and "pagination_token" not in first.args
    assert second.args["pagination_token"] == page["meta"]["next_token"]


def test_the_next_run_skips_the_user_lookup_and_asks_only_for_newer_tweets(api: FakeX,
                                                                           client: tweepy.Client) -> None:
    ids = philly_ids()
    api.on(PHILLY_TWEETS, as_timeline(philly_page()))

    fetched = x.fetch("@phillynefl", {"user_id": PHILLY, "since_id": ids[40]}, client=client,
                      settings=x.XSettings(), budget=budget(), now=PHILLY_NOW)

    assert [post.source_id for post in fetched.posts] == ids[:40]
    assert fetched.cursor == {"user_id": PHILLY, "since_id": ids[0]}
    (only,) = api.seen
    assert only.path == PHILLY_TWEETS and only.args["since_id"] == ids[40]
    # Without a fresh lookup the community comes from the author expansion.
    assert fetched.communities[0].size == 443


def test_a_cursor_older_than_the_window_reads_only_the_window(api: FakeX, client: tweepy.Client) -> None:
    api.on(PHILLY_TWEETS, ERRORS["no_results"])
    fetched = x.fetch("@phillynefl", {"user_id": PHILLY, "since_id": "1"}, client=client, settings=x.XSettings(),
                      budget=budget(), now=PHILLY_NOW)
    assert api.seen[0].args["since_id"] == WINDOW_SINCE_ID
    assert fetched.cursor == {"user_id": PHILLY, "since_id": "1"}


def test_a_spent_budget_stops_paging_and_the_next_run_reads_exactly_the_rest(api: FakeX,
                                                                             client: tweepy.Client) -> None:
    ids = philly_ids()
    api.on(PHILLY_TWEETS, as_timeline(philly_page()))
    settings = x.XSettings(max_results=50)
    spend = budget(70)

    first = x.fetch("@phillynefl", {"user_id": PHILLY}, client=client, settings=settings, budget=spend,
                    now=PHILLY_NOW)

    assert [post.source_id for post in first.posts] == ids[:70]
    assert spend.read == 70 and spend.spent
    assert [seen.args["max_results"] for seen in api.seen] == ["50", "20"]
    assert first.warning == "read budget spent after 70 tweets"
    assert first.cursor == {"user_id": PHILLY, "until_id": ids[69], "pending_since_id": ids[0]}

    api.seen.clear()
    second = x.fetch("@phillynefl", first.cursor, client=client, settings=settings, budget=budget(),
                     now=PHILLY_NOW)
    assert [post.source_id for post in second.posts] == ids[70:]
    assert api.seen[0].args["until_id"] == ids[69] and api.seen[0].args["since_id"] == WINDOW_SINCE_ID
    assert second.cursor == {"user_id": PHILLY, "since_id": ids[0]} and second.warning == ""

    api.seen.clear()
    third = x.fetch("@phillynefl", second.cursor, client=client, settings=settings, budget=budget(),
                    now=PHILLY_NOW)
    assert third.posts == () and third.cursor == second.cursor
    assert api.seen[0].args["since_id"] == ids[0] and "until_id" not in api.seen[0].args


def test_the_page_limit_also_leaves_the_rest_for_the_next_run(api: FakeX, client: tweepy.Client) -> None:
    ids = philly_ids()
    api.on(PHILLY_TWEETS, as_timeline(philly_page()))
    settings = x.XSettings(max_results=30, max_pages=2)

    first = x.fetch("@phillynefl", {"user_id": PHILLY, "since_id": ids[-1]}, client=client, settings=settings,
                    budget=budget(), now=PHILLY_NOW)
    assert len(first.posts) == 60
    assert first.warning == "page limit (2) reached after 60 tweets; the rest next run"
    assert first.cursor == {"user_id": PHILLY, "since_id": ids[-1], "until_id": ids[59],
                            "pending_since_id": ids[0]}

    second = x.fetch("@phillynefl", first.cursor, client=client, settings=settings, budget=budget(),
                     now=PHILLY_NOW)
    assert [post.source_id for post in second.posts] == ids[60:-1]
    assert second.cursor == {"user_id": PHILLY, "since_id": ids[0]}


def test_a_failure_after_the_first_page_keeps_what_was_read(api: FakeX, client: tweepy.Client) -> None:
    ids = philly_ids()
    api.on(PHILLY_TWEETS, as_timeline(philly_page()))
    api.on(PHILLY_TWEETS, ERRORS["service_unavailable"], status=503, pagination_token="50")

    fetched = x.fetch("@phillynefl", {"user_id": PHILLY}, client=client, settings=x.XSettings(max_results=50),
                      budget=budget(), now=PHILLY_NOW)

    assert [post.source_id for post in fetched.posts] == ids[:50]
    assert fetched.warning.startswith("stopped after 50 tweets: X API answered 503")
    assert fetched.cursor == {"user_id": PHILLY, "until_id": ids[49], "pending_since_id": ids[0]}


def test_no_request_at_all_once_the_budget_cannot_pay_for_a_page(api: FakeX, client: tweepy.Client) -> None:
    fetched = x.fetch("@phillynefl", {"since_id": "1"}, client=client, settings=x.XSettings(), budget=budget(4),
                      now=PHILLY_NOW)
    assert api.seen == [] and fetched.posts == ()
    assert fetched.cursor == {"since_id": "1"} and fetched.warning == "read budget spent after 0 tweets"


def test_an_edited_tweet_read_again_updates_the_same_post(api: FakeX, client: tweepy.Client) -> None:
    (before,), (after,) = twarc("edited_before.jsonl"), twarc("edited_after.jsonl")
    jane = "337119125"
    api.on("/2/users/by/username/wongmjane", user_answer(before, jane))
    api.on(f"/2/users/{jane}/tweets", before)
    api.on(f"/2/users/{jane}/tweets", after, since_id="1576994746135764992")
    now = datetime(2022, 10, 4, tzinfo=UTC)

    first = x.fetch("@wongmjane", {}, client=client, settings=x.XSettings(), budget=budget(), now=now)
    second = x.fetch("@wongmjane", first.cursor, client=client, settings=x.XSettings(), budget=budget(), now=now)

    (original,), (edited,) = first.posts, second.posts
    assert original.source_id == edited.source_id == "1576994746135764992"
    assert original.text == "i miss y’all so much haha,,, https://twitter.com/i/web/status/1576994746135764992"
    assert edited.text == "hey :) https://twitter.com/i/web/status/1576994789110992896"
    assert original.content_hash != edited.content_hash
    assert second.cursor == {"user_id": jane, "since_id": "1576994789110992896"}


def test_a_429_waits_until_the_reset_time_x_gives_then_succeeds(api: FakeX, client: tweepy.Client,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    api.on(PHILLY_TWEETS, ERRORS["too_many_requests"], status=429,
           headers=lambda: {"x-rate-limit-limit": "1500", "x-rate-limit-remaining": "0",
                            "x-rate-limit-reset": str(int(time.time()) + 1)})
    api.on(PHILLY_TWEETS, last_page(philly_page()))
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="tweepy.client"):
        fetched = x.fetch("@phillynefl", {"user_id": PHILLY}, client=client, settings=x.XSettings(),
                          budget=budget(), now=PHILLY_NOW)

    assert time.monotonic() - started >= 1
    assert len(fetched.posts) == 100 and len(api.seen) == 2
    assert "Rate limit exceeded. Sleeping for" in caplog.text


def test_a_429_for_the_monthly_usage_cap_fails_at_once(api: FakeX, client: tweepy.Client) -> None:
    api.on(PHILLY_TWEETS, ERRORS["usage_capped"], status=429,
           headers={"x-rate-limit-remaining": "1499", "x-rate-limit-reset": str(int(time.time()) + 900)})
    started = time.monotonic()
    with pytest.raises(SourceError) as caught:
        x.fetch("@phillynefl", {"user_id": PHILLY}, client=client, settings=x.XSettings(), budget=budget(),
                now=PHILLY_NOW)
    assert time.monotonic() - started < 5
    assert str(caught.value) == "@phillynefl: X usage cap exceeded: Usage cap exceeded: Monthly product cap"
    assert not caught.value.transient


@pytest.mark.parametrize("handle", ["@nosuchuser_42", "@leeseunggi"])
def test_an_unknown_or_suspended_user_is_an_error_naming_it(api: FakeX, client: tweepy.Client,
                                                            handle: str) -> None:
    # The suspension is the real error object kpop.jsonl recorded for this account.
    suspended = [e for e in twarc("kpop.jsonl")[0]["errors"] if e["resource_id"] == "leeseunggi"]
    api.on("/2/users/by/username/nosuchuser_42", ERRORS["user_not_found"])
    api.on("/2/users/by/username/leeseunggi", {"errors": suspended})
    with pytest.raises(SourceError) as caught:
        x.fetch(handle, {}, client=client, settings=x.XSettings(), budget=budget(), now=PHILLY_NOW)
    reason = {"@nosuchuser_42": "Could not find user with username: [nosuchuser_42].",
              "@leeseunggi": "User has been suspended: [leeseunggi]."}[handle]
    assert str(caught.value) == f"{handle}: {reason}" and not caught.value.transient
    assert len(api.seen) == 1


def test_an_account_suspended_since_its_id_was_cached_is_an_error(api: FakeX, client: tweepy.Client) -> None:
    suspended = [e for e in twarc("kpop.jsonl")[0]["errors"] if e["resource_id"] == "leeseunggi"]
    api.on("/2/users/12345/tweets", {"errors": suspended})
    with pytest.raises(SourceError) as caught:
        x.fetch("@leeseunggi", {"user_id": "12345"}, client=client, settings=x.XSettings(), budget=budget(),
                now=PHILLY_NOW)
    assert str(caught.value) == "@leeseunggi: User has been suspended: [leeseunggi]."


@pytest.mark.parametrize("status, answer, transient, detail", [
    (401, "unauthorized", False, "Unauthorized"),
    (403, "client_forbidden", False, "you must use keys and tokens from a Twitter developer App"),
    (503, "service_unavailable", True, "Service Unavailable"),
])
def test_http_errors_name_the_target_and_say_whether_to_retry(api: FakeX, client: tweepy.Client, status: int,
                                                              answer: str, transient: bool, detail: str) -> None:
    api.on("/2/users/by/username/phillynefl", ERRORS[answer], status=status)
    with pytest.raises(SourceError) as caught:
        x.fetch("@phillynefl", {}, client=client, settings=x.XSettings(), budget=budget(), now=PHILLY_NOW)
    assert str(caught.value).startswith(f"@phillynefl: X API answered {status} ")
    assert detail in caught.value.reason and caught.value.transient is transient


def test_a_silent_x_is_a_transient_timeout(api: FakeX, client: tweepy.Client,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetching, "TIMEOUT", (1.0, 0.3))

    def slow(args: dict[str, str]) -> dict[str, Any]:
        time.sleep(1)
        return ERRORS["no_results"]

    api.on(PHILLY_TWEETS, slow)
    with pytest.raises(SourceError) as caught:
        x.fetch("@phillynefl", {"user_id": PHILLY}, client=client, settings=x.XSettings(), budget=budget(),
                now=PHILLY_NOW)
    assert str(caught.value) == "@phillynefl: X API timed out (no answer within 0.3s)" and caught.value.transient


def test_an_unreachable_x_is_a_transient_error() -> None:
    client = x.make_client(TOKEN)
    inner = client.session.get_adapter("https://api.twitter.com/")
    client.session.mount("https://api.twitter.com/", Loopback("http://127.0.0.1:9", inner))
    with pytest.raises(SourceError) as caught:
        x.discover(["brexit"], client=client, settings=x.XSettings(), budget=budget(), now=PHILLY_NOW)
    assert str(caught.value).startswith("search 'brexit': X API unreachable: [Errno 111] Connection refused")
    assert caught.value.transient


def test_the_bearer_token_goes_to_x_and_nowhere_else(api: FakeX, client: tweepy.Client,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    page = philly_page()
    api.on("/2/users/by/username/phillynefl", user_answer(page, PHILLY))
    api.on(PHILLY_TWEETS, last_page(page))
    api.on("/2/users/by/username/jack", ERRORS["unauthorized"], status=401)
    caplog.set_level(logging.DEBUG)

    fetched = x.fetch("@phillynefl", {}, client=client, settings=x.XSettings(), budget=budget(), now=PHILLY_NOW)
    with pytest.raises(SourceError) as caught:
        x.fetch("@jack", {}, client=client, settings=x.XSettings(), budget=budget(), now=PHILLY_NOW)

    assert {seen.authorization for seen in api.seen} == {f"Bearer {TOKEN}"}
    # tweepy logs every request's headers at DEBUG; they arrive with the token cut out.
    assert "Making API request" in caplog.text and "Bearer [redacted]" in caplog.text
    for text in (caplog.text, repr(fetched), str(caught.value), repr(caught.value), repr(client)):
        assert TOKEN not in text
    # Nothing of tweepy's exception, which keeps the request and its headers, travels with the error.
    assert caught.value.__cause__ is None and caught.value.__context__ is None


# --- lists --------------------------------------------------------------------------------------------------

def test_a_list_is_read_newest_first_and_resumed_from_its_page_token(api: FakeX, client: tweepy.Client) -> None:
    tweets = cassette("test_client_get_list_tweets.yaml", "/2/lists/84839422/tweets")
    token, newest = tweets["meta"]["next_token"], tweets["data"][0]["id"]
    api.on("/2/lists/84839422", cassette("test_client_get_list.yaml", "/2/lists/84839422"))
    api.on("/2/lists/84839422/tweets", tweets)
    api.on("/2/lists/84839422/tweets", ERRORS["no_results"], pagination_token=token)
    now = datetime(2022, 10, 8, tzinfo=UTC)

    first = x.fetch("list:84839422", {}, client=client, settings=x.XSettings(max_pages=1), budget=budget(),
                    now=now)
    assert len(first.posts) == 97
    assert first.communities == (Community("x", "list:84839422", "Official Twitter Accounts",
                                           url="https://x.com/i/lists/84839422"),)
    post = first.posts[0]
    # tweepy's recording asked for no fields: no author, no date.
    assert (post.source_id, post.community, post.author, post.published_at) == (newest, "list:84839422", "", None)
    assert post.url == f"https://x.com/i/status/{newest}"
    assert first.cursor == {"pagination_token": token, "pending_since_id": newest}
    assert first.warning == "page limit (1) reached after 97 tweets; the rest next run"
    assert set(api.seen[0].args["list.fields"].split(",")) >= {"description", "member_count", "follower_count"}

    second = x.fetch("list:84839422", first.cursor, client=client, settings=x.XSettings(), budget=budget(),
                     now=now)
    assert second.posts == () and api.seen[-1].args["pagination_token"] == token
    assert second.cursor == {"since_id": newest}

    api.seen.clear()
    spend = budget()
    third = x.fetch("list:84839422", second.cursor, client=client, settings=x.XSettings(), budget=spend, now=now)
    # The endpoint has no since_id: the first page is paid for again, and paging stops at what was read.
    assert third.posts == () and third.cursor == second.cursor and spend.read == 97
    assert [seen.path for seen in api.seen] == ["/2/lists/84839422", "/2/lists/84839422/tweets"]


def test_a_list_community_says_how_many_follow_it(api: FakeX, client: tweepy.Client) -> None:
    listed = next(item for item in twarc("lists.jsonl")[1]["data"] if item["name"] == "AI/ML/NLP")
    api.on(f"/2/lists/{listed['id']}", {"data": listed})
    api.on(f"/2/lists/{listed['id']}/tweets", ERRORS["no_results"])
    fetched = x.fetch(f"list:{listed['id']}", {}, client=client, settings=x.XSettings(), budget=budget(),
                      now=PHILLY_NOW)
    assert fetched.communities == (Community(
        "x", "list:1350391817490067458", "AI/ML/NLP", url="https://x.com/i/lists/1350391817490067458",
        description="People and orgs engaged in these cool problems", size=126,
        created_at=datetime(2021, 1, 16, 10, 37, 53, tzinfo=UTC)),)
    assert fetched.posts == () and fetched.cursor == {}


# --- discovery ----------------------------------------------------------------------------------------------

def search_answers(api: FakeX) -> None:
    api.on(SEARCH, twarc("brexit.jsonl")[0], query='"brexit" -is:retweet lang:en')
    api.on(SEARCH, twarc("kpop.jsonl")[0], query='"kpop" -is:retweet lang:en')


def test_discovery_searches_each_phrase_and_returns_the_authors(api: FakeX, client: tweepy.Client) -> None:
    search_answers(api)
    spend = budget()

    found = x.discover(["brexit", ' "kpop" '], client=client, settings=x.XSettings(max_pages=1), budget=spend,
                       now=datetime(2021, 9, 22, 17, tzinfo=UTC))

    assert len(found.posts) == 200 and spend.read == 200
    assert all(post.community == post.author and post.author.startswith("@") for post in found.posts)
    authors = {post.author for post in found.posts}
    assert {c.key for c in found.communities} == {p.key for p in found.people} == authors
    assert len(authors) == 98 + 87
    first = found.posts[0]
    assert (first.source_id, first.author) == ("1440716895355764743", "@warmongerhodges")
    hodges = next(person for person in found.people if person.key == "@warmongerhodges")
    assert hodges.followers == 34920 and hodges.url == "https://x.com/WarmongerHodges"
    assert found.warning == "User has been suspended: [leeseunggi]."
    assert [seen.args["query"] for seen in api.seen] == ['"brexit" -is:retweet lang:en',
                                                         '"kpop" -is:retweet lang:en']
    assert all(seen.args["max_results"] == "100" and "start_time" not in seen.args for seen in api.seen)


def test_discovery_stops_within_the_budget(api: FakeX, client: tweepy.Client) -> None:
    search_answers(api)
    spend = budget(150)

    found = x.discover(["brexit", "kpop", "bts"], client=client, settings=x.XSettings(max_pages=1), budget=spend,
                       now=datetime(2021, 9, 22, 17, tzinfo=UTC))

    assert spend.read == 150 and len(found.posts) == 150
    assert [seen.args["max_results"] for seen in api.seen] == ["100", "50"]
    assert found.warning.startswith("read budget spent after 150 tweets; not searched: 'bts'")


def test_a_phrase_that_fails_does_not_stop_the_others(api: FakeX, client: tweepy.Client) -> None:
    search_answers(api)
    api.on(SEARCH, ERRORS["service_unavailable"], status=503, query='"bts" -is:retweet lang:en')
    now = datetime(2021, 9, 22, 17, tzinfo=UTC)

    found = x.discover(["bts", "brexit"], client=client, settings=x.XSettings(max_pages=1), budget=budget(),
                       now=now)
    assert len(found.posts) == 100
    assert found.warning.startswith("search 'bts': X API answered 503")

    with pytest.raises(SourceError) as caught:
        x.discover(["bts"], client=client, settings=x.XSettings(), budget=budget(), now=now)
    assert caught.value.transient
