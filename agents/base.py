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


class RepeatAction:
    """Holds each action of ``agent`` for ``frames`` env steps.

    A policy trained with an env's ``frame_skip`` k decides once every k frames; an app or evaluation that
    steps the game one frame at a time wraps it in this to play it as it was trained. A held action that the
    env's ``action_mask`` no longer allows is decided again at once. Other attributes (``name``, ``seed``,
    ``deterministic``, ...) are the wrapped agent's.
    """

    def __init__(self, agent: Any, frames: int) -> None:
        if not isinstance(frames, int) or isinstance(frames, bool) or frames < 1:
            raise ValueError(f"frames must be a positive int, got {frames!r}")
        self.agent = agent
        self.frames = frames
        self._action: Any = None
        self._left = 0

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> Any:
        mask = info.get("action_mask") if info else None
        if self._left == 0 or (mask is not None and not mask[int(self._action)]):
            self._action = self.agent.act(obs, info)
            self._left = self.frames
        self._left -= 1
        return self._action

    def reset(self) -> None:
        self._left = 0
        self.agent.reset()

    _OWN = frozenset({"agent", "frames", "_action", "_left"})

    def __getattr__(self, name: str) -> Any:
        if name == "agent":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.agent, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._OWN:
            object.__setattr__(self, name, value)
        else:  # agent.deterministic = False, agent.elo = ...: meant for the policy
            setattr(self.agent, name, value)


def for_env_frames(agent: Any, env_frame_skip: int = 1) -> Any:
    """``agent``, wrapped in :class:`RepeatAction` when it was trained to decide every ``agent.frame_skip``
    frames and the env it will play advances ``env_frame_skip`` frames per step (a whole multiple fewer)."""
    trained = int(getattr(agent, "frame_skip", 1) or 1)
    if trained > env_frame_skip and trained % env_frame_skip == 0:
        return RepeatAction(agent, trained // env_frame_skip)
    return agent
