"""What every batched ``VectorEnv`` of ArcadeLab does alike when it resets: which rows, with which seeds.

Gymnasium's conventions: ``reset(options={"reset_mask": mask})`` resets only the masked rows (the first reset
always starts every row), and ``reset(seed=s)`` seeds row ``i`` with ``s + i``, or ``seed[i]`` for a list of
``num_envs`` seeds, so row ``i`` replays the single env reset with that seed. How a row turns its seed into a
random stream is the game's own business.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["reset_rows", "row_seeds", "scalar_seed"]


def reset_rows(num_envs: int, options: dict[str, Any] | None, started: bool) -> np.ndarray:
    """The rows a reset starts: the ``reset_mask`` rows, or all of them (always on the first reset)."""
    if options and "reset_mask" in options:
        mask = np.asarray(options["reset_mask"])
        if mask.shape != (num_envs,) or mask.dtype != np.bool_:
            raise ValueError(f"options['reset_mask'] must be a bool array of shape ({num_envs},), got {mask!r}")
        if started:
            return np.flatnonzero(mask)
    return np.arange(num_envs)


def row_seeds(num_envs: int, seed: int | list[int] | np.ndarray | None) -> np.ndarray | None:
    """Every row's seed (``seed + i``, or the given list), as int64; None when no seed was given."""
    if seed is None:
        return None
    if isinstance(seed, (int, np.integer)):
        return np.arange(num_envs, dtype=np.int64) + int(seed)
    seeds = np.asarray(seed)
    if seeds.shape != (num_envs,) or seeds.dtype.kind not in "iu":
        raise ValueError(f"seed must be an int or {num_envs} ints, got {seed!r}")
    return seeds.astype(np.int64)


def scalar_seed(seed: Any) -> int | None:
    """The seed for the vector env's own ``np_random`` (``VectorEnv.reset``): an int seed, else None."""
    return int(seed) if isinstance(seed, (int, np.integer)) else None
