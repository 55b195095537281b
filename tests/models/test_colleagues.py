"""Member scores on item vectors: the few-items rule, corroboration across kinds, and who may be listed."""
from __future__ import annotations

import numpy as np

from models.colleagues import Profiles, best_members, score_members


def test_one_lucky_item_does_not_beat_a_member_whose_items_keep_showing_it() -> None:
    goal = np.array([[1.0, 0.0]], dtype=np.float32)
    close = [0.8, 0.6]
    off = [0.0, 1.0]
    # Member 0: one item very close. Member 1: six items fairly close. Member 2: nothing near.
    vectors = np.array([[0.95, 0.31], *[close] * 6, *[off] * 3], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    owner = np.array([0] + [1] * 6 + [2] * 3)
    kinds = np.array(["post"] * 10, dtype=object)
    scores = score_members(goal, Profiles(owner, kinds, vectors, 3))
    assert best_members(scores, 0, 3) == [1, 0], "member 2 has nothing near the goal and is not listed"


def test_a_goal_shown_by_several_kinds_of_item_scores_higher() -> None:
    goal = np.array([[1.0, 0.0]], dtype=np.float32)
    vectors = np.array([[0.8, 0.6]] * 6, dtype=np.float32)
    owner = np.array([0, 0, 0, 1, 1, 1])
    kinds = np.array(["skill", "course", "post", "post", "post", "post"], dtype=object)
    scores = score_members(goal, Profiles(owner, kinds, vectors, 2))
    assert scores.breadth[0, 0] == 1.0 and scores.breadth[0, 1] == 1 / 3
    assert best_members(scores, 0, 2) == [0, 1]
    assert best_members(scores, 0, 2, leave_out=[0]) == [1]
