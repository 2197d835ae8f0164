"""``load_agent(path_or_name)``: one entry point for trained models, run folders and scripted bots."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

from agents.artifacts import find_run_model, model_env_id
from agents.base import Agent, RandomAgent
from envs.spec import BotEntry, bot_entries, spec_for_env

__all__ = ["BOTS", "AgentLoadError", "agent_env_id", "find_run_model", "load_agent", "wrong_game"]


def _bot_row(bot: BotEntry) -> tuple[str, str, str | None]:
    module_name, _, class_name = bot.entry_point.partition(":")
    return module_name, class_name, bot.env_id


# name -> (module, class, env id the bot plays), from the game specs. Imported lazily: the bot modules come with
# the games.
BOTS: dict[str, tuple[str, str, str | None]] = {
    **{bot.name: _bot_row(bot) for bot in bot_entries()},
    "random": ("agents.base", "RandomAgent", None),
}


class AgentLoadError(ValueError):
    """``load_agent`` could not make an agent from its argument; the message says why and what is accepted."""


def agent_env_id(spec: str | Path) -> str | None:
    """The env id ``spec`` plays, from metadata alone (no model is loaded): a bot's own env, a model's or run's
    training env. None for ``bot``/``random`` (they fit every game) and for a model whose files do not say."""
    text = str(spec)
    if text in BOTS:
        return BOTS[text][2]
    if text == "bot":
        return None
    return model_env_id(text)


def wrong_game(spec: str | Path, game: str) -> str | None:
    """Why ``spec`` cannot play ``game`` (a bot or model made for another game), or None when it can."""
    env_id = agent_env_id(spec)
    if env_id is None:
        return _wrong_spaces(Path(str(spec)).expanduser(), game)
    owner = spec_for_env(env_id)
    if owner is None:
        return f"{spec} plays {env_id}, which is not an ArcadeLab game"
    if owner.name != game:
        return f"{spec} plays {owner.name} ({env_id}), not {game}"
    return None


def _zip_spaces(path: Path) -> tuple[tuple[int, ...], int | None] | None:
    """Observation shape and action count an SB3 zip declares in its JSON ``data`` (read as text, no unpickling)."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data"))
        shape = tuple(int(n) for n in data["observation_space"]["_shape"])
        n = data["action_space"].get("n")
        return shape, (int(n) if n is not None else None)
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile):
        return None


def _wrong_spaces(path: Path, game: str) -> str | None:
    """For a model whose files do not name its env (an SB3 zip from elsewhere): does its observation shape and
    action count fit the env the game's app plays?"""
    if not (path.is_file() and path.suffix == ".zip"):
        return None
    declared = _zip_spaces(path)
    if declared is None:
        return None
    import gymnasium as gym

    import envs  # noqa: F401  (registers the ids)
    from envs.spec import get_spec

    env = gym.make(get_spec(game).play_env_id)
    try:
        shape = tuple(env.observation_space.shape or ())
        n = getattr(env.action_space, "n", None)
    finally:
        env.close()
    if declared[0] != shape or (declared[1] is not None and n is not None and declared[1] != int(n)):
        return (f"{path} takes observations of shape {declared[0]} and {declared[1]} actions; {game} gives {shape} "
                f"and {n}: it was trained for another game")
    return None


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
