"""The digest's week arithmetic, which recommendations count as news, how the week's best posts are picked, and the
weekly counts of posts about each goal that its chart shows."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from models.digest import MARKED_RISE, Shown, Week, best_posts, news, on_goal_counts, period_of


def test_an_iso_week_and_the_seven_days_its_digest_covers() -> None:
    week = Week.parse("2026-W01")
    assert week.monday == date(2025, 12, 29), "ISO week 1 of 2026 starts in 2025"
    assert str(week) == "2026-W01" and Week.of(date(2026, 1, 4)) == week and Week.of(date(2026, 1, 5)) > week
    madrid = ZoneInfo("Europe/Madrid")
    # The week of the clocks going back (Sunday 25 October 2026): 7 days and one hour, midnight to midnight.
    w44 = Week.parse("2026-W44")
    assert w44.starts(madrid).astimezone(UTC) == datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert w44.ends(madrid).astimezone(UTC) == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert week.series(3) == (Week(2025, 51), Week(2025, 52), week), "across the year's end, oldest first"


def test_each_time_falls_in_the_period_that_ends_at_or_after_it() -> None:
    edges = np.array([10, 20, 30])
    times = np.array([5, 10, 11, 20, 25, 30, 31])
    assert period_of(times, edges).tolist() == [-1, -1, 0, 0, 1, 1, -1], "(10, 20] then (20, 30], as the digest's week"


def test_posts_count_for_every_goal_they_are_about_in_their_week_unless_closer_to_an_unwanted_topic() -> None:
    goal_sims = np.array([[0.5, 0.1], [0.3, 0.35], [0.29, 0.9], [0.8, 0.0], [0.6, 0.6], [0.7, 0.7]])
    period = np.array([0, 0, 1, 2, -1, 2])
    avoid = np.array([[0.0], [0.0], [0.0], [0.9], [0.0], [0.65]])
    assert on_goal_counts(goal_sims, period, 3, 0.3).tolist() == [[2, 0, 2], [1, 1, 1]]
    # Post 3 is closer to the unwanted topic than to either goal; post 5 closer to both goals than to it.
    assert on_goal_counts(goal_sims, period, 3, 0.3, avoid).tolist() == [[2, 0, 1], [1, 1, 1]]
    assert on_goal_counts(goal_sims, period, 3, 0.3, np.zeros((6, 0))).tolist() == [[2, 0, 2], [1, 1, 1]]


@pytest.mark.parametrize(("text", "message"), [
    ("2026-48", "not an ISO week"), ("2026-W4", "not an ISO week"), ("2026-W00", "2026 has no week 0"),
    ("2027-W53", "2027 has no week 53"), ("W48", "not an ISO week"),
])
def test_a_bad_week_is_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Week.parse(text)


def test_a_recommendation_is_news_once_unless_its_goal_changes_or_its_score_rises_markedly() -> None:
    before = Shown("learn Rust", 0.40)
    assert news("learn Rust", 0.40, None) == "new"
    assert news("learn Rust", 0.45, before) is None, "the ranking's week-to-week jitter is not news"
    assert news("learn Rust", 0.40 + MARKED_RISE, before) == "score up from 0.40 to 0.50"
    assert news("learn Go", 0.30, before) == "now for “learn Go”"


def test_best_posts_per_goal_closest_first_each_once_without_duplicates_or_unwanted_topics() -> None:
    goal_sims = np.array([[0.9, 0.1], [0.5, 0.6], [0.7, 0.2], [0.8, 0.0], [0.2, 0.25], [0.6, 0.1]])
    avoid = np.array([[0.0], [0.0], [0.0], [0.0], [0.0], [0.65]])
    titles = ["a", "b", "c", "a", "e", "f"]
    picked = best_posts(goal_sims, 3, 0.3, avoid, same=titles.__getitem__)
    # Post 3 repeats post 0's title, post 4 is below 0.3, post 5 is closer to an unwanted topic than to its goal.
    assert [p.tolist() for p in picked] == [[0, 2], [1]]
    assert [p.tolist() for p in best_posts(goal_sims, 1, 0.3)] == [[0], [1]]
    assert [p.tolist() for p in best_posts(np.zeros((0, 2)), 3, 0.3)] == [[], []]
