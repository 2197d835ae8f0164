"""Short sound effects synthesized with numpy (no audio files): hit, point, eat, coin, death, win, ...

``SoundBank.open()`` starts ``pygame.mixer`` if it can and builds every effect once; when there is no audio device
(or the mixer fails for any reason) it returns a silent bank, and ``play`` is a no-op. Sound never crashes the app.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

__all__ = ["EFFECTS", "SoundBank", "synthesize"]

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050


def _tone(freqs: np.ndarray, rate: int, wave: str = "square") -> np.ndarray:
    """A wave following the instantaneous frequencies ``freqs`` (one per sample), in [-1, 1]."""
    phase = 2 * np.pi * np.cumsum(freqs) / rate
    if wave == "sine":
        return np.sin(phase)
    if wave == "triangle":
        return 2 / np.pi * np.arcsin(np.sin(phase))
    return np.sign(np.sin(phase))


def _envelope(n: int, rate: int, attack: float = 0.004, release: float = 0.6) -> np.ndarray:
    """Linear attack then exponential decay, so effects click less and fade out."""
    t = np.arange(n) / rate
    env = np.exp(-t / max(release * n / rate, 1e-3) * 3)
    a = max(1, int(attack * rate))
    env[:a] *= np.linspace(0, 1, a)
    return env


def _notes(seq: list[tuple[float, float]], rate: int, wave: str = "square") -> np.ndarray:
    parts = []
    for freq, dur in seq:
        n = int(dur * rate)
        parts.append(_tone(np.full(n, freq), rate, wave) * _envelope(n, rate, release=0.9))
    return np.concatenate(parts)


def _sweep(f0: float, f1: float, dur: float, rate: int, wave: str = "square") -> np.ndarray:
    n = int(dur * rate)
    freqs = np.geomspace(f0, f1, n)
    return _tone(freqs, rate, wave) * _envelope(n, rate)


def _noise(dur: float, rate: int, seed: int = 0) -> np.ndarray:
    n = int(dur * rate)
    rng = np.random.default_rng(seed)
    # sample-and-hold noise at a falling rate: the classic 8-bit crunch
    hold = np.maximum(1, (np.linspace(2, 24, n)).astype(int))
    idx = np.cumsum(1.0 / hold).astype(int)
    values = rng.uniform(-1, 1, idx[-1] + 1)
    return values[idx] * _envelope(n, rate, release=0.8)


def synthesize(name: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The effect ``name`` as float32 mono samples in [-1, 1]."""
    if name == "hit":
        wave = _notes([(880.0, 0.05)], rate)
    elif name == "wall":
        wave = _notes([(440.0, 0.04)], rate)
    elif name == "point":
        wave = _notes([(660.0, 0.07), (990.0, 0.12)], rate)
    elif name == "lose_point":
        wave = _notes([(330.0, 0.08), (220.0, 0.14)], rate)
    elif name == "eat":
        wave = _sweep(300.0, 900.0, 0.08, rate, "triangle")
    elif name == "coin":
        wave = _notes([(988.0, 0.05), (1319.0, 0.18)], rate)
    elif name == "jump":
        wave = _sweep(250.0, 600.0, 0.12, rate, "triangle")
    elif name == "death":
        wave = 0.6 * _sweep(500.0, 80.0, 0.45, rate) + 0.4 * _noise(0.45, rate)
    elif name == "win":
        wave = _notes([(523.0, 0.1), (659.0, 0.1), (784.0, 0.1), (1047.0, 0.3)], rate)
    elif name == "lose":
        wave = _notes([(392.0, 0.15), (330.0, 0.15), (262.0, 0.35)], rate, "triangle")
    elif name == "select":
        wave = _notes([(660.0, 0.03)], rate)
    elif name == "handover":
        wave = _sweep(400.0, 800.0, 0.1, rate, "sine")
    else:
        raise ValueError(f"unknown sound effect {name!r}; known: {', '.join(EFFECTS)}")
    return (0.35 * wave).astype(np.float32)


EFFECTS = ("hit", "wall", "point", "lose_point", "eat", "coin", "jump", "death", "win", "lose", "select",
           "handover")


class SoundBank:
    """The effects as ``pygame.mixer.Sound`` objects, or silence when there is no mixer."""

    def __init__(self, sounds: dict[str, Any] | None = None, reason: str = "") -> None:
        self._sounds = sounds or {}
        self.enabled = bool(self._sounds)
        self.reason = reason
        self.played: list[str] = []  # what was asked for, kept for tests and the HUD

    @classmethod
    def open(cls, enabled: bool = True) -> SoundBank:
        if not enabled:
            return cls(reason="sound off")
        try:
            import pygame

            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=SAMPLE_RATE, size=-16, channels=2, buffer=512)
            freq, size, channels = pygame.mixer.get_init()
            sounds = {name: cls._make_sound(pygame, synthesize(name, freq), size, channels) for name in EFFECTS}
            return cls(sounds)
        except Exception as exc:  # noqa: BLE001 - no device, no mixer module, odd formats: play on in silence
            log.info("sound off: %s", exc)
            return cls(reason=f"no audio ({exc})")

    @staticmethod
    def _make_sound(pygame: Any, samples: np.ndarray, size: int, channels: int) -> Any:
        bits = abs(size)
        if bits == 8:
            data = (samples * 127 + (128 if size > 0 else 0)).astype(np.uint8 if size > 0 else np.int8)
        elif bits == 32:  # SDL's 32-bit mixer format is float
            data = samples.astype(np.float32)
        else:
            data = (samples * 32767).astype(np.int16 if size < 0 else np.uint16)
        if channels > 1:
            data = np.repeat(data[:, None], channels, axis=1)
        return pygame.sndarray.make_sound(np.ascontiguousarray(data))

    def play(self, name: str) -> None:
        self.played.append(name)
        if len(self.played) > 1000:
            del self.played[:500]
        sound = self._sounds.get(name)
        if sound is None:
            return
        try:
            sound.play()
        except Exception as exc:  # noqa: BLE001 - a device that vanished mid-game
            log.info("sound off: %s", exc)
            self._sounds.clear()
            self.enabled = False

    def close(self) -> None:
        self._sounds.clear()
        self.enabled = False
        try:
            import pygame

            if pygame.mixer.get_init():
                pygame.mixer.quit()
        except Exception as exc:  # noqa: BLE001 - closing must never fail
            log.debug("mixer quit: %s", exc)
