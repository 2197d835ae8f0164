"""Where the platformer's levels come from, and the check every level handed to an env passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from envs.data import SHIPPED_LEVELS
from envs.level import FileLevelSource, Level, LevelError
from envs.platformer.core import LEGEND
from envs.platformer.solver import check_level

__all__ = ["CORPUS", "SHIPPED_PLATFORMER_LEVELS", "DefaultSource", "require_playable"]

CORPUS = "Super Mario Bros"  # the VGLC game whose levels ``level="corpus"`` reads
SHIPPED_PLATFORMER_LEVELS = SHIPPED_LEVELS / "platformer"


class DefaultSource:
    """The shipped original levels, read on first use (so importing the package reads no files)."""

    def __init__(self) -> None:
        self._source: FileLevelSource | None = None

    @property
    def levels(self) -> list[Level]:
        if self._source is None:
            self._source = FileLevelSource(Path(SHIPPED_PLATFORMER_LEVELS), LEGEND)
        return self._source.levels

    def sample(self, rng: np.random.Generator) -> Level:
        levels = self.levels
        return levels[int(rng.integers(len(levels)))]


default_source = DefaultSource()


def check_tiles(level: Level) -> None:
    """Refuse a level with tiles outside the legend (a ``LevelError`` naming them)."""
    bad = {ch for row in level.rows for ch in row} - set(LEGEND)
    if bad:
        raise LevelError(f"unknown tiles {''.join(sorted(bad))!r}", level.path or level.name)


def require_playable(level: Level, max_steps: int = 4000) -> None:
    """Raise ``LevelError`` (naming the level and why) unless the solver finishes ``level`` within ``max_steps``;
    what ``PlatformerEnv(check_playable=True)`` runs on every new level (results cached by level content)."""
    result = check_level(level, max_steps=max_steps)
    if not result.completable:
        raise LevelError(
            f"level {level.name!r} is not completable: {result.reason}", level.path or level.name
        )
