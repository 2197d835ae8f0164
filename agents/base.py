"""The one interface every player implements, from scripted bots to trained policies to a human."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np


@runtime_checkable
class Agent(Protocol):
    """Picks an action from an observation.

    ``info`` is the env's info dict (it may carry ``action_mask``); ``reset`` is called at each episode start so
    stateful agents (recurrent policies, bots with reaction delay) can clear their memory.
    """

    name: str

    def act(self, obs: Any, info: dict[str, Any]) -> Any: ...

    def reset(self) -> None: ...


class RandomAgent:
    """Uniformly random legal actions; respects ``info["action_mask"]`` when the env gives one."""

    def __init__(self, action_space: gym.Space, seed: int | None = None) -> None:
        self.action_space = action_space
        self.name = "random"
        self._rng = np.random.default_rng(seed)

    def act(self, obs: Any, info: dict[str, Any]) -> Any:
        mask = info.get("action_mask") if info else None
        if mask is not None and isinstance(self.action_space, gym.spaces.Discrete):
            legal = np.flatnonzero(mask)
            if len(legal):
                return int(self.action_space.start + self._rng.choice(legal))
        self.action_space.seed(int(self._rng.integers(2**31)))
        return self.action_space.sample()

    def reset(self) -> None:
        pass
