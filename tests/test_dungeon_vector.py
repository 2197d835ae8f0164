"""``DungeonVectorEnv``: every row is a ``DungeonEnv`` (same seed rule, same levels, same monster draws), maps of
different sizes side by side, NEXT_STEP autoreset, partial resets, batched action masks and its registration."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from agents.dungeon_bot import DungeonSolverBot
from envs.dungeon import VGLC_LEGEND, DungeonEnv, DungeonVectorEnv
from envs.level import LevelListSource, load_level


def _singles(n: int, seed: int, kwargs: dict) -> tuple[list[DungeonEnv], list, list]:
    envs = [DungeonEnv(**kwargs) for _ in range(n)]
    firsts = [e.reset(seed=seed + i) for i, e in enumerate(envs)]
    return envs, [f[0] for f in firsts], [f[1] for f in firsts]


def _compare(kwargs: dict, n: int, seed: int, steps: int, p_bot: float = 0.7, partial: bool = False) -> int:
    """Step the vector env and ``n`` single envs side by side (bots drive the singles' state); returns episodes."""
    venv = DungeonVectorEnv(n, **kwargs)
    singles, s_obs, s_info = _singles(n, seed, kwargs)
    bots = [DungeonSolverBot(e) for e in singles]
    obs, info = venv.reset(seed=seed)
    assert np.array_equal(obs, np.stack(s_obs))
    assert np.array_equal(info["action_mask"], np.stack([i["action_mask"] for i in s_info]))
    rng = np.random.default_rng(seed)
    pending = np.zeros(n, dtype=bool)
    episodes = 0
    for _ in range(steps):
        actions = np.array([b.act(None, {}) if rng.random() < p_bot else int(rng.integers(5)) for b in bots])
        obs, rew, term, trunc, info = venv.step(actions)
        assert np.array_equal(venv.action_masks(), info["action_mask"])
        for i, e in enumerate(singles):
            if pending[i]:  # the vector env's reset step: the single env resets without a seed
                o, inf = e.reset()
                bots[i].reset()
                r, te, tr = 0.0, False, False
            else:
                o, r, te, tr, inf = e.step(int(actions[i]))
            assert np.array_equal(obs[i], o), f"row {i}"
            assert (rew[i], term[i], trunc[i]) == (r, te, tr), f"row {i}"
            assert np.array_equal(info["action_mask"][i], inf["action_mask"])
            for key in ("hp", "treasures_left", "rooms_visited", "success"):
                assert info[key][i] == inf[key], (key, i)
            assert venv.snapshot(i) == e.snapshot()
            assert venv.levels[i].rows == e.level.rows
        done = term | trunc
        episodes += int(done.sum())
        if partial and done.any():
            fresh, _ = venv.reset(options={"reset_mask": done})
            for i in np.flatnonzero(done):
                o, inf = singles[i].reset()
                bots[i].reset()
                assert np.array_equal(fresh[i], o)
            obs = fresh
            pending[:] = False
        else:
            pending = done
    return episodes


@pytest.mark.parametrize("obs_type", ["vector", "pixels"])
def test_rows_are_single_envs_on_the_shipped_levels(obs_type):
    assert _compare({"obs_type": obs_type, "max_steps": 150, "max_hp": 3}, 6, 3, 500) > 6


def test_partial_resets_match_single_env_resets():
    assert _compare({"max_steps": 120}, 5, 11, 400, partial=True) > 5


def test_rows_play_different_corpus_maps_of_different_sizes(vglc_root):
    folder = vglc_root / "The Legend of Zelda" / "Processed"
    levels = [load_level(folder / f"tloz{i}_1.txt", VGLC_LEGEND) for i in (1, 3, 8)]
    from envs.data import SHIPPED_LEVELS
    from envs.dungeon import LEGEND
    from envs.level import load_levels

    levels += load_levels([SHIPPED_LEVELS / "dungeon"], LEGEND)[:2]
    kwargs = {"level_source": LevelListSource(levels), "max_steps": 200, "max_hp": 2}
    _compare(kwargs, 8, 5, 600, p_bot=0.5)


def test_map_table_grows_and_drops_unused_maps():
    # a source with many distinct maps (the shipped ones renamed and shifted by a column of blocks) and few rows
    from envs.data import SHIPPED_LEVELS
    from envs.dungeon import LEGEND, solve
    from envs.level import load_levels

    base = load_levels([SHIPPED_LEVELS / "dungeon"], LEGEND)
    variants = []
    for lv in base:
        for k in range(2, 9):
            v = lv.replace({(2 + k, 3): "B"}, name=f"{lv.name}-{k}")
            if solve(v).completable:
                variants.append(v)
    assert len(variants) > 20
    kwargs = {"level_source": LevelListSource(variants), "max_steps": 30}
    _compare(kwargs, 3, 0, 400, p_bot=0.0)


def test_invalid_actions_and_arguments_are_refused():
    venv = DungeonVectorEnv(4)
    with pytest.raises(RuntimeError):
        venv.step(np.zeros(4, dtype=np.int64))
    venv.reset(seed=0)
    for bad in (np.array([0, 1, 5, 0]), np.array([0, -1, 0, 0]), np.zeros(3, dtype=np.int64), np.zeros(4)):
        with pytest.raises(ValueError, match="Discrete"):
            venv.step(bad)
    with pytest.raises(ValueError, match="render_mode"):
        DungeonVectorEnv(2, render_mode="human")
    with pytest.raises(ValueError, match="num_envs"):
        DungeonVectorEnv(0)
    with pytest.raises(ValueError, match="reset_mask"):
        venv.reset(options={"reset_mask": np.ones(3, dtype=bool)})


def test_registered_as_the_vector_entry_point():
    venv = gym.make_vec(
        "ArcadeLab/Dungeon-v0", num_envs=3, vectorization_mode="vector_entry_point", max_steps=50
    )
    assert isinstance(venv.unwrapped, DungeonVectorEnv)
    obs, info = venv.reset(seed=1)
    assert venv.observation_space.contains(obs) and info["action_mask"].shape == (3, 5)
    for _ in range(60):
        obs, *_ = venv.step(venv.action_space.sample())
        assert venv.observation_space.contains(obs)


def test_training_adapter_sees_what_dummy_vec_env_sees():
    """The config's switch from DummyVecEnv to the batched env keeps every rollout (same seeds, same episodes)."""
    from sb3_contrib.common.maskable.utils import get_action_masks

    from training.vec_env import build_vec_env

    kwargs = {"obs_type": "vector", "max_steps": 60}
    dummy = build_vec_env("ArcadeLab/Dungeon-v0", kwargs, 4, 7, "dummy")
    batched = build_vec_env("ArcadeLab/Dungeon-v0", kwargs, 4, 7, "auto")
    assert type(batched).__name__ == "GymnasiumVectorEnvAdapter"
    obs_d, obs_b = dummy.reset(), batched.reset()
    rng = np.random.default_rng(0)
    for _ in range(300):
        assert np.array_equal(obs_d, obs_b)
        assert np.array_equal(get_action_masks(dummy), get_action_masks(batched))
        actions = rng.integers(0, 5, 4)
        obs_d, rew_d, done_d, info_d = dummy.step(actions)
        obs_b, rew_b, done_b, info_b = batched.step(actions)
        assert np.array_equal(rew_d, rew_b) and np.array_equal(done_d, done_b)
        for i in np.flatnonzero(done_d):
            assert np.array_equal(info_d[i]["terminal_observation"], info_b[i]["terminal_observation"])
            assert info_d[i]["episode"]["r"] == pytest.approx(info_b[i]["episode"]["r"])
            assert info_d[i]["episode"]["l"] == info_b[i]["episode"]["l"]
            assert info_d[i]["TimeLimit.truncated"] == info_b[i]["TimeLimit.truncated"]
