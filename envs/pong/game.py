"""``PongGame``: one court as an object (attributes, ``step``), a thin view over a one-row ``PongState``."""

from __future__ import annotations

import numpy as np

from envs.pong import core
from envs.pong.core import EVENTS, PongState
from envs.rng import integers, key_from_seed, uniform


def _float_column(col: int, doc: str) -> property:
    def get(self: PongGame) -> float:
        return float(self.state.f[0, col])

    def set_(self: PongGame, value: float) -> None:
        self.state.f[0, col] = value

    return property(get, set_, doc=doc)


def _int_column(col: int, doc: str) -> property:
    def get(self: PongGame) -> int:
        return int(self.state.iv[0, col])

    def set_(self: PongGame, value: int) -> None:
        self.state.iv[0, col] = value

    return property(get, set_, doc=doc)


class PongGame:
    """Pong's rules on one court: one fixed-time physics step, serves, scoring (``core.physics_row``).

    Per step: both paddles move (clipped to the court); the ball moves by its velocity; it reflects off the top
    and bottom walls; if its path crosses a paddle's face plane this step and the paddle covers the crossing
    ``y`` (swept test, so it cannot tunnel whatever its speed), it bounces: speed times ``SPEEDUP`` (capped at
    ``MAX_SPEED``), and the outgoing angle is set by where it hit (``vy = speed * SPIN * offset``, offset -1 at
    the paddle's top end, 0 at its centre, +1 at its bottom end). A ball past a goal line scores for the other
    side and is served again from the centre in a random direction and angle.

    Randomness comes from the counter-based stream of ``envs/rng.py`` (``key``, ``counter``), in this order per
    step: the random opponent's action (if any, drawn by the caller), then either one draw (a new tracker aim
    after a left paddle hit) or three (a serve: direction, angle, tracker aim).

    ``events`` is what the last step did, a tuple of names from ``EVENT_NAMES`` (one shared tuple per combination,
    usually the empty one): ``"hit_left"``/``"hit_right"`` (that paddle hit the ball), ``"wall"`` (the ball bounced
    off the top or bottom wall), ``"point_left"``/``"point_right"`` (that side won a point). Sides are the court's,
    whoever observes.

    The attributes (``bx``, ``by``, ``vx``, ``vy``, ``speed``, ``pl``, ``pr``, ``dl``, ``dr``, ``aim_u``,
    ``score_l``, ``score_r``, ``steps``) read and write ``state``, the arrays the compiled kernels step; the envs
    call those kernels on ``state`` directly. ``hist_len`` sizes the tracker opponent's history (``PongEnv``).
    """

    bx = _float_column(core.BX, "ball centre x")
    by = _float_column(core.BY, "ball centre y")
    vx = _float_column(core.VX, "ball x velocity per step")
    vy = _float_column(core.VY, "ball y velocity per step")
    speed = _float_column(core.SPEED, "ball speed per step")
    pl = _float_column(core.PL, "left paddle centre y")
    pr = _float_column(core.PR, "right paddle centre y")
    dl = _float_column(core.DL, "left paddle direction last step (-1 up, 0, 1 down)")
    dr = _float_column(core.DR, "right paddle direction last step")
    aim_u = _float_column(core.AIM_U, "the uniform draw behind the tracker's current aim")
    score_l = _int_column(core.SCORE_L, "points of the left side")
    score_r = _int_column(core.SCORE_R, "points of the right side")
    steps = _int_column(core.STEPS, "steps this episode")

    def __init__(self, points_to_win: int, max_steps: int, hist_len: int = 1) -> None:
        self.points_to_win = points_to_win
        self.max_steps = max_steps
        self.state = PongState(1, hist_len)
        self.new_episode()

    @property
    def key(self) -> int:
        return int(self.state.rng[0, core.KEY])

    @property
    def counter(self) -> int:
        return int(self.state.rng[0, core.COUNTER])

    @counter.setter
    def counter(self, value: int) -> None:
        self.state.rng[0, core.COUNTER] = value

    @property
    def events(self) -> tuple[str, ...]:
        return EVENTS[self.state.iv[0, core.EV]]

    def seed(self, seed: int) -> None:
        self.state.rng[0] = (key_from_seed(seed), 0)

    def uniform(self) -> float:
        u = uniform(self.key, self.counter)
        self.state.rng[0, core.COUNTER] += np.uint64(1)
        return u

    def integer(self, n: int) -> int:
        i = integers(self.key, self.counter, n)
        self.state.rng[0, core.COUNTER] += np.uint64(1)
        return i

    def new_episode(self) -> None:
        s = self.state
        core.reset_row(s.f, s.iv, s.rng, s.hist, 0)

    def serve(self) -> None:
        core.serve_row(self.state.f, self.state.rng, 0)

    def step(self, a_left: int, a_right: int) -> tuple[int, int, bool, bool]:
        """One step; returns (points won by left, by right, left paddle hit the ball, right paddle hit it)."""
        s = self.state
        ev = core.physics_row(s.f, s.iv, s.rng, 0, a_left, a_right)
        return ev & 1, ev >> 1 & 1, bool(ev & core.EV_HIT_LEFT), bool(ev & core.EV_HIT_RIGHT)

    @property
    def over(self) -> bool:
        return self.score_l >= self.points_to_win or self.score_r >= self.points_to_win

    def vector_obs(self, out: np.ndarray, seat: str) -> np.ndarray:
        """Fill ``out`` with the 8 features seen from ``seat`` ("left" or "right", mirrored) and return it."""
        core.vector_obs_row(self.state.f, 0, out.reshape(1, -1), 0, 0 if seat == "left" else 1)
        return out

    def pixel_obs(self, out: np.ndarray, seat: str) -> np.ndarray:
        """Draw the court seen from ``seat`` into ``out`` (PIX_H, PIX_W, 3) and return it."""
        return core.pixel_obs(self.state, 0, out, 0 if seat == "left" else 1)
