"""A scripted Snake player: the greedy-safe planner of ``envs/snake/planner.py`` behind the ``Agent`` protocol."""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.snake.planner import choose_move, parse_observation


class SnakeGreedyBot:
    """Plays ``ArcadeLab/Snake-v0`` and ``ArcadeLab/SnakeVersus-v0`` from the vector observation alone.

    The observation is the whole board (head, body with directions, food; in versus also the other snake), so
    the bot rebuilds both snakes from it and asks the planner: shortest path to the food when eating leaves an
    escape to the tail, otherwise follow the tail, otherwise the move with the most room. It never reverses
    into its neck; if ``info["action_mask"]`` ever disagrees with its move, it takes a legal move instead and
    counts it in ``overridden`` (so a mismatch is visible, not silent).
    """

    def __init__(self, name: str = "snake_greedy") -> None:
        self.name = name
        self.overridden = 0

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> int:
        size, own, others, food = parse_observation(obs)
        move = choose_move(size, own, food, others) if own else 0
        mask = info.get("action_mask") if info else None
        if mask is not None and not mask[move]:
            self.overridden += 1
            move = int(np.flatnonzero(mask)[0])
        return move

    def reset(self) -> None:
        pass
