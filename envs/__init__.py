"""ArcadeLab's games as Gymnasium environments.

Importing this package registers every environment under the ``ArcadeLab/`` namespace; nothing else
happens at import time (no pygame, no RL library).
"""

from __future__ import annotations

import gymnasium as gym

from envs.level import Level, LevelError, LevelSource
from envs.spec import env_entries

__all__ = ["ENV_IDS", "Level", "LevelError", "LevelSource", "register_envs"]

ENV_IDS: tuple[str, ...] = tuple(entry.id for entry in env_entries())


def register_envs() -> None:
    """Register every env the game specs declare (``envs.spec.SPECS``) with Gymnasium (idempotent)."""
    for entry in env_entries():
        if entry.id in gym.registry:
            continue
        gym.register(
            id=entry.id,
            entry_point=entry.entry_point,
            vector_entry_point=entry.vector_entry_point,
            max_episode_steps=entry.max_episode_steps,
        )


register_envs()
