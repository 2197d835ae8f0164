"""One conformance suite over every registered ArcadeLab environment (as Gymnasium and PettingZoo do)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import envs

ENV_IDS = envs.ENV_IDS
OBS_TYPES = ("vector", "pixels")


def _make(env_id: str, **kwargs) -> gym.Env:
    return gym.make(env_id, disable_env_checker=True, **kwargs).unwrapped


def _policy_actions(env: gym.Env, info: dict, rng: np.random.Generator):
    """A random legal action, drawn from ``rng`` so two runs can share it."""
    mask = info.get("action_mask")
    if mask is None and hasattr(env, "action_masks"):
        mask = env.action_masks()
    n = env.action_space.n
    if mask is not None and np.any(mask):
        return int(rng.choice(np.flatnonzero(mask)))
    return int(rng.integers(n))


def _rollout(env: gym.Env, seed: int, steps: int, action_seed: int = 123):
    rng = np.random.default_rng(action_seed)
    obs, info = env.reset(seed=seed)
    trace = [("reset", obs)]
    for _ in range(steps):
        action = _policy_actions(env, info, rng)
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((action, obs, reward, terminated, truncated))
        if terminated or truncated:
            obs, info = env.reset()
            trace.append(("reset", obs))
    return trace


def _assert_same(a, b):
    assert len(a) == len(b)
    for step, (x, y) in enumerate(zip(a, b, strict=True)):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, np.ndarray):
                np.testing.assert_array_equal(u, v, err_msg=f"step {step}")
            else:
                assert u == v, f"step {step}: {u!r} != {v!r}"


@pytest.mark.parametrize("obs_type", OBS_TYPES)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env_passes_without_warnings(env_id, obs_type):
    for render_mode in (None, "rgb_array"):
        env = _make(env_id, obs_type=obs_type, render_mode=render_mode)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(env, skip_render_check=render_mode is None)
        env.close()


@pytest.mark.parametrize("obs_type", OBS_TYPES)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_same_actions_same_trajectory(env_id, obs_type):
    a, b = _make(env_id, obs_type=obs_type), _make(env_id, obs_type=obs_type)
    _assert_same(_rollout(a, seed=7, steps=400), _rollout(b, seed=7, steps=400))


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_different_seeds_differ(env_id):
    """Guards the determinism test against an env that ignores its seed entirely."""
    traces = [_rollout(_make(env_id), seed=s, steps=300) for s in range(4)]
    flat = [np.concatenate([np.ravel(np.asarray(t[1], dtype=np.float64)) for t in tr]) for tr in traces]
    assert any(len(flat[0]) != len(f) or not np.array_equal(flat[0], f) for f in flat[1:])


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pickle_round_trip_continues_identically(env_id):
    env = _make(env_id)
    rng = np.random.default_rng(0)
    _, info = env.reset(seed=3)
    for _ in range(25):
        _, *_rest, info = env.step(_policy_actions(env, info, rng))
        if _rest[1] or _rest[2]:
            _, info = env.reset()
    clone = pickle.loads(pickle.dumps(env))
    for _ in range(50):
        action = _policy_actions(env, info, rng)
        a = env.step(action)
        b = clone.step(action)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:4] == b[1:4]
        info = a[4]
        if a[2] or a[3]:
            break


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_rgb_array_frame(env_id):
    env = _make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert frame.shape[0] >= 64 and frame.shape[1] >= 64
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) >= 3, "frame is (nearly) blank"
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_human_render_under_dummy_driver(env_id):
    env = _make(env_id, render_mode="human")
    env.reset(seed=0)
    for _ in range(3):
        env.step(0)
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pixels_observation(env_id):
    env = _make(env_id, obs_type="pixels")
    obs, _ = env.reset(seed=0)
    assert obs.dtype == np.uint8 and obs.ndim == 3 and obs.shape[2] == 3
    assert obs.shape[0] <= 128 and obs.shape[1] <= 128, "pixel observations are downscaled"
    assert obs.max() > obs.min()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_invalid_action_names_the_action_space(env_id):
    env = _make(env_id)
    env.reset(seed=0)
    for bad in (env.action_space.n + 5, -1):
        with pytest.raises(ValueError, match="Discrete"):
            env.step(bad)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_unknown_obs_type_is_refused(env_id):
    with pytest.raises(ValueError, match="obs_type"):
        _make(env_id, obs_type="voxels")


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_action_masks_when_offered(env_id):
    env = _make(env_id)
    _, info = env.reset(seed=0)
    if not hasattr(env, "action_masks"):
        assert "action_mask" not in info, "an env with masks in info must offer action_masks() too"
        return
    mask = env.action_masks()
    assert mask.dtype == bool and mask.shape == (env.action_space.n,) and mask.any()
    np.testing.assert_array_equal(mask, info["action_mask"])


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_no_pygame_without_rendering(env_id):
    code = (
        "import sys, gymnasium as gym, envs\n"
        f"env = gym.make({env_id!r})\n"
        "env.reset(seed=0)\n"
        "for _ in range(50):\n"
        "    _, _, te, tr, _ = env.step(env.action_space.sample())\n"
        "    if te or tr: env.reset()\n"
        "assert 'pygame' not in sys.modules, 'pygame imported without rendering'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_arcadelab_envs_lists_every_env():
    from typer.testing import CliRunner

    from arcadelab.cli import app

    result = CliRunner().invoke(app, ["envs"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for env_id in ENV_IDS:
        assert env_id in result.output
    assert "Discrete" in result.output


class _OneRow:
    """A one-row batched env seen as a single env (its reset step is the single env's ``reset()``)."""

    def __init__(self, venv) -> None:
        self.venv = venv

    def reset(self, seed=None):
        if seed is None:  # the row ended last step: its NEXT_STEP autoreset is the next step, whatever the action
            obs, _, _, _, info = self.venv.step(np.zeros(1, dtype=np.int64))
        else:
            obs, info = self.venv.reset(seed=seed)
        return obs[0], info

    def step(self, action: int):
        obs, reward, terminated, truncated, info = self.venv.step(np.array([action]))
        return obs[0], float(reward[0]), bool(terminated[0]), bool(truncated[0]), info


VECTOR_ENV_IDS = tuple(env_id for env_id in ENV_IDS if gym.spec(env_id).vector_entry_point)


@pytest.mark.parametrize("env_id", VECTOR_ENV_IDS)
def test_batched_row_i_plays_exactly_the_single_env_seeded_s_plus_i(env_id):
    """The contract of every batched env (one rules core, two views): after ``reset(seed=s)`` row ``i`` is the
    single env after ``reset(seed=s + i)``, step for step under the same actions, through NEXT_STEP autoresets
    (the batched row ignores the action of its reset step; the single env resets without a seed there)."""
    n, seed, steps = 3, 40, 400
    import inspect

    from envs.spec import env_entry, load_object, spec_for_env

    entry = env_entry(env_id)
    assert entry is not None and entry.vector_entry_point is not None
    takes = inspect.signature(load_object(entry.vector_entry_point)).parameters
    spec = spec_for_env(env_id)
    # short episodes, so truncations happen too; a level game refuses levels it cannot finish that quickly
    kwargs = {"max_steps": 120} if "max_steps" in takes and not (spec and spec.levels) else {}
    venv = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    if getattr(venv, "replays_single_env", True):
        singles = [_make(env_id, **kwargs) for _ in range(n)]
    else:  # its own random streams (the class says why): each row must still be the one-row batched env
        singles = [_OneRow(gym.make_vec(env_id, num_envs=1, vectorization_mode="vector_entry_point", **kwargs))
                   for _ in range(n)]  # fmt: skip
    vobs, _ = venv.reset(seed=seed)
    sobs = [env.reset(seed=seed + i)[0] for i, env in enumerate(singles)]
    rng = np.random.default_rng(0)
    pending = np.zeros(n, dtype=bool)
    ends = 0
    for t in range(steps):
        actions = rng.integers(venv.single_action_space.n, size=n)
        vobs, vrew, vterm, vtrunc, _ = venv.step(actions)
        for i, env in enumerate(singles):
            if pending[i]:
                sobs[i], rew, term, trunc = env.reset()[0], 0.0, False, False
            else:
                sobs[i], rew, term, trunc, _ = env.step(int(actions[i]))
            np.testing.assert_array_equal(vobs[i], sobs[i], err_msg=f"{env_id} step {t} row {i}")
            assert (float(vrew[i]), bool(vterm[i]), bool(vtrunc[i])) == (float(rew), term, trunc), (t, i)
        pending = vterm | vtrunc
        ends += int(pending.sum())
    assert ends > 0, "no episode ended: the autoreset path was not exercised"
    venv.close()


# ------------------------------------------------------------------------------- the episode-end contract
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_every_env_says_at_the_episode_end_whether_the_agent_won(env_id):
    """``info["is_success"]`` (a bool) on the step that ends an episode and on no other step (envs/spec.py);
    the batched view gives it per row, masked to the rows that ended."""
    from envs.spec import env_entry

    env = _make(env_id)
    rng = np.random.default_rng(1)
    ended = 0
    for episode in range(3):
        obs, info = env.reset(seed=episode)
        for _ in range(20_000):
            obs, _, terminated, truncated, info = env.step(_policy_actions(env, info, rng))
            if terminated or truncated:
                break
            assert "is_success" not in info
        assert terminated or truncated, "an episode did not end"
        assert isinstance(info["is_success"], bool)
        ended += 1
    entry = env_entry(env_id)
    if entry is not None and entry.vector_entry_point:
        venv = gym.make_vec(env_id, num_envs=4, vectorization_mode="vector_entry_point")
        venv.reset(seed=0)
        seen = 0
        for _ in range(5_000):
            _, _, term, trunc, infos = venv.step(rng.integers(venv.single_action_space.n, size=4))
            done = term | trunc
            assert ("is_success" in infos) == bool(done.any())
            if done.any():
                np.testing.assert_array_equal(infos["_is_success"], done)
                assert infos["is_success"].dtype == np.bool_
                seen += int(done.sum())
                if seen >= 4:
                    break
        assert seen >= 4, "the batched env ended too few episodes to check"


@pytest.mark.parametrize("env_id", [e.id for e in envs.spec.env_entries() if e.parallel_entry_point])
def test_every_two_player_view_names_the_winner_at_the_end(env_id):
    """Both agents get ``winner`` (an agent's name or None) and their own ``is_success`` when the game ends."""
    from envs.spec import env_entry, load_object

    entry = env_entry(env_id)
    assert entry is not None and entry.parallel_entry_point is not None
    env = load_object(entry.parallel_entry_point)()
    rng = np.random.default_rng(2)
    winners = set()
    for seed in range(4):
        env.reset(seed=seed)
        infos: dict = {}
        while env.agents:
            actions = {a: int(rng.integers(env.action_space(a).n)) for a in env.agents}
            _, _, _, _, infos = env.step(actions)
        winner = infos[env.possible_agents[0]]["winner"]
        assert winner is None or winner in env.possible_agents
        for agent in env.possible_agents:
            assert infos[agent]["winner"] == winner
            assert infos[agent]["is_success"] is (winner == agent)
        winners.add(winner)
    assert winners - {None}, "no game of four had a winner"
