"""Golden hashes of fixed-seed Snake trajectories: the dynamics and observations trained models depend on.

Each case steps one Snake view (``SnakeEnv`` with vector and pixel observations at several sizes,
``SnakeVectorEnv`` at several sizes with autoreset, partial resets and reseeds, ``SnakeVersusEnv`` against its
greedy, random and Agent opponents, ``SnakeVersusParallelEnv``) with seeded actions and hashes (sha256) every
observation, reward, terminated/truncated flag and info field; the ``planner`` cases hash the greedy-safe
planner's chosen moves (``GreedySnakePolicy`` and ``choose_move``) on many boards. The hashes in
``tests/data/snake_golden.json`` were recorded from the pure numpy/Python implementation before the numba core
replaced it; ``tests/test_snake_golden.py`` recomputes them. Never regenerate the file to make a test pass: a
changed hash means changed dynamics.

    python -m tests.snake_golden --write   # record (only when dynamics change on purpose)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.golden import Hasher as _Hasher
from tests.golden import golden_main

GOLDEN_PATH = Path(__file__).parent / "data" / "snake_golden.json"


def _planner() -> Any:
    """The module holding the planner (``GreedySnakePolicy``, ``choose_move``, ``parse_observation``)."""
    import envs.snake

    return envs.snake


# the episode-end contract (envs/spec.py) came after the recording; tests/test_env_conformance.py checks it
LATER_INFO = ("is_success", "winner")


def _info(h: _Hasher, info: dict) -> None:
    """Every info field the hashes were recorded with; arrays by value (the mask is a numpy array)."""
    for key in sorted(k for k in info if k not in LATER_INFO):
        value = info[key]
        h.obj(key)
        if isinstance(value, np.ndarray):
            h.arr(value)
        else:
            h.obj(value if not isinstance(value, (np.bool_, np.integer, np.floating)) else value.item())


def _mixed(obs: np.ndarray, info: dict, rng: np.random.Generator, bot: Any, p_random: float) -> int:
    """The greedy bot on vector observations, now and then a random (possibly reversing) move."""
    if bot is None or rng.random() < p_random:
        return int(rng.integers(4))
    return int(bot.act(obs, info))


def single_case(kwargs: dict, seed: int, steps: int, p_random: float = 0.15, greedy: bool = True) -> str:
    from agents.snake_bot import SnakeGreedyBot
    from envs.snake import SnakeEnv

    env = SnakeEnv(**kwargs)
    vector = env.obs_type == "vector"
    # Pixel envs are steered by the bot reading a vector twin stepped with the same actions.
    twin = None if vector else SnakeEnv(**{**kwargs, "obs_type": "vector"})
    bot = SnakeGreedyBot() if greedy else None
    h = _Hasher()
    rng = np.random.default_rng(seed + 4242)
    obs, info = env.reset(seed=seed)
    tobs, tinfo = (obs, info) if twin is None else twin.reset(seed=seed)
    h.arr(obs)
    _info(h, info)
    episodes = 0
    for _ in range(steps):
        a = _mixed(tobs, tinfo, rng, bot, p_random)
        obs, reward, terminated, truncated, info = env.step(a)
        if twin is not None:
            tobs, _, _, _, tinfo = twin.step(a)
        else:
            tobs, tinfo = obs, info
        h.arr(obs)
        h.arr(np.float64(reward))
        h.obj((bool(terminated), bool(truncated)))
        _info(h, info)
        h.arr(env.action_masks())
        h.obj(env.snake_cells())
        if terminated or truncated:
            episodes += 1
            # alternate seeded and unseeded resets (the unseeded one continues the stream)
            if episodes % 2:
                obs, info = env.reset(seed=seed + 1000 * episodes)
                tobs, tinfo = (obs, info) if twin is None else twin.reset(seed=seed + 1000 * episodes)
            else:
                obs, info = env.reset()
                tobs, tinfo = (obs, info) if twin is None else twin.reset()
            h.arr(obs)
            _info(h, info)
    h.obj(episodes)
    return h.hexdigest()


def _vector_actions(vec: Any, rng: np.random.Generator, p_random: float) -> np.ndarray:
    """Toward the food along a legal axis when that cell is free, else random: cheap, and it eats."""
    n = vec.num_envs
    mask = vec.action_masks()
    actions = rng.integers(0, 4, n)
    if vec.obs_type != "vector":
        return actions
    obs = vec._last_obs
    size = obs.shape[-1]
    flat = obs.reshape(n, 6, size * size)
    head = flat[:, 0].argmax(axis=1)
    food = flat[:, 5].argmax(axis=1)
    has_food = flat[:, 5].any(axis=1)
    body = flat[:, 1:5].any(axis=1)
    hr, hc = np.divmod(head, size)
    fr, fc = np.divmod(food, size)
    chosen = np.zeros(n, dtype=bool)
    rows = np.arange(n)
    for a, want in ((0, fr < hr), (2, fr > hr), (3, fc < hc), (1, fc > hc)):
        r, c = hr + (-1, 0, 1, 0)[a], hc + (0, 1, 0, -1)[a]
        inside = (r >= 0) & (r < size) & (c >= 0) & (c < size)
        free = inside & ~body[rows, np.clip(r, 0, size - 1) * size + np.clip(c, 0, size - 1)]
        take = want & has_food & mask[:, a] & free & ~chosen
        actions[take] = a
        chosen |= take
    keep_random = rng.random(n) < p_random
    return np.where(keep_random, rng.integers(0, 4, n), actions)


def vector_case(n: int, kwargs: dict, seed: int, steps: int, partial_every: int = 0) -> str:
    from envs.snake import SnakeVectorEnv

    vec = SnakeVectorEnv(n, **kwargs)
    h = _Hasher()
    rng = np.random.default_rng(seed + 777)
    obs, info = vec.reset(seed=seed)
    vec._last_obs = obs.copy()
    h.arr(obs)
    for key in sorted(k for k in info if k.lstrip("_") not in LATER_INFO):
        h.arr(info[key])
    ends = 0
    for t in range(steps):
        actions = _vector_actions(vec, rng, 0.3)
        obs, rew, term, trunc, info = vec.step(actions)
        vec._last_obs = obs.copy()
        for a in (obs, rew, term, trunc):
            h.arr(a)
        for key in sorted(k for k in info if k.lstrip("_") not in LATER_INFO):
            h.arr(info[key])
        h.arr(vec.action_masks())
        done = term | trunc
        ends += int(done.sum())
        if partial_every and t % partial_every == 0:
            mask = done | (rng.random(n) < 0.02)
            obs, info = vec.reset(options={"reset_mask": mask})
            vec._last_obs = obs.copy()
            h.arr(obs)
            for key in sorted(k for k in info if k.lstrip("_") not in LATER_INFO):
                h.arr(info[key])
    h.obj(ends)
    # a reseed with a seed list mid-run, then a seeded partial reset
    obs, info = vec.reset(seed=[seed + 3 * i for i in range(n)])
    vec._last_obs = obs.copy()
    h.arr(obs)
    for t in range(60):
        obs, rew, term, trunc, info = vec.step(_vector_actions(vec, rng, 0.3))
        vec._last_obs = obs.copy()
        for a in (obs, rew, term, trunc, info["length"], info["illegal_action"]):
            h.arr(a)
        if t == 30:
            mask = np.zeros(n, dtype=bool)
            mask[:: max(1, n // 3)] = True
            obs, info = vec.reset(seed=seed + 5000, options={"reset_mask": mask})
            vec._last_obs = obs.copy()
            h.arr(obs)
    if vec.render_mode == "rgb_array":
        for frame in vec.render():
            h.arr(frame)
    return h.hexdigest()


def versus_case(kwargs: dict, seed: int, steps: int, p_random: float = 0.2, opponent: Any = None) -> str:
    from agents.snake_bot import SnakeGreedyBot
    from envs.snake import SnakeVersusEnv

    if opponent is not None:
        kwargs = {**kwargs, "opponent": opponent()}
    env = SnakeVersusEnv(**kwargs)
    vector = env.obs_type == "vector"
    bot = SnakeGreedyBot() if vector else None
    h = _Hasher()
    rng = np.random.default_rng(seed + 31)
    obs, info = env.reset(seed=seed)
    h.arr(obs)
    _info(h, info)
    episodes = 0
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(_mixed(obs, info, rng, bot, p_random))
        h.arr(obs)
        h.arr(np.float64(reward))
        h.obj((bool(terminated), bool(truncated)))
        _info(h, info)
        h.arr(env.action_masks())
        if terminated or truncated:
            episodes += 1
            obs, info = env.reset(seed=seed + 1000 * episodes) if episodes % 2 else env.reset()
            h.arr(obs)
            _info(h, info)
    h.obj(episodes)
    return h.hexdigest()


def parallel_case(kwargs: dict, seed: int, steps: int) -> str:
    from envs.snake import SnakeVersusParallelEnv

    GreedySnakePolicy = _planner().GreedySnakePolicy
    env = SnakeVersusParallelEnv(**kwargs)
    vector = env.obs_type == "vector"
    policy = GreedySnakePolicy()
    h = _Hasher()
    rng = np.random.default_rng(seed + 99)
    obs, infos = env.reset(seed=seed)
    agents = ("snake_0", "snake_1")
    episodes = 0
    for _ in range(steps):
        actions = {}
        for k, agent in enumerate(agents):
            if not vector or rng.random() < (0.15 if k == 0 else 0.3):
                actions[agent] = int(rng.integers(4))
            else:
                actions[agent] = policy.act(obs[agent], infos[agent])
        obs, rewards, terms, truncs, infos = env.step(actions)
        for agent in agents:
            h.arr(obs[agent])
            h.arr(np.float64(rewards[agent]))
            h.obj((bool(terms[agent]), bool(truncs[agent])))
            _info(h, infos[agent])
        h.obj(list(env.agents))
        if not env.agents:
            episodes += 1
            obs, infos = env.reset(seed=seed + 1000 * episodes) if episodes % 2 else env.reset()
            for agent in agents:
                h.arr(obs[agent])
                _info(h, infos[agent])
    h.obj(episodes)
    return h.hexdigest()


def planner_case(size: int, seed: int, boards: int) -> str:
    """``choose_move`` and ``GreedySnakePolicy.act`` on boards met in play: single-snake boards from
    ``SnakeEnv`` and two-snake boards from ``SnakeVersusParallelEnv``, both sides, under random-ish play."""
    from envs.snake import SnakeEnv, SnakeVersusParallelEnv

    planner = _planner()
    choose_move, parse_observation = planner.choose_move, planner.parse_observation
    policy = planner.GreedySnakePolicy()
    h = _Hasher()
    rng = np.random.default_rng(seed)
    env = SnakeEnv(size=size, starvation_steps=3 * size * size)
    obs, info = env.reset(seed=seed)
    for _ in range(boards):
        move = policy.act(obs, info)
        n, own, others, food = parse_observation(obs)
        h.obj((move, own, food))
        h.obj(choose_move(n, own, None, others))  # no food: tail-following and area only
        a = move if rng.random() < 0.7 else int(rng.integers(4))
        obs, _, terminated, truncated, info = env.step(a)
        if terminated or truncated:
            obs, info = env.reset()
    venv = SnakeVersusParallelEnv(size=size)
    obs, infos = venv.reset(seed=seed + 1)
    for _ in range(boards):
        actions = {}
        for agent in ("snake_0", "snake_1"):
            move = policy.act(obs[agent], infos[agent])
            n, own, others, food = parse_observation(obs[agent])
            h.obj((agent, move, own, others, food))
            h.obj(choose_move(n, own, None, others))
            actions[agent] = move if rng.random() < 0.8 else int(rng.integers(4))
        obs, _, _, _, infos = venv.step(actions)
        if not venv.agents:
            obs, infos = venv.reset()
    return h.hexdigest()


def render_case(seed: int) -> str:
    """Rendered rgb_array frames of the single and versus envs (pygame drawing of boards and sprites)."""
    from envs.snake import SnakeEnv, SnakeVersusEnv, SnakeVersusParallelEnv

    h = _Hasher()
    rng = np.random.default_rng(seed)
    for make, kwargs in (
        (SnakeEnv, {"size": 8}),
        (SnakeEnv, {}),
        (SnakeVersusEnv, {"size": 9, "opponent": "greedy"}),
        (SnakeVersusParallelEnv, {"size": 7}),
    ):
        env = make(render_mode="rgb_array", **kwargs)
        env.reset(seed=seed)
        h.arr(env.render())
        for _ in range(40):
            if make is SnakeVersusParallelEnv:
                if not env.agents:
                    env.reset()
                env.step({"snake_0": int(rng.integers(4)), "snake_1": int(rng.integers(4))})
            else:
                legal = np.flatnonzero(env.action_masks())
                _, _, terminated, truncated, _ = env.step(int(rng.choice(legal)))
                if terminated or truncated:
                    env.reset()
            h.arr(env.render())
        env.close()
    return h.hexdigest()


class _RandomAgent:
    """An Agent opponent for ``SnakeVersusEnv``: random legal moves from its own seeded generator."""

    name = "golden-random"

    def __init__(self) -> None:
        self.rng = np.random.default_rng(5)

    def act(self, obs: Any, info: dict) -> int:
        return int(self.rng.choice(np.flatnonzero(info["action_mask"])))

    def reset(self) -> None:
        pass


def _policy_opponent() -> Any:
    class ReadsObservation(_planner().GreedySnakePolicy):  # a subclass: the env hands it the observation
        pass

    return ReadsObservation()


def cases() -> dict[str, Callable[[], str]]:
    """Every golden case by name (a name says what it covers)."""
    out: dict[str, Callable[[], str]] = {}
    for size, seed in ((12, 0), (12, 1), (5, 2), (7, 3), (9, 4), (16, 5)):
        out[f"single/vector/size{size}/seed{seed}"] = lambda size=size, seed=seed: single_case(
            {"size": size}, seed, 2500
        )
    out["single/vector/defaults/random"] = lambda: single_case({}, 6, 3000, greedy=False)
    out["single/vector/size6/full-board"] = lambda: single_case({"size": 6}, 7, 1500, p_random=0.0)
    out["single/vector/short-limits"] = lambda: single_case(
        {"size": 8, "max_steps": 90, "starvation_steps": 25}, 8, 2500, p_random=0.3
    )
    for size, seed in ((12, 10), (7, 11), (30, 12), (5, 13)):
        out[f"single/pixels/size{size}/seed{seed}"] = lambda size=size, seed=seed: single_case(
            {"size": size, "obs_type": "pixels", "starvation_steps": 200}, seed, 700
        )
    for n in (1, 7, 64):
        out[f"vector/n{n}/size8"] = lambda n=n: vector_case(
            n, {"size": 8, "max_steps": 300, "starvation_steps": 60}, 100 + n, 1500
        )
    out["vector/n33/size7/partial-reset"] = lambda: vector_case(
        33, {"size": 7, "max_steps": 200, "starvation_steps": 40}, 9, 1500, partial_every=3
    )
    out["vector/n16/defaults"] = lambda: vector_case(16, {}, 0, 1200)
    out["vector/n12/size5/copy-false"] = lambda: vector_case(
        12, {"size": 5, "copy": False, "starvation_steps": 30}, 4, 1200, partial_every=5
    )
    out["vector/n5/pixels"] = lambda: vector_case(
        5,
        {"size": 7, "obs_type": "pixels", "render_mode": "rgb_array", "starvation_steps": 40},
        3,
        300,
        partial_every=4,
    )
    for opponent, size, seed in (("greedy", 12, 0), ("greedy", 7, 1), ("greedy", 9, 2), ("random", 12, 3)):
        out[f"versus/vector/{opponent}/size{size}"] = lambda opponent=opponent, size=size, seed=seed: (
            versus_case({"size": size, "opponent": opponent}, seed, 2500)
        )
    out["versus/vector/greedy/short-limits"] = lambda: versus_case(
        {"size": 6, "max_steps": 80, "starvation_steps": 20}, 4, 2000, p_random=0.3
    )
    out["versus/vector/defaults"] = lambda: versus_case({}, 5, 2000)
    out["versus/vector/agent-random"] = lambda: versus_case({"size": 8}, 6, 1500, opponent=_RandomAgent)
    out["versus/vector/agent-policy"] = lambda: versus_case({"size": 8}, 7, 1500, opponent=_policy_opponent)
    for opponent in ("greedy", "random"):
        out[f"versus/pixels/{opponent}"] = lambda opponent=opponent: versus_case(
            {"size": 8, "obs_type": "pixels", "opponent": opponent}, 8, 600
        )
    out["versus/pixels/agent-random"] = lambda: versus_case(
        {"size": 7, "obs_type": "pixels"}, 9, 400, opponent=_RandomAgent
    )
    out["parallel/vector"] = lambda: parallel_case({}, 21, 2500)
    out["parallel/vector/size7/short-limits"] = lambda: parallel_case(
        {"size": 7, "max_steps": 150, "starvation_steps": 40}, 22, 2500
    )
    out["parallel/pixels"] = lambda: parallel_case({"size": 8, "obs_type": "pixels"}, 23, 500)
    for size, seed in ((12, 30), (7, 31), (10, 32)):
        out[f"planner/size{size}"] = lambda size=size, seed=seed: planner_case(size, seed, 700)
    out["render/rgb_array"] = lambda: render_case(40)
    return out


def main() -> None:
    golden_main(__doc__, cases, GOLDEN_PATH)


if __name__ == "__main__":
    main()
