"""Snake's drawing: numpy palette frames (pixel observations) and the pygame board renderer.

pygame is imported when something is drawn (``envs.render.import_pygame``), never at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from envs.snake.core import BODY, EMPTY, FOOD, HEAD, WALL

if TYPE_CHECKING:
    from envs.render import Window

FLOOR_B = 8  # display-only code: the darker checkerboard square
RENDER_FPS = 12
PIXEL_TARGET = 96  # pixel observations are at most this many pixels a side (always <= 128)

# Colours (RGB). Index = board code for the pixel palette.
FLOOR_A_RGB = (38, 44, 56)
FLOOR_B_RGB = (45, 52, 66)
WALL_RGB = (86, 92, 110)
WALL_LIGHT_RGB = (108, 115, 134)
FOOD_RGB = (232, 72, 72)
LEAF_RGB = (96, 196, 96)
SNAKE_STYLES = (
    {"head": (156, 232, 92), "body": (72, 182, 84), "stripe": (60, 160, 72)},
    {"head": (126, 196, 255), "body": (64, 124, 214), "stripe": (52, 106, 192)},
)
PALETTE = np.zeros((9, 3), dtype=np.uint8)
PALETTE[EMPTY] = FLOOR_A_RGB
PALETTE[FOOD] = FOOD_RGB
PALETTE[WALL] = WALL_RGB
PALETTE[HEAD] = SNAKE_STYLES[0]["head"]
PALETTE[BODY : BODY + 4] = SNAKE_STYLES[0]["body"]
PALETTE[FLOOR_B] = FLOOR_B_RGB
# Versus display codes: 3/4 own head/body, 5/6 other head/body.
VS_PALETTE = PALETTE.copy()
VS_PALETTE[4] = SNAKE_STYLES[0]["body"]
VS_PALETTE[5] = SNAKE_STYLES[1]["head"]
VS_PALETTE[6] = SNAKE_STYLES[1]["body"]
VS_PALETTE[7] = SNAKE_STYLES[1]["body"]


def pixel_scale(size: int) -> int:
    return max(1, PIXEL_TARGET // (size + 2))


def pixel_side(size: int) -> int:
    """Side in pixels of a pixel observation: the padded board, upscaled."""
    return (size + 2) * pixel_scale(size)


def checker(size: int) -> np.ndarray:
    """Padded display codes for the floor: EMPTY / FLOOR_B in a checkerboard (walls are never empty)."""
    w = size + 2
    r, c = np.divmod(np.arange(w * w), w)
    return np.where((r + c) % 2 == 1, FLOOR_B, EMPTY).astype(np.uint8)


def pixels(display: np.ndarray, floor: np.ndarray, palette: np.ndarray, size: int) -> np.ndarray:
    """``(..., H, W, 3)`` uint8 frames from padded display codes (palette lookup + integer upscale)."""
    w = size + 2
    codes = np.where(display == EMPTY, floor, display)
    image = palette[codes].reshape(*display.shape[:-1], w, w, 3)
    s = pixel_scale(size)
    return np.repeat(np.repeat(image, s, axis=-3), s, axis=-2)


class BoardRenderer:
    """Draws a board (walls, checkerboard floor, food, snakes) onto an off-screen surface.

    The walls and floor are drawn once into a cached background blitted in one call per frame. Moving things
    are drawn with ``pygame.draw`` once into small cached sprites (body bars, rounded head with eyes per
    heading, rounded tail, food) and blitted: a long snake is ~150 segments, and blits stay ~1 us where
    SDL's fill of small odd-sized rects or a rounded ``draw.rect`` costs 10-40 us each. Not pickled (owners
    drop it in ``__getstate__``).
    """

    _KEY = (255, 0, 255)  # colour key: transparent corners of the rounded sprites

    def __init__(self, size: int, title: str, render_mode: str | None) -> None:
        self.size = size
        # A roomy window for people; smaller rgb_array frames (224 px at size 12) keep recording cheap.
        if render_mode == "human":
            self.cell = max(8, min(32, 480 // (size + 2)))
        else:
            self.cell = max(6, min(16, 256 // (size + 2)))
        self.margin = max(1, self.cell // 8)
        self.title = title
        # pygame Surfaces once built (Any: pygame is imported lazily, on the first draw).
        self._background: Any = None
        self._surface: Any = None
        self._corners: list[tuple[int, int]] = []
        self._sprites: dict[tuple, Any] = {}
        self._window: Window | None = None

    def _build(self, pygame: Any) -> None:
        cell, w, m = self.cell, self.size + 2, self.margin
        bg = pygame.Surface((w * cell, w * cell))
        bg.fill(WALL_RGB)
        for r in range(w):
            for c in range(w):
                rect = pygame.Rect(c * cell, r * cell, cell, cell)
                if 1 <= r <= self.size and 1 <= c <= self.size:
                    bg.fill(FLOOR_B_RGB if (r + c) % 2 else FLOOR_A_RGB, rect)
                else:
                    bg.fill(WALL_LIGHT_RGB, rect.inflate(-2 * m, -2 * m))
        self._background = bg
        self._surface = pygame.Surface(bg.get_size())
        n = self.size
        self._corners = [((c + 1) * cell + m, (r + 1) * cell + m) for r in range(n) for c in range(n)]

    def _sprite(self, pygame: Any, key: tuple) -> Any:
        sprite = self._sprites.get(key)
        if sprite is not None:
            return sprite
        cell, m = self.cell, self.margin
        inner = cell - 2 * m
        kind = key[0]
        if kind == "bar":  # a segment and the joint to its neighbour
            _, colour, vertical = key
            sprite = pygame.Surface((inner, inner + cell) if vertical else (inner + cell, inner))
            sprite.fill(colour)
            self._sprites[key] = sprite
            return sprite
        sprite = pygame.Surface((cell, cell) if kind == "food" else (inner, inner))
        sprite.fill(self._KEY)
        sprite.set_colorkey(self._KEY)
        if kind == "food":
            centre, radius = (cell // 2, cell // 2 + m // 2), max(2, inner // 2)
            pygame.draw.circle(sprite, FOOD_RGB, centre, radius)
            pygame.draw.circle(
                sprite,
                (255, 190, 190),
                (centre[0] - radius // 3, centre[1] - radius // 3),
                max(1, radius // 4),
            )
            pygame.draw.ellipse(
                sprite, LEAF_RGB, pygame.Rect(cell // 2, 0, max(2, cell // 3), max(2, cell // 4))
            )
        elif kind == "tail":
            pygame.draw.rect(sprite, key[1], sprite.get_rect(), border_radius=max(1, cell // 3))
        else:  # head: rounded, with eyes looking along the heading
            _, colour, heading = key
            pygame.draw.rect(sprite, colour, sprite.get_rect(), border_radius=max(2, cell // 3))
            dx, dy = ((0, -1), (1, 0), (0, 1), (-1, 0))[heading]
            cx = cy = inner // 2
            q = max(2, inner // 4)
            for side in (-1, 1):
                ex, ey = cx + dx * q - dy * side * q, cy + dy * q + dx * side * q
                pygame.draw.circle(sprite, (245, 245, 245), (ex, ey), max(1, (2 * q) // 3))
                pygame.draw.circle(sprite, (20, 20, 30), (ex + dx, ey + dy), max(1, q // 3))
        self._sprites[key] = sprite
        return sprite

    def draw(self, snakes: list[tuple[list[int], int, dict]], foods: list[int]) -> Any:
        """``snakes``: (interior cells head first, heading, style); ``foods``: interior cells."""
        from envs.render import import_pygame

        pygame = import_pygame()
        if self._surface is None:
            self._build(pygame)
        surf, corners, m = self._surface, self._corners, self.margin
        blit, sprite = surf.blit, self._sprite
        blit(self._background, (0, 0))
        for food in foods:
            x, y = corners[food]
            blit(sprite(pygame, ("food",)), (x - m, y - m))
        for cells, heading, style in snakes:
            body, stripe = style["body"], style["stripe"]
            bars = {
                key: sprite(pygame, ("bar", colour, vertical))
                for colour in (body, stripe)
                for vertical in (False, True)
                for key in [(colour, vertical)]
            }
            for j in range(len(cells) - 1, 0, -1):  # stripes: alternate shades along the body
                (ax, ay), (bx, by) = corners[cells[j]], corners[cells[j - 1]]
                colour = body if j % 2 else stripe
                if ay == by:
                    blit(bars[(colour, False)], (min(ax, bx), ay))
                else:
                    blit(bars[(colour, True)], (ax, min(ay, by)))
            if len(cells) > 1:
                tail = body if (len(cells) - 1) % 2 else stripe
                blit(sprite(pygame, ("tail", tail)), corners[cells[-1]])
            if cells:
                blit(sprite(pygame, ("head", style["head"], heading)), corners[cells[0]])
        return surf

    def show(self, surface: Any, fps: int) -> None:
        from envs.render import Window

        if self._window is None:
            self._window = Window(self.title, fps)
        self._window.show(surface)

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None
