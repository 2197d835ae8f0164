"""The platformer's pygame renderer: a cached background of the level's tiles, sprites drawn on top.

pygame is imported only when something renders (``envs.render.import_pygame``), so a headless trainer never pays
for it. Mixed into ``PlatformerEnv``, which provides ``physics`` and ``_rows`` (its one-row state).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from envs.platformer import core
from envs.platformer.core import (
    BH,
    BRICK,
    BW,
    CANNON,
    COIN,
    EH,
    EMPTY,
    EW,
    GOAL,
    GOAL_COLS,
    GROUND,
    PAD_C,
    PAD_R,
    PALETTE,
    PH,
    PIPE,
    PLAYER_RGB,
    PW,
    QBLOCK,
    TILE,
    USED,
    VIEW_W,
)
from envs.platformer.physics import PlatformerPhysics, RowState, X, Y

if TYPE_CHECKING:
    from envs.render import Window


def draw_tile(surf: Any, pygame: Any, r: int, c: int, code: int, t: int) -> None:
    """One tile of code ``code`` at tile (r, c) of ``surf``, ``t`` pixels a side."""
    rect = pygame.Rect(c * t, r * t, t, t)
    surf.fill(tuple(PALETTE[EMPTY]), rect)
    color = tuple(int(v) for v in PALETTE[code])
    if code == GROUND:
        surf.fill(color, rect)
        pygame.draw.line(surf, (100, 60, 30), rect.topleft, rect.topright, 2)
    elif code == BRICK:
        surf.fill(color, rect)
        pygame.draw.line(surf, (120, 60, 40), (rect.left, rect.top + t // 2), (rect.right, rect.top + t // 2))
        pygame.draw.line(
            surf, (120, 60, 40), (rect.left + t // 2, rect.top), (rect.left + t // 2, rect.top + t // 2)
        )
        pygame.draw.rect(surf, (120, 60, 40), rect, 1)
    elif code in (QBLOCK, USED):
        surf.fill(color, rect.inflate(-2, -2))
        if code == QBLOCK:
            pygame.draw.circle(surf, (160, 90, 20), rect.center, 3)
    elif code == PIPE:
        surf.fill(color, rect)
        pygame.draw.line(surf, (30, 110, 50), (rect.left + 3, rect.top), (rect.left + 3, rect.bottom), 2)
    elif code == CANNON:
        surf.fill(color, rect.inflate(-2, 0))
        pygame.draw.circle(surf, (20, 20, 20), rect.center, 4)
    elif code == COIN:
        pygame.draw.ellipse(surf, color, rect.inflate(-8, -4))
    elif code == GOAL:
        surf.fill((200, 230, 250), rect)


class PlatformerRendering:
    """``render``, ``draw_surface``, ``camera_x``, ``player_rect``, ``close`` and pickling for ``PlatformerEnv``."""

    RENDER_TILE = 16
    VIEW_W = VIEW_W

    # set by PlatformerEnv (physics and _rows are None until the first reset)
    render_mode: str | None
    metadata: dict[str, Any]
    physics: PlatformerPhysics | None
    _rows: RowState | None
    # built on first use; pygame Surfaces are Any (pygame is imported only when something renders)
    _window: Window | None
    _surface: Any
    _background: Any
    _bg_cells: frozenset[tuple[int, int]]

    def _loaded(self, what: str) -> tuple[RowState, PlatformerPhysics]:
        """The one-row state and the compiled level, or a RuntimeError naming ``what`` before the first reset."""
        rows, phys = self._rows, self.physics
        if rows is None or phys is None:
            raise RuntimeError(f"call reset() before {what}")
        return rows, phys

    @property
    def _grid(self) -> np.ndarray:
        """The current tile codes (broken bricks, used blocks and taken coins applied), level tile (r, c) at
        ``[r + PAD_R, c + PAD_C]``."""
        return self._loaded("reading _grid")[0].grid[0].T

    def _change_cells(self) -> frozenset[tuple[int, int]]:
        """The grid cells (row, column) this episode changed."""
        st = self._loaded("reading _change_cells()")[0].st[0]
        o = int(st[core.OFF_C])
        return frozenset((e >> 16, e & 0xFFFF) for e in st[o : o + int(st[core.NC])].tolist())

    def render(self) -> Any:  # an rgb frame or None, typed as loosely as gymnasium's Env.render
        if self.render_mode == "rgb_array":
            from envs.render import surface_to_rgb

            return surface_to_rgb(self._draw())
        if self.render_mode == "human":
            self._render_frame()
        return None

    def draw_surface(self) -> Any:
        """The current frame as a pygame ``Surface`` (the env's own off-screen surface, redrawn now, not a copy:
        blit or copy it before the next step). For apps that show the game in their own window."""
        self._loaded("draw_surface()")
        return self._draw()

    def camera_x(self, x: int | None = None) -> int:
        """The frame's left edge in level pixels (``RENDER_TILE`` per tile) when the camera follows a player whose
        left edge is at ``x`` (sub-tile units, as ``state[X]``; default: this env's player). The camera keeps the
        player's centre 6 tiles from the left edge, clamped to the level."""
        rows, phys = self._loaded("camera_x()")
        t = self.RENDER_TILE
        if x is None:
            x = int(rows.st[0, core.X])
        return min(max((x + PW // 2) // (TILE // t) - 6 * t, 0), max(phys.W * t - self.VIEW_W * t, 0))

    def player_rect(self, state: tuple | None = None) -> tuple[int, int, int, int]:
        """``(left, top, width, height)`` in frame pixels of the player of ``state`` (default: this env's),
        seen through this env's camera: e.g. another env's racer on the same level drawn into this frame."""
        rows, _ = self._loaded("player_rect()")
        s = rows.st[0, : core.Y + 1].tolist() if state is None else state
        scale = TILE // self.RENDER_TILE  # sub-units per pixel
        return (s[X] // scale - self.camera_x(), s[Y] // scale, PW // scale, PH // scale)

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None

    def __getstate__(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d["_window"] = d["_surface"] = d["_background"] = None
        return d

    def _build_background(self, pygame: Any, phys: PlatformerPhysics) -> None:
        t = self.RENDER_TILE
        surf = pygame.Surface((phys.W * t, phys.H * t))
        surf.fill(tuple(int(v) for v in PALETTE[EMPTY]))
        static = phys.static[0].T
        for r in range(phys.H):
            for c in range(phys.W):
                code = int(static[r + PAD_R, c + PAD_C])
                if code != EMPTY:
                    draw_tile(surf, pygame, r, c, code, t)
        pole = (phys.W - GOAL_COLS) * t + t // 2
        pygame.draw.line(surf, (90, 90, 90), (pole, 2 * t), (pole, phys.H * t), 2)
        pygame.draw.polygon(surf, (40, 180, 60), [(pole, 2 * t), (pole - 12, 2 * t + 5), (pole, 2 * t + 10)])
        self._background = surf
        self._bg_cells = frozenset()

    def _draw(self) -> Any:
        from envs.render import import_pygame

        rows, phys = self._loaded("render()")
        pygame = import_pygame()
        t = self.RENDER_TILE
        st = rows.st[0]
        x, y, vx = (int(v) for v in st[: core.VX + 1])
        o = int(st[core.OFF_E])
        enemies = st[o : o + 5 * int(st[core.NE])].reshape(-1, 5).tolist()
        o = int(st[core.OFF_B])
        bullets = st[o : o + 3 * int(st[core.NB])].reshape(-1, 3).tolist()
        cells = self._change_cells()
        if self._background is None or self._bg_cells - cells:  # a new episode undid changes: redraw all
            self._build_background(pygame, phys)
        if cells != self._bg_cells:
            grid = self._grid
            for gr, gc in cells - self._bg_cells:
                draw_tile(self._background, pygame, gr - PAD_R, gc - PAD_C, int(grid[gr, gc]), t)
            self._bg_cells = cells
        vw, vh = self.VIEW_W * t, phys.H * t
        if self._surface is None or self._surface.get_size() != (vw, vh):
            self._surface = pygame.Surface((vw, vh))
        surf = self._surface
        scale = TILE // t  # sub-units per pixel
        cam = self.camera_x(x)
        surf.fill(tuple(int(v) for v in PALETTE[EMPTY]))
        surf.blit(self._background, (0, 0), pygame.Rect(cam, 0, vw, vh))
        for e in enemies:
            rect = pygame.Rect(e[1] // scale - cam, e[2] // scale, EW // scale, EH // scale)
            pygame.draw.ellipse(surf, (120, 60, 40), rect)
            pygame.draw.rect(surf, (240, 240, 240), (rect.x + 3, rect.y + 4, 3, 3))
            pygame.draw.rect(surf, (240, 240, 240), (rect.right - 6, rect.y + 4, 3, 3))
        for b in bullets:
            rect = pygame.Rect(b[0] // scale - cam, b[1] // scale, BW // scale, BH // scale)
            pygame.draw.rect(surf, (30, 30, 30), rect, border_radius=4)
        rect = pygame.Rect(x // scale - cam, y // scale, PW // scale, PH // scale)
        pygame.draw.rect(surf, PLAYER_RGB, rect, border_radius=3)
        eye = rect.right - 4 if vx >= 0 else rect.left + 2
        pygame.draw.rect(surf, (255, 255, 255), (eye, rect.y + 3, 2, 3))
        return surf

    def _render_frame(self) -> None:
        from envs.render import Window

        if self._window is None:
            self._window = Window("ArcadeLab platformer", self.metadata["render_fps"])
        self._window.show(self._draw())
