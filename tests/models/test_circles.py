"""Circle forming on goal vectors: a learner once per circle, sizes kept, large themes dealt so teams mix."""
from __future__ import annotations

import numpy as np
import pytest

from models.circles import form_circles


def unit(*rows: list[float]) -> np.ndarray:
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_large_theme_is_dealt_into_circles_that_mix_teams() -> None:
    vectors = unit(*([1.0, 0.0, 0.01 * i] for i in range(8)))
    learners = [f"l{i}" for i in range(8)]
    teams = ["sales"] * 4 + ["ops"] * 4
    circles = form_circles(vectors, learners, teams, min_size=2, max_size=4)
    assert sorted(len(c.goals) for c in circles) == [4, 4]
    for circle in circles:
        assert {teams[g] for g in circle.goals} == {"sales", "ops"}
        assert circle.named_by in circle.goals


def test_a_learner_joins_a_theme_once_and_small_themes_form_no_circle() -> None:
    # Two goals of l0 on one theme; l3 alone on another theme.
    vectors = unit([1, 0, 0], [1, 0.05, 0], [1, 0.1, 0], [1, 0, 0.1], [0, 1, 0])
    learners = ["l0", "l0", "l1", "l2", "l3"]
    circles = form_circles(vectors, learners, [""] * 5, min_size=3, max_size=8)
    assert len(circles) == 1
    (circle,) = circles
    assert sorted(learners[g] for g in circle.goals) == ["l0", "l1", "l2"]
    assert 4 not in circle.goals


def test_sizes_must_make_sense() -> None:
    with pytest.raises(ValueError, match="min_size <= max_size"):
        form_circles(unit([1, 0]), ["a"], [""], min_size=4, max_size=3)
