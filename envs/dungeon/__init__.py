"""Dungeon: explore a map of rooms, dodge or slay monsters, pick up treasure and reach the exit.

Layers, bottom up (each imports only those below it):

* ``maps``: the VGLC dungeon legend, the one movement rule (``move_target``) and ``compile_map``, which turns a
  ``Level`` into a ``DungeonMap`` (tile codes, start, exit, treasures, monster spawns, move tables).
* ``core``: the rules written once as numba kernels over state arrays with a leading env axis, each row on its
  own map (maps padded to one shape).
* ``solver``: breadth-first search over the same move tables: ``solve`` (is a level completable, and how),
  ``solve_from``, ``reachable``, ``rooms_reached``.
* ``render``: the pygame renderer (pygame is imported only when something renders).
* ``env``: ``DungeonEnv``, the Gymnasium env, a view over a one-row core state.
* ``vector``: ``DungeonVectorEnv``, ``num_envs`` games (each its own map) stepped by one compiled call; row ``i``
  of ``reset(seed=s)`` is identical to ``DungeonEnv().reset(seed=s + i)`` under the same actions.

The kernels compile on first use and are cached on disk (``cache=True``), so importing this package compiles
nothing.
"""

from envs.dungeon.core import (
    EXIT,
    GOLD,
    HEART,
    MONSTER,
    N_EXTRA,
    PIXEL_TILE,
    PLAYER,
    R_DEATH,
    R_EXIT,
    R_HURT,
    R_KILL,
    R_ROOM,
    R_TREASURE,
    ROOM_CELLS,
    TREASURE,
)
from envs.dungeon.env import OBS_CODES, DungeonEnv
from envs.dungeon.maps import (
    ACTION_NAMES,
    ATTACK,
    AUTO_TREASURES,
    BLOCK,
    DELTAS,
    DOOR,
    DOWN,
    ELEMENT,
    ELEMENT_BLOCK,
    ELEMENT_FLOOR,
    FLOOR,
    LEFT,
    LEGEND,
    MAX_TREASURES,
    MIN_ROOMS,
    PASSABLE,
    RIGHT,
    ROOM_H,
    ROOM_W,
    STAIR,
    TILE_CODE,
    TILE_NAMES,
    UP,
    VGLC_LEGEND,
    VOID,
    WALL,
    DungeonMap,
    compile_map,
    move_target,
    passable,
)
from envs.dungeon.render import HUD, TILE
from envs.dungeon.solver import Solution, reachable, rooms_reached, solve, solve_from
from envs.dungeon.vector import DungeonVectorEnv

__all__ = [
    "ACTION_NAMES", "ATTACK", "AUTO_TREASURES", "BLOCK", "DELTAS", "DOOR", "DOWN", "ELEMENT", "ELEMENT_BLOCK",
    "ELEMENT_FLOOR", "EXIT", "FLOOR", "GOLD", "HEART", "HUD", "LEFT", "LEGEND", "MAX_TREASURES", "MIN_ROOMS",
    "MONSTER", "N_EXTRA", "OBS_CODES", "PASSABLE", "PIXEL_TILE", "PLAYER", "RIGHT", "ROOM_CELLS", "ROOM_H",
    "ROOM_W", "R_DEATH", "R_EXIT", "R_HURT", "R_KILL", "R_ROOM", "R_TREASURE", "STAIR", "TILE", "TILE_CODE",
    "TILE_NAMES", "TREASURE", "UP", "VGLC_LEGEND", "VOID", "WALL", "DungeonEnv", "DungeonMap",
    "DungeonVectorEnv", "Solution", "compile_map", "move_target", "passable", "reachable", "rooms_reached",
    "solve", "solve_from",
]  # fmt: skip
