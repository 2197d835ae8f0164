"""``GameSpec``: everything the rest of ArcadeLab needs to know about one game, in one registry.

Each game package declares its spec in ``envs/<game>/spec.py`` as ``SPEC``; :func:`game_specs` finds them all, so
adding a game edits no list elsewhere. The layers above read the registry: gymnasium ids are registered from it
(``envs/__init__.py``), ``agents.loading`` takes the scripted bots from it, ``training`` the default configs and
how a win is told, ``games`` the match adapter, level support, corpus and sounds.

Entries that live above ``envs`` (a bot in ``agents/``, a match adapter in ``games/``) are named by
``"module:attribute"`` strings, as gymnasium's entry points are, and imported only by the layer that uses them, so
nothing here imports upward.

The winner contract, the same for every game: at the end of an episode ``info["is_success"]`` is a bool from the
learner's side ("did it win / finish"), and two-player games also say ``info["winner"]``, the seat that won
("player_0", "player_1") or ``None`` for a draw.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["BotSpec", "EnvSpec", "GameSpec", "bot_spec", "bot_specs", "game_for_env", "game_spec", "game_specs",
           "load_entry"]


@dataclass(frozen=True)
class EnvSpec:
    """One gymnasium id of a game, with the views built over its rules core."""

    id: str
    entry_point: str
    vector_entry_point: str | None = None
    parallel_entry_point: str | None = None  # the PettingZoo ParallelEnv view (self-play, RLlib multi-agent)
    max_episode_steps: int | None = None
    opponent_kwarg: str | None = None  # the argument that takes the other player, for two-player games


@dataclass(frozen=True)
class BotSpec:
    """A scripted player: its name for ``load_agent`` and where its class is."""

    name: str
    entry_point: str  # "agents.pong_bot:PongTrackerBot"
    env_id: str  # the env it plays


@dataclass(frozen=True)
class GameSpec:
    """One game. ``name`` is what a user types (``arcadelab play pong``)."""

    name: str
    title: str
    envs: tuple[EnvSpec, ...]
    bots: tuple[BotSpec, ...]
    play_env_id: str  # the env the app and ``demo`` play: for two-player games the seat-0 view with an opponent
    match_entry_point: str  # the app's adapter, "games.matches:PongMatch"
    configs: tuple[str, ...] = ()  # default training configs, relative to the repo root; the first is the default
    levels: bool = False  # takes ``level=`` / ``level_source=``
    corpus: str | None = None  # the VGLC game folder its ``level="corpus"`` reads
    sounds: tuple[str, ...] = ()  # effect names (games.sound.EFFECTS) its match adapter plays
    scored_in_points: bool = False  # ``info["score"]`` = (own, opponent) points at the episode's end
    intensity: str = ""  # what music follows in this game, in words (the match adapter computes it)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def env_ids(self) -> tuple[str, ...]:
        return tuple(env.id for env in self.envs)

    @property
    def default_bot(self) -> BotSpec:
        return self.bots[0]

    def env(self, env_id: str) -> EnvSpec:
        for env in self.envs:
            if env.id == env_id:
                return env
        raise KeyError(env_id)


def load_entry(entry_point: str) -> Any:
    """Import ``"module:attribute"`` and return the attribute (gymnasium's entry-point convention)."""
    module_name, _, attribute = entry_point.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@cache
def game_specs() -> dict[str, GameSpec]:
    """Every game's spec by name, in a stable order (the order games are listed to a user)."""
    found: list[GameSpec] = []
    package_dir = Path(__file__).resolve().parent
    for info in pkgutil.iter_modules([str(package_dir)]):
        if info.ispkg and (package_dir / info.name / "spec.py").is_file():
            found.append(importlib.import_module(f"envs.{info.name}.spec").SPEC)
    found.sort(key=lambda spec: (spec.extra.get("order", 100), spec.name))
    return {spec.name: spec for spec in found}


def game_spec(name: str) -> GameSpec:
    """The spec of game ``name``; ``KeyError`` with the known names otherwise."""
    specs = game_specs()
    if name not in specs:
        raise KeyError(f"unknown game {name!r}; choose one of {', '.join(specs)}")
    return specs[name]


def game_for_env(env_id: str) -> GameSpec | None:
    """The game an env id belongs to (``None`` for an env from elsewhere, e.g. CartPole)."""
    for spec in game_specs().values():
        if env_id in spec.env_ids:
            return spec
    return None


def bot_specs() -> dict[str, BotSpec]:
    """Every scripted bot of every game, by name."""
    return {bot.name: bot for spec in game_specs().values() for bot in spec.bots}


def bot_spec(name: str) -> BotSpec | None:
    return bot_specs().get(name)
