"""One ``GameSpec`` per game, one registry: everything the layers above need to know about a game.

The envs layer is the bottom of the house, so a spec names the objects of upper layers (the scripted bot in
``agents``, the app's match adapter in ``games``) by ``"module:attribute"`` strings, as Gymnasium's entry points do;
the layer that uses one imports it (:func:`load_object`). Nothing here imports a game, pygame or an RL library.

Who reads it: ``envs`` registers its Gymnasium ids from :data:`SPECS`; ``agents.loading`` builds its bot table and
tells which game a model plays from the specs; ``training``'s demo takes Pong's default config; ``games`` takes
its game list, match adapters, level support, corpora and app env ids from them; RLlib self-play trains any env
whose entry names a two-player view (``parallel_entry_point``).

The episode-end contract, one for every game and every view (single env, batched ``VectorEnv``, PettingZoo):
on the step that ends an episode (terminated or truncated), and only then, ``info["is_success"]`` is a bool:
whether the player this view steps won the match or finished the level (for a ``ParallelEnv``, each agent's
own; for a ``VectorEnv``, a bool array with mask ``_is_success`` on the rows that ended). Two-player games also
give ``info["winner"]``: the winning side's name (the agents' names of the two-player view) or None for a
draw. Evaluation, self-play and the app read these and nothing game-specific.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "SPECS",
    "ActionMasked",
    "BotEntry",
    "EnvEntry",
    "GameSpec",
    "UnknownGameError",
    "bot_entries",
    "env_entries",
    "env_entry",
    "game_names",
    "get_spec",
    "load_object",
    "spec_for_env",
    "two_player_env_ids",
]

CONFIG_ROOT = Path(__file__).resolve().parent.parent / "configs"


@runtime_checkable
class ActionMasked(Protocol):
    """An env (single or batched) of a game with illegal actions: ``action_masks()``, True where legal."""

    def action_masks(self) -> Any: ...


@dataclass(frozen=True)
class EnvEntry:
    """One Gymnasium id of a game, with its entry points (``"module:Class"``)."""

    id: str
    entry_point: str
    vector_entry_point: str | None = None  # the batched VectorEnv over the same rules
    max_episode_steps: int | None = None
    # the PettingZoo ParallelEnv of the same game for two learners (what self-play trains on), if it has one
    parallel_entry_point: str | None = None


@dataclass(frozen=True)
class BotEntry:
    """A scripted player: its name on the command line, where its class lives and which env id it plays."""

    name: str
    entry_point: str
    env_id: str


@dataclass(frozen=True)
class GameSpec:
    """What every layer needs to know about one game.

    ``name`` is the ``GAME`` argument of ``arcadelab play``; ``play_env_id`` the env the app plays (SnakeVersus for
    ``snake``); ``bot`` the name of the default scripted opponent (one of ``bots``); ``match`` the app's adapter;
    ``corpus`` the VGLC game folder ``--level corpus`` reads, for games that take levels (``levels``).
    ``configs`` maps a config name to its YAML under ``configs/`` (``default`` is what ``arcadelab train GAME``
    would start from; ``arcadelab demo`` trains Pong's).
    """

    name: str
    title: str
    envs: tuple[EnvEntry, ...]
    play_env_id: str
    bots: tuple[BotEntry, ...]
    bot: str
    match: str
    levels: bool = False
    corpus: str | None = None
    configs: dict[str, str] = field(default_factory=dict)

    def config_path(self, name: str = "default") -> Path:
        try:
            return CONFIG_ROOT / self.configs[name]
        except KeyError:
            raise KeyError(f"{self.name} has no config {name!r}; its configs: {', '.join(self.configs)}") from None


class UnknownGameError(ValueError):
    """A game name or env id that no spec declares; the message lists the known ones."""


SPECS: tuple[GameSpec, ...] = (
    GameSpec(
        name="pong",
        title="Pong",
        envs=(
            EnvEntry(
                "ArcadeLab/Pong-v0",
                "envs.pong:PongEnv",
                vector_entry_point="envs.pong:PongVectorEnv",
                parallel_entry_point="envs.pong:PongParallelEnv",
            ),
        ),
        play_env_id="ArcadeLab/Pong-v0",
        bots=(BotEntry("pong-tracker", "agents.pong_bot:PongTrackerBot", "ArcadeLab/Pong-v0"),),
        bot="pong-tracker",
        match="games.matches.pong:PongMatch",
        configs={"default": "pong/ppo.yaml", "selfplay": "pong/ppo_selfplay.yaml"},
    ),
    GameSpec(
        name="snake",
        title="Snake",
        envs=(
            EnvEntry("ArcadeLab/Snake-v0", "envs.snake:SnakeEnv", vector_entry_point="envs.snake:SnakeVectorEnv"),
            EnvEntry(
                "ArcadeLab/SnakeVersus-v0",
                "envs.snake:SnakeVersusEnv",
                vector_entry_point="envs.snake:SnakeVersusVectorEnv",
                parallel_entry_point="envs.snake:SnakeVersusParallelEnv",
            ),
        ),
        play_env_id="ArcadeLab/SnakeVersus-v0",
        bots=(BotEntry("snake-greedy", "agents.snake_bot:SnakeGreedyBot", "ArcadeLab/Snake-v0"),),
        bot="snake-greedy",
        match="games.matches.snake:SnakeMatch",
        configs={"default": "snake/maskable_ppo.yaml"},
    ),
    GameSpec(
        name="platformer",
        title="Platformer",
        envs=(
            EnvEntry(
                "ArcadeLab/Platformer-v0", "envs.platformer:PlatformerEnv",
                vector_entry_point="envs.platformer:PlatformerVectorEnv",
            ),
        ),
        play_env_id="ArcadeLab/Platformer-v0",
        bots=(BotEntry("platformer-solver", "agents.platformer_bot:PlatformerSolverBot", "ArcadeLab/Platformer-v0"),),
        bot="platformer-solver",
        match="games.matches.platformer:PlatformerMatch",
        levels=True,
        corpus="Super Mario Bros",
        configs={"default": "platformer/ppo.yaml"},
    ),
    GameSpec(
        name="dungeon",
        title="Dungeon",
        envs=(
            EnvEntry(
                "ArcadeLab/Dungeon-v0", "envs.dungeon:DungeonEnv", vector_entry_point="envs.dungeon:DungeonVectorEnv"
            ),
        ),
        play_env_id="ArcadeLab/Dungeon-v0",
        bots=(BotEntry("dungeon-solver", "agents.dungeon_bot:DungeonSolverBot", "ArcadeLab/Dungeon-v0"),),
        bot="dungeon-solver",
        match="games.matches.dungeon:DungeonMatch",
        levels=True,
        corpus="The Legend of Zelda",
        configs={"default": "dungeon/maskable_ppo.yaml"},
    ),
)

_BY_NAME: dict[str, GameSpec] = {spec.name: spec for spec in SPECS}
_BY_ENV: dict[str, GameSpec] = {entry.id: spec for spec in SPECS for entry in spec.envs}


def game_names() -> tuple[str, ...]:
    """The games, in the order the app's title screen cycles through them."""
    return tuple(_BY_NAME)


def get_spec(name: str) -> GameSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownGameError(f"unknown game {name!r}; choose one of {', '.join(_BY_NAME)}") from None


def spec_for_env(env_id: str) -> GameSpec | None:
    """The game an env id belongs to (``ArcadeLab/Snake-v0`` and ``ArcadeLab/SnakeVersus-v0`` -> snake), or None
    for an env no spec declares (CartPole)."""
    return _BY_ENV.get(env_id)


def env_entries() -> tuple[EnvEntry, ...]:
    return tuple(entry for spec in SPECS for entry in spec.envs)


def env_entry(env_id: str) -> EnvEntry | None:
    """The spec's entry of ``env_id``, or None for an env no spec declares."""
    return next((entry for entry in env_entries() if entry.id == env_id), None)


def two_player_env_ids() -> tuple[str, ...]:
    """Env ids with a two-learner (PettingZoo) view: what self-play can train."""
    return tuple(entry.id for entry in env_entries() if entry.parallel_entry_point)


def bot_entries() -> tuple[BotEntry, ...]:
    return tuple(bot for spec in SPECS for bot in spec.bots)


def load_object(reference: str) -> Any:
    """Import ``"package.module:attribute"`` (the form every entry point in a spec takes)."""
    module_name, _, attribute = reference.partition(":")
    if not attribute:
        raise ValueError(f"entry point {reference!r} is not of the form 'module:attribute'")
    return getattr(importlib.import_module(module_name), attribute)
