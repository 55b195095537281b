"""Search phrases from goals as learners write them, including every goal of the development benchmark."""
from __future__ import annotations

import json

import pytest

from models.phrases import MAX_WORDS, key_phrases
from tests.conftest import shared_path


@pytest.mark.parametrize(("goal", "first"), [
    ("Get good at MLOps: deploying, monitoring and retraining models in production", "MLOps"),
    ("Learn Spanish grammar well enough to write without mistakes", "Spanish grammar"),
    ("Understand the science behind cooking", "science cooking"),
    ("I want to learn how to bake sourdough bread", "bake sourdough bread"),
    ("Kubernetes", "Kubernetes"),
])
def test_the_subject_comes_first(goal: str, first: str) -> None:
    assert key_phrases(goal)[0] == first


def test_details_after_a_colon_become_more_phrases() -> None:
    assert key_phrases("Get good at MLOps: deploying, monitoring and retraining models in production") == [
        "MLOps", "deploying", "monitoring"]


def test_every_benchmark_goal_gives_short_phrases() -> None:
    lines = shared_path("eval", "reddit-dev-goals.jsonl").read_text(encoding="utf-8").splitlines()
    for goal in (json.loads(line)["goal"] for line in lines if line.strip()):
        phrases = key_phrases(goal)
        assert 1 <= len(phrases) <= 3, goal
        assert all(1 <= len(p.split()) <= MAX_WORDS for p in phrases), (goal, phrases)
