"""Pong: two paddles, one ball, first to ``points_to_win``.

The rules live once, in ``PongGame`` (scalar state, Python floats). Three views use them:

* ``PongEnv``: the Gymnasium env; the learner plays the left paddle against an ``opponent``.
* ``PongParallelEnv``: the PettingZoo two-player view (agents ``"left"`` and ``"right"``) for self-play.
* ``PongVectorEnv``: the same rules written over numpy arrays with a leading env axis (no Python loop over
  envs) for throughput. It does the same float64 arithmetic in the same order and draws its randomness from the
  same counter-based streams (``envs/rng.py``), so row ``i`` of ``PongVectorEnv.reset(seed=s)`` is bit-identical
  to ``PongEnv().reset(seed=s + i)`` stepped with the same actions (``tests/test_pong.py`` checks it).

Court units: the court is ``COURT_W x COURT_H`` = 1.0 x 0.75, ``y`` grows downwards (screen convention), one
step is 1/60 s. Velocities are in court units per step.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from pettingzoo import ParallelEnv

from envs.checks import check_finite, check_int, check_unit
from envs.rng import (
    integers,
    integers_array,
    key_from_seed,
    key_from_seed_array,
    uniform,
    uniform_array,
)

# --- the court (court units; x to the right, y downwards) -----------------------------------------------------
COURT_W = 1.0
COURT_H = 0.75
PADDLE_H = 0.15  # paddle length (vertical)
PADDLE_T = 0.02  # paddle thickness
PADDLE_GAP = 0.04  # court edge to the back of a paddle
BALL_R = 0.01  # half the side of the (square) ball
PADDLE_SPEED = 0.015  # per step, the same for both seats
SERVE_SPEED = 0.01  # ball speed at a serve, per step
SPEEDUP = 1.06  # ball speed factor on each paddle hit...
MAX_SPEED = 0.025  # ...capped here (below the 0.07 between a paddle face and the goal line: no skipped goals)
SPIN = 0.8  # |vy| / speed when the ball hits a paddle's very end (about 53 degrees)
SERVE_SPIN = 0.5  # |vy| / speed at most at a serve
MAX_DELAY = 12  # tracker reaction delay in steps at skill 0
AIM_ERROR = 0.12  # tracker aiming error bound (court units) at skill 0

FACE_L = PADDLE_GAP + PADDLE_T + BALL_R  # ball-centre x at which it touches the left paddle's face
FACE_R = COURT_W - FACE_L
FACE_L2 = 2.0 * FACE_L
FACE_R2 = 2.0 * FACE_R
REACH = PADDLE_H / 2 + BALL_R  # |ball y - paddle y| up to which the ball hits the paddle
Y_LO = BALL_R
Y_HI = COURT_H - BALL_R
Y_LO2 = 2.0 * Y_LO
Y_HI2 = 2.0 * Y_HI
P_LO = PADDLE_H / 2
P_HI = COURT_H - PADDLE_H / 2
CENTRE_X = COURT_W / 2
CENTRE_Y = COURT_H / 2
SERVE_SPEED_SQ = SERVE_SPEED * SERVE_SPEED
DEAD = PADDLE_SPEED / 2  # the tracker does not move for smaller errors (no jitter)
INV_W = 1.0 / COURT_W
INV_H = 1.0 / COURT_H
INV_V = 1.0 / MAX_SPEED

_DIRS = (0.0, -1.0, 1.0)  # action -> paddle direction: stay, up, down
# Bits of what one step did; ``PongGame.events`` (and ``info["events"]``) is ``_EVENTS[bits]``, a tuple of names.
EV_POINT_LEFT, EV_POINT_RIGHT, EV_HIT_LEFT, EV_HIT_RIGHT, EV_WALL = 1, 2, 4, 8, 16
EVENT_NAMES = ("point_left", "point_right", "hit_left", "hit_right", "wall")
_EVENTS = tuple(tuple(name for bit, name in enumerate(EVENT_NAMES) if m >> bit & 1) for m in range(32))
OPPONENTS = ("tracker", "random")
OBS_TYPES = ("vector", "pixels")
N_FEATURES = 8
PIX_SCALE = 84  # pixels per court unit in pixel observations
PIX_H, PIX_W = 63, 84
RENDER_SCALE = 320  # pixels per court unit in rendered frames (320 x 240; the window shows it at 2x)


def _vector_space() -> spaces.Box:
    low = np.array([0, 0, -1, -1, 0, 0, -1, -1], dtype=np.float32)
    return spaces.Box(low=low, high=np.ones(N_FEATURES, dtype=np.float32), dtype=np.float32)


def _pixel_space() -> spaces.Box:
    return spaces.Box(low=0, high=255, shape=(PIX_H, PIX_W, 3), dtype=np.uint8)


def _check_common(render_mode, obs_type, points_to_win, max_steps, hit_reward, render_modes,
                  loss_penalty: float = 1.0) -> None:
    if render_mode is not None and render_mode not in render_modes:
        raise ValueError(f"render_mode must be None or one of {render_modes}, got {render_mode!r}")
    if obs_type not in OBS_TYPES:
        raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {obs_type!r}")
    check_int("points_to_win", points_to_win, 1)
    check_int("max_steps", max_steps, 1)
    check_finite("hit_reward", hit_reward)
    check_finite("loss_penalty", loss_penalty, minimum=0)


def _check_skill(skill: Any) -> float:
    return check_unit("opponent_skill", skill)


def _check_action(action: Any, space: spaces.Discrete, who: str = "action") -> int:
    """The action as a Python int, or ValueError naming the action space."""
    if type(action) is int and 0 <= action < 3:  # the hot path
        return action
    if isinstance(action, np.ndarray) and action.ndim == 0:
        action = action[()]
    if isinstance(action, (int, np.integer)) and not isinstance(action, (bool, np.bool_)) and 0 <= action < 3:
        return int(action)
    raise ValueError(f"invalid {who} {action!r}: expected an int in {space}")


class PongTracker:
    """The scripted opponent: follows the ball with a reaction delay and an aiming error.

    ``skill`` in [0, 1] sets both: the tracker sees the ball's ``y`` as it was ``round((1 - skill) * 12)`` steps
    ago, and aims at that ``y`` plus an offset ``(1 - skill) * 0.12 * (2u - 1)`` where ``u`` in [0, 1) is a fresh
    random number for every ball coming its way (drawn by whoever owns the random stream). Its paddle moves at
    the learner's speed (it picks the same three actions). Plain class so ``envs`` can use it without
    ``agents``; ``agents.pong_bot.PongTrackerBot`` wraps it for any seat.
    """

    def __init__(self, skill: float = 0.7) -> None:
        self.skill = _check_skill(skill)
        self.delay = round((1.0 - self.skill) * MAX_DELAY)
        self.aim_scale = AIM_ERROR * (1.0 - self.skill)
        self._hist = [CENTRE_Y] * (self.delay + 1)
        self._pos = 0

    def reset(self, ball_y: float) -> None:
        """Start an episode: the delayed view is the current ball until ``delay`` steps have passed."""
        self._hist = [ball_y] * (self.delay + 1)
        self._pos = 0

    def observe(self, ball_y: float) -> None:
        """Record the ball's ``y`` after a step."""
        self._pos = pos = (self._pos + 1) % (self.delay + 1)
        self._hist[pos] = ball_y

    def aim_offset(self, u: float) -> float:
        return self.aim_scale * (2.0 * u - 1.0)

    def action(self, paddle_y: float, aim_offset: float) -> int:
        """0 stay, 1 up, 2 down: towards the delayed ball ``y`` plus ``aim_offset`` (court units)."""
        diff = (self._hist[(self._pos + 1) % (self.delay + 1)] + aim_offset) - paddle_y
        if diff > DEAD:
            return 2
        if diff < -DEAD:
            return 1
        return 0


class PongGame:
    """Pong's rules on one court: state in Python floats, one fixed-time physics step, serves, scoring.

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
    """

    def __init__(self, points_to_win: int, max_steps: int) -> None:
        self.points_to_win = points_to_win
        self.max_steps = max_steps
        self.key = 0
        self.counter = 0
        self.new_episode()

    def seed(self, seed: int) -> None:
        self.key = key_from_seed(seed)
        self.counter = 0

    def uniform(self) -> float:
        u = uniform(self.key, self.counter)
        self.counter += 1
        return u

    def integer(self, n: int) -> int:
        i = integers(self.key, self.counter, n)
        self.counter += 1
        return i

    def new_episode(self) -> None:
        self.events: tuple[str, ...] = ()
        self.score_l = self.score_r = 0
        self.steps = 0
        self.pl = self.pr = CENTRE_Y
        self.dl = self.dr = 0.0
        self.serve()

    def serve(self) -> None:
        u_dir = self.uniform()
        u_angle = self.uniform()
        self.aim_u = self.uniform()
        self.bx, self.by = CENTRE_X, CENTRE_Y
        self.speed = SERVE_SPEED
        self.vy = vy = SERVE_SPEED * (SERVE_SPIN * (2.0 * u_angle - 1.0))
        vx = math.sqrt(SERVE_SPEED_SQ - vy * vy)
        self.vx = -vx if u_dir < 0.5 else vx

    def step(self, a_left: int, a_right: int) -> tuple[int, int, bool, bool]:
        """One step; returns (points won by left, by right, left paddle hit the ball, right paddle hit it)."""
        self.dl = dl = _DIRS[a_left]
        self.dr = dr = _DIRS[a_right]
        self.pl = pl = min(max(self.pl + dl * PADDLE_SPEED, P_LO), P_HI)
        self.pr = pr = min(max(self.pr + dr * PADDLE_SPEED, P_LO), P_HI)
        x, vx, vy = self.bx, self.vx, self.vy
        nx = x + vx
        ny = self.by + vy
        ev = 0
        if ny < Y_LO:
            ny = Y_LO2 - ny
            vy = -vy
            ev = EV_WALL
        elif ny > Y_HI:
            ny = Y_HI2 - ny
            vy = -vy
            ev = EV_WALL
        self.steps += 1
        point_l = point_r = 0
        hit_l = hit_r = False
        if nx < FACE_L:
            if x >= FACE_L and abs(ny - pl) <= REACH:
                hit_l = True
                ev |= EV_HIT_LEFT
                offset = (ny - pl) / REACH
                self.speed = speed = min(self.speed * SPEEDUP, MAX_SPEED)
                vy = speed * (SPIN * offset)
                vx = math.sqrt(speed * speed - vy * vy)
                nx = FACE_L2 - nx
                self.aim_u = self.uniform()  # the ball now heads for the right seat
            elif nx < 0.0:
                point_r = 1
                ev |= EV_POINT_RIGHT
        elif nx > FACE_R:
            if x <= FACE_R and abs(ny - pr) <= REACH:
                hit_r = True
                ev |= EV_HIT_RIGHT
                offset = (ny - pr) / REACH
                self.speed = speed = min(self.speed * SPEEDUP, MAX_SPEED)
                vy = speed * (SPIN * offset)
                vx = -math.sqrt(speed * speed - vy * vy)
                nx = FACE_R2 - nx
            elif nx > COURT_W:
                point_l = 1
                ev |= EV_POINT_LEFT
        self.events = _EVENTS[ev] if ev else ()
        if point_l or point_r:
            self.score_l += point_l
            self.score_r += point_r
            self.serve()
        else:
            self.bx, self.by, self.vx, self.vy = nx, ny, vx, vy
        return point_l, point_r, hit_l, hit_r

    @property
    def over(self) -> bool:
        return self.score_l >= self.points_to_win or self.score_r >= self.points_to_win

    # --- observations --------------------------------------------------------------------------------------
    def vector_obs(self, out: np.ndarray, seat: str) -> np.ndarray:
        """Fill ``out`` with the 8 features seen from ``seat`` ("left" or "right", mirrored) and return it."""
        if seat == "left":
            out[:] = (
                self.bx * INV_W, self.by * INV_H, self.vx * INV_V, self.vy * INV_V,
                self.pl * INV_H, self.pr * INV_H, self.dl, self.dr,
            )  # fmt: skip
        else:
            out[:] = (
                1.0 - self.bx * INV_W, self.by * INV_H, -(self.vx * INV_V), self.vy * INV_V,
                self.pr * INV_H, self.pl * INV_H, self.dr, self.dl,
            )  # fmt: skip
        return out

    def pixel_obs(self, out: np.ndarray, seat: str) -> np.ndarray:
        """Draw the court seen from ``seat`` into ``out`` (PIX_H, PIX_W, 3) with numpy and return it."""
        if seat == "left":
            own, opp, bx = self.pl, self.pr, self.bx
        else:
            own, opp, bx = self.pr, self.pl, COURT_W - self.bx
        out[:] = _pixel_background()
        length = round(PADDLE_H * PIX_SCALE)
        c0 = round(PADDLE_GAP * PIX_SCALE)
        c1 = round((PADDLE_GAP + PADDLE_T) * PIX_SCALE)
        r = round((own - PADDLE_H / 2) * PIX_SCALE)
        out[r : r + length, c0:c1] = OWN_COLOUR
        r = round((opp - PADDLE_H / 2) * PIX_SCALE)
        out[r : r + length, PIX_W - c1 : PIX_W - c0] = OPP_COLOUR
        r = min(max(int(self.by * PIX_SCALE) - 1, 0), PIX_H - 2)
        c = min(max(int(bx * PIX_SCALE) - 1, 0), PIX_W - 2)
        out[r : r + 2, c : c + 2] = BALL_COLOUR
        return out


BG_COLOUR = np.array([12, 14, 34], dtype=np.uint8)
LINE_COLOUR = np.array([70, 74, 110], dtype=np.uint8)
OWN_COLOUR = np.array([90, 210, 255], dtype=np.uint8)
OPP_COLOUR = np.array([255, 140, 90], dtype=np.uint8)
BALL_COLOUR = np.array([250, 250, 235], dtype=np.uint8)
_PIXEL_BG: list[np.ndarray] = []


def _pixel_background() -> np.ndarray:
    """The empty court for pixel observations (built once per process, read-only)."""
    if not _PIXEL_BG:
        bg = np.empty((PIX_H, PIX_W, 3), dtype=np.uint8)
        bg[:] = BG_COLOUR
        for r in range(0, PIX_H, 6):
            bg[r : r + 3, PIX_W // 2 - 1 : PIX_W // 2 + 1] = LINE_COLOUR
        bg.flags.writeable = False
        _PIXEL_BG.append(bg)
    return _PIXEL_BG[0]


# --- pygame rendering ---------------------------------------------------------------------------------------
_SEGMENTS = {  # seven-segment digits: a top, b top-right, c bottom-right, d bottom, e bottom-left, f top-left, g mid
    "0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc",
    "5": "afgcd", "6": "afgedc", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}  # fmt: skip


class _PongRenderer:
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


class PongEnv(gym.Env):
    """Pong against a built-in or given opponent; the learner plays the left paddle.

    ## Description
    Two paddles and a ball on a 1.0 x 0.75 court (continuous coordinates, fixed 1/60 s step, deterministic). The
    ball speeds up by 6% at each paddle hit (capped at 0.025 court units per step) and leaves a paddle at an
    angle set by where it hit it (centre: straight, ends: about 53 degrees). Paddle collisions are swept, so the
    ball never tunnels through a paddle. First to ``points_to_win`` wins.

    ## Action Space
    ``Discrete(3)``: 0 stay, 1 up, 2 down (the paddle moves 0.015 per step; the opponent's speed is the same).

    ## Observation Space
    ``obs_type="vector"``: ``Box(8,)`` float32 — ball x / 1.0 in [0, 1], ball y / 0.75 in [0, 1], ball vx and vy
    divided by the maximum speed in [-1, 1], own paddle y / 0.75, opponent paddle y / 0.75 (paddle centres, in
    [0, 1]), own and opponent paddle direction last step in {-1, 0, 1} (up is -1). ``obs_type="pixels"``:
    ``(63, 84, 3)`` uint8 RGB drawn with numpy (own paddle blue on the left, opponent orange on the right).

    Observations are always **from the observer's own perspective**: the opponent (and the ``"right"`` agent of
    ``PongParallelEnv``) sees the court mirrored left-right (x -> 1 - x, vx -> -vx, own paddle listed first and
    drawn on the left; y and "up" are unchanged), so one policy can play either seat.

    ## Rewards
    +1 for each point the learner wins, ``-loss_penalty`` (default 1.0) for each point it loses. Optional
    shaping: ``hit_reward`` (default 0.0) is added each time the learner's paddle hits the ball. A
    ``loss_penalty`` above 1 trades fast points for safe ones: with discounting, a point won 60 steps from now
    is worth about half a point lost now, so a learner paid symmetrically takes risky shots that win quickly and
    miss often.

    ## Starting State
    Paddles centred, score 0-0, ball served from the centre at speed 0.01 toward a random side at a random
    angle (up to 30 degrees), all drawn from the seed; every point is served the same way.

    ## Episode End
    Terminated when a side reaches ``points_to_win``; truncated after ``max_steps`` steps.
    ``info["score"]`` is ``(left, right)`` at every step; at the end ``info["winner"]`` is ``"left"`` or
    ``"right"`` (``None`` when truncated). ``info["events"]`` says what happened this step, a tuple (usually
    empty) of ``"hit_left"``, ``"hit_right"`` (a paddle hit the ball), ``"wall"`` (a wall bounce),
    ``"point_left"``, ``"point_right"`` (who won a point); ``()`` after ``reset``. ``PongVectorEnv`` has no
    ``events``.

    ## Arguments
    * ``render_mode``: None, ``"human"`` or ``"rgb_array"`` (320 x 240 frames; the window shows them at 2x).
    * ``obs_type``: ``"vector"`` or ``"pixels"``.
    * ``points_to_win`` (int >= 1, default 11), ``max_steps`` (int >= 1, default 10_000).
    * ``opponent``: ``"tracker"`` (default; ``PongTracker`` with ``opponent_skill``), ``"random"`` (uniform
      actions from the seed's stream) or any object with ``act(obs, info)`` and ``reset()`` (an ArcadeLab
      ``Agent``), which receives the mirrored observation and an info with its own score first.
    * ``opponent_skill`` in [0, 1] (default 0.7): reaction delay and aiming error of the tracker.
    * ``hit_reward`` (default 0.0), ``loss_penalty`` (>= 0, default 1.0): see Rewards.

    Randomness: ``reset(seed=s)`` keys the counter-based stream of ``envs/rng.py`` with ``s``; ``reset()``
    continues it. ``PongVectorEnv`` row ``i`` after ``reset(seed=s)`` equals ``PongEnv`` after ``reset(seed=s+i)``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 60}

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        points_to_win: int = 11,
        max_steps: int = 10_000,
        opponent: Any = "tracker",
        opponent_skill: float = 0.7,
        hit_reward: float = 0.0,
        loss_penalty: float = 1.0,
    ) -> None:
        _check_common(
            render_mode, obs_type, points_to_win, max_steps, hit_reward, self.metadata["render_modes"],
            loss_penalty,
        )
        is_agent = callable(getattr(opponent, "act", None)) and callable(getattr(opponent, "reset", None))
        if not (opponent in OPPONENTS if isinstance(opponent, str) else is_agent):
            raise ValueError(
                f"opponent must be one of {OPPONENTS} or an Agent (act(obs, info), reset()), got {opponent!r}"
            )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.points_to_win = int(points_to_win)
        self.max_steps = int(max_steps)
        self.opponent = opponent
        self.opponent_skill = _check_skill(opponent_skill)
        self.hit_reward = float(hit_reward)
        self.loss_penalty = float(loss_penalty)
        self.action_space = spaces.Discrete(3)
        self.observation_space = _vector_space() if obs_type == "vector" else _pixel_space()
        self._game = PongGame(self.points_to_win, self.max_steps)
        self._tracker = PongTracker(self.opponent_skill)
        self._mode = opponent if isinstance(opponent, str) else "agent"
        self._vector = obs_type == "vector"
        self._buf = np.zeros(self.observation_space.shape, dtype=self.observation_space.dtype)
        self._opp_buf = np.zeros_like(self._buf)
        self._opp_info: dict[str, Any] = {}
        self._seeded = False
        self._renderer: _PongRenderer | None = None

    # --- gymnasium API ---------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        game = self._game
        if seed is not None:
            game.seed(seed)
        elif not self._seeded:
            game.seed(int(self.np_random.integers(2**63)))
        self._seeded = True
        game.new_episode()
        self._tracker.reset(game.by)
        info = {"score": (0, 0), "events": ()}
        if self._mode == "agent":
            self.opponent.reset()
            self._opp_info = {"score": (0, 0)}
        if self.render_mode == "human":
            self._render_frame()
        return self._obs(), info

    def step(self, action):
        a = _check_action(action, self.action_space)
        game = self._game
        mode = self._mode
        if mode == "tracker":
            tracker = self._tracker
            a_r = tracker.action(game.pr, tracker.aim_scale * (2.0 * game.aim_u - 1.0))
        elif mode == "random":
            a_r = game.integer(3)
        else:
            a_r = _check_action(self.opponent.act(self._opponent_obs(), self._opp_info), self.action_space,
                                "opponent action")  # fmt: skip
        point_l, point_r, hit, _ = game.step(a, a_r)
        if mode == "tracker":
            self._tracker.observe(game.by)
        reward = float(point_l) - self.loss_penalty * float(point_r) + self.hit_reward * float(hit)
        score = (game.score_l, game.score_r)
        terminated = score[0] >= self.points_to_win or score[1] >= self.points_to_win
        truncated = not terminated and game.steps >= self.max_steps
        info: dict[str, Any] = {"score": score, "events": game.events}
        if terminated or truncated:
            info["winner"] = ("left" if score[0] > score[1] else "right") if terminated else None
        if mode == "agent":
            self._opp_info = {"score": (score[1], score[0])}
        if self.render_mode == "human":
            self._render_frame()
        return self._obs(), reward, terminated, truncated, info

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None; pass render_mode='rgb_array' or 'human'.")
            return None
        if self.render_mode == "rgb_array":
            return self._get_renderer().rgb(self._game)
        self._render_frame()
        return None

    def draw_surface(self) -> Any:
        """The current frame as a pygame ``Surface`` (320 x 240): the env's own off-screen surface, redrawn now,
        not a copy (blit or copy it before the next step). For apps that show the game in their own window;
        works in any ``render_mode``."""
        return self._get_renderer().draw(self._game)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_renderer"] = None
        return state

    # --- helpers ---------------------------------------------------------------------------------------------
    def _obs(self) -> np.ndarray:
        if self._vector:
            return self._game.vector_obs(self._buf, "left").copy()
        return self._game.pixel_obs(self._buf, "left").copy()

    def _opponent_obs(self) -> np.ndarray:
        if self._vector:
            return self._game.vector_obs(self._opp_buf, "right").copy()
        return self._game.pixel_obs(self._opp_buf, "right").copy()

    def _get_renderer(self) -> _PongRenderer:
        if self._renderer is None:
            self._renderer = _PongRenderer("ArcadeLab Pong", self.metadata["render_fps"])
        return self._renderer

    def _render_frame(self) -> None:
        self._get_renderer().show(self._game)


class PongVectorEnv(VectorEnv):
    """``num_envs`` Pong games against the built-in opponent, stepped together with numpy (no loop over envs).

    Same rules, observations, rewards, infos and arguments as ``PongEnv`` (see its docstring), with these limits:
    ``opponent`` is ``"tracker"`` or ``"random"`` only (no Agent objects: they would need a Python loop),
    ``obs_type`` is ``"vector"`` only, and there is no rendering (``render_mode`` must be None).

    Autoreset: ``AutoresetMode.NEXT_STEP`` (Gymnasium's default). The step that ends an episode returns its last
    observation with ``terminated``/``truncated`` set; the next step ignores that row's action, resets it
    (continuing its random stream, like ``PongEnv.reset()`` without a seed) and returns the first observation of
    the new episode with reward 0 and both flags False.

    Partial reset: ``reset(options={"reset_mask": mask})`` resets only the masked rows (as Gymnasium's
    ``SyncVectorEnv`` does), e.g. right after they finished, so no reset step is spent on them.

    Seeding rule: ``reset(seed=s)`` keys row ``i`` with ``s + i`` (a list of ``num_envs`` seeds is also accepted),
    so row ``i`` reproduces ``PongEnv(...).reset(seed=s + i)`` bit for bit under the same actions.

    Infos: ``score`` is an ``(num_envs, 2)`` int array (left, right) with mask ``_score``; on steps where some row
    terminates, ``winner`` (``"left"``/``"right"``, ``""`` elsewhere) with mask ``_winner`` marks those rows.
    There is no ``events`` (the single envs' per-step hits, bounces and points): per-row event arrays would cost
    every step, and rewards and ``score`` already carry the points.
    Returned observations are fresh arrays (the internal buffer is copied).
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": [],
        "render_fps": 60,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }
    supports_reset_mask = True  # reset(options={"reset_mask": mask}) resets only those rows

    def __init__(
        self,
        num_envs: int = 1,
        render_mode: str | None = None,
        obs_type: str = "vector",
        points_to_win: int = 11,
        max_steps: int = 10_000,
        opponent: str = "tracker",
        opponent_skill: float = 0.7,
        hit_reward: float = 0.0,
        loss_penalty: float = 1.0,
    ) -> None:
        n = check_int("num_envs", num_envs, 1)
        if render_mode is not None:
            raise ValueError(
                f"render_mode must be None for PongVectorEnv (no rendering), got {render_mode!r}"
            )
        _check_common(None, obs_type, points_to_win, max_steps, hit_reward, (), loss_penalty)
        if obs_type != "vector":
            raise ValueError(f"obs_type must be 'vector' for PongVectorEnv, got {obs_type!r}")
        if not isinstance(opponent, str) or opponent not in OPPONENTS:
            raise ValueError(f"opponent must be one of {OPPONENTS} for PongVectorEnv, got {opponent!r}")
        self.num_envs = n
        self.render_mode = None
        self.obs_type = obs_type
        self.points_to_win = int(points_to_win)
        self.max_steps = int(max_steps)
        self.opponent = opponent
        self.opponent_skill = _check_skill(opponent_skill)
        self.hit_reward = float(hit_reward)
        self.loss_penalty = float(loss_penalty)
        tracker = PongTracker(self.opponent_skill)
        self._hist_len = tracker.delay + 1
        self._aim_scale = tracker.aim_scale
        self.single_action_space = spaces.Discrete(3)
        self.action_space = batch_space(self.single_action_space, n)
        self.single_observation_space = _vector_space()
        self.observation_space = batch_space(self.single_observation_space, n)

        f64 = lambda: np.zeros(n, dtype=np.float64)
        self.bx, self.by, self.vx, self.vy, self.speed = f64(), f64(), f64(), f64(), f64()
        self.pl, self.pr, self.dl, self.dr, self.aim = f64(), f64(), f64(), f64(), f64()
        self._nx = f64()
        self.score = np.zeros((n, 2), dtype=np.int64)
        self.steps = np.zeros(n, dtype=np.int64)
        self.keys = np.zeros(n, dtype=np.uint64)
        self.counters = np.zeros(n, dtype=np.uint64)
        self.hist = np.zeros((n, self._hist_len), dtype=np.float64)
        self._hpos = 0
        self._autoreset = np.zeros(n, dtype=bool)
        self._rewards = f64()
        self._obs_buf = np.zeros((n, N_FEATURES), dtype=np.float32)
        self._score_mask = np.ones(n, dtype=bool)
        self._seeded = False
        self._dirs = np.array(_DIRS)
        self._serve_offsets = np.arange(3, dtype=np.uint64)[:, None]

    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        """Reset every row, or with ``options={"reset_mask": mask}`` only the masked rows (the others keep
        their state; their rows of the returned observation are unchanged). ``seed`` keys row ``i`` with
        ``seed + i`` (only the reset rows are re-keyed); without it each row continues its stream."""
        n = self.num_envs
        mask = None
        if options and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"])
            if mask.shape != (n,) or mask.dtype != np.bool_:
                raise ValueError(f"options['reset_mask'] must be a bool array of shape ({n},), got {mask!r}")
        if not self._seeded:
            mask = None  # the first reset starts every row
        super().reset(seed=seed if isinstance(seed, (int, np.integer)) or seed is None else None)
        rows = np.arange(n) if mask is None else np.flatnonzero(mask)
        if seed is not None:
            seeds = np.arange(n, dtype=np.int64) + int(seed) if np.ndim(seed) == 0 else np.asarray(seed)
            if seeds.shape != (n,):
                raise ValueError(f"seed must be an int or {n} ints, got {seed!r}")
            self.keys[rows] = key_from_seed_array(seeds[rows].astype(np.uint64))
            self.counters[rows] = 0
        elif not self._seeded:
            self.keys[:] = key_from_seed_array(self.np_random.integers(2**63, size=n, dtype=np.uint64))
            self.counters[:] = 0
        self._seeded = True
        self._reset_rows(rows)
        self._autoreset[rows] = False
        self._write_obs()
        return self._obs_buf.copy(), {"score": self.score.copy(), "_score": self._score_mask.copy()}

    def step(self, actions):
        if not self._seeded:
            raise RuntimeError("PongVectorEnv.step() called before reset()")
        a = np.asarray(actions)
        if a.shape != (self.num_envs,) or a.dtype.kind not in "iu" or a.min() < 0 or a.max() > 2:
            raise ValueError(
                f"invalid actions {actions!r}: expected {self.num_envs} ints in {self.single_action_space}"
            )
        pending = self._autoreset.any()
        if pending:
            reset_rows = np.flatnonzero(self._autoreset)
            saved_counters = self.counters[reset_rows]
        bx, by, vx, vy, pl, pr = self.bx, self.by, self.vx, self.vy, self.pl, self.pr

        # opponent, then both paddles
        if self.opponent == "tracker":
            diff = self.hist[:, (self._hpos + 1) % self._hist_len] + self.aim
            diff -= pr
            np.subtract(diff > DEAD, diff < -DEAD, out=self.dr, dtype=np.float64)
        else:
            np.take(self._dirs, integers_array(self.keys, self.counters, 3), out=self.dr)
            self.counters += np.uint64(1)
        np.take(self._dirs, a, out=self.dl)
        pl += self.dl * PADDLE_SPEED
        np.maximum(pl, P_LO, out=pl)
        np.minimum(pl, P_HI, out=pl)
        pr += self.dr * PADDLE_SPEED
        np.maximum(pr, P_LO, out=pr)
        np.minimum(pr, P_HI, out=pr)

        # ball, walls
        nx = np.add(bx, vx, out=self._nx)
        by += vy
        wall = by < Y_LO
        if wall.any():
            np.subtract(Y_LO2, by, out=by, where=wall)
            np.negative(vy, out=vy, where=wall)
        wall = by > Y_HI
        if wall.any():
            np.subtract(Y_HI2, by, out=by, where=wall)
            np.negative(vy, out=vy, where=wall)
        self.steps += 1
        rewards = self._rewards
        rewards.fill(0.0)
        terminated = np.zeros(self.num_envs, dtype=bool)

        # paddles and goals (rare: only rows whose ball is beyond a paddle face)
        near = nx < FACE_L
        near |= nx > FACE_R
        scored = None
        if near.any():
            idx = np.flatnonzero(near)
            xs, nxs, ys = bx[idx], nx[idx], by[idx]
            in_l = nxs < FACE_L
            in_r = nxs > FACE_R
            hit_l = in_l & (xs >= FACE_L) & (np.abs(ys - pl[idx]) <= REACH)
            hit_r = in_r & (xs <= FACE_R) & (np.abs(ys - pr[idx]) <= REACH)
            hit = hit_l | hit_r
            if hit.any():
                h = idx[hit]
                left = hit_l[hit]
                offset = (by[h] - np.where(left, pl[h], pr[h])) / REACH
                speed = np.minimum(self.speed[h] * SPEEDUP, MAX_SPEED)
                self.speed[h] = speed
                new_vy = speed * (SPIN * offset)
                new_vx = np.sqrt(speed * speed - new_vy * new_vy)
                vy[h] = new_vy
                vx[h] = np.where(left, new_vx, -new_vx)
                nx[h] = np.where(left, FACE_L2 - nx[h], FACE_R2 - nx[h])
                hl = h[left]
                if len(hl):  # a new tracker aim (the draw is consumed whatever the opponent, as in PongGame)
                    if self.opponent == "tracker":
                        u = uniform_array(self.keys[hl], self.counters[hl])
                        self.aim[hl] = self._aim_scale * (2.0 * u - 1.0)
                    self.counters[hl] += np.uint64(1)
                    if self.hit_reward:
                        rewards[hl] += self.hit_reward
            point_l = in_r & ~hit_r & (nxs > COURT_W)
            point_r = in_l & ~hit_l & (nxs < 0.0)
            pts = point_l | point_r
            if pts.any():
                scored = idx[pts]
                self.score[scored, 0] += point_l[pts]
                self.score[scored, 1] += point_r[pts]
                rewards[scored] = point_l[pts].astype(np.float64) - self.loss_penalty * point_r[pts].astype(
                    np.float64
                )
                terminated[scored] = self.score[scored].max(axis=1) >= self.points_to_win
        self.bx, self._nx = nx, bx  # the moved ball becomes the state; the old array is next step's scratch
        if scored is not None:
            self._serve(scored)
        self._hpos = (self._hpos + 1) % self._hist_len
        self.hist[:, self._hpos] = self.by

        truncated = self.steps >= self.max_steps
        if truncated.any():
            truncated &= ~terminated
        if pending:  # NEXT_STEP autoreset: those rows start a new episode instead of stepping
            self.counters[reset_rows] = saved_counters
            self._reset_rows(reset_rows)
            rewards[reset_rows] = 0.0
            terminated[reset_rows] = False
            truncated[reset_rows] = False
        np.logical_or(terminated, truncated, out=self._autoreset)
        self._write_obs()
        infos: dict[str, Any] = {"score": self.score.copy(), "_score": self._score_mask.copy()}
        if terminated.any():
            winner = np.full(self.num_envs, "", dtype="<U5")
            winner[terminated] = np.where(
                self.score[terminated, 0] > self.score[terminated, 1], "left", "right"
            )
            infos["winner"], infos["_winner"] = winner, terminated.copy()
        return self._obs_buf.copy(), rewards.copy(), terminated, truncated, infos

    # --- helpers ---------------------------------------------------------------------------------------------
    def _serve(self, rows: np.ndarray) -> None:
        c = self.counters[rows]
        # the serve's three draws (direction, angle, aim) in one call: counters c, c + 1, c + 2
        u_dir, u_angle, u_aim = uniform_array(self.keys[rows], c + self._serve_offsets)
        self.counters[rows] = c + np.uint64(3)
        self.bx[rows] = CENTRE_X
        self.by[rows] = CENTRE_Y
        self.speed[rows] = SERVE_SPEED
        vy = SERVE_SPEED * (SERVE_SPIN * (2.0 * u_angle - 1.0))
        vx = np.sqrt(SERVE_SPEED_SQ - vy * vy)
        self.vy[rows] = vy
        self.vx[rows] = np.where(u_dir < 0.5, -vx, vx)
        self.aim[rows] = self._aim_scale * (2.0 * u_aim - 1.0)

    def _reset_rows(self, rows: np.ndarray) -> None:
        self.score[rows] = 0
        self.steps[rows] = 0
        self.pl[rows] = CENTRE_Y
        self.pr[rows] = CENTRE_Y
        self.dl[rows] = 0.0
        self.dr[rows] = 0.0
        self._serve(rows)
        self.hist[rows] = self.by[rows, None]

    def _write_obs(self) -> None:
        o = self._obs_buf
        np.multiply(self.bx, INV_W, out=o[:, 0])
        np.multiply(self.by, INV_H, out=o[:, 1])
        np.multiply(self.vx, INV_V, out=o[:, 2])
        np.multiply(self.vy, INV_V, out=o[:, 3])
        np.multiply(self.pl, INV_H, out=o[:, 4])
        np.multiply(self.pr, INV_H, out=o[:, 5])
        o[:, 6] = self.dl
        o[:, 7] = self.dr


class PongParallelEnv(ParallelEnv):
    """Two-player Pong as a PettingZoo ``ParallelEnv``: agents ``"left"`` and ``"right"``.

    Same rules (``PongGame``), arguments and observations as ``PongEnv``, minus the opponent: both seats are
    agents. Each agent observes from its own perspective (``"right"`` sees the court mirrored left-right, its
    own paddle first and on the left), so one policy can play both seats. Rewards: +1 to the side that wins a
    point, ``-loss_penalty`` to the other (zero-sum at the default 1.0), plus ``hit_reward`` to whoever hits the
    ball. The episode ends for both
    agents together; ``infos[agent]["score"]`` is ``(own, opponent)``, ``infos[agent]["winner"]`` at the end is
    the winning agent's name (None when truncated); ``infos[agent]["events"]`` is the step's events as in
    ``PongEnv`` (court sides ``"left"``/``"right"``, the same tuple for both agents). Renders the left player's
    view; ``draw_surface()`` gives that frame as a pygame ``Surface``.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["human", "rgb_array"],
        "render_fps": 60,
        "name": "arcadelab_pong_v0",
        "is_parallelizable": True,
    }

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        points_to_win: int = 11,
        max_steps: int = 10_000,
        hit_reward: float = 0.0,
        loss_penalty: float = 1.0,
    ) -> None:
        _check_common(
            render_mode, obs_type, points_to_win, max_steps, hit_reward, self.metadata["render_modes"],
            loss_penalty,
        )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.points_to_win = int(points_to_win)
        self.max_steps = int(max_steps)
        self.hit_reward = float(hit_reward)
        self.loss_penalty = float(loss_penalty)
        self.possible_agents = ["left", "right"]
        self.agents: list[str] = []
        self._obs_space = _vector_space() if obs_type == "vector" else _pixel_space()
        self._act_space = spaces.Discrete(3)
        self._game = PongGame(self.points_to_win, self.max_steps)
        self._buf = np.zeros(self._obs_space.shape, dtype=self._obs_space.dtype)
        self._seeded = False
        self._renderer: _PongRenderer | None = None

    def observation_space(self, agent: str) -> spaces.Box:
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Discrete:
        return self._act_space

    def reset(self, seed: int | None = None, options: dict | None = None):
        game = self._game
        if seed is not None:
            game.seed(seed)
        elif not self._seeded:
            game.seed(int(np.random.SeedSequence().entropy % 2**63))
        self._seeded = True
        game.new_episode()
        self.agents = self.possible_agents[:]
        if self.render_mode == "human":
            self._get_renderer().show(game)
        infos = {"left": {"score": (0, 0), "events": ()}, "right": {"score": (0, 0), "events": ()}}
        return self._observations(), infos

    def step(self, actions: dict[str, Any]):
        if not self.agents:
            raise RuntimeError("step() called after the episode ended; call reset()")
        game = self._game
        a_l = _check_action(actions.get("left"), self._act_space, "action for 'left'")
        a_r = _check_action(actions.get("right"), self._act_space, "action for 'right'")
        point_l, point_r, hit_l, hit_r = game.step(a_l, a_r)
        lp = self.loss_penalty
        rewards = {
            "left": float(point_l) - lp * float(point_r) + self.hit_reward * float(hit_l),
            "right": float(point_r) - lp * float(point_l) + self.hit_reward * float(hit_r),
        }
        terminated = game.over
        truncated = not terminated and game.steps >= self.max_steps
        sl, sr = game.score_l, game.score_r
        events = game.events
        infos: dict[str, dict[str, Any]] = {
            "left": {"score": (sl, sr), "events": events},
            "right": {"score": (sr, sl), "events": events},
        }
        if terminated or truncated:
            winner = ("left" if sl > sr else "right") if terminated else None
            infos["left"]["winner"] = infos["right"]["winner"] = winner
        obs = self._observations()
        terms = {"left": terminated, "right": terminated}
        truncs = {"left": truncated, "right": truncated}
        if terminated or truncated:
            self.agents = []
        if self.render_mode == "human":
            self._get_renderer().show(game)
        return obs, rewards, terms, truncs, infos

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None")
            return None
        if self.render_mode == "rgb_array":
            return self._get_renderer().rgb(self._game)
        self._get_renderer().show(self._game)
        return None

    def draw_surface(self) -> Any:
        """The current frame (the left player's view, 320 x 240) as a pygame ``Surface``: the env's own off-screen
        surface, redrawn now, not a copy (blit or copy it before the next step). Works in any ``render_mode``."""
        return self._get_renderer().draw(self._game)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def state(self) -> np.ndarray:
        return self._game.vector_obs(np.zeros(N_FEATURES, dtype=np.float32), "left")

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_renderer"] = None
        return state

    def _observations(self) -> dict[str, np.ndarray]:
        game, buf = self._game, self._buf
        if self.obs_type == "vector":
            return {
                "left": game.vector_obs(buf, "left").copy(),
                "right": game.vector_obs(buf, "right").copy(),
            }
        return {"left": game.pixel_obs(buf, "left").copy(), "right": game.pixel_obs(buf, "right").copy()}

    def _get_renderer(self) -> _PongRenderer:
        if self._renderer is None:
            self._renderer = _PongRenderer("ArcadeLab Pong", self.metadata["render_fps"])
        return self._renderer


__all__ = ["PongEnv", "PongGame", "PongParallelEnv", "PongTracker", "PongVectorEnv"]
