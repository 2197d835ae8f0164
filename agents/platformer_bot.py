"""A platformer bot that plays the solver's plan: plan once per episode, replay it, replan on divergence."""

from __future__ import annotations

import logging
from typing import Any

import gymnasium as gym

from envs.platformer import PlatformerEnv, PlatformerPhysics
from envs.platformer.solver import DEFAULT_NODE_BUDGET, solve

__all__ = ["PlatformerSolverBot"]

log = logging.getLogger(__name__)


class PlatformerSolverBot:
    """Plays ``ArcadeLab/Platformer-v0`` by searching the game's own physics (``envs.platformer.solver``).

    The bot is given the env at construction (``gymnasium.make`` wrappers are fine: it reads ``env.unwrapped``)
    because it plans on the exact physics state (``env.unwrapped.state``), which the egocentric observation does
    not carry. On the first ``act`` of an episode it plans from the current state; afterwards it checks before
    every action that the env is in the state the plan predicted and replans from the actual state if not (for
    example when another policy took some of the actions). If no plan is found it runs right and says so in the
    log (``info`` is not used).
    """

    def __init__(self, env: gym.Env, node_budget: int = DEFAULT_NODE_BUDGET, repeat: int = 4) -> None:
        self.name = "platformer-solver"
        self.env = env
        self.node_budget = node_budget
        self.repeat = repeat
        self.replans = 0
        self.reset()

    @property
    def _game(self) -> PlatformerEnv:
        game = self.env.unwrapped
        if not isinstance(game, PlatformerEnv):
            raise TypeError(f"PlatformerSolverBot needs a PlatformerEnv, got {type(game).__name__}")
        return game

    def reset(self) -> None:
        self._plan: list[int] = []
        self._expected: tuple | None = None
        self._physics: PlatformerPhysics | None = None
        self._gave_up = False

    def _replan(self, game: PlatformerEnv, physics: PlatformerPhysics, state: tuple) -> None:
        remaining = game.max_steps - game._steps
        result = solve(
            physics,
            start=state,
            node_budget=self.node_budget,
            repeat=self.repeat,
            max_steps=max(remaining, 1),
        )
        if not result.completable:
            log.warning("no plan from the current state (%s); running right", result.reason)
        self._gave_up = not result.completable
        self._plan = list(reversed(result.actions))
        self._physics = physics

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        game = self._game
        physics, state = game.physics, game.state
        if physics is None or state is None:
            raise RuntimeError("reset the env before asking the bot to act")
        diverged = self._physics is not physics or state != self._expected
        if diverged or (not self._plan and not self._gave_up):
            if self._physics is not None:
                self.replans += 1
            self._replan(game, physics, state)
        action = self._plan.pop() if self._plan else 2
        self._expected = physics.step(state, action)[0]
        return action
