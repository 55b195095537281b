"""One person behind an X account, a Reddit user and a blog is recognised by the links in their profiles."""
from __future__ import annotations

from connectors.base import Person
from models.identity import aliases, profile_token


def test_profile_links_reduce_to_what_identifies_someone() -> None:
    assert profile_token("https://twitter.com/JaneDoe/") == "x.com/janedoe"
    assert profile_token("http://www.janedoe.dev") == "janedoe.dev"
    assert profile_token("janedoe.dev/about") == "janedoe.dev/about"
    assert profile_token("https://github.com/") is None, "a platform's front page identifies no one"
    assert profile_token("") is None


def test_accounts_that_link_to_each_other_are_one_person() -> None:
    people = {
        ("x", "@jane"): Person("x", "@jane", "Jane Doe", url="https://x.com/jane", followers=900,
                               links=("https://janedoe.dev",)),
        ("rss", "Jane Doe"): Person("rss", "Jane Doe", "Jane Doe", url="https://janedoe.dev/"),
        ("reddit", "u/jd"): Person("reddit", "u/jd", "u/jd", url="https://www.reddit.com/user/jd/",
                                   links=("https://twitter.com/jane",)),
        ("x", "@other"): Person("x", "@other", "Other", url="https://x.com/other", links=("https://github.com",)),
        ("reddit", "u/else"): Person("reddit", "u/else", "u/else", links=("https://github.com/",)),
    }
    assert aliases(people) == {("rss", "Jane Doe"): ("x", "@jane"), ("reddit", "u/jd"): ("x", "@jane")}
