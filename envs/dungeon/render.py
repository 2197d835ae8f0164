"""Drawing the dungeon with pygame (imported only here, only when something renders): own tile art, one blit of
the room's background per frame, sprites for treasures, exit, monsters and the player, and a hit-point HUD."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from envs.dungeon.core import PALETTE
from envs.dungeon.maps import (
    BLOCK,
    DOOR,
    ELEMENT,
    ELEMENT_BLOCK,
    ELEMENT_FLOOR,
    FLOOR,
    ROOM_H,
    ROOM_W,
    STAIR,
    WALL,
    DungeonMap,
)

TILE = 16  # rendered frame: 16 px tiles
HUD = 20


def tile_art() -> np.ndarray:
    """Own pixel art for the static tiles, ``(9, TILE, TILE, 3)`` uint8, drawn with numpy."""
    t = TILE
    art = np.empty((9, t, t, 3), dtype=np.uint8)
    art[:] = PALETTE[:9, None, None, :]
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


class DungeonRendering:
    """``render``, ``draw_surface`` and ``close`` for ``DungeonEnv``: it reads the game through the members
    declared below (the env defines them), and keeps its surfaces out of pickles."""

    metadata: dict[str, Any]
    render_mode: str | None
    max_hp: int
    _map: DungeonMap | None  # None until the first reset
    _surface: Any = None
    _background: Any = None  # the whole map's tiles, drawn once per map
    _window: Any = None

    def snapshot(self) -> dict[str, Any]:
        """Position, hit points, treasures left and the room's monsters (``DungeonEnv.snapshot``)."""
        raise NotImplementedError

    @property
    def attacked(self) -> bool:
        """Whether the last action swung the sword (``DungeonEnv.attacked``)."""
        raise NotImplementedError

    def render(self) -> Any:  # an rgb frame or None; typed as loosely as Env.render
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' or 'human'")
            return None
        surface = self._draw(self._drawn_map("render()"))
        if self.render_mode == "rgb_array":
            from envs.render import surface_to_rgb

            return surface_to_rgb(surface)
        return None

    def _render_human(self) -> None:
        from envs.render import Window

        if self._window is None:
            self._window = Window("ArcadeLab Dungeon", self.metadata["render_fps"])
        self._window.show(self._draw(self._drawn_map("render()")))

    def draw_surface(self) -> Any:
        """The current frame as a pygame ``Surface`` (the env's own off-screen surface, redrawn now, not a copy:
        blit or copy it before the next step). For apps that show the game in their own window."""
        return self._draw(self._drawn_map("draw_surface()"))

    def _drawn_map(self, caller: str) -> DungeonMap:
        """The map in play, or a ``RuntimeError`` telling the ``caller`` to reset first."""
        if self._map is None:
            raise RuntimeError(f"call reset() before {caller}")
        return self._map

    def _draw(self, dmap: DungeonMap) -> Any:
        from envs.render import import_pygame

        pg = import_pygame()
        if self._background is None:
            art = tile_art()
            img = art[dmap.codes]  # (H, W, t, t, 3)
            img = img.transpose(1, 3, 0, 2, 4).reshape(dmap.width * TILE, dmap.height * TILE, 3)
            self._background = pg.surfarray.make_surface(np.ascontiguousarray(img))
        if self._surface is None:
            self._surface = pg.Surface((ROOM_W * TILE, ROOM_H * TILE + HUD))
        s = self._surface
        snap = self.snapshot()
        pos, hp = snap["pos"], snap["hp"]
        room = dmap.room_of[pos]
        rr, rc = divmod(room, dmap.room_cols)
        s.fill((16, 14, 20), (0, 0, ROOM_W * TILE, HUD))
        s.blit(
            self._background, (0, HUD), (rc * ROOM_W * TILE, rr * ROOM_H * TILE, ROOM_W * TILE, ROOM_H * TILE)
        )
        r0, c0 = rr * ROOM_H, rc * ROOM_W
        w, t, h2 = dmap.width, TILE, TILE // 2

        def centre(cell: int) -> tuple[int, int]:
            r, c = divmod(cell, w)
            return (c - c0) * t + h2, (r - r0) * t + h2 + HUD

        if dmap.room_of[dmap.exit] == room:
            x, y = centre(dmap.exit)
            pg.draw.circle(s, (60, 220, 110), (x, y), h2 - 1, 2)
            pg.draw.circle(s, (200, 255, 220), (x, y), 3)
        for cell in snap["treasures"]:
            if dmap.room_of[cell] == room:
                x, y = centre(cell)
                pg.draw.polygon(s, (240, 200, 40), [(x, y - 6), (x + 5, y), (x, y + 6), (x - 5, y)])
        for m in snap["monsters"]:
            x, y = centre(m)
            pg.draw.circle(s, (220, 50, 50), (x, y), 6)
            pg.draw.rect(s, (255, 255, 255), (x - 4, y - 3, 3, 3))
            pg.draw.rect(s, (255, 255, 255), (x + 1, y - 3, 3, 3))
        x, y = centre(pos)
        if self.attacked:
            pg.draw.circle(s, (235, 235, 245), (x, y), h2 + 5, 2)
        pg.draw.circle(s, (90, 200, 255), (x, y), 6)
        pg.draw.circle(s, (20, 40, 80), (x, y - 2), 2)
        for i in range(self.max_hp):
            colour = (230, 40, 70) if i < hp else (70, 40, 50)
            pg.draw.rect(s, colour, (4 + i * 10, 6, 8, 8))
        for i in range(len(snap["treasures"])):
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
