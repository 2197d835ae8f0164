"""Argument checks the game envs share: the message names the argument and what it may be."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np


def is_real(x: Any) -> bool:
    """A real number (Python or numpy), not a bool."""
    return isinstance(x, (Real, np.floating, np.integer)) and not isinstance(x, (bool, np.bool_))


def check_int(name: str, value: Any, minimum: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_finite(name: str, value: Any, minimum: float | None = None) -> float:
    """A finite real number, at least ``minimum`` when given."""
    if not is_real(value) or not math.isfinite(value) or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum:g}"
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")
    return float(value)


def check_unit(name: str, value: Any, what: str = "a number") -> float:
    """A real number in [0, 1] (a probability, a skill)."""
    if not is_real(value) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be {what} in [0, 1], got {value!r}")
    return float(value)
