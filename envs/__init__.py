"""ArcadeLab's games as Gymnasium environments.

Importing this package registers every environment under the ``ArcadeLab/`` namespace; nothing else
happens at import time (no pygame, no RL library).
"""

from __future__ import annotations

import gymnasium as gym

from envs.level import Level, LevelError, LevelSource

__all__ = ["ENV_IDS", "Level", "LevelError", "LevelSource", "register_envs"]

# id -> (entry point, vector entry point or None, max_episode_steps or None)
_REGISTRY: dict[str, tuple[str, str | None, int | None]] = {
    "ArcadeLab/Snake-v0": ("envs.snake:SnakeEnv", "envs.snake:SnakeVectorEnv", None),
    "ArcadeLab/SnakeVersus-v0": ("envs.snake:SnakeVersusEnv", None, None),
    "ArcadeLab/Pong-v0": ("envs.pong:PongEnv", "envs.pong:PongVectorEnv", None),
    "ArcadeLab/Platformer-v0": ("envs.platformer:PlatformerEnv", None, None),
    "ArcadeLab/Dungeon-v0": ("envs.dungeon:DungeonEnv", None, None),
}

ENV_IDS: tuple[str, ...] = tuple(_REGISTRY)


def register_envs() -> None:
    """Register every ArcadeLab environment with Gymnasium (idempotent)."""
    for env_id, (entry_point, vector_entry_point, max_steps) in _REGISTRY.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point=entry_point,
            vector_entry_point=vector_entry_point,
            max_episode_steps=max_steps,
        )


register_envs()
