"""``SnakeVersusVectorEnv``: the batched versus game against the compiled greedy planner, one call per step."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from envs.snake import SnakeVersusVectorEnv, VersusGame, choose_move
from envs.snake import versus_core as vc


def _board(venv, r):
    s = venv._state
    return s.snake(r, 0), s.snake(r, 1), int(s.vi[r, vc.FOOD]), int(s.vi[r, vc.D0]), int(s.vi[r, vc.D1])


def test_make_vec_spaces_and_infos():
    venv = gym.make_vec(
        "ArcadeLab/SnakeVersus-v0", num_envs=5, vectorization_mode="vector_entry_point", size=8
    )
    assert venv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert venv.single_action_space == gym.spaces.Discrete(4) and venv.observation_space.shape == (
        5,
        11,
        8,
        8,
    )
    obs, info = venv.reset(seed=3)
    assert obs in venv.observation_space
    assert set(info) == {
        "length",
        "opponent_length",
        "score",
        "heading",
        "dead",
        "action_mask",
        "illegal_action",
    }
    assert (info["length"] == 3).all() and (info["heading"] == 1).all() and info["dead"].shape == (5, 2)
    np.testing.assert_array_equal(info["action_mask"], venv.unwrapped.action_masks())
    for bad in (np.array([0, 1, 4, 0, 0]), np.array([0, 1]), np.zeros(5)):
        with pytest.raises(ValueError, match=r"Discrete\(4\)"):
            venv.step(bad)
    for kwargs in ({"opponent": "random"}, {"obs_type": "pixels"}, {"render_mode": "rgb_array"}):
        with pytest.raises(ValueError):
            SnakeVersusVectorEnv(2, **kwargs)


def test_rows_follow_the_versus_rules_and_the_greedy_planner():
    """Each row, replayed on a ``VersusGame`` (the single env's board) with the planner's move for snake 1 and
    the row's own food draw, gives the same board, rewards and flags; NEXT_STEP autoreset restarts a row."""
    n, size = 16, 7
    venv = SnakeVersusVectorEnv(n, size=size, max_steps=120, starvation_steps=40)
    obs, _ = venv.reset(seed=11)
    rng = np.random.default_rng(0)
    game = VersusGame(size, 120, 40)
    ends = eats = 0
    pending = np.zeros(n, dtype=bool)
    for t in range(400):
        actions = rng.integers(0, 4, n)
        before = [_board(venv, r) for r in range(n)]
        steps = [int(venv._state.vi[r, vc.STEPS]) for r in range(n)]
        since = [int(venv._state.vi[r, vc.SINCE_FOOD]) for r in range(n)]
        obs, rew, term, trunc, info = venv.step(actions)
        for r in range(n):
            if pending[r]:
                assert rew[r] == 0 and not term[r] and not trunc[r] and info["length"][r] == 3
                continue
            s0, s1, food, d0, d1 = before[r]
            game.state.vi[0, vc.OVER] = 0
            game.snakes = [s0, s1]
            game.dirs = [d0, d1]
            game.food = food
            game.state.vi[0, vc.STEPS], game.state.vi[0, vc.SINCE_FOOD] = steps[r], since[r]
            b = choose_move(size, s1, None if food < 0 else food, [s0])
            rewards, terminated, truncated, _, _ = game.step((int(actions[r]), b), _NoDraw(venv, r))
            assert (rewards[0], terminated, truncated) == (rew[r], term[r], trunc[r]), (t, r)
            assert [list(x) for x in game.snakes] == [venv._state.snake(r, 0), venv._state.snake(r, 1)], (
                t,
                r,
            )
            eats += rewards[0] > 0 or rewards[1] > 0
        np.testing.assert_array_equal(obs[:, 0:5].sum(axis=(1, 2, 3)), info["length"])
        pending = term | trunc
        ends += int(pending.sum())
    assert ends > 30 and eats > 10, (ends, eats)


class _NoDraw:
    """Stands in for ``np_random`` when replaying a row: returns the row's actual food cell's index."""

    def __init__(self, venv, r):
        self.venv, self.r = venv, r

    def integers(self, free):
        s = self.venv._state
        food = int(s.vi[self.r, vc.FOOD])
        return int((s.occ[self.r, :food] == 0).sum())


def test_seeds_and_partial_reset():
    a, b = SnakeVersusVectorEnv(6, size=8), SnakeVersusVectorEnv(6, size=8)
    oa, _ = a.reset(seed=5)
    ob, _ = b.reset(seed=5)
    np.testing.assert_array_equal(oa, ob)
    rng = np.random.default_rng(1)
    for _ in range(50):
        actions = rng.integers(0, 4, 6)
        for x, y in zip(a.step(actions), b.step(actions), strict=True):
            if isinstance(x, dict):
                for k in x:
                    np.testing.assert_array_equal(x[k], y[k])
            else:
                np.testing.assert_array_equal(x, y)
    mask = np.array([True, False, True, False, False, False])
    keep = a._state.bodies[~mask].copy(), a._state.vi[~mask].copy()
    _, info = a.reset(options={"reset_mask": mask})
    np.testing.assert_array_equal(a._state.bodies[~mask], keep[0])
    np.testing.assert_array_equal(a._state.vi[~mask], keep[1])
    assert (info["length"][mask] == 3).all()
    held = a.step(np.zeros(6, dtype=np.int64))[0]
    again = a.step(np.zeros(6, dtype=np.int64))[0]
    assert held is not again  # copy=True: fresh arrays (the caller still holds the last one)
