"""The episode-end contract of every ArcadeLab env (see ``envs/spec.py``), for the batched views.

A single env puts ``info["is_success"]`` (and, for a two-player game, ``info["winner"]``) on the step that ends
an episode. A ``VectorEnv`` does the same with Gymnasium's masked infos: on a step where some row ends,
``infos["is_success"]`` is a bool per row and ``infos["_is_success"]`` marks the rows that ended.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["add_vector_outcome"]


def add_vector_outcome(
    infos: dict[str, Any], terminated: np.ndarray, truncated: np.ndarray, success: np.ndarray
) -> dict[str, Any]:
    """Add ``is_success``/``_is_success`` to a batched step's ``infos`` when some row ended; returns ``infos``.
    ``success`` says, per row, whether an episode ending there is a win (only the ended rows are read)."""
    ended = terminated | truncated
    if ended.any():
        infos["is_success"] = success & ended
        infos["_is_success"] = ended
    return infos
