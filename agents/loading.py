"""``load_agent(path_or_name)``: one entry point for trained models, run folders and scripted bots."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

from agents.artifacts import find_run_model
from agents.base import Agent, RandomAgent

__all__ = ["BOTS", "AgentLoadError", "find_run_model", "load_agent"]

# name -> (module, class, env id the bot plays). Imported lazily: the bot modules come with the games.
BOTS: dict[str, tuple[str, str, str | None]] = {
    "pong-tracker": ("agents.pong_bot", "PongTrackerBot", "ArcadeLab/Pong-v0"),
    "snake-greedy": ("agents.snake_bot", "SnakeGreedyBot", "ArcadeLab/Snake-v0"),
    "platformer-solver": ("agents.platformer_bot", "PlatformerSolverBot", "ArcadeLab/Platformer-v0"),
    "dungeon-solver": ("agents.dungeon_bot", "DungeonSolverBot", "ArcadeLab/Dungeon-v0"),
    "random": ("agents.base", "RandomAgent", None),
}


class AgentLoadError(ValueError):
    """``load_agent`` could not make an agent from its argument; the message says why and what is accepted."""


def _bot_class(name: str) -> type:
    module_name, class_name, _ = BOTS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AgentLoadError(f"bot {name!r} is not available: cannot import {module_name} ({exc})") from None
    cls = getattr(module, class_name, None)
    if cls is None:
        # The bot modules are written with the games; accept the one Agent class they define.
        candidates = [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and hasattr(obj, "act")
        ]
        if len(candidates) != 1:
            raise AgentLoadError(f"bot {name!r}: {module_name} defines no {class_name}")
        cls = candidates[0]
    return cls


def bot_needs_env(name: str) -> bool:
    """Whether the bot reads the env's state (it is then built with ``env=``, e.g. the level solvers)."""
    if name == "random":
        return False
    params = inspect.signature(_bot_class(name)).parameters
    return "env" in params and params["env"].default is inspect.Parameter.empty


def _make_bot(name: str, env_id: str | None, seed: int | None, env: Any | None) -> Agent:
    import gymnasium as gym

    if name == "random":
        if env is not None:
            return RandomAgent(env.action_space, seed=seed)
        if env_id is None:
            raise AgentLoadError(
                "bot 'random' needs an env to know its action space (pass env_id=... or env=...)"
            )
        import envs  # noqa: F401

        made = gym.make(env_id)
        try:
            return RandomAgent(made.action_space, seed=seed)
        finally:
            made.close()
    cls = _bot_class(name)
    params = inspect.signature(cls).parameters
    kwargs: dict[str, Any] = {}
    if "seed" in params and seed is not None:
        kwargs["seed"] = seed
    if "env" in params:
        if env is None and params["env"].default is inspect.Parameter.empty:
            raise AgentLoadError(f"bot {name!r} reads the game state: pass the env it plays (env=...)")
        if env is not None:
            kwargs["env"] = env
    agent = cls(**kwargs)
    if not getattr(agent, "name", None):
        agent.name = name
    return agent


def load_agent(
    path_or_name: str | Path, *, env_id: str | None = None, seed: int | None = None, env: Any | None = None
) -> Agent:
    """An ``Agent`` from an SB3 zip, a run folder, an RLlib checkpoint folder or a scripted bot's name.

    Bots that need to see the env take it as ``env`` (the level solvers read its state; ``"random"`` needs
    ``env`` or ``env_id`` for its action space).
    """
    text = str(path_or_name)
    if text in BOTS:
        return _make_bot(text, env_id, seed, env)
    path = Path(text)
    if path.is_file():
        if path.suffix != ".zip":
            raise AgentLoadError(f"{path}: not an SB3 model (.zip)")
        from agents.sb3_agent import SB3Agent

        return SB3Agent.from_path(path)
    if path.is_dir():
        model = find_run_model(path)
        if model is not None:
            from agents.sb3_agent import SB3Agent

            return SB3Agent.from_path(model)
        try:
            rllib_agent = importlib.import_module("agents.rllib_agent")
        except ImportError:
            raise AgentLoadError(
                f"{path}: no SB3 model in it and the RLlib agent (agents.rllib_agent) is not available"
            ) from None
        return rllib_agent.RLlibAgent(path, policy_id=None)  # a run folder stands for its final checkpoint
    raise AgentLoadError(
        f"{text!r} is neither a model file, a run folder nor a known bot; known bots: {', '.join(BOTS)}"
    )
