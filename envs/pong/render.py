"""Pong's pygame renderer: a cached 320x240 court, the paddles, the ball and seven-segment score digits.

pygame is imported when the first renderer is built (``envs.render.import_pygame``), never at import.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.pong.core import BALL_R, COURT_H, COURT_W, FACE_R, PADDLE_GAP, PADDLE_H, PADDLE_T, RENDER_SCALE
from envs.pong.game import PongGame

# --- pygame rendering ---------------------------------------------------------------------------------------
_SEGMENTS = {  # seven-segment digits: a top, b top-right, c bottom-right, d bottom, e bottom-left, f top-left, g mid
    "0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc",
    "5": "afgcd", "6": "afgedc", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}  # fmt: skip


class PongRenderer:
    """Draws a ``PongGame`` onto a cached 320x240 surface; the court is pre-drawn once, digits cached."""

    def __init__(self, title: str, fps: int) -> None:
        from envs.render import Window, import_pygame

        self.pg = pg = import_pygame()
        s = RENDER_SCALE
        self.size = (int(COURT_W * s), int(COURT_H * s))
        self.surface = pg.Surface(self.size)
        self.background = pg.Surface(self.size)
        self.background.fill((12, 14, 34))
        mid = self.size[0] // 2
        for y in range(0, self.size[1], 16):
            pg.draw.rect(self.background, (70, 74, 110), (mid - 2, y + 4, 4, 8))
        self.digits = {}
        for ch, segs in _SEGMENTS.items():
            d = pg.Surface((14, 24), pg.SRCALPHA)
            boxes = {"a": (2, 0, 10, 3), "b": (11, 2, 3, 10), "c": (11, 12, 3, 10), "d": (2, 21, 10, 3),
                     "e": (0, 12, 3, 10), "f": (0, 2, 3, 10), "g": (2, 10, 10, 3)}  # fmt: skip
            for seg in segs:
                pg.draw.rect(d, (200, 205, 230), boxes[seg])
            self.digits[ch] = d
        self.window = Window(title, fps)
        self.paddle = (round(PADDLE_T * s), round(PADDLE_H * s))
        self.ball = round(2 * BALL_R * s)

    def draw(self, game: PongGame) -> Any:
        pg, s, surf = self.pg, RENDER_SCALE, self.surface
        surf.blit(self.background, (0, 0))
        w, h = self.paddle
        top = round((game.pl - PADDLE_H / 2) * s)
        pg.draw.rect(surf, (90, 210, 255), (round(PADDLE_GAP * s), top, w, h))
        top = round((game.pr - PADDLE_H / 2) * s)
        pg.draw.rect(surf, (255, 140, 90), (round((FACE_R - BALL_R) * s), top, w, h))
        b = self.ball
        pg.draw.rect(surf, (250, 250, 235), (int(game.bx * s) - b // 2, int(game.by * s) - b // 2, b, b))
        mid = self.size[0] // 2
        left = str(game.score_l)
        for i, ch in enumerate(left):
            surf.blit(self.digits[ch], (mid - 24 - 18 * (len(left) - 1 - i), 10))
        for i, ch in enumerate(str(game.score_r)):
            surf.blit(self.digits[ch], (mid + 10 + 18 * i, 10))
        return surf

    def rgb(self, game: PongGame) -> np.ndarray:
        # envs.render.surface_to_rgb (pixels3d + transpose + copy) costs ~600 us here, too slow for 2,000
        # frames/s; tobytes is one C copy into a fresh immutable buffer, so the frame is a read-only array.
        w, h = self.size
        return np.frombuffer(self.pg.image.tobytes(self.draw(game), "RGB"), dtype=np.uint8).reshape(h, w, 3)

    def show(self, game: PongGame) -> None:
        surf = self.draw(game)
        self.window.show(self.pg.transform.scale(surf, (2 * self.size[0], 2 * self.size[1])))

    def close(self) -> None:
        self.window.close()


class PongRendering:
    """What PongEnv and PongParallelEnv share around their one ``PongGame`` (``_game``): ``render``,
    ``draw_surface``, ``close`` and pickling, with the renderer (``_renderer``) built on first use."""

    _game: PongGame
    _renderer: PongRenderer | None
    render_mode: str | None
    metadata: dict[str, Any]

    def render(self) -> Any:  # an rgb frame or None; typed as loosely as Env.render and ParallelEnv.render
        if self.render_mode is None:
            import gymnasium as gym

            gym.logger.warn("render() called with render_mode=None; pass render_mode='rgb_array' or 'human'.")
            return None
        if self.render_mode == "rgb_array":
            return self._get_renderer().rgb(self._game)
        self._render_frame()
        return None

    def draw_surface(self) -> Any:
        """The current frame (the left player's view, 320 x 240) as a pygame ``Surface``: the env's own off-screen
        surface, redrawn now, not a copy (blit or copy it before the next step). For apps that show the game in
        their own window; works in any ``render_mode``."""
        return self._get_renderer().draw(self._game)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_renderer"] = None
        return state

    def _get_renderer(self) -> PongRenderer:
        if self._renderer is None:
            self._renderer = PongRenderer("ArcadeLab Pong", self.metadata["render_fps"])
        return self._renderer

    def _render_frame(self) -> None:
        self._get_renderer().show(self._game)
