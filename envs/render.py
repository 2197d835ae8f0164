"""Shared pygame plumbing for the games' renderers.

pygame is imported inside these functions, never at module import, so a headless trainer never loads it.
Each game draws its own frame onto an off-screen ``pygame.Surface`` (static tiles pre-drawn once and blitted in
one call, moving things drawn with ``pygame.draw``); this module turns that surface into an ``rgb_array`` or shows
it in a lazily created window at the game's frame rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def import_pygame() -> Any:
    """Import pygame quietly and start only the display subsystem (never audio: PettingZoo #1252)."""
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    if not pygame.display.get_init():
        pygame.display.init()
    return pygame


def surface_to_rgb(surface: Any) -> np.ndarray:
    """An ``(height, width, 3)`` uint8 copy of a surface, as Gymnasium's ``rgb_array`` expects."""
    pygame = import_pygame()
    width, height = surface.get_size()
    # tobytes is ~2.5x faster than copying pixels3d and transposing, and already row-major.
    return np.frombuffer(pygame.image.tobytes(surface, "RGB"), dtype=np.uint8).reshape(height, width, 3).copy()


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Integer nearest-neighbour upscaling of an ``(h, w, ...)`` array (np.repeat on both axes)."""
    if factor == 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


class Window:
    """A pygame window opened on the first frame shown, ticking at ``fps``.

    Closing the window (the user clicks X) is remembered in ``closed`` instead of raising, so a caller's loop can
    end cleanly.
    """

    def __init__(self, title: str, fps: float) -> None:
        self.title = title
        self.fps = fps
        self.closed = False
        self._screen: Any = None
        self._clock: Any = None

    def show(self, surface: Any) -> None:
        pygame = import_pygame()
        if self._screen is None or self._screen.get_size() != surface.get_size():
            self._screen = pygame.display.set_mode(surface.get_size())
            pygame.display.set_caption(self.title)
            self._clock = pygame.time.Clock()
        self._screen.blit(surface, (0, 0))
        if pygame.event.get(pygame.QUIT):
            self.closed = True
        pygame.event.pump()
        pygame.display.flip()
        self._clock.tick(self.fps)

    def close(self) -> None:
        if self._screen is not None:
            import pygame

            pygame.display.quit()
            self._screen = None
