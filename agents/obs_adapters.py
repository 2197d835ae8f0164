"""How observations are adapted for RLlib's default models: one contract for the trainer and the agent.

The RLlib trainer wraps every env with :func:`adapt_obs` and records the adapter's name in the checkpoint's
``arcadelab.json``; :class:`agents.rllib_agent.RLlibAgent` reads it back and adapts what it sees the same way.
"""

from __future__ import annotations

from typing import Any


def obs_adapter(space: Any) -> str:
    """How observations of ``space`` are adapted for RLlib's default models.

    ``"none"``: a float32 vector, used as it is. ``"flatten_float32"``: any other non-image Box (a small uint8
    grid, say) is flattened and cast to float32 so the default MLP takes it. ``"image_unit"``: an (H, W, C)
    uint8 image is scaled to [0, 1] float32 for the default CNN. ``"float32"``: any other (H, W, C) image is cast.
    """
    import gymnasium as gym
    import numpy as np

    if not isinstance(space, gym.spaces.Box):
        return "none"
    if len(space.shape) == 1 and space.dtype == np.float32:
        return "none"
    if is_image(space):
        return "image_unit" if space.dtype == np.uint8 else "float32"
    return "flatten_float32"


def is_image(space: Any) -> bool:
    """An (H, W, C) Box with 1, 3 or 4 channels (what RLlib's default CNN takes)."""
    return len(getattr(space, "shape", ()) or ()) == 3 and space.shape[-1] in (1, 3, 4)


def adapt_obs(obs: Any, adapter: str) -> Any:
    """Apply :func:`obs_adapter`'s transform to one observation (the trainer's env wrapper and the agent alike)."""
    import numpy as np

    if adapter == "none":
        return obs
    arr = np.asarray(obs, dtype=np.float32)
    if adapter == "flatten_float32":
        return arr.reshape(-1)
    if adapter == "image_unit":
        return arr * np.float32(1.0 / 255.0)
    return arr


def adapted_space(space: Any, adapter: str) -> Any:
    """The observation space after :func:`adapt_obs`."""
    import gymnasium as gym
    import numpy as np

    if adapter == "none":
        return space
    if adapter == "image_unit":
        return gym.spaces.Box(0.0, 1.0, shape=space.shape, dtype=np.float32)
    low = np.asarray(space.low, dtype=np.float32)
    high = np.asarray(space.high, dtype=np.float32)
    if adapter == "flatten_float32":
        low, high = low.reshape(-1), high.reshape(-1)
    return gym.spaces.Box(low=low, high=high, dtype=np.float32)
