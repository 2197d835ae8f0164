"""``DungeonEnv``: explore a map of rooms, dodge or slay monsters, pick up treasure and reach the exit.

A thin view over the compiled rules core (``envs/dungeon/core.py``): the state is a one-row array, the map its own
unpadded table, and each step is one compiled call that also writes the observation and the action mask.
"""

from __future__ import annotations

import functools
import operator
import os
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.data import SHIPPED_LEVELS
from envs.dungeon import core
from envs.dungeon.core import CHUNK, N_EXTRA, OBS_LEN, PIX_H, PIX_W, PLAYER, ROOM_CELLS
from envs.dungeon.maps import (
    BLOCK,
    DOOR,
    ELEMENT,
    ELEMENT_BLOCK,
    ELEMENT_FLOOR,
    FLOOR,
    LEGEND,
    STAIR,
    VOID,
    WALL,
    DungeonMap,
    compile_map,
)
from envs.dungeon.render import DungeonRendering
from envs.dungeon.solver import solve
from envs.level import FileLevelSource, Level, LevelError, LevelSource, coerce_level_source

__all__ = ["OBS_CODES", "DungeonEnv", "check_args", "check_level", "default_source"]

OBS_CODES = {
    "void": VOID,
    "floor": FLOOR,
    "wall": WALL,
    "block": BLOCK,
    "water/lava": ELEMENT,
    "shore": ELEMENT_FLOOR,
    "block in water": ELEMENT_BLOCK,
    "door": DOOR,
    "stair": STAIR,
    "treasure": core.TREASURE,
    "exit": core.EXIT,
    "monster": core.MONSTER,
    "player": PLAYER,
}
_NO_VEC = np.zeros((0, core.OBS_LEN), dtype=np.float32)
_NO_PIX = np.zeros((0, PIX_H, PIX_W, 3), dtype=np.uint8)


@functools.lru_cache(maxsize=128)
def mask_rows(rows: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """Read-only views of a map's action masks, one per cell: ``info["action_mask"]`` hands them out (no copy
    per step; ``action_masks()`` returns a copy)."""
    masks = compile_map(Level(rows, "")).masks
    return tuple(masks[i] for i in range(len(masks)))


def default_source() -> LevelSource:
    return FileLevelSource(SHIPPED_LEVELS / "dungeon", LEGEND)


def check_args(render_mode: Any, render_modes: list[str], obs_type: Any, max_steps: Any, max_hp: Any) -> None:
    """The constructor checks ``DungeonEnv`` and ``DungeonVectorEnv`` share."""
    if render_mode is not None and render_mode not in render_modes:
        raise ValueError(f"render_mode must be one of {render_modes} or None, got {render_mode!r}")
    if obs_type not in ("vector", "pixels"):
        raise ValueError(f"obs_type must be 'vector' or 'pixels', got {obs_type!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    if isinstance(max_hp, bool) or not isinstance(max_hp, (int, np.integer)) or not 1 <= max_hp <= 16:
        raise ValueError(f"max_hp must be an integer from 1 to 16, got {max_hp!r}")


def check_level(level: Level) -> DungeonMap:
    """The compiled level, or a ``LevelError`` naming it when the solver finds it not completable."""
    dmap = compile_map(level)
    verdict = solve(level)
    if not verdict.completable:
        raise LevelError(f"level {level.name!r} is not completable: {verdict.reason}", level.path)
    return dmap


def observation_space(obs_type: str, max_hp: int) -> spaces.Box:
    if obs_type == "vector":
        high = np.full(ROOM_CELLS + N_EXTRA, PLAYER, dtype=np.float32)
        high[ROOM_CELLS:] = (max_hp, 8, 1, 1)
        low = np.zeros_like(high)
        low[ROOM_CELLS + 2 :] = -1
        return spaces.Box(low, high, dtype=np.float32)
    return spaces.Box(0, 255, (PIX_H, PIX_W, 3), dtype=np.uint8)


class DungeonEnv(DungeonRendering, gym.Env):
    """A top-down dungeon crawl over a map of rooms.

    ## Description
    The map is a grid of rooms, 16 rows x 11 columns each, in the VGLC dungeon format (walls two tiles thick,
    doors in the walls, blocks, water/lava, stairs; see ``envs/dungeon/maps.py`` and
    ``envs/levels/dungeon/README.md``). The player walks from the start to the **exit**, picking up
    **treasure** on the way, while **monsters** in the player's room wander and chase; touching them hurts.
    The view is the current room (the camera flips from room to room).

    Movement (the one rule the solver also uses, ``envs.dungeon.maps.move_target``): a move onto floor,
    shore (``O``), a door or a stair succeeds; walls, blocks, water/lava (``P``, impassable, never deadly),
    blocks in water and void stop the player (a bump: it stays, no penalty). From a door, moving into the
    wall passes through it to the door of the next room. Doors are always open (keys, bombs and push-blocks
    of the source maps are not modelled).

    Monsters start on the map's ``M`` tiles. Only the monsters of the player's room move, one step each
    turn after the player: with probability 1/2 toward the player (along the axis of the larger distance),
    1/4 in a random direction, 1/4 they stay. They never leave their room, never step on doors or stairs, and
    do not share cells. A monster that tries to step onto the player hits it instead (-1 HP); a player that
    walks into a monster bumps and is hit too. Attack swings the sword around the player: every monster on
    the four neighbouring cells dies. Monster moves are drawn from the seed.

    ## Action Space
    ``Discrete(5)``: 0 up, 1 down, 2 left, 3 right, 4 attack (also "wait"). ``action_masks()`` (and
    ``info["action_mask"]``, a read-only view) masks the moves that would bump into a static tile; a masked
    move is still allowed and is a bump. Moves into monsters are not masked.

    ## Observation Space
    ``obs_type="vector"``: ``Box(float32, shape=(180,))``: the current room's 16 x 11 cells in row-major order
    as codes (0 void, 1 floor, 2 wall, 3 block, 4 water/lava, 5 shore, 6 block in water, 7 door, 8 stair,
    9 treasure, 10 exit, 11 monster, 12 player; bounds 0..12), then hit points (0..``max_hp``), treasures left
    on the map (0..8), and the direction of the exit's room as signs of the room-row and room-column
    differences (-1, 0, 1 each).
    ``obs_type="pixels"``: ``Box(uint8, shape=(128, 96, 3))``: the room's 16 x 11 codes plus a status column
    (one red cell per hit point from the top, one gold cell per treasure left from the bottom) through a
    fixed palette, 8 x 8 pixels per cell.

    ## Rewards
    +0.2 for entering a room for the first time (the start room counts as visited), +1 per treasure,
    +0.1 per monster slain, -0.5 per hit taken, -1 on death, +5 on reaching the exit.

    ## Starting State
    On each reset a level is drawn from the level source (the shipped levels by default) with the env's
    random generator; the player starts on the level's start cell with ``max_hp`` hit points. Start, exit
    and treasures come from the ``A``/``E``/``T`` tiles or, for plain VGLC maps, from the rules in
    ``envs/dungeon/maps.py``, all inside the part of the map the player can reach from the start: start inside
    the entrance door, exit on the reachable stair farthest (in moves) from the start (else the farthest
    reachable floor in another room), treasures in the farthest reachable dead-end rooms.

    ## Episode End
    Terminated on the exit cell (``info["success"] = True``) or when hit points reach 0. Truncated after
    ``max_steps`` steps.

    ## Arguments
    ``render_mode`` (None, "human", "rgb_array"), ``obs_type`` ("vector", "pixels"), ``level`` (a ``Level`` or
    a path; a directory means its ``*.txt`` files) or ``level_source`` (a ``LevelSource``), ``max_steps``
    (default 2000), ``max_hp`` (1..16, default 5), ``monsters`` (default True; False removes them).
    Every level is checked completable by ``envs.dungeon.solver.solve``; a level that is not is refused with
    a ``LevelError`` naming it and saying why (at construction for ``level=``, at reset for a source). A plain
    map whose reachable part spans fewer than two rooms is refused too (nothing to explore).

    For tools (the play app, bots): ``level`` (the ``Level`` in play), ``dungeon_map`` (its compiled form),
    ``snapshot()`` (the state a planner needs) and ``draw_surface()`` (the current frame as a pygame Surface).

    Batched: ``DungeonVectorEnv`` (``envs/dungeon/vector.py``) runs ``num_envs`` of these games, each row on its
    own map, in one compiled call per step; its row ``i`` after ``reset(seed=s)`` is this env after
    ``reset(seed=s + i)``.
    """

    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": 12}
    action_space: spaces.Discrete
    observation_space: spaces.Box

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        level: Level | str | os.PathLike | None = None,
        level_source: LevelSource | None = None,
        max_steps: int = 2000,
        max_hp: int = 5,
        monsters: bool = True,
    ) -> None:
        check_args(render_mode, self.metadata["render_modes"], obs_type, max_steps, max_hp)
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.max_steps = int(max_steps)
        self.max_hp = int(max_hp)
        self.monsters_enabled = bool(monsters)
        default = default_source() if level is None and level_source is None else None
        self.level_source = coerce_level_source(level, level_source, LEGEND, default)  # type: ignore[arg-type]
        if level is not None:  # a single level: refuse it now rather than at the first reset
            check_level(self.level_source.sample(np.random.default_rng(0)))
        self.action_space = spaces.Discrete(5)
        self.observation_space = observation_space(obs_type, self.max_hp)
        self._vector = obs_type == "vector"
        self._map: DungeonMap | None = None
        self._level: Level | None = None
        self._st: np.ndarray | None = None  # the core's state, one row
        self._buf = np.zeros((1, 2 * CHUNK), dtype=np.uint8)  # the monsters' random bytes
        self._codes = np.zeros(OBS_LEN, dtype=np.float32)  # the pixel observation's room codes (scratch)
        self._ahead: Mapping[str, Any] | None = None  # generator state before the chunk drawn ahead

    # ----------------------------------------------------------------------------------------- levels
    def _load(self, level: Level) -> None:
        dmap = check_level(level)
        self._level, self._map = level, dmap
        self._background = None
        self._mt, self._room_obs = core.natural_tables(level.rows)
        self._mask_rows = mask_rows(level.rows)
        _, rooms, mons = core.map_dims(dmap)
        self._st = np.zeros((1, core.state_width(rooms, mons)), dtype=np.int32)

    @property
    def _state(self) -> np.ndarray:
        """The core's one-row state, which the first reset creates."""
        if self._st is None:
            raise RuntimeError("call reset() first")
        return self._st

    # ------------------------------------------------------------------------------------------ API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if self._ahead is not None and self._state[0, core.S_AVAIL] > CHUNK:
            self.np_random.bit_generator.state = self._ahead  # the chunk drawn ahead was never used
        self._ahead = None
        super().reset(seed=seed)
        level = self.level_source.sample(self.np_random)
        if level is not self._level:
            self._load(level)
        self._buf[0, :CHUNK] = self.np_random.integers(0, 256, size=CHUNK, dtype=np.uint8)
        state = self._state
        core.reset_row(state, self._mt, 0, self.max_hp, self.monsters_enabled, self.max_steps)
        obs = np.empty(self.observation_space.shape, dtype=self.observation_space.dtype)
        mask = np.empty((1, 5), dtype=bool)
        vec, pix = (obs[None], _NO_PIX) if self._vector else (_NO_VEC, obs[None])
        core.observe_row(state, self._mt, self._room_obs, 0, vec, pix, self._codes, mask)
        st = state[0]
        info = {
            "action_mask": self._mask_rows[int(st[core.S_POS])],
            "hp": int(st[core.S_HP]),
            "treasures_left": int(st[core.S_TLEFT]),
            "rooms_visited": 1,
            "success": False,
        }
        if self.render_mode == "human":
            self._render_human()
        return obs, info

    def step(self, action: Any):
        if type(action) is not int or not 0 <= action < 5:
            action = self._validate(action)
        if self._st is None:
            raise RuntimeError("call reset() before step()")
        if self._vector:
            obs = np.empty(ROOM_CELLS + N_EXTRA, dtype=np.float32)
            reward, terminated, truncated, need, pos, hp, left, visited, success = core.step_vector(
                self._st, self._buf, self._mt, self._room_obs, action, obs
            )
        else:
            obs = np.empty((PIX_H, PIX_W, 3), dtype=np.uint8)
            reward, terminated, truncated, need, pos, hp, left, visited, success = core.step_pixels(
                self._st, self._buf, self._mt, self._room_obs, action, obs, self._codes
            )
        if need:
            self._draw_ahead()
        info = {
            "action_mask": self._mask_rows[pos],
            "hp": hp,
            "treasures_left": left,
            "rooms_visited": visited,
            "success": success,
        }
        if terminated or truncated:  # the episode-end contract (envs/spec.py): success is reaching the exit
            info["is_success"] = bool(success)
        if self.render_mode == "human":
            self._render_human()
        return obs, reward, terminated, truncated, info

    def _draw_ahead(self) -> None:
        """Draw the next chunk of random bytes before a step could run out (``core`` module docstring)."""
        rng = self.np_random
        self._ahead = rng.bit_generator.state
        self._buf[0, CHUNK:] = rng.integers(0, 256, size=CHUNK, dtype=np.uint8)
        self._state[0, core.S_AVAIL] = 2 * CHUNK

    def _validate(self, action: Any) -> int:
        try:
            if isinstance(action, np.ndarray):
                if action.ndim != 0:
                    raise TypeError
                action = action.item()
            if isinstance(action, (bool, np.bool_)):
                raise TypeError
            a = operator.index(action)
        except TypeError:
            raise ValueError(
                f"invalid action {action!r}: expected an integer in {self.action_space}"
            ) from None
        if not 0 <= a < 5:
            raise ValueError(f"invalid action {a}: expected an integer in {self.action_space}")
        return a

    def action_masks(self) -> np.ndarray:
        """Moves that would not bump into a static tile (attack is always legal)."""
        return self.dungeon_map.masks[int(self._state[0, core.S_POS])].copy()

    # ------------------------------------------------------------------------- for bots and tools
    @property
    def level(self) -> Level:
        """The level in play (drawn at the last reset); read-only."""
        if self._level is None:
            raise RuntimeError("call reset() first")
        return self._level

    @property
    def dungeon_map(self) -> DungeonMap:
        """The compiled current level (codes, start, exit, move tables); read-only."""
        if self._map is None:
            raise RuntimeError("call reset() first")
        return self._map

    @property
    def attacked(self) -> bool:
        """Whether the last action swung the sword (the renderer draws the swing)."""
        return bool(self._state[0, core.S_ATTACKED])

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_mask_rows", None)  # one view per cell: rebuilt from the level's cache instead
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self._level is not None:
            self._mask_rows = mask_rows(self._level.rows)

    def snapshot(self) -> dict[str, Any]:
        """Read-only view of the state a planner needs: position, hit points, treasures left, room monsters."""
        return snapshot_row(self.dungeon_map, self._mt, self._state, 0)


def snapshot_row(dmap: DungeonMap, mt: np.ndarray, st: np.ndarray, r: int) -> dict[str, Any]:
    """``snapshot()`` of row ``r`` of a core state (Python ints and tuples, as the scalar implementation gave)."""
    row = st[r].tolist()
    m = row[core.S_MAP]
    header = mt[m, : core.M_HDR].tolist()
    rmax, o_rstart = header[core.M_RMAX], header[core.M_O_RSTART]
    n_rooms = header[core.M_NROOMS]
    starts = mt[m, o_rstart : o_rstart + n_rooms + 1].tolist()
    cells = row[core.NFIX + rmax :]
    by_room = tuple(tuple(c for c in cells[starts[i] : starts[i + 1]] if c >= 0) for i in range(n_rooms))
    tmask = row[core.S_TMASK]
    return {
        "pos": row[core.S_POS],
        "hp": row[core.S_HP],
        "treasures": tuple(sorted(t for i, t in enumerate(dmap.treasures) if tmask >> i & 1)),
        "monsters": by_room[row[core.S_ROOM]],
        "monsters_by_room": by_room,
        "steps": row[core.S_STEPS],
    }
