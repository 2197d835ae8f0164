"""Golden hashes of fixed-seed Pong trajectories: the dynamics and observations trained models depend on.

Each case steps one Pong view (``PongEnv`` vector/pixels against each opponent, ``PongVectorEnv`` at several sizes
with autoreset and partial resets, ``PongParallelEnv``) with seeded actions and hashes (sha256) every
observation, reward, terminated/truncated flag and the info fields (score, winner, events). The hashes in
``tests/data/pong_golden.json`` were recorded from the scalar implementation before the numba core replaced it;
``tests/test_pong_golden.py`` recomputes them. Never regenerate the file to make a test pass: a changed hash
means changed dynamics.

    python -m tests.pong_golden --write   # record (only when dynamics change on purpose)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.golden import Hasher as _Hasher
from tests.golden import golden_main

GOLDEN_PATH = Path(__file__).parent / "data" / "pong_golden.json"


def _follow(obs: np.ndarray, rng: np.random.Generator, p_random: float) -> np.ndarray:
    """Follow the ball (vector obs, rows) sometimes, so rallies, speed-ups and spin happen; else random."""
    diff = obs[:, 1] - obs[:, 4]
    action = np.where(diff < -0.02, 1, np.where(diff > 0.02, 2, 0))
    return np.where(rng.random(len(obs)) < p_random, rng.integers(0, 3, len(obs)), action)


RECORDED_INFO = ("events", "score", "winner")  # the info fields the hashes were recorded with


def _single_info(h: _Hasher, info: dict) -> None:
    """Hash the recorded info fields (fields added later, such as ``is_success``, have tests of their own)."""
    h.obj(sorted((k, info[k]) for k in info if k in RECORDED_INFO))


def single_case(kwargs: dict, seed: int, steps: int, opponent_bot: float | None = None) -> str:
    from envs.pong import PongEnv

    if opponent_bot is not None:
        from agents.pong_bot import PongTrackerBot

        kwargs = {**kwargs, "opponent": PongTrackerBot(opponent_bot, seed=seed)}
    env = PongEnv(**kwargs)
    h = _Hasher()
    rng = np.random.default_rng(seed + 12345)
    obs, info = env.reset(seed=seed)
    h.arr(obs)
    _single_info(h, info)
    vector = obs.ndim == 1
    episodes = 0
    for _ in range(steps):
        if vector:
            a = int(_follow(obs[None], rng, 0.4)[0])
        else:
            a = int(rng.integers(3))
        obs, reward, terminated, truncated, info = env.step(a)
        h.arr(obs)
        h.arr(np.float64(reward))
        h.obj((terminated, truncated))
        _single_info(h, info)
        if terminated or truncated:
            episodes += 1
            # alternate seeded and unseeded resets (the unseeded one continues the stream)
            obs, info = env.reset(seed=seed + 1000 * episodes) if episodes % 2 else env.reset()
            h.arr(obs)
            _single_info(h, info)
    h.obj(episodes)
    return h.hexdigest()


def vector_case(n: int, kwargs: dict, seed: int, steps: int, partial_every: int = 0) -> str:
    from envs.pong import PongVectorEnv

    venv = PongVectorEnv(n, **kwargs)
    h = _Hasher()
    rng = np.random.default_rng(seed + 777)
    obs, info = venv.reset(seed=seed)
    h.arr(obs)
    h.arr(info["score"])
    ends = 0
    for t in range(steps):
        actions = _follow(obs, rng, 0.5)
        obs, rew, term, trunc, info = venv.step(actions)
        for a in (obs, rew, term, trunc, info["score"], info["_score"]):
            h.arr(a)
        if "winner" in info:
            h.obj(info["winner"].tolist())
            h.arr(info["_winner"])
        done = term | trunc
        ends += int(done.sum())
        if partial_every and t % partial_every == 0 and done.any():
            obs, info = venv.reset(options={"reset_mask": done})
            h.arr(obs)
            h.arr(info["score"])
    h.obj(ends)
    # a reseed with a seed list mid-run
    obs, info = venv.reset(seed=[seed + 3 * i for i in range(n)])
    h.arr(obs)
    for _ in range(50):
        obs, rew, term, trunc, info = venv.step(_follow(obs, rng, 0.5))
        for a in (obs, rew, term, trunc, info["score"]):
            h.arr(a)
    return h.hexdigest()


def parallel_case(kwargs: dict, seed: int, steps: int) -> str:
    from envs.pong import PongParallelEnv

    env = PongParallelEnv(**kwargs)
    h = _Hasher()
    rng = np.random.default_rng(seed + 99)
    obs, infos = env.reset(seed=seed)
    vector = obs["left"].ndim == 1
    episodes = 0
    for _ in range(steps):
        if vector:
            a_l = int(_follow(obs["left"][None], rng, 0.4)[0])
            a_r = int(_follow(obs["right"][None], rng, 0.4)[0])
        else:
            a_l, a_r = (int(x) for x in rng.integers(0, 3, 2))
        obs, rewards, terms, truncs, infos = env.step({"left": a_l, "right": a_r})
        for agent in ("left", "right"):
            h.arr(obs[agent])
            h.arr(np.float64(rewards[agent]))
            h.obj((terms[agent], truncs[agent]))
            _single_info(h, infos[agent])
        h.arr(env.state())
        if not env.agents:
            episodes += 1
            obs, infos = env.reset(seed=seed + 1000 * episodes) if episodes % 2 else env.reset()
            for agent in ("left", "right"):
                h.arr(obs[agent])
                _single_info(h, infos[agent])
    h.obj(episodes)
    return h.hexdigest()


def cases() -> dict[str, Callable[[], str]]:
    """Every golden case by name (a name says what it covers)."""
    out: dict[str, Callable[[], str]] = {}
    common = {"points_to_win": 3, "max_steps": 1500}
    for skill in (0.0, 0.3, 0.7, 1.0):
        for seed in (0, 17):
            out[f"single/vector/tracker/skill{skill}/seed{seed}"] = (
                lambda skill=skill, seed=seed: single_case(
                    {**common, "opponent_skill": skill, "hit_reward": 0.01}, seed, 4000
                )
            )
    for seed in (1, 2):
        out[f"single/vector/random/seed{seed}"] = lambda seed=seed: single_case(
            {**common, "opponent": "random", "loss_penalty": 2.5}, seed, 4000
        )
    out["single/vector/agent-bot/seed3"] = lambda: single_case(common, 3, 3000, opponent_bot=0.6)
    out["single/vector/defaults/seed4"] = lambda: single_case({}, 4, 3000)
    for opponent, skill in (("tracker", 0.7), ("tracker", 0.2), ("random", 0.7)):
        out[f"single/pixels/{opponent}/skill{skill}"] = (
            lambda opponent=opponent, skill=skill: single_case(
                {"obs_type": "pixels", "points_to_win": 2, "max_steps": 900, "opponent": opponent,
                 "opponent_skill": skill}, 5, 1200,
            )
        )  # fmt: skip
    out["single/pixels/agent-bot"] = lambda: single_case(
        {"obs_type": "pixels", "points_to_win": 2, "max_steps": 900}, 6, 800, opponent_bot=0.9
    )
    for n in (1, 7, 64):
        for opponent, skill in (("tracker", 0.7), ("tracker", 0.0), ("random", 0.5)):
            out[f"vector/n{n}/{opponent}/skill{skill}"] = (
                lambda n=n, opponent=opponent, skill=skill: vector_case(
                    n, {"points_to_win": 2, "max_steps": 700, "opponent": opponent, "opponent_skill": skill,
                        "hit_reward": 0.02, "loss_penalty": 1.5}, 100 + n, 2500,
                )
            )  # fmt: skip
    out["vector/n33/tracker/partial-reset"] = lambda: vector_case(
        33, {"points_to_win": 2, "max_steps": 500, "opponent_skill": 0.4}, 9, 2000, partial_every=3
    )
    out["vector/n16/defaults"] = lambda: vector_case(16, {}, 0, 1500)
    out["parallel/vector"] = lambda: parallel_case({"points_to_win": 3, "hit_reward": 0.05}, 21, 5000)
    out["parallel/vector/loss-penalty"] = lambda: parallel_case(
        {"points_to_win": 2, "max_steps": 800, "loss_penalty": 2.0}, 22, 3000
    )
    out["parallel/pixels"] = lambda: parallel_case({"obs_type": "pixels", "points_to_win": 2}, 23, 1500)
    return out


def main() -> None:
    golden_main(__doc__, cases, GOLDEN_PATH)


if __name__ == "__main__":
    main()
