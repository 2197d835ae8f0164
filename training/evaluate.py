"""Deterministic evaluation: an agent plays a fixed list of seeded episodes; mean ± std return and win rate.

Episode ``i`` always uses seed ``seed_base + i``, and the agent either takes its most likely action or, if its run
says ``eval.deterministic: false``, samples with a generator reseeded from the episode's seed, so the same command
gives the same numbers. A win is read from the env's final ``info["is_success"]`` (the episode-end contract of
``envs/spec.py``); an env outside ArcadeLab that reports none counts an episode with positive return as a win.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

logger = logging.getLogger(__name__)



@dataclass
class EvalResult:
    episodes: int
    mean_return: float
    std_return: float
    win_rate: float
    mean_length: float
    # games scored in points (Pong's ``info["score"]`` = (own, opponent)): points won / points played, else None
    point_win_rate: float | None = None
    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def episode_won(info: dict[str, Any], episode_return: float) -> bool:
    """A win, from the episode's last ``info``: ``is_success``, the episode-end contract every ArcadeLab env keeps
    (``envs/spec.py``); an env outside it (CartPole, say) wins with a positive return."""
    if "is_success" in info:
        return bool(info["is_success"])
    return episode_return > 0


def _rgb_frame(env: gym.Env) -> np.ndarray:
    """The env's frame; recording needs ``render_mode="rgb_array"``, which gives one array per call."""
    frame: object = env.render()
    if not isinstance(frame, np.ndarray):
        raise ValueError(f"{env} rendered {type(frame).__name__}, not an rgb_array frame")
    return frame


def run_episode(
    env: gym.Env,
    agent: Any,
    seed: int,
    max_steps: int,
    frames: list[np.ndarray] | None = None,
    max_frames: int = 0,
    final_info: dict[str, Any] | None = None,
) -> tuple[float, int, bool]:
    """One episode; returns (return, length, won). Appends rendered frames to ``frames`` when given, and copies
    the episode's last ``info`` into ``final_info`` when given (for game scores: Pong's ``score``, Snake's
    ``length``, the platformer's ``event``)."""
    obs, info = env.reset(seed=seed)
    agent.reset()
    if callable(getattr(agent, "seed", None)):
        agent.seed(seed)  # a sampling agent draws the same actions for the same episode
    total, steps = 0.0, 0
    if frames is not None:
        frames.append(_rgb_frame(env))
    while True:
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        total += float(reward)
        steps += 1
        if frames is not None and len(frames) < max_frames:
            frames.append(_rgb_frame(env))
        if terminated or truncated or steps >= max_steps:
            if final_info is not None:
                final_info.update(info)
            return total, steps, episode_won(info, total)


def evaluate_agent(
    agent: Any,
    env_id: str,
    env_kwargs: dict[str, Any] | None = None,
    episodes: int = 10,
    seed_base: int = 10_000,
    max_steps: int = 10_000,
) -> EvalResult:
    """Play ``episodes`` seeded episodes. ``agent`` is an Agent, or a callable ``env -> Agent`` for bots that
    read the env they play (built once the env exists)."""
    import envs  # noqa: F401

    env = gym.make(env_id, **(env_kwargs or {}))
    if not hasattr(agent, "act"):
        agent = agent(env)
    returns, lengths, wins, seeds = [], [], [], []
    points = np.zeros(2, dtype=np.int64)  # own, opponent
    scored = True
    try:
        for i in range(episodes):
            seed = seed_base + i
            final: dict[str, Any] = {}
            ret, length, won = run_episode(env, agent, seed, max_steps, final_info=final)
            score = final.get("score")
            if isinstance(score, (tuple, list)) and len(score) == 2:
                points += np.asarray(score, dtype=np.int64)
            else:
                scored = False
            returns.append(ret)
            lengths.append(length)
            wins.append(won)
            seeds.append(seed)
    finally:
        env.close()
    arr = np.asarray(returns, dtype=np.float64)
    return EvalResult(
        episodes=episodes,
        mean_return=float(arr.mean()),
        std_return=float(arr.std()),
        win_rate=float(np.mean(wins)),
        mean_length=float(np.mean(lengths)),
        point_win_rate=float(points[0] / points.sum()) if scored and points.sum() else None,
        returns=[float(r) for r in returns],
        lengths=[int(n) for n in lengths],
        seeds=seeds,
    )


@dataclass
class Target:
    """What ``arcadelab evaluate`` / ``record`` act on: an agent plus the env it plays."""

    agent: Any  # an Agent, or a callable env -> Agent (bots that read the env's state)
    env_id: str
    env_kwargs: dict[str, Any]
    label: str


def resolve_target(run_or_model: str, env_id: str | None = None, opponent: str | None = None) -> Target:
    """Turn ``RUN_OR_MODEL`` (run dir, model zip, or bot name) + ``--opponent`` into an agent and its env.

    The env comes from the run's ``config.yaml`` (beside the model or one level up), else ``env_id``.
    ``opponent``: ``"bot"`` (the env's default scripted opponent) or a path/name given to ``load_agent`` and
    passed as the env's ``opponent`` argument.
    """
    from agents.loading import BOTS, bot_needs_env, load_agent

    env_kwargs: dict[str, Any] = {}
    config_env: str | None = None
    path = Path(run_or_model)
    if run_or_model in BOTS:
        config_env = BOTS[run_or_model][2]
    elif not path.exists():
        from agents.loading import AgentLoadError

        raise AgentLoadError(
            f"{run_or_model!r} is neither a model file, a run folder nor a known bot; known bots: {', '.join(BOTS)}"
        )
    else:
        from agents.artifacts import run_config_file

        config_file = run_config_file(path)
        if config_file is not None:
            from training.config import load_config

            cfg = load_config(config_file)
            config_env, env_kwargs = cfg.env_id, cfg.eval_env_kwargs()
    target_env = env_id or config_env
    if target_env is None:
        raise ValueError(f"cannot tell which env {run_or_model!r} plays: pass --env ENV_ID")
    agent: Any  # an Agent, or for a bot that reads the env's state a function env -> Agent
    if run_or_model in BOTS and bot_needs_env(run_or_model):

        def bot_for(env: gym.Env) -> Any:
            return load_agent(run_or_model, env_id=target_env, seed=0, env=env)

        agent, label = bot_for, run_or_model
    else:
        from agents.base import for_env_frames

        agent = load_agent(run_or_model, env_id=target_env, seed=0)
        label = getattr(agent, "name", run_or_model)
        # a model trained on frame_skip k, evaluated without its run's config: hold each action k frames
        agent = for_env_frames(agent, int(env_kwargs.get("frame_skip", 1)))
    if opponent and opponent != "bot":
        env_kwargs["opponent"] = load_agent(opponent, env_id=target_env, seed=1)
    return Target(agent=agent, env_id=target_env, env_kwargs=env_kwargs, label=label)
