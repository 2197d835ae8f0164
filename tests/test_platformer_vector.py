"""``PlatformerVectorEnv``: many players on their own levels in one compiled step, row for row the single env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import envs.platformer.vector as vector_module
from envs.level import Level, LevelListSource
from envs.platformer import PlatformerEnv, PlatformerVectorEnv


def make_level(width: int, pit: int | None = None, enemy: int | None = None, name: str = "lv") -> Level:
    grid = [["-"] * width for _ in range(14)]
    grid[13] = ["X"] * width
    if pit is not None:
        grid[13][pit : pit + 2] = ["-", "-"]
    if enemy is not None:
        grid[12][enemy] = "E"
    grid[9][width // 2] = "?"
    grid[12][width // 3] = "o"
    return Level(tuple("".join(row) for row in grid), name)


class _Endless:
    """A generator-like source: a new level (new tiles, growing widths) at almost every draw."""

    def sample(self, rng: np.random.Generator) -> Level:
        k = int(rng.integers(40))
        return make_level(24 + 3 * k, pit=10 + k % 7, enemy=18 + k % 5 if k % 3 else None, name=f"gen{k}")


def _run_side_by_side(n: int, kwargs: dict, steps: int, seed: int = 3) -> None:
    """The batched env against ``n`` single envs seeded ``seed + i`` (reset again when an episode ends)."""
    venv = PlatformerVectorEnv(n, **kwargs)
    singles = [PlatformerEnv(**kwargs) for _ in range(n)]
    obs, info = venv.reset(seed=seed)
    pending = [False] * n
    for i, env in enumerate(singles):
        o, inf = env.reset(seed=seed + i)
        np.testing.assert_array_equal(obs[i], o)
        assert info["level"][i] == inf["level"]
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        actions = rng.integers(0, 6, size=n)
        obs, rew, term, trunc, info = venv.step(actions)
        for i, env in enumerate(singles):
            if pending[i]:
                o, inf = env.reset()
                r, te, tr = 0.0, False, False
            else:
                o, r, te, tr, inf = env.step(int(actions[i]))
            np.testing.assert_array_equal(obs[i], o)
            assert (rew[i], term[i], trunc[i]) == (r, te, tr)
            assert (info["x"][i], info["coins"][i], info["level"][i]) == (inf["x"], inf["coins"], inf["level"])
            assert venv.state(i) == env.state
            pending[i] = te or tr


def test_rows_match_single_envs_on_a_generator_of_new_levels(monkeypatch):
    """Levels of new shapes keep arriving: the table and the rows grow, and old levels are forgotten."""
    monkeypatch.setattr(vector_module, "_MAX_SLOTS", 6)
    _run_side_by_side(5, {"level_source": _Endless(), "check_playable": False, "max_steps": 60}, 400)


def test_rows_match_single_envs_with_frame_skip_and_random_starts():
    kwargs = {"frame_skip": 3, "start_anywhere": 0.6, "max_steps": 500, "check_playable": False}
    _run_side_by_side(4, kwargs, 300)


def test_rows_play_different_levels_at_once():
    venv = PlatformerVectorEnv(16, check_playable=False)
    _, info = venv.reset(seed=0)
    assert len(set(info["level"])) > 2
    assert len({lv.name for lv in venv.levels}) > 2


def test_make_vec_metadata_and_spaces():
    venv = gym.make_vec("ArcadeLab/Platformer-v0", num_envs=3, vectorization_mode="vector_entry_point",
                        check_playable=False)  # fmt: skip
    assert isinstance(venv.unwrapped, PlatformerVectorEnv)
    assert venv.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP and venv.unwrapped.supports_reset_mask
    obs, _ = venv.reset(seed=1)
    assert obs.shape == (3, 228) and venv.single_observation_space.contains(obs[0])
    assert venv.single_action_space == PlatformerEnv(check_playable=False).action_space


def test_reset_mask_resets_only_the_masked_rows():
    venv = PlatformerVectorEnv(4, level=make_level(40), check_playable=False)
    venv.reset(seed=0)
    for _ in range(20):
        obs, *_ = venv.step(np.full(4, 2))
    before = [venv.state(i) for i in range(4)]
    mask = np.array([True, False, True, False])
    fresh, info = venv.reset(options={"reset_mask": mask})
    assert info["_x"].tolist() == mask.tolist()
    for i in range(4):
        if mask[i]:
            assert venv.state(i)[0] < before[i][0] and venv.state(i)[5] == 0
        else:
            assert venv.state(i) == before[i]
            np.testing.assert_array_equal(fresh[i], obs[i])


def test_bad_actions_and_arguments_are_refused():
    venv = PlatformerVectorEnv(3, level=make_level(40), check_playable=False)
    with pytest.raises(RuntimeError, match="reset"):
        venv.step(np.zeros(3, dtype=np.int64))
    venv.reset(seed=0)
    state = [venv.state(i) for i in range(3)]
    for bad in (np.array([0, 6, 1]), np.array([0, -1, 1]), np.zeros(2, dtype=np.int64), np.zeros(3)):
        with pytest.raises(ValueError, match=r"Discrete\(6\)"):
            venv.step(bad)
    assert [venv.state(i) for i in range(3)] == state
    for kwargs, match in (({"obs_type": "pixels"}, "obs_type"), ({"render_mode": "human"}, "render_mode"),
                          ({"max_steps": 0}, "max_steps"), ({"frame_skip": 0}, "frame_skip")):  # fmt: skip
        with pytest.raises(ValueError, match=match):
            PlatformerVectorEnv(2, **kwargs)


def test_an_uncompletable_level_is_refused_with_its_name():
    from envs.level import LevelError

    wide_pit = Level(tuple(["-" * 40] * 13 + ["X" * 14 + "-" * 12 + "X" * 14]), "too-wide")
    with pytest.raises(LevelError, match="too-wide.*not completable"):
        PlatformerVectorEnv(2, level_source=LevelListSource([wide_pit])).reset(seed=0)


def test_training_builds_the_batched_env():
    from training.vec_env import GymnasiumVectorEnvAdapter, build_vec_env

    venv = build_vec_env("ArcadeLab/Platformer-v0", {"check_playable": False, "frame_skip": 4}, 8, seed=0)
    assert isinstance(venv, GymnasiumVectorEnvAdapter) and venv.partial_reset
    venv.reset()
    for _ in range(50):
        _, _, dones, infos = venv.step(np.random.default_rng(0).integers(0, 6, 8))
        for i in np.flatnonzero(dones):
            assert infos[i]["event"] in ("died", "finished", "none") and "terminal_observation" in infos[i]
    venv.close()
