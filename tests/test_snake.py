"""Snake: rules, arguments, the batched env's exact match with the single env, versus rules, the bot."""

from __future__ import annotations

import pickle
import warnings
from collections import deque

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from pettingzoo.test import parallel_api_test

from agents.base import Agent
from agents.snake_bot import SnakeGreedyBot
from envs import rng
from envs.snake import SnakeEnv, SnakeVectorEnv, SnakeVersusEnv, SnakeVersusParallelEnv, _draw_array
from envs.snake.planner import GreedySnakePolicy, parse_observation

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
STEP = {UP: (-1, 0), RIGHT: (0, 1), DOWN: (1, 0), LEFT: (0, -1)}


def _head(obs):
    return tuple(int(x) for x in np.argwhere(obs[0])[0])


def _heading(obs):
    size, snake, _, _ = parse_observation(obs)
    (hr, hc), (nr, nc) = divmod(snake[0], size), divmod(snake[1], size)
    return {(-1, 0): UP, (0, 1): RIGHT, (1, 0): DOWN, (0, -1): LEFT}[(hr - nr, hc - nc)]


def _grow_to(env, length, seed):
    """Reset ``env`` and let the bot play until the snake has ``length`` cells; returns (obs, info)."""
    bot = SnakeGreedyBot()
    obs, info = env.reset(seed=seed)
    while info["length"] < length:
        obs, _, terminated, truncated, info = env.step(bot.act(obs, info))
        assert not (terminated or truncated)
    return obs, info


# -- single env: arguments and rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [4, 0, -3, 12.0, "12", True, None])
def test_bad_size_is_refused(size):
    for cls in (SnakeEnv, SnakeVersusEnv, SnakeVersusParallelEnv):
        with pytest.raises(ValueError, match="size"):
            cls(size=size)
    with pytest.raises(ValueError, match="size"):
        SnakeVectorEnv(2, size=size)


def test_other_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="max_steps"):
        SnakeEnv(max_steps=0)
    with pytest.raises(ValueError, match="starvation_steps"):
        SnakeEnv(starvation_steps=-1)
    with pytest.raises(ValueError, match="num_envs"):
        SnakeVectorEnv(0)
    with pytest.raises(ValueError, match="obs_type"):
        SnakeVectorEnv(2, obs_type="voxels")
    with pytest.raises(ValueError, match="render_mode"):
        SnakeEnv(render_mode="ascii")


def test_reset_layout_and_info():
    env = SnakeEnv(size=9)
    obs, info = env.reset(seed=5)
    assert obs.shape == (6, 9, 9) and obs.dtype == np.uint8 and obs.max() == 1
    assert obs[0].sum() == 1 and obs[1:5].sum() == 2 and obs[5].sum() == 1
    assert (obs.sum(axis=0) <= 1).all(), "one thing per cell"
    assert info["length"] == 3 and info["score"] == 0 and info["illegal_action"] is False
    mask = env.action_masks()
    assert mask.tolist().count(False) == 1 and not mask[_heading(obs) ^ 2]
    np.testing.assert_array_equal(mask, info["action_mask"])


def test_small_and_odd_sizes_play():
    for size in (5, 7, 13):
        env = SnakeEnv(size=size)
        _, info = env.reset(seed=size)
        for _ in range(60):
            _, _, terminated, truncated, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
            if terminated or truncated:
                _, info = env.reset()


def test_reverse_is_masked_and_keeps_straight():
    env = SnakeEnv()
    obs, _ = env.reset(seed=11)
    heading = _heading(obs)
    clone = pickle.loads(pickle.dumps(env))
    straight = clone.step(heading)
    reverse = env.step(heading ^ 2)
    assert reverse[4]["illegal_action"] is True and straight[4]["illegal_action"] is False
    np.testing.assert_array_equal(reverse[0], straight[0])
    assert reverse[1:4] == straight[1:4]


def test_moving_keeps_length_and_moves_the_tail():
    env = SnakeEnv()
    obs, info = env.reset(seed=2)
    heading = _heading(obs)
    before = np.argwhere(obs[1:5].any(axis=0)).tolist()
    obs, reward, terminated, _, info = env.step(heading)
    after = np.argwhere(obs[1:5].any(axis=0)).tolist()
    assert reward == 0.0 and not terminated and info["length"] == 3
    assert len(after) == 2 and after != before


def test_eating_grows_and_respawns_food():
    env = SnakeEnv()
    bot = SnakeGreedyBot()
    obs, info = env.reset(seed=4)
    reward = 0.0
    while reward == 0.0:
        food = np.argwhere(obs[5])[0].tolist()
        obs, reward, terminated, truncated, info = env.step(bot.act(obs, info))
        assert not (terminated or truncated)
    assert reward == 1.0 and info["length"] == 4 and info["score"] == 1
    assert list(_head(obs)) == food, "the head is where the food was"
    assert obs[1:5].sum() == 3 and obs[5].sum() == 1 and not obs[5][tuple(food)]


def test_wall_kills():
    env = SnakeEnv()
    obs, _ = env.reset(seed=8)
    heading = _heading(obs)
    r, c = _head(obs)
    to_wall = {UP: r, DOWN: 11 - r, LEFT: c, RIGHT: 11 - c}[heading]
    for _ in range(to_wall):
        obs, reward, terminated, truncated, _ = env.step(heading)
        assert reward == 0.0 and not terminated
    before = obs
    obs, reward, terminated, truncated, _ = env.step(heading)
    assert reward == -1.0 and terminated and not truncated
    np.testing.assert_array_equal(obs, before)  # the board freezes as it was
    with pytest.raises(RuntimeError, match="reset"):
        env.step(heading)


def _u_turn(env, obs):
    """Three turns the same way lead the head back into the cell behind where it started."""
    heading = _heading(obs)
    for turn in (1, 3):  # right-hand or left-hand U-turn, whichever stays off the walls
        trial = pickle.loads(pickle.dumps(env))
        results = [trial.step((heading + k * turn) % 4) for k in (1, 2, 3)]
        if not results[0][2] and not results[1][2]:
            return results
    raise AssertionError("no room for a U-turn from this start: pick another seed for this test")


def test_biting_the_body_kills():
    env = SnakeEnv()
    obs, _ = _grow_to(env, 5, seed=1)
    *_, last = _u_turn(env, obs)
    assert last[1] == -1.0 and last[2] is True


def test_chasing_the_tail_is_allowed():
    env = SnakeEnv()
    obs, _ = _grow_to(env, 4, seed=1)
    *_, last = _u_turn(env, obs)  # length 4: the third move enters the cell the tail is leaving
    assert last[2] is False and last[4]["length"] == 4


def test_truncation_by_max_steps_and_starvation():
    for kwargs in ({"max_steps": 2}, {"starvation_steps": 2}):
        env = SnakeEnv(**kwargs)
        obs, _ = env.reset(seed=3)  # the head starts at least two cells from every wall
        heading = _heading(obs)
        assert env.step(heading)[3] is False
        _, reward, terminated, truncated, _ = env.step(heading)
        assert truncated and not terminated and reward == 0.0


def test_actions_accept_numpy_and_refuse_junk():
    env = SnakeEnv()
    obs, _ = env.reset(seed=0)
    env.step(np.int64(_heading(obs)))
    env.step(np.array(_heading(env.step(np.int32(_heading(obs)))[0])))
    for bad in (4, -1, 1.0, "1", True, np.array([1])):
        with pytest.raises(ValueError, match=r"Discrete\(4\)"):
            env.step(bad)


def test_pixels_show_the_board():
    env = SnakeEnv(obs_type="pixels")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (84, 84, 3) and obs.dtype == np.uint8
    assert len(np.unique(obs.reshape(-1, 3), axis=0)) >= 5  # floor x2, wall, food, head, body


# -- batched env ------------------------------------------------------------------------------------------------


def _food_seeking(obs, mask, rng):
    """A cheap test policy: toward the food if safe, else any safe move, and now and then anything at all."""
    if rng.random() < 0.05:
        return int(rng.integers(4))
    n = obs.shape[1]
    head = np.argwhere(obs[0])[0]
    body = obs[1:5].any(axis=0)
    safe = []
    for a in np.flatnonzero(mask):
        r, c = head + STEP[a]
        if 0 <= r < n and 0 <= c < n and not body[r, c]:
            safe.append(int(a))
    food = np.argwhere(obs[5])
    if len(food) and safe and rng.random() < 0.8:
        dr, dc = food[0] - head
        wanted = [
            a for a, ok in ((UP, dr < 0), (DOWN, dr > 0), (LEFT, dc < 0), (RIGHT, dc > 0)) if ok and a in safe
        ]
        if wanted:
            return wanted[0]
    return int(rng.choice(safe)) if safe else int(rng.choice(np.flatnonzero(mask)))


def _compare_batched_with_single(num_envs, steps, seed, policy, **kwargs):
    vec = SnakeVectorEnv(num_envs, **kwargs)
    singles = [SnakeEnv(**kwargs) for _ in range(num_envs)]
    vobs, vinfo = vec.reset(seed=seed)
    infos = []
    for i, env in enumerate(singles):
        obs, info = env.reset(seed=seed + i)
        np.testing.assert_array_equal(vobs[i], obs)
        infos.append(info)
    done = [False] * num_envs
    counts = {"terminated": 0, "truncated": 0, "food": 0, "won": 0}
    for t in range(steps):
        actions = np.array([policy(i, vobs[i], vinfo["action_mask"][i]) for i in range(num_envs)])
        vobs, vrew, vterm, vtrunc, vinfo = vec.step(actions)
        for i, env in enumerate(singles):
            if done[i]:  # NEXT_STEP autoreset: this step only resets, the action is ignored
                obs, info = env.reset()
                reward, terminated, truncated = 0.0, False, False
            else:
                obs, reward, terminated, truncated, info = env.step(int(actions[i]))
            np.testing.assert_array_equal(vobs[i], obs, err_msg=f"step {t} env {i}")
            assert (vrew[i], vterm[i], vtrunc[i]) == (reward, terminated, truncated), f"step {t} env {i}"
            for key in ("length", "score", "illegal_action"):
                assert vinfo[key][i] == info[key], f"step {t} env {i} {key}"
            np.testing.assert_array_equal(vinfo["action_mask"][i], info["action_mask"])
            done[i] = terminated or truncated
            counts["terminated"] += terminated
            counts["truncated"] += truncated
            counts["food"] += reward > 0
            counts["won"] += terminated and reward > 0
    return counts


def test_batched_env_matches_single_envs_step_for_step():
    rngs = [np.random.default_rng(100 + i) for i in range(16)]
    counts = _compare_batched_with_single(
        16,
        2000,
        seed=40,
        policy=lambda i, o, m: _food_seeking(o, m, rngs[i]),
        starvation_steps=30,
        max_steps=150,
    )
    # The run must exercise deaths, both truncations, eating and reverse attempts to prove anything.
    assert counts["terminated"] > 100 and counts["truncated"] > 10 and counts["food"] > 500, counts


def test_batched_env_matches_single_envs_through_a_win():
    bot = SnakeGreedyBot()
    counts = _compare_batched_with_single(
        4, 400, seed=0, policy=lambda i, o, m: bot.act(o, {"action_mask": m}), size=6
    )
    assert counts["won"] >= 1, counts


def test_batched_partial_reset_matches_single_envs_that_reset_at_once():
    """``reset(options={"reset_mask": m})`` == ``SnakeEnv.reset()`` at the same moment, step for step; the envs
    outside the mask keep their state and random streams (the masks also hold envs mid-episode, and sometimes
    leave finished envs out: those still restart by NEXT_STEP autoreset on the next step)."""
    n, kwargs = 12, {"size": 7, "starvation_steps": 30, "max_steps": 150}
    vec = SnakeVectorEnv(n, **kwargs)
    assert SnakeVectorEnv.supports_reset_mask
    singles = [SnakeEnv(**kwargs) for _ in range(n)]
    vobs, vinfo = vec.reset(seed=70)
    for i, env in enumerate(singles):
        np.testing.assert_array_equal(vobs[i], env.reset(seed=70 + i)[0])
    rngs = [np.random.default_rng(200 + i) for i in range(n)]
    pick = np.random.default_rng(9)
    resets = mid_episode = autoresets = 0
    pending = np.zeros(n, dtype=bool)
    for t in range(1500):
        actions = np.array([_food_seeking(vobs[i], vinfo["action_mask"][i], rngs[i]) for i in range(n)])
        vobs, vrew, vterm, vtrunc, vinfo = vec.step(actions)
        results = []
        for i, env in enumerate(singles):
            if pending[i]:  # finished and left out of the mask: this step only resets (NEXT_STEP autoreset)
                obs, info = env.reset()
                results.append((obs, 0.0, False, False, info))
            else:
                results.append(env.step(int(actions[i])))
        autoresets += int(pending.sum())
        for i, (obs, reward, terminated, truncated, _info) in enumerate(results):
            np.testing.assert_array_equal(vobs[i], obs, err_msg=f"step {t} env {i}")
            assert (vrew[i], vterm[i], vtrunc[i]) == (reward, terminated, truncated), f"step {t} env {i}"
        mask = vterm | vtrunc
        extra = pick.random(n) < 0.01  # now and then an env restarts mid-episode
        mid_episode += int((extra & ~mask).sum())
        mask |= extra
        if t % 37 == 0:
            mask[:] = False  # an empty mask resets nothing; finished envs then autoreset on the next step
        pending = (vterm | vtrunc) & ~mask
        keep = ~mask
        before = [a.copy() for a in (vobs, vec._codes2d, vec._counters, vec._keys, vec._length)]
        vobs, vinfo = vec.reset(options={"reset_mask": mask})
        np.testing.assert_array_equal(vobs[keep], before[0][keep])
        np.testing.assert_array_equal(vec._codes2d[keep], before[1][keep])
        np.testing.assert_array_equal(vec._counters[keep], before[2][keep])
        np.testing.assert_array_equal(vec._keys[keep], before[3][keep])
        np.testing.assert_array_equal(vec._length[keep], before[4][keep])
        for i, env in enumerate(singles):
            info = results[i][4]
            if mask[i]:
                obs, info = env.reset()
                np.testing.assert_array_equal(vobs[i], obs, err_msg=f"reset at step {t} env {i}")
            for key in ("length", "score"):
                assert vinfo[key][i] == info[key], f"step {t} env {i} {key}"
            np.testing.assert_array_equal(vinfo["action_mask"][i], info["action_mask"])
        resets += int(mask.sum())
    assert resets > 200 and mid_episode > 20 and autoresets > 3, (resets, mid_episode, autoresets)
    # A seeded partial reset re-keys only the masked envs: env i then replays SnakeEnv().reset(seed=s + i).
    mask = np.zeros(n, dtype=bool)
    mask[[1, 4]] = True
    counters = vec._counters.copy()
    vobs, _ = vec.reset(seed=500, options={"reset_mask": mask})
    for i in (1, 4):
        np.testing.assert_array_equal(vobs[i], SnakeEnv(**kwargs).reset(seed=500 + i)[0])
    np.testing.assert_array_equal(vec._counters[~mask], counters[~mask])
    with pytest.raises(ValueError, match="reset_mask"):
        vec.reset(options={"reset_mask": np.ones(n - 1, dtype=bool)})
    with pytest.raises(ValueError, match="reset_mask"):
        vec.reset(options={"reset_mask": np.ones(n, dtype=np.int64)})


def test_batched_partial_reset_is_used_by_the_sb3_adapter():
    """Through ``training/vec_env.py`` finished envs restart at once: no extra reset step reaches SB3, and the
    episodes it reports are exactly the single envs' episodes (lengths and returns)."""
    pytest.importorskip("stable_baselines3")
    from training.vec_env import GymnasiumVectorEnvAdapter

    n, kwargs = 4, {"size": 6, "starvation_steps": 20, "max_steps": 60}
    vec = gym.make_vec("ArcadeLab/Snake-v0", num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    adapter = GymnasiumVectorEnvAdapter(vec)
    assert adapter.partial_reset
    adapter.seed(11)
    obs = adapter.reset()
    singles = [SnakeEnv(**kwargs) for _ in range(n)]
    for i, env in enumerate(singles):
        np.testing.assert_array_equal(obs[i], env.reset(seed=11 + i)[0])
    returns, lengths, episodes = [0.0] * n, [0] * n, 0
    rng_ = np.random.default_rng(1)
    for t in range(400):
        masks = np.stack(adapter.env_method("action_masks"))
        actions = np.array([rng_.choice(np.flatnonzero(m)) for m in masks])
        obs, rewards, dones, infos = adapter.step(actions)
        for i, env in enumerate(singles):
            o, r, terminated, truncated, _ = env.step(int(actions[i]))
            returns[i] += r
            lengths[i] += 1
            assert rewards[i] == r and dones[i] == (terminated or truncated), (t, i)
            if dones[i]:
                np.testing.assert_array_equal(infos[i]["terminal_observation"], o)
                assert infos[i]["episode"]["l"] == lengths[i] and infos[i]["episode"]["r"] == returns[i]
                assert infos[i]["TimeLimit.truncated"] == (truncated and not terminated)
                o, _ = env.reset()
                returns[i], lengths[i] = 0.0, 0
                episodes += 1
            np.testing.assert_array_equal(obs[i], o, err_msg=f"step {t} env {i}")
    assert episodes > 20
    adapter.close()


def test_batched_env_api_and_next_step_autoreset():
    vec = gym.make_vec("ArcadeLab/Snake-v0", num_envs=3, vectorization_mode="vector_entry_point", size=8)
    assert vec.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert vec.single_action_space == gym.spaces.Discrete(4) and vec.observation_space.shape == (3, 6, 8, 8)
    obs, info = vec.reset(seed=1)
    assert obs in vec.observation_space
    np.testing.assert_array_equal(info["action_mask"], vec.unwrapped.action_masks())
    heading = np.array([_heading(o) for o in obs])
    ended = np.zeros(3, dtype=bool)
    previous_end = np.zeros(3, dtype=bool)
    for _ in range(12):  # straight ahead into the wall (a reset env may point elsewhere: it dies again later)
        obs, reward, terminated, truncated, info = vec.step(heading)
        # The step after an end only resets: reward 0, flags down, a fresh snake of length 3.
        assert (reward[previous_end] == 0).all() and not terminated[previous_end].any()
        assert (info["length"][previous_end] == 3).all() and not truncated.any()
        assert (reward[terminated] == -1).all()
        ended |= terminated
        previous_end = terminated
    assert ended.all()
    for bad in (np.array([0, 1, 4]), np.array([0, 1]), np.array([0.0, 1.0, 2.0])):
        with pytest.raises(ValueError, match=r"Discrete\(4\)"):
            vec.step(bad)


def test_batched_copy_flag_and_pixels():
    vec = SnakeVectorEnv(2, copy=True)
    first, _ = vec.reset(seed=0)
    second = vec.step(vec.action_masks().argmax(axis=1))[0]
    assert first is not second and not np.array_equal(first, second)
    pixels = SnakeVectorEnv(2, obs_type="pixels")
    obs, _ = pixels.reset(seed=0)
    assert obs.shape == (2, 84, 84, 3) and obs in pixels.observation_space
    single, _ = SnakeEnv(obs_type="pixels").reset(seed=1)
    np.testing.assert_array_equal(obs[1], single)


def test_batched_pixels_match_single_envs_through_deaths_and_food():
    """Pixel frames come from the code boards, so this checks the boards (incl. heads and dead snakes) too."""
    vec = SnakeVectorEnv(6, obs_type="pixels", size=7, starvation_steps=40)
    singles = [SnakeEnv(obs_type="pixels", size=7, starvation_steps=40) for _ in range(6)]
    vobs, _ = vec.reset(seed=3)
    for i, env in enumerate(singles):
        np.testing.assert_array_equal(vobs[i], env.reset(seed=3 + i)[0])
    bot, rngs, done = SnakeGreedyBot(), np.random.default_rng(0), [False] * 6
    shadows = [SnakeEnv(size=7, starvation_steps=40) for _ in range(6)]  # vector twins, for the bot to read
    sobs = [env.reset(seed=3 + i) for i, env in enumerate(shadows)]
    ended = 0
    for t in range(300):
        actions = np.array(
            [bot.act(*sobs[i]) if rngs.random() < 0.8 else int(rngs.integers(4)) for i in range(6)]
        )
        vobs, vrew, vterm, vtrunc, _ = vec.step(actions)
        for i in range(6):
            if done[i]:
                obs, reward, term, trunc, _ = singles[i].reset()[0], 0.0, False, False, None
                sobs[i] = shadows[i].reset()
            else:
                obs, reward, term, trunc, _ = singles[i].step(int(actions[i]))
                o, _, _, _, info = shadows[i].step(int(actions[i]))
                sobs[i] = (o, info)
            np.testing.assert_array_equal(vobs[i], obs, err_msg=f"step {t} env {i}")
            assert (vrew[i], vterm[i], vtrunc[i]) == (reward, term, trunc)
            done[i] = term or trunc
            ended += term or trunc
    assert ended > 10


def test_batched_draws_match_the_shared_generator():
    keys = rng.key_from_seed_array(np.arange(5, dtype=np.int64))
    for counters in (np.array([0, 1, 7, 500, 65535]), np.array([[3, 70000, 2, 9, 1 << 40]] * 2)):
        np.testing.assert_array_equal(_draw_array(keys, counters), rng.draw_array(keys, counters))


# -- versus -----------------------------------------------------------------------------------------------------


def _versus(size=7, **snakes):
    """A parallel env with a hand-set board: snakes as lists of (row, col) head first, plus headings."""
    env = SnakeVersusParallelEnv(size=size)
    env.reset(seed=0)
    game = env._game
    game.snakes = [deque(r * size + c for r, c in snakes["s0"]), deque(r * size + c for r, c in snakes["s1"])]
    game.dirs = [snakes["d0"], snakes["d1"]]
    game.food = snakes.get("food", 6 * size + 6)
    return env


def _play(env, a0, a1):
    return env.step({"snake_0": a0, "snake_1": a1})


def test_versus_head_on_equal_lengths_both_die():
    env = _versus(s0=[(3, 2), (3, 1), (3, 0)], d0=RIGHT, s1=[(3, 4), (3, 5), (3, 6)], d1=LEFT)
    _, rew, term, _, _ = _play(env, RIGHT, LEFT)  # both heads enter (3, 3)
    assert term == {"snake_0": True, "snake_1": True} and rew == {"snake_0": 0.0, "snake_1": 0.0}
    assert env.agents == []


def test_versus_head_on_longer_snake_wins():
    env = _versus(s0=[(3, 2), (3, 1), (3, 0), (2, 0)], d0=RIGHT, s1=[(3, 4), (3, 5), (3, 6)], d1=LEFT)
    _, rew, term, _, _ = _play(env, RIGHT, LEFT)
    assert term["snake_0"] and rew == {"snake_0": 1.0, "snake_1": -1.0}


def test_versus_swapping_heads_kills_both():
    env = _versus(s0=[(3, 2), (3, 1), (3, 0)], d0=RIGHT, s1=[(3, 3), (3, 4), (3, 5)], d1=LEFT)
    _, rew, term, _, _ = _play(env, RIGHT, LEFT)
    assert term["snake_0"] and rew == {"snake_0": 0.0, "snake_1": 0.0}


def test_versus_body_collision_and_tail_chasing():
    # snake 0 runs into snake 1's body: snake 0 dies, snake 1 wins
    env = _versus(s0=[(2, 3), (2, 2), (2, 1)], d0=RIGHT, s1=[(4, 4), (3, 4), (2, 4), (1, 4)], d1=DOWN)
    _, rew, term, _, _ = _play(env, RIGHT, DOWN)
    assert term["snake_0"] and rew == {"snake_0": -1.0, "snake_1": 1.0}
    # snake 0 enters the cell snake 1's tail is leaving: allowed
    env = _versus(s0=[(0, 3), (0, 2), (0, 1)], d0=RIGHT, s1=[(3, 4), (2, 4), (1, 4), (0, 4)], d1=DOWN)
    _, rew, term, _, _ = _play(env, RIGHT, DOWN)
    assert not term["snake_0"] and env.agents == ["snake_0", "snake_1"]


def test_versus_eating_and_perspective_swap():
    env = _versus(s0=[(3, 2), (3, 1), (3, 0)], d0=RIGHT, s1=[(6, 4), (6, 5), (6, 6)], d1=LEFT, food=3 * 7 + 3)
    obs, rew, _, _, info = _play(env, RIGHT, LEFT)
    assert rew == {"snake_0": 1.0, "snake_1": 0.0} and info["snake_0"]["length"] == 4
    assert info["snake_1"]["opponent_length"] == 4
    mine, theirs = obs["snake_0"], obs["snake_1"]
    np.testing.assert_array_equal(mine[0:5], theirs[5:10])
    np.testing.assert_array_equal(mine[5:10], theirs[0:5])
    np.testing.assert_array_equal(mine[10], theirs[10])


def test_versus_info_says_who_died_their_lengths_and_headings():
    """``info["dead"]`` is ``(own, other)`` for the step just played, from each agent's side."""
    cases = [  # (board, dead as (snake 0, snake 1)); both snakes keep their heading
        (
            {"s0": [(3, 2), (3, 1), (3, 0)], "d0": RIGHT, "s1": [(3, 4), (3, 5), (3, 6)], "d1": LEFT},
            (True, True),
        ),
        (
            {"s0": [(3, 2), (3, 1), (3, 0), (2, 0)], "d0": RIGHT, "s1": [(3, 4), (3, 5), (3, 6)], "d1": LEFT},
            (False, True),
        ),
        (
            {"s0": [(2, 3), (2, 2), (2, 1)], "d0": RIGHT, "s1": [(4, 4), (3, 4), (2, 4), (1, 4)], "d1": DOWN},
            (True, False),
        ),
        (
            {"s0": [(0, 3), (0, 2), (0, 1)], "d0": RIGHT, "s1": [(3, 4), (2, 4), (1, 4), (0, 4)], "d1": DOWN},
            (False, False),
        ),
    ]
    for board, dead in cases:
        env = _versus(**board)
        lengths = (len(board["s0"]), len(board["s1"]))
        _, _, term, _, info = _play(env, board["d0"], board["d1"])
        assert term["snake_0"] == any(dead)
        assert info["snake_0"]["dead"] == dead and info["snake_1"]["dead"] == dead[::-1]
        assert (info["snake_0"]["length"], info["snake_0"]["opponent_length"]) == lengths  # frozen on a death
        assert (info["snake_1"]["length"], info["snake_1"]["opponent_length"]) == lengths[::-1]
        assert (info["snake_0"]["heading"], info["snake_1"]["heading"]) == (board["d0"], board["d1"])
    _, infos = env.reset(seed=1)
    assert infos["snake_0"]["dead"] == (False, False) and infos["snake_1"]["heading"] == LEFT
    # A full board ends the game with nobody dead: on 5 x 5, snake 1 fills rows 0-1 and chases its tail, snake 0
    # fills rows 2-4 but one cell, the food, which it eats.
    s1 = [(1, c) for c in range(5)] + [(0, c) for c in range(4, -1, -1)]
    s0 = [(2, c) for c in range(1, 5)] + [(3, c) for c in range(4, -1, -1)] + [(4, c) for c in range(5)]
    env = _versus(size=5, s0=s0, d0=LEFT, s1=s1, d1=LEFT, food=2 * 5 + 0)
    _, rew, term, trunc, info = _play(env, LEFT, UP)
    assert term["snake_0"] and not trunc["snake_0"] and env._game.food is None
    assert rew == {"snake_0": 2.0, "snake_1": -1.0}  # the food, and the longer snake wins
    assert info["snake_0"]["dead"] == info["snake_1"]["dead"] == (False, False)
    assert (info["snake_0"]["length"], info["snake_0"]["opponent_length"]) == (15, 10)
    # The single-agent env carries the same keys (the player is snake 0).
    env = SnakeVersusEnv(opponent="random", size=6)
    _, info = env.reset(seed=4)
    assert info["dead"] == (False, False) and info["heading"] == RIGHT
    while True:
        length, opponent_length = info["length"], info["opponent_length"]
        _, reward, terminated, truncated, info = env.step(int(np.flatnonzero(env.action_masks())[0]))
        assert info["heading"] == env._game.dirs[0]
        if terminated or truncated:
            break
        assert info["dead"] == (False, False)
    if any(info["dead"]):
        assert (info["length"], info["opponent_length"]) == (length, opponent_length)
        assert reward == (0.0 if all(info["dead"]) else -1.0 if info["dead"][0] else 1.0)


def test_versus_opponent_argument():
    with pytest.raises(ValueError, match="opponent.*greedy.*random"):
        SnakeVersusEnv(opponent="smart")
    with pytest.raises(ValueError, match="opponent"):
        SnakeVersusEnv(opponent=42)

    class Recorder:
        name = "recorder"

        def __init__(self):
            self.seen, self.resets = [], 0

        def act(self, obs, info):
            self.seen.append(obs)
            return int(np.flatnonzero(info["action_mask"])[0])

        def reset(self):
            self.resets += 1

    recorder = Recorder()
    env = SnakeVersusEnv(opponent=recorder)
    obs, _ = env.reset(seed=3)
    env.step(int(np.flatnonzero(env.action_masks())[0]))
    assert recorder.resets == 1 and len(recorder.seen) == 1
    np.testing.assert_array_equal(recorder.seen[0][0:5], obs[5:10])  # it sees itself in planes 0-4


@pytest.mark.parametrize("opponent", ["greedy", "random"])
def test_versus_opponents_play_deterministically(opponent):
    def rollout():
        env = SnakeVersusEnv(opponent=opponent)
        bot = SnakeGreedyBot()
        obs, info = env.reset(seed=9)
        total, steps = 0.0, 0
        while True:
            obs, reward, terminated, truncated, info = env.step(bot.act(obs, info))
            total, steps = total + reward, steps + 1
            assert not info["illegal_action"]
            if terminated or truncated:
                return total, steps, info["length"], info["opponent_length"]

    assert rollout() == rollout()


def test_versus_greedy_opponent_plays_as_the_policy_on_its_observation():
    """The env runs its built-in planner on its own state (no observation built and parsed); a policy object
    that reads the observation must make the very same moves."""

    class ReadsObservation(GreedySnakePolicy):  # a subclass: the env hands it the observation
        pass

    for seed in range(3):
        runs = []
        for opponent in ("greedy", ReadsObservation()):
            env, bot = SnakeVersusEnv(opponent=opponent, size=9), SnakeGreedyBot()
            obs, info = env.reset(seed=seed)
            trace = []
            for t in range(400):
                obs, reward, terminated, truncated, info = env.step(bot.act(obs, info) if t % 7 else t % 4)
                trace.append((obs.tobytes(), reward, terminated, truncated))
                if terminated or truncated:
                    break
            runs.append(trace)
        assert runs[0] == runs[1] and len(runs[0]) > 5


def test_versus_parallel_api():
    env = SnakeVersusParallelEnv()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(env, num_cycles=1000)
    _, infos = env.reset(seed=0)
    assert set(infos) == {"snake_0", "snake_1"} and infos["snake_0"]["action_mask"].shape == (4,)


def test_draw_surface_is_the_rendered_frame():
    """``draw_surface()``: the env's own pygame surface (no copy) showing what ``render()`` returns."""
    from envs.render import surface_to_rgb

    for make in (SnakeEnv, SnakeVersusEnv, SnakeVersusParallelEnv):
        env = make(render_mode="rgb_array", size=8)
        env.reset(seed=2)
        for _ in range(3):
            if make is SnakeVersusParallelEnv:
                env.step({"snake_0": RIGHT, "snake_1": LEFT})
            else:
                env.step(int(np.flatnonzero(env.action_masks())[0]))
        surface = env.draw_surface()
        assert env.draw_surface() is surface
        np.testing.assert_array_equal(surface_to_rgb(surface), env.render())
        env.close()


# -- bot --------------------------------------------------------------------------------------------------------


def test_greedy_bot_fills_most_of_the_board():
    bot = SnakeGreedyBot()
    assert isinstance(bot, Agent)
    lengths = []
    for seed in range(5):
        env = SnakeEnv()
        obs, info = env.reset(seed=seed)
        bot.reset()
        while True:
            obs, _, terminated, truncated, info = env.step(bot.act(obs, info))
            assert not info["illegal_action"]
            if terminated or truncated:
                break
        lengths.append(info["length"])
    # Measured: 142, 142, 142, 144 (a full board), 142. Assert a level it clearly reaches: 5/6 of the board.
    assert np.mean(lengths) >= 120, lengths
    assert bot.overridden == 0
