"""Keyboard input for the app: which keys are held, which were pressed this frame, and scripted key presses.

The app reads every key from pygame's event queue (never ``pygame.key.get_pressed``), so the events a test posts
travel exactly the path a person's key presses do. ``ScriptedKeys`` posts them: a queue of steps, each fired when
the app has been on a given screen for a given number of frames.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KeyState", "KeyStep", "ScriptedKeys", "key_code", "key_name"]


def key_name(pygame: Any, key: int) -> str:
    """pygame's name for a key code ("up", "space", "return", "p", ...)."""
    return pygame.key.name(key)


def key_code(pygame: Any, name: str) -> int:
    """The key code for a pygame key name, with a few friendly aliases ("enter", "esc")."""
    aliases = {"enter": "return", "esc": "escape", "spacebar": "space"}
    return pygame.key.key_code(aliases.get(name, name))


@dataclass
class KeyState:
    """Held keys and this frame's presses, by pygame key name."""

    held: set[str] = field(default_factory=set)
    pressed: list[str] = field(default_factory=list)

    def begin_frame(self) -> None:
        self.pressed.clear()

    def key_down(self, name: str) -> None:
        self.held.add(name)
        self.pressed.append(name)

    def key_up(self, name: str) -> None:
        self.held.discard(name)

    def release_all(self) -> None:
        """Forget held keys (the window lost focus, a screen changed): no key stays stuck."""
        self.held.clear()

    def any_held(self, *names: str) -> bool:
        return any(n in self.held for n in names)

    def was_pressed(self, *names: str) -> bool:
        return any(n in self.pressed for n in names)

    def axis(self, negative: Iterable[str], positive: Iterable[str]) -> int:
        """-1, 0 or +1 from two groups of keys (e.g. up/down): both or neither held gives 0."""
        return int(self.any_held(*positive)) - int(self.any_held(*negative))


@dataclass(frozen=True)
class KeyStep:
    """Fire ``action`` on ``key`` once the app has shown ``screen`` for ``frame`` frames.

    ``screen`` is ``"title"``, ``"match"``, ``"paused"``, ``"end"`` or None (any screen); ``action`` is ``"press"``
    (down now, up on the next frame), ``"down"``, ``"up"`` or ``"quit"`` (the window's close button).
    """

    screen: str | None
    frame: int
    action: str
    key: str = ""

    def __post_init__(self) -> None:
        if self.action not in ("press", "down", "up", "quit"):
            raise ValueError(f"KeyStep action must be press, down, up or quit, got {self.action!r}")


class ScriptedKeys:
    """A queue of ``KeyStep``s posted into pygame's event queue, in order, as their moment comes.

    Steps may be given as tuples ``(screen, frame, action, key)``. ``then`` (optional) is called after the last step
    with ``(screen, frames_on_screen)`` and may return more steps, for a script that reacts to the game.
    """

    def __init__(self, steps: Iterable[KeyStep | tuple], then: Callable[[str, int], Iterable] | None = None):
        self.steps: deque[KeyStep] = deque(s if isinstance(s, KeyStep) else KeyStep(*s) for s in steps)
        self.then = then
        self._release: list[str] = []
        self.fired: list[KeyStep] = []

    @property
    def done(self) -> bool:
        return not self.steps and self.then is None

    def post(self, pygame: Any, screen: str, frames_on_screen: int) -> None:
        """Post this frame's events (called by the app before it reads the queue)."""
        for name in self._release:
            pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key_code(pygame, name), mod=0))
        self._release = []
        if not self.steps and self.then is not None:
            self.steps.extend(s if isinstance(s, KeyStep) else KeyStep(*s)
                              for s in self.then(screen, frames_on_screen) or ())
        while self.steps:
            step = self.steps[0]
            if (step.screen is not None and step.screen != screen) or frames_on_screen < step.frame:
                break
            self.steps.popleft()
            self.fired.append(step)
            if step.action == "quit":
                pygame.event.post(pygame.event.Event(pygame.QUIT))
                continue
            code = key_code(pygame, step.key)
            if step.action in ("press", "down"):
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=code, mod=0, unicode="", scancode=0))
            if step.action == "up":
                pygame.event.post(pygame.event.Event(pygame.KEYUP, key=code, mod=0))
            if step.action == "press":
                self._release.append(step.key)
                break  # one press per frame, so the app sees them as separate presses
