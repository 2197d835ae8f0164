"""Dungeon: explore a map of rooms, dodge or slay monsters, pick up treasure and reach the exit."""

from __future__ import annotations

import operator
import os
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.data import SHIPPED_LEVELS
from envs.dungeon_solver import (
    ATTACK,
    BLOCK,
    DOOR,
    ELEMENT,
    ELEMENT_BLOCK,
    ELEMENT_FLOOR,
    FLOOR,
    LEGEND,
    ROOM_H,
    ROOM_W,
    STAIR,
    VOID,
    WALL,
    DungeonMap,
    compile_map,
    solve,
)
from envs.level import FileLevelSource, Level, LevelError, LevelSource, coerce_level_source

__all__ = ["LEGEND", "OBS_CODES", "DungeonEnv"]

# Observation codes: the static tile codes 0..8 of envs.dungeon_solver, then the things on them.
TREASURE, EXIT, MONSTER, PLAYER = 9, 10, 11, 12
HEART, GOLD = 13, 14  # pixel observations only (the status column)
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
    "treasure": TREASURE,
    "exit": EXIT,
    "monster": MONSTER,
    "player": PLAYER,
}
ROOM_CELLS = ROOM_H * ROOM_W
N_EXTRA = 4
PIXEL_TILE = 8  # pixel observation: 16 x 12 tiles (room + status column) of 8 px -> 128 x 96
TILE = 16  # rendered frame: 16 px tiles
HUD = 20

R_ROOM, R_TREASURE, R_EXIT, R_HURT, R_DEATH, R_KILL = 0.2, 1.0, 5.0, -0.5, -1.0, 0.1

_PALETTE = np.array(
    [
        (12, 10, 16),  # void
        (78, 68, 56),  # floor
        (44, 52, 78),  # wall
        (128, 104, 82),  # block
        (34, 84, 170),  # water/lava
        (70, 110, 130),  # shore
        (60, 80, 130),  # block in water
        (24, 20, 18),  # door
        (150, 150, 150),  # stair
        (240, 200, 40),  # treasure
        (60, 220, 110),  # exit
        (220, 50, 50),  # monster
        (90, 200, 255),  # player
        (230, 40, 70),  # heart (status column)
        (240, 200, 40),  # gold (status column)
    ],
    dtype=np.uint8,
)


def _default_source() -> LevelSource:
    return FileLevelSource(SHIPPED_LEVELS / "dungeon", LEGEND)


def _tile_art() -> np.ndarray:
    """Own pixel art for the static tiles, ``(9, TILE, TILE, 3)`` uint8, drawn with numpy."""
    t = TILE
    art = np.empty((9, t, t, 3), dtype=np.uint8)
    art[:] = _PALETTE[:9, None, None, :]
    yy, xx = np.mgrid[0:t, 0:t]
    floor = art[FLOOR]
    floor[(yy == t - 1) | (xx == t - 1)] = (66, 58, 48)
    wall = art[WALL]
    wall[(yy % 8 == 0)] = (64, 74, 104)
    wall[((xx + 8 * ((yy // 8) % 2)) % 16 == 0)] = (64, 74, 104)
    block = art[BLOCK]
    block[(yy < 2) | (xx < 2)] = (170, 144, 116)
    block[(yy >= t - 2) | (xx >= t - 2)] = (86, 68, 54)
    for code in (ELEMENT, ELEMENT_BLOCK):
        art[code][((xx + 2 * (yy // 5)) % 7 == 0) & (yy % 5 == 2)] = (110, 160, 230)
    art[ELEMENT_BLOCK][4 : t - 4, 4 : t - 4] = (128, 104, 82)
    art[ELEMENT_FLOOR] = art[FLOOR]  # shore: walkable floor, speckled with water
    art[ELEMENT_FLOOR][((xx + yy) % 6 == 0) & (yy % 3 == 0)] = (70, 120, 190)
    art[DOOR][(xx < 2) | (xx >= t - 2) | (yy < 2) | (yy >= t - 2)] = (110, 80, 50)
    art[STAIR][(yy % 5) < 2] = (90, 90, 96)
    return art


class DungeonEnv(gym.Env):
    """A top-down dungeon crawl over a map of rooms.

    ## Description
    The map is a grid of rooms, 16 rows x 11 columns each, in the VGLC dungeon format (walls two tiles thick,
    doors in the walls, blocks, water/lava, stairs; see ``envs/dungeon_solver.py`` and
    ``envs/levels/dungeon/README.md``). The player walks from the start to the **exit**, picking up
    **treasure** on the way, while **monsters** in the player's room wander and chase; touching them hurts.
    The view is the current room (the camera flips from room to room).

    Movement (the one rule the solver also uses, ``envs.dungeon_solver.move_target``): a move onto floor,
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
    ``info["action_mask"]``) masks the moves that would bump into a static tile; a masked move is still
    allowed and is a bump. Moves into monsters are not masked.

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
    ``envs/dungeon_solver.py``, all inside the part of the map the player can reach from the start: start inside
    the entrance door, exit on the reachable stair farthest (in moves) from the start (else the farthest
    reachable floor in another room), treasures in the farthest reachable dead-end rooms.

    ## Episode End
    Terminated on the exit cell (``info["success"] = True``) or when hit points reach 0. Truncated after
    ``max_steps`` steps.

    ## Arguments
    ``render_mode`` (None, "human", "rgb_array"), ``obs_type`` ("vector", "pixels"), ``level`` (a ``Level`` or
    a path; a directory means its ``*.txt`` files) or ``level_source`` (a ``LevelSource``), ``max_steps``
    (default 2000), ``max_hp`` (1..16, default 5), ``monsters`` (default True; False removes them).
    Every level is checked completable by ``envs.dungeon_solver.solve``; a level that is not is refused with
    a ``LevelError`` naming it and saying why (at construction for ``level=``, at reset for a source). A plain
    map whose reachable part spans fewer than two rooms is refused too (nothing to explore).

    For tools (the play app, bots): ``level`` (the ``Level`` in play), ``dungeon_map`` (its compiled form),
    ``snapshot()`` (the state a planner needs) and ``draw_surface()`` (the current frame as a pygame Surface).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 12}

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
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}"
            )
        if obs_type not in ("vector", "pixels"):
            raise ValueError(f"obs_type must be 'vector' or 'pixels', got {obs_type!r}")
        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
        if isinstance(max_hp, bool) or not isinstance(max_hp, (int, np.integer)) or not 1 <= max_hp <= 16:
            raise ValueError(f"max_hp must be an integer from 1 to 16, got {max_hp!r}")
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.max_steps = int(max_steps)
        self.max_hp = int(max_hp)
        self.monsters_enabled = bool(monsters)
        default = _default_source() if level is None and level_source is None else None
        self.level_source = coerce_level_source(level, level_source, LEGEND, default)  # type: ignore[arg-type]
        if level is not None:  # a single level: refuse it now rather than at the first reset
            self._check(self.level_source.sample(np.random.default_rng(0)))

        self.action_space = spaces.Discrete(5)
        if obs_type == "vector":
            high = np.full(ROOM_CELLS + N_EXTRA, PLAYER, dtype=np.float32)
            high[ROOM_CELLS:] = (self.max_hp, 8, 1, 1)
            low = np.zeros_like(high)
            low[ROOM_CELLS + 2 :] = -1
            self.observation_space = spaces.Box(low, high, dtype=np.float32)
        else:
            self.observation_space = spaces.Box(
                0, 255, (ROOM_H * PIXEL_TILE, (ROOM_W + 1) * PIXEL_TILE, 3), dtype=np.uint8
            )
        self._map: DungeonMap | None = None
        self._level: Level | None = None
        self._surface: Any = None
        self._background: Any = None
        self._window: Any = None

    # ----------------------------------------------------------------------------------------- levels
    @staticmethod
    def _check(level: Level) -> DungeonMap:
        dmap = compile_map(level)
        verdict = solve(level)
        if not verdict.completable:
            raise LevelError(f"level {level.name!r} is not completable: {verdict.reason}", level.path)
        return dmap

    def _load(self, level: Level) -> None:
        dmap = self._check(level)
        self._level, self._map = level, dmap
        self._background = None
        w = dmap.width
        self._W = w
        self._next = dmap.next_cell
        self._mnext = dmap.monster_next
        self._room_of = dmap.room_of
        self._local = dmap.local
        self._flat_codes = dmap.codes.ravel().tolist()
        n_rooms = dmap.room_rows * dmap.room_cols
        er, ec = divmod(dmap.room_of[dmap.exit], dmap.room_cols)
        # Per-room static part of the observation (tiles + exit); treasures and movers are drawn on top.
        base = np.zeros((n_rooms, ROOM_CELLS + N_EXTRA), dtype=np.float32)
        for room in range(n_rooms):
            rr, rc = divmod(room, dmap.room_cols)
            tiles = dmap.codes[rr * ROOM_H : (rr + 1) * ROOM_H, rc * ROOM_W : (rc + 1) * ROOM_W]
            base[room, :ROOM_CELLS] = tiles.ravel()
            base[room, ROOM_CELLS + 2] = (er > rr) - (er < rr)
            base[room, ROOM_CELLS + 3] = (ec > rc) - (ec < rc)
        base[dmap.room_of[dmap.exit], self._local[dmap.exit]] = EXIT
        self._base_static = base

    # ------------------------------------------------------------------------------------------ API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        level = self.level_source.sample(self.np_random)
        if level is not self._level:
            self._load(level)
        dmap = self._map
        self._pos = dmap.start
        self._room = dmap.room_of[dmap.start]
        self._hp = self.max_hp
        self._steps = 0
        self._visited = {self._room}
        self._treasures = set(dmap.treasures)
        self._base = self._base_static.copy()
        self._pixel_rooms: dict[int, np.ndarray] = {}
        for t in dmap.treasures:
            self._base[dmap.room_of[t], self._local[t]] = TREASURE
        self._base[:, ROOM_CELLS + 1] = len(self._treasures)
        n_rooms = dmap.room_rows * dmap.room_cols
        self._mons: list[list[int]] = [[] for _ in range(n_rooms)]
        if self.monsters_enabled:
            for m in dmap.monsters:
                self._mons[dmap.room_of[m]].append(m)
        self._refill()
        self._success = False
        self._attacked = False
        if self.render_mode == "human":
            self._render_human()
        return self._obs(), self._info()

    def step(self, action: Any):
        if type(action) is not int or not 0 <= action < 5:
            action = self._validate(action)
        if self._map is None:
            raise RuntimeError("call reset() before step()")
        self._steps += 1
        reward = 0.0
        terminated = False
        pos = self._pos
        mons = self._mons[self._room]
        self._attacked = action == ATTACK
        if action < 4:
            dest = self._next[pos * 4 + action]
            if dest != pos:
                room = self._room_of[dest]
                if dest in self._mons[room]:
                    self._hp -= 1
                    reward += R_HURT
                else:
                    pos = self._pos = dest
                    if room != self._room:
                        self._room = room
                        mons = self._mons[room]
                        if room not in self._visited:
                            self._visited.add(room)
                            reward += R_ROOM
                    if pos in self._treasures:
                        self._treasures.discard(pos)
                        self._base[room, self._local[pos]] = self._flat_codes[pos]
                        self._pixel_rooms.pop(room, None)
                        self._base[:, ROOM_CELLS + 1] = len(self._treasures)
                        reward += R_TREASURE
                    if pos == self._map.exit:
                        self._success = terminated = True
                        reward += R_EXIT
        elif mons:
            w = self._W
            for n in (pos - w, pos + w, pos - 1, pos + 1):
                if n in mons:
                    mons.remove(n)
                    reward += R_KILL
        if mons and not terminated:
            reward += self._move_monsters(mons, pos)
        if self._hp <= 0 and not terminated:
            self._hp = 0  # two hits in one turn must not leave the observation's bounds
            terminated = True
            reward += R_DEATH
        truncated = not terminated and self._steps >= self.max_steps
        if self.render_mode == "human":
            self._render_human()
        return self._obs(), reward, terminated, truncated, self._info()

    def _move_monsters(self, mons: list[int], pos: int) -> float:
        buf, k = self._rand, self._rand_i
        w = self._W
        mnext = self._mnext
        pr, pc = divmod(pos, w)
        reward = 0.0
        for i, m in enumerate(mons):
            if k >= len(buf):
                self._refill()
                buf, k = self._rand, 0
            x = buf[k]
            k += 1
            if x & 128:  # chase along the axis of the larger distance
                mr, mc = divmod(m, w)
                dr, dc = pr - mr, pc - mc
                if abs(dr) >= abs(dc):
                    a = 1 if dr > 0 else 0
                else:
                    a = 3 if dc > 0 else 2
            elif x & 64:
                a = x & 3
            else:
                continue
            dest = mnext[m * 4 + a]
            if dest == pos:
                self._hp -= 1
                reward += R_HURT
            elif dest != m and dest not in mons:
                mons[i] = dest
        self._rand_i = k
        return reward

    def _refill(self) -> None:
        self._rand = self.np_random.integers(0, 256, size=1024, dtype=np.uint8).tolist()
        self._rand_i = 0

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
        return self._map.masks[self._pos].copy()

    def _info(self) -> dict[str, Any]:
        return {
            "action_mask": self._map.masks[self._pos].copy(),
            "hp": self._hp,
            "treasures_left": len(self._treasures),
            "rooms_visited": len(self._visited),
            "success": self._success,
        }

    def _obs(self) -> np.ndarray:
        room = self._room
        local = self._local
        if self.obs_type == "vector":
            obs = self._base[room].copy()
            for m in self._mons[room]:
                obs[local[m]] = MONSTER
            obs[local[self._pos]] = PLAYER
            obs[ROOM_CELLS] = self._hp
            return obs
        return self._pixels()

    def _pixels(self) -> np.ndarray:
        room = self._room
        backdrop = self._pixel_rooms.get(room)
        if backdrop is None:  # the room's tiles, treasures and exit, upscaled once until a treasure is taken
            grid = np.zeros((ROOM_H, ROOM_W + 1), dtype=np.uint8)
            grid[:, :ROOM_W] = self._base[room, :ROOM_CELLS].reshape(ROOM_H, ROOM_W)
            backdrop = self._pixel_rooms[room] = np.repeat(
                np.repeat(_PALETTE[grid], PIXEL_TILE, axis=0), PIXEL_TILE, axis=1
            )
        img = backdrop.copy()
        p = PIXEL_TILE
        for cell, code in [(m, MONSTER) for m in self._mons[room]] + [(self._pos, PLAYER)]:
            r, c = divmod(self._local[cell], ROOM_W)
            img[r * p : (r + 1) * p, c * p : (c + 1) * p] = _PALETTE[code]
        img[: max(self._hp, 0) * p, ROOM_W * p :] = _PALETTE[HEART]
        if self._treasures:
            img[(ROOM_H - len(self._treasures)) * p :, ROOM_W * p :] = _PALETTE[GOLD]
        return img

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

    def snapshot(self) -> dict[str, Any]:
        """Read-only view of the state a planner needs: position, hit points, treasures left, room monsters."""
        return {
            "pos": self._pos,
            "hp": self._hp,
            "treasures": tuple(sorted(self._treasures)),
            "monsters": tuple(self._mons[self._room]),
            "monsters_by_room": tuple(tuple(m) for m in self._mons),
            "steps": self._steps,
        }

    # ---------------------------------------------------------------------------------- rendering
    def render(self) -> np.ndarray | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' or 'human'")
            return None
        if self._map is None:
            raise RuntimeError("call reset() before render()")
        surface = self._draw()
        if self.render_mode == "rgb_array":
            from envs.render import surface_to_rgb

            return surface_to_rgb(surface)
        return None

    def _render_human(self) -> None:
        from envs.render import Window

        if self._window is None:
            self._window = Window("ArcadeLab Dungeon", self.metadata["render_fps"])
        self._window.show(self._draw())

    def draw_surface(self) -> Any:
        """The current frame as a pygame ``Surface`` (the env's own off-screen surface, redrawn now, not a copy:
        blit or copy it before the next step). For apps that show the game in their own window."""
        if self._map is None:
            raise RuntimeError("call reset() before draw_surface()")
        return self._draw()

    def _draw(self) -> Any:
        from envs.render import import_pygame

        pg = import_pygame()
        dmap = self._map
        if self._background is None:
            art = _tile_art()
            img = art[dmap.codes]  # (H, W, t, t, 3)
            img = img.transpose(1, 3, 0, 2, 4).reshape(dmap.width * TILE, dmap.height * TILE, 3)
            self._background = pg.surfarray.make_surface(np.ascontiguousarray(img))
        if self._surface is None:
            self._surface = pg.Surface((ROOM_W * TILE, ROOM_H * TILE + HUD))
        s = self._surface
        rr, rc = divmod(self._room, dmap.room_cols)
        s.fill((16, 14, 20), (0, 0, ROOM_W * TILE, HUD))
        s.blit(
            self._background, (0, HUD), (rc * ROOM_W * TILE, rr * ROOM_H * TILE, ROOM_W * TILE, ROOM_H * TILE)
        )
        r0, c0 = rr * ROOM_H, rc * ROOM_W
        w, t, h2 = self._W, TILE, TILE // 2

        def centre(cell: int) -> tuple[int, int]:
            r, c = divmod(cell, w)
            return (c - c0) * t + h2, (r - r0) * t + h2 + HUD

        if dmap.room_of[dmap.exit] == self._room:
            x, y = centre(dmap.exit)
            pg.draw.circle(s, (60, 220, 110), (x, y), h2 - 1, 2)
            pg.draw.circle(s, (200, 255, 220), (x, y), 3)
        for cell in self._treasures:
            if dmap.room_of[cell] == self._room:
                x, y = centre(cell)
                pg.draw.polygon(s, (240, 200, 40), [(x, y - 6), (x + 5, y), (x, y + 6), (x - 5, y)])
        for m in self._mons[self._room]:
            x, y = centre(m)
            pg.draw.circle(s, (220, 50, 50), (x, y), 6)
            pg.draw.rect(s, (255, 255, 255), (x - 4, y - 3, 3, 3))
            pg.draw.rect(s, (255, 255, 255), (x + 1, y - 3, 3, 3))
        x, y = centre(self._pos)
        if self._attacked:
            pg.draw.circle(s, (235, 235, 245), (x, y), h2 + 5, 2)
        pg.draw.circle(s, (90, 200, 255), (x, y), 6)
        pg.draw.circle(s, (20, 40, 80), (x, y - 2), 2)
        for i in range(self.max_hp):
            colour = (230, 40, 70) if i < self._hp else (70, 40, 50)
            pg.draw.rect(s, colour, (4 + i * 10, 6, 8, 8))
        for i in range(len(self._treasures)):
            x = ROOM_W * TILE - 9 - i * 10
            pg.draw.polygon(s, (240, 200, 40), [(x, 4), (x + 4, 10), (x, 16), (x - 4, 10)])
        return s

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_surface"] = state["_background"] = state["_window"] = None
        return state
