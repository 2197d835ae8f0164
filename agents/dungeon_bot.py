"""A scripted dungeon player that follows the level solver's plan and handles monsters on the way."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from envs.dungeon import ATTACK, DungeonEnv, DungeonMap, solve_from

__all__ = ["DungeonSolverBot"]


class DungeonSolverBot:
    """Plays :class:`envs.dungeon.DungeonEnv` with the plan of ``envs.dungeon.solve_from``.

    **Where it gets the state.** The bot is built with the env (``DungeonSolverBot(env)``; wrappers are looked
    through with ``env.unwrapped``) and reads the compiled level (``env.dungeon_map``) and the read-only
    ``env.snapshot()`` (player cell, treasures left, monsters per room) at each ``act``; ``obs`` and ``info`` are
    not needed, so the bot works with either observation type.

    **Policy.** Each turn, in order:

    1. a monster on a neighbouring cell: attack (the sword kills every neighbour before monsters move);
    2. no plan, a new level, or the player is not on the cell the plan expected (a bump, a hit): replan from
       the current cell (every treasure still reachable, nearest first, then the exit);
    3. the next planned cell is taken by a monster, or a monster of that room stands next to it (it could
       step onto the player right after the move): wait (the attack action) and let it come closer or leave;
       after ``patience`` waits in a row the bot moves anyway;
    4. otherwise take the next planned move.

    Monsters move only after the player's action and only one cell, so rule 1 and 3 mean the bot is hit only
    when it runs out of patience.
    """

    def __init__(self, env: gym.Env, patience: int = 40) -> None:
        game = env.unwrapped
        if not isinstance(game, DungeonEnv):
            raise TypeError(f"DungeonSolverBot needs a DungeonEnv, got {type(game).__name__}")
        self.env = game
        self.name = "dungeon-solver"
        self.patience = patience
        self.reset()

    def reset(self) -> None:
        self._map: DungeonMap | None = None
        self._actions: list[int] = []
        self._cells: list[int] = []
        self._expected: int | None = None
        self._waited = 0

    def _replan(self, dmap: DungeonMap, pos: int, treasures: tuple[int, ...]) -> None:
        plan = solve_from(dmap, pos, treasures)
        self._map = dmap
        self._actions = list(plan.actions)
        self._cells = list(plan.cells)

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        env = self.env
        dmap = env.dungeon_map
        snap = env.snapshot()
        pos = snap["pos"]
        w = dmap.width
        here = snap["monsters"]
        if here and (pos - w in here or pos + w in here or pos - 1 in here or pos + 1 in here):
            self._waited = 0
            return ATTACK
        if dmap is not self._map or not self._actions or pos != self._expected:
            self._replan(dmap, pos, snap["treasures"])
            if not self._actions:  # already on the exit or nothing reachable: wait
                return ATTACK
        action, dest = self._actions[0], self._cells[0]
        there = snap["monsters_by_room"][dmap.room_of[dest]]
        threatened = dest in there or any(dest + d in there for d in (-w, w, -1, 1))
        if threatened and self._waited < self.patience:
            self._waited += 1
            self._expected = pos
            return ATTACK
        self._waited = 0
        self._actions.pop(0)
        self._cells.pop(0)
        self._expected = dest
        return action
