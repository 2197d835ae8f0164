"""Levels as grids of tile characters, and the sources that hand them to environments.

A level is a rectangle of characters in the legend of its game (the VGLC legends: ``smb.json`` for the
platformer, ``Processed/README.txt`` of The Legend of Zelda for the dungeon). Environments never generate
levels themselves: whoever builds an env passes a ``Level``, a path, or a ``LevelSource``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "FileLevelSource",
    "Level",
    "LevelError",
    "LevelListSource",
    "LevelSource",
    "coerce_level_source",
    "corpus_files",
    "load_level",
    "load_levels",
    "parse_level",
]


class LevelError(ValueError):
    """A level that cannot be used: says which file, row and column, and why."""

    def __init__(self, message: str, path: str | os.PathLike | None = None, row: int | None = None,
                 col: int | None = None) -> None:
        where = str(path) if path is not None else "<level>"
        if row is not None:
            where += f", row {row}"
        if col is not None:
            where += f", column {col}"
        super().__init__(f"{where}: {message}")
        self.path = None if path is None else str(path)
        self.row = row
        self.col = col


@dataclass(frozen=True)
class Level:
    """An immutable grid of tile characters (row 0 is the top).

    ``name`` identifies the level in telemetry and logs; ``path`` is the file it came from, if any.
    """

    rows: tuple[str, ...]
    name: str = "unnamed"
    path: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.rows or not self.rows[0]:
            raise LevelError("level is empty", self.path)
        width = len(self.rows[0])
        for r, row in enumerate(self.rows):
            if len(row) != width:
                raise LevelError(f"row has {len(row)} tiles, expected {width} like row 1", self.path, r + 1)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0])

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    def __getitem__(self, rc: tuple[int, int]) -> str:
        r, c = rc
        return self.rows[r][c]

    def to_array(self) -> np.ndarray:
        """The grid as a ``(height, width)`` array of single characters."""
        return np.array([list(row) for row in self.rows], dtype="<U1")

    def to_text(self) -> str:
        return "\n".join(self.rows) + "\n"

    def find(self, tile: str) -> list[tuple[int, int]]:
        """Every (row, col) holding ``tile``, in reading order."""
        return [(r, c) for r, row in enumerate(self.rows) for c, ch in enumerate(row) if ch == tile]

    def replace(self, changes: Mapping[tuple[int, int], str], name: str | None = None) -> Level:
        """A copy with some tiles changed (levels are immutable)."""
        grid = [list(row) for row in self.rows]
        for (r, c), ch in changes.items():
            grid[r][c] = ch
        return Level(tuple("".join(row) for row in grid), name or self.name, self.path)

    @classmethod
    def from_array(cls, grid: np.ndarray | Sequence[Sequence[str]], name: str = "unnamed") -> Level:
        return cls(tuple("".join(row) for row in grid), name)


def parse_level(text: str, legend: Iterable[str], path: str | os.PathLike | None = None,
                name: str | None = None) -> Level:
    """Parse level text, refusing ragged rows and tiles outside ``legend`` with the path, row and column.

    Rows and columns in messages are 1-based, as an editor shows them.
    """
    allowed = set(legend)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise LevelError("level file is empty", path)
    width = len(lines[0])
    for r, line in enumerate(lines):
        if len(line) != width:
            raise LevelError(f"row has {len(line)} tiles, expected {width} like row 1", path, r + 1)
        for c, ch in enumerate(line):
            if ch not in allowed:
                raise LevelError(
                    f"unknown tile {ch!r}; allowed tiles are {''.join(sorted(allowed))}", path, r + 1, c + 1
                )
    if name is None:
        name = Path(path).stem if path is not None else "unnamed"
    return Level(tuple(lines), name, None if path is None else str(path))


def load_level(path: str | os.PathLike, legend: Iterable[str]) -> Level:
    """Read and check one level file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LevelError("no such level file", p) from None
    except UnicodeDecodeError as exc:
        raise LevelError(f"not a text file ({exc.reason})", p) from None
    return parse_level(text, legend, p)


def load_levels(paths: Iterable[str | os.PathLike], legend: Iterable[str]) -> list[Level]:
    """Read several level files; a directory stands for its ``*.txt`` files in name order."""
    legend = list(legend)
    files: list[Path] = []
    for path in paths:
        p = Path(path)
        files.extend(sorted(p.glob("*.txt")) if p.is_dir() else [p])
    if not files:
        raise LevelError("no level files found", ", ".join(map(str, paths)))
    return [load_level(f, legend) for f in files]


@runtime_checkable
class LevelSource(Protocol):
    """Anything that hands out levels: corpus files, a trained generator, a single file."""

    def sample(self, rng: np.random.Generator) -> Level: ...


class LevelListSource:
    """Samples uniformly from a fixed list of levels (a corpus or the shipped levels)."""

    def __init__(self, levels: Sequence[Level]) -> None:
        if not levels:
            raise ValueError("LevelListSource needs at least one level")
        self.levels = list(levels)

    def sample(self, rng: np.random.Generator) -> Level:
        return self.levels[int(rng.integers(len(self.levels)))]

    def __len__(self) -> int:
        return len(self.levels)


class FileLevelSource(LevelListSource):
    """Levels read from files or directories of ``*.txt`` files, checked against ``legend`` at construction."""

    def __init__(self, paths: str | os.PathLike | Iterable[str | os.PathLike], legend: Iterable[str]) -> None:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        super().__init__(load_levels(paths, legend))


CORPUS = "corpus"  # ``level="corpus"``: the game's VGLC folder, read in place (``envs.data.vglc_dir``)


def corpus_files(corpus: str) -> list[Path]:
    """The level files of one VGLC game (``Processed/*.txt``), refused with the folder's path if there are none."""
    from envs.data import vglc_dir

    folder = vglc_dir(corpus)
    files = sorted(p for p in folder.glob("*.txt") if not p.name.lower().startswith("readme"))
    if not files:
        raise LevelError(
            "no VGLC corpus levels here (put ../shared/data beside the checkout or set $ARCADELAB_VGLC)", folder
        )
    return files


def coerce_level_source(level: Level | str | os.PathLike | None, level_source: LevelSource | None,
                        legend: Iterable[str], default: LevelSource, corpus: str | None = None) -> LevelSource:
    """Resolve an env's ``level=`` / ``level_source=`` arguments into one source.

    ``level="corpus"`` means the game's VGLC corpus (``corpus`` names its VGLC folder), so a YAML config can
    train on it without a machine-specific path.
    """
    if level is not None and level_source is not None:
        raise ValueError("pass either level= or level_source=, not both")
    if corpus is not None and isinstance(level, str) and level == CORPUS:
        return FileLevelSource(corpus_files(corpus), legend)
    if level_source is not None:
        if not isinstance(level_source, LevelSource):
            raise TypeError(f"level_source must have a sample(rng) -> Level method, got {type(level_source)!r}")
        return level_source
    if level is None:
        return default
    if isinstance(level, Level):
        bad = {ch for row in level.rows for ch in row} - set(legend)
        if bad:
            raise LevelError(f"unknown tiles {''.join(sorted(bad))!r}", level.path or level.name)
        return LevelListSource([level])
    return FileLevelSource(level, legend)
