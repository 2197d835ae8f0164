"""Counter-based random numbers shared by a single env and its batched version.

A batched env cannot hold one ``np.random.Generator`` per sub-env without a Python loop, so both versions draw
from the same stateless hash: draw ``n`` of a stream is ``mix64(key ^ mix64(n))``. A single env and row ``i`` of
the batched env that start from the same key produce the same numbers, which is what lets a test compare them
step for step. ``mix64`` is SplitMix64's finaliser; ``key_from_seed`` maps a user seed to a key.
"""

from __future__ import annotations

import numpy as np

from envs.jit import row_helper

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


def mix64(x: int) -> int:
    """SplitMix64 on a Python int (fast for the single env's scalar draws)."""
    z = (x + _GAMMA) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def mix64_array(x: np.ndarray) -> np.ndarray:
    """SplitMix64 on a uint64 array; wraps modulo 2**64 exactly like ``mix64``."""
    z = np.asarray(x, dtype=np.uint64) + np.uint64(_GAMMA)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


def key_from_seed(seed: int) -> int:
    return mix64(int(seed) & _MASK)


def key_from_seed_array(seeds: np.ndarray) -> np.ndarray:
    return mix64_array(np.asarray(seeds).astype(np.uint64))


def draw(key: int, counter: int) -> int:
    """The ``counter``-th 64-bit draw of stream ``key``."""
    return mix64(key ^ mix64(counter))


def draw_array(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    return mix64_array(np.asarray(keys, dtype=np.uint64) ^ mix64_array(counters))


def uniform(key: int, counter: int) -> float:
    """A float in [0, 1) from 53 random bits."""
    return (draw(key, counter) >> 11) * (1.0 / (1 << 53))


def uniform_array(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    return (draw_array(keys, counters) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def integers(key: int, counter: int, n: int) -> int:
    """An int in [0, n) (modulo bias below 2**-40 for the small n games use)."""
    return draw(key, counter) % n


def integers_array(keys: np.ndarray, counters: np.ndarray, n: int | np.ndarray) -> np.ndarray:
    return (draw_array(keys, counters) % np.asarray(n, dtype=np.uint64)).astype(np.int64)


# --- the same draws inside numba-compiled rules cores (uint64 arithmetic wraps like ``mix64``) ------------------
_U_GAMMA = np.uint64(_GAMMA)
_U_M1 = np.uint64(_M1)
_U_M2 = np.uint64(_M2)
_U30, _U27, _U31, _U11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV_2_53 = 1.0 / (1 << 53)


@row_helper
def mix64_nb(x: np.uint64) -> np.uint64:
    """``mix64`` for compiled code (``x`` a uint64)."""
    z = x + _U_GAMMA
    z = (z ^ (z >> _U30)) * _U_M1
    z = (z ^ (z >> _U27)) * _U_M2
    return z ^ (z >> _U31)


@row_helper
def uniform_nb(key: np.uint64, counter: np.uint64) -> float:
    """``uniform`` for compiled code: the same float for the same (key, counter)."""
    return float(mix64_nb(key ^ mix64_nb(counter)) >> _U11) * _INV_2_53


@row_helper
def integers_nb(key: np.uint64, counter: np.uint64, n: np.uint64) -> int:
    """``integers`` for compiled code (``n`` a uint64)."""
    return int(mix64_nb(key ^ mix64_nb(counter)) % n)
