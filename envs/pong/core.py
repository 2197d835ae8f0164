"""Pong's rules, written once over arrays with a leading env axis and compiled with numba.

State of ``n`` courts (``PongState``): ``f`` float64 ``(n, NF)`` (ball, paddles, speed, tracker aim), ``iv`` int64
``(n, NI)`` (score, steps, last events, tracker history position), ``rng`` uint64 ``(n, 2)`` (key, counter of the
counter-based stream of ``envs/rng.py``) and ``hist`` float64 ``(n, hist_len)`` (the ball heights the tracker
opponent sees with its reaction delay). Every view is a few calls into the kernels below: ``PongEnv`` and
``PongParallelEnv`` step row 0 of a one-row state, ``PongVectorEnv`` steps all rows in one call.

Float determinism: every kernel does the float64 arithmetic of the original scalar implementation in the same
order (no fastmath: no reassociation or fused multiply-add), so trajectories are bit-identical to the recorded
golden hashes (``tests/test_pong_golden.py``) and trained models stay valid.

Speed (``benchmarks/env_throughput.py``): per-row helpers are ``envs.jit.row_helper`` (inlined into the loop) and
the entry points Python calls are ``envs.jit.kernel`` (no numba runtime, so no reference counting); see
``envs/jit.py`` for why. The tracker's ring buffer wraps with a compare rather than ``%`` (a 64-bit division
per use).

Court units: the court is ``COURT_W x COURT_H`` = 1.0 x 0.75, ``y`` grows downwards (screen convention), one
step is 1/60 s. Velocities are in court units per step.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from envs.jit import kernel, row_helper
from envs.rng import integers_nb, uniform_nb

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

# Bits of what one step did; ``PongGame.events`` (and ``info["events"]``) is ``EVENTS[bits]``, a tuple of names.
EV_POINT_LEFT, EV_POINT_RIGHT, EV_HIT_LEFT, EV_HIT_RIGHT, EV_WALL = 1, 2, 4, 8, 16
EVENT_NAMES = ("point_left", "point_right", "hit_left", "hit_right", "wall")
EVENTS = tuple(tuple(name for bit, name in enumerate(EVENT_NAMES) if m >> bit & 1) for m in range(32))
OPPONENTS = ("tracker", "random")
OBS_TYPES = ("vector", "pixels")
N_FEATURES = 8
PIX_SCALE = 84  # pixels per court unit in pixel observations
PIX_H, PIX_W = 63, 84
RENDER_SCALE = 320  # pixels per court unit in rendered frames (320 x 240; the window shows it at 2x)

BG_COLOUR = np.array([12, 14, 34], dtype=np.uint8)
LINE_COLOUR = np.array([70, 74, 110], dtype=np.uint8)
OWN_COLOUR = np.array([90, 210, 255], dtype=np.uint8)
OPP_COLOUR = np.array([255, 140, 90], dtype=np.uint8)
BALL_COLOUR = np.array([250, 250, 235], dtype=np.uint8)

# --- state layout --------------------------------------------------------------------------------------------
BX, BY, VX, VY, SPEED, PL, PR, DL, DR, AIM_U = range(10)  # columns of ``f``
NF = 10
SCORE_L, SCORE_R, STEPS, EV, HPOS = range(5)  # columns of ``iv``
NI = 5
KEY, COUNTER = 0, 1  # columns of ``rng``
# how the right paddle is driven in ``step_row``
OPP_TRACKER, OPP_RANDOM, OPP_GIVEN = 0, 1, 2

_PIX_LEN = round(PADDLE_H * PIX_SCALE)
_PIX_C0 = round(PADDLE_GAP * PIX_SCALE)
_PIX_C1 = round((PADDLE_GAP + PADDLE_T) * PIX_SCALE)
_U1, _U3 = np.uint64(1), np.uint64(3)


HIST_LEN = MAX_DELAY + 1  # the envs' tracker history: enough for any skill, so the skill can change mid-run


def tracker_delay(skill: float) -> int:
    """Steps of reaction delay of the tracker at ``skill`` (its history holds ``delay + 1`` heights)."""
    return round((1.0 - skill) * MAX_DELAY)


def tracker_aim_scale(skill: float) -> float:
    """Bound of the tracker's aiming error at ``skill`` (court units)."""
    return AIM_ERROR * (1.0 - skill)


class PongState:
    """The arrays of ``n`` courts (see the module docstring); plain data, so it pickles."""

    def __init__(self, n: int, hist_len: int = 1) -> None:
        self.f = np.zeros((n, NF), dtype=np.float64)
        self.iv = np.zeros((n, NI), dtype=np.int64)
        self.rng = np.zeros((n, 2), dtype=np.uint64)
        self.hist = np.zeros((n, hist_len), dtype=np.float64)


# --- random draws --------------------------------------------------------------------------------------------
@row_helper
def _uniform(rng: np.ndarray, r: int) -> float:
    u = uniform_nb(rng[r, KEY], rng[r, COUNTER])
    rng[r, COUNTER] += _U1
    return u


@row_helper
def _integer3(rng: np.ndarray, r: int) -> int:
    i = integers_nb(rng[r, KEY], rng[r, COUNTER], _U3)
    rng[r, COUNTER] += _U1
    return i


@row_helper
def _direction(action: int) -> float:
    """Action -> paddle direction: 0 stay, 1 up (-1), 2 down (+1); branch-free (actions are random early in
    training, so branches on them mispredict)."""
    return np.float64(action == 2) - np.float64(action == 1)


# --- the rules -----------------------------------------------------------------------------------------------
@row_helper
def serve_row(f: np.ndarray, rng: np.ndarray, r: int) -> None:
    """Serve from the centre: three draws (direction, angle, the tracker's next aim)."""
    u_dir = _uniform(rng, r)
    u_angle = _uniform(rng, r)
    f[r, AIM_U] = _uniform(rng, r)
    f[r, BX] = CENTRE_X
    f[r, BY] = CENTRE_Y
    f[r, SPEED] = SERVE_SPEED
    vy = SERVE_SPEED * (SERVE_SPIN * (2.0 * u_angle - 1.0))
    f[r, VY] = vy
    vx = math.sqrt(SERVE_SPEED_SQ - vy * vy)
    f[r, VX] = -vx if u_dir < 0.5 else vx


@row_helper
def reset_row(f: np.ndarray, iv: np.ndarray, rng: np.ndarray, hist: np.ndarray, r: int) -> None:
    """Start a new episode on row ``r`` (its random stream continues) and fill the tracker's history."""
    iv[r, SCORE_L] = 0
    iv[r, SCORE_R] = 0
    iv[r, STEPS] = 0
    iv[r, EV] = 0
    iv[r, HPOS] = 0
    f[r, PL] = CENTRE_Y
    f[r, PR] = CENTRE_Y
    f[r, DL] = 0.0
    f[r, DR] = 0.0
    serve_row(f, rng, r)
    hist[r, :] = f[r, BY]


@kernel
def reset_rows(f: np.ndarray, iv: np.ndarray, rng: np.ndarray, hist: np.ndarray, rows: np.ndarray) -> None:
    for r in rows:
        reset_row(f, iv, rng, hist, r)


@row_helper
def physics_row(f: np.ndarray, iv: np.ndarray, rng: np.ndarray, r: int, a_left: int, a_right: int) -> int:
    """One step of row ``r``: paddles, ball, walls, swept paddle hits, points and serves; returns the event bits.

    A left paddle hit draws the tracker's next aim (the ball now heads for the right seat); a point serves again
    (three draws). Both happen whoever plays the right seat, so every view consumes the stream alike.
    """
    dl = _direction(a_left)
    dr = _direction(a_right)
    f[r, DL] = dl
    f[r, DR] = dr
    pl = min(max(f[r, PL] + dl * PADDLE_SPEED, P_LO), P_HI)
    pr = min(max(f[r, PR] + dr * PADDLE_SPEED, P_LO), P_HI)
    f[r, PL] = pl
    f[r, PR] = pr
    x = f[r, BX]
    vx = f[r, VX]
    vy = f[r, VY]
    nx = x + vx
    ny = f[r, BY] + vy
    ev = 0
    if ny < Y_LO:
        ny = Y_LO2 - ny
        vy = -vy
        ev = EV_WALL
    elif ny > Y_HI:
        ny = Y_HI2 - ny
        vy = -vy
        ev = EV_WALL
    iv[r, STEPS] += 1
    point = False
    if nx < FACE_L:
        if x >= FACE_L and abs(ny - pl) <= REACH:
            ev |= EV_HIT_LEFT
            offset = (ny - pl) / REACH
            speed = min(f[r, SPEED] * SPEEDUP, MAX_SPEED)
            f[r, SPEED] = speed
            vy = speed * (SPIN * offset)
            vx = math.sqrt(speed * speed - vy * vy)
            nx = FACE_L2 - nx
            f[r, AIM_U] = _uniform(rng, r)
        elif nx < 0.0:
            ev |= EV_POINT_RIGHT
            iv[r, SCORE_R] += 1
            point = True
    elif nx > FACE_R:
        if x <= FACE_R and abs(ny - pr) <= REACH:
            ev |= EV_HIT_RIGHT
            offset = (ny - pr) / REACH
            speed = min(f[r, SPEED] * SPEEDUP, MAX_SPEED)
            f[r, SPEED] = speed
            vy = speed * (SPIN * offset)
            vx = -math.sqrt(speed * speed - vy * vy)
            nx = FACE_R2 - nx
        elif nx > COURT_W:
            ev |= EV_POINT_LEFT
            iv[r, SCORE_L] += 1
            point = True
    iv[r, EV] = ev
    if point:
        serve_row(f, rng, r)
    else:
        f[r, BX] = nx
        f[r, BY] = ny
        f[r, VX] = vx
        f[r, VY] = vy
    return ev


# --- the tracker opponent --------------------------------------------------------------------------------------
@row_helper
def tracker_action(
    hist: np.ndarray, iv: np.ndarray, r: int, paddle_y: float, aim_offset: float, delay: int
) -> int:
    """0 stay, 1 up, 2 down: towards the ball ``y`` of ``delay`` steps ago plus ``aim_offset`` (court units).

    ``hist`` is a ring of the last ``hist.shape[1]`` (> ``delay``) heights, the newest at ``iv[r, HPOS]``; a reset
    fills it with the serve's height, so early in an episode the oldest view is the serve."""
    pos = iv[r, HPOS] - delay
    if pos < 0:  # wrap with a compare: cheaper than Python-semantics ``%`` in compiled code
        pos += hist.shape[1]
    diff = (hist[r, pos] + aim_offset) - paddle_y
    if diff > DEAD:
        return 2
    if diff < -DEAD:
        return 1
    return 0


@row_helper
def tracker_observe(hist: np.ndarray, iv: np.ndarray, r: int, ball_y: float) -> None:
    """Record the ball's ``y`` after a step."""
    pos = iv[r, HPOS] + 1
    if pos == hist.shape[1]:
        pos = 0
    iv[r, HPOS] = pos
    hist[r, pos] = ball_y


# --- one env step (rules + opponent + reward + episode end) ----------------------------------------------------
@row_helper
def step_row(
    f: np.ndarray, iv: np.ndarray, rng: np.ndarray, hist: np.ndarray, r: int, action: int,
    opp_mode: int, opp_action: int, aim_scale: float, delay: int, points_to_win: int, max_steps: int,
    hit_reward: float, loss_penalty: float,
) -> tuple[float, bool, bool, int]:  # fmt: skip
    """The learner (left) plays ``action``; the right seat is the tracker (``aim_scale``, ``delay``: its skill),
    random, or ``opp_action``.

    Returns (reward, terminated, truncated, event bits). Draw order per step: the random opponent's action (if
    any), then the rules' draws (``physics_row``).
    """
    if opp_mode == OPP_TRACKER:
        opp_action = tracker_action(hist, iv, r, f[r, PR], aim_scale * (2.0 * f[r, AIM_U] - 1.0), delay)
    elif opp_mode == OPP_RANDOM:
        opp_action = _integer3(rng, r)
    ev = physics_row(f, iv, rng, r, action, opp_action)
    tracker_observe(hist, iv, r, f[r, BY])
    reward = (
        float(ev & EV_POINT_LEFT) - loss_penalty * float((ev & EV_POINT_RIGHT) >> 1)
        + hit_reward * float((ev & EV_HIT_LEFT) >> 2)
    )  # fmt: skip
    terminated = iv[r, SCORE_L] >= points_to_win or iv[r, SCORE_R] >= points_to_win
    truncated = not terminated and iv[r, STEPS] >= max_steps
    return reward, terminated, truncated, ev


@kernel
def step_one(
    f: np.ndarray, iv: np.ndarray, rng: np.ndarray, hist: np.ndarray, action: int, opp_mode: int,
    opp_action: int, aim_scale: float, delay: int, points_to_win: int, max_steps: int, hit_reward: float,
    loss_penalty: float, obs: np.ndarray, write_obs: bool,
) -> tuple[float, bool, bool, int, int, int]:  # fmt: skip
    """``step_row`` on a one-row state, writing the left seat's vector observation into ``obs`` ((1, 8)) when asked;
    returns (reward, terminated, truncated, event bits, left score, right score) so the env reads no array
    afterwards."""
    reward, terminated, truncated, ev = step_row(
        f, iv, rng, hist, 0, action, opp_mode, opp_action, aim_scale, delay, points_to_win, max_steps,
        hit_reward, loss_penalty,
    )  # fmt: skip
    if write_obs:
        vector_obs_row(f, 0, obs, 0, 0)
    return reward, terminated, truncated, ev, iv[0, SCORE_L], iv[0, SCORE_R]


@kernel
def step_batch(
    f: np.ndarray, iv: np.ndarray, rng: np.ndarray, hist: np.ndarray, actions: np.ndarray, pending: np.ndarray,
    opp_mode: int, aim_scale: float, delay: int, points_to_win: int, max_steps: int, hit_reward: float,
    loss_penalty: float, obs: np.ndarray, rewards: np.ndarray, terminated: np.ndarray, truncated: np.ndarray,
    score: np.ndarray,
) -> int:  # fmt: skip
    """Every row one step (``step_row``), with NEXT_STEP autoreset: a ``pending`` row starts a new episode
    instead (reward 0, flags False, its action ignored). Writes the outputs and updates ``pending``; returns the
    number of rows that terminated, or -1 (nothing changed) if an action is not in {0, 1, 2}."""
    n = f.shape[0]
    for r in range(n):  # refuse bad actions before any row moves
        if actions[r] < 0 or actions[r] > 2:
            return -1
    n_term = 0
    for r in range(n):
        if pending[r]:
            reset_row(f, iv, rng, hist, r)
            rew, term, trunc = 0.0, False, False
        else:
            rew, term, trunc, _ = step_row(
                f, iv, rng, hist, r, actions[r], opp_mode, 0, aim_scale, delay, points_to_win, max_steps,
                hit_reward, loss_penalty,
            )  # fmt: skip
        rewards[r] = rew
        terminated[r] = term
        truncated[r] = trunc
        pending[r] = term or trunc
        n_term += term
        score[r, 0] = iv[r, SCORE_L]
        score[r, 1] = iv[r, SCORE_R]
        vector_obs_row(f, r, obs, r, 0)
    return n_term


@kernel
def write_outputs(f: np.ndarray, iv: np.ndarray, obs: np.ndarray, score: np.ndarray) -> None:
    """Every row's observation (left seat) and score."""
    for r in range(f.shape[0]):
        score[r, 0] = iv[r, SCORE_L]
        score[r, 1] = iv[r, SCORE_R]
        vector_obs_row(f, r, obs, r, 0)


# --- observations --------------------------------------------------------------------------------------------
@row_helper
def vector_obs_row(f: np.ndarray, r: int, out: np.ndarray, o: int, seat: int) -> None:
    """The 8 features of row ``r`` seen from ``seat`` (0 left, 1 right: mirrored) into row ``o`` of ``out``
    ((rows, 8) float32). Indexing ``out`` by row rather than passing the view ``out[o]`` keeps the batched loop
    free of view objects, whose reference counting would cost more than the features themselves."""
    if seat == 0:
        out[o, 0] = f[r, BX] * INV_W
        out[o, 1] = f[r, BY] * INV_H
        out[o, 2] = f[r, VX] * INV_V
        out[o, 3] = f[r, VY] * INV_V
        out[o, 4] = f[r, PL] * INV_H
        out[o, 5] = f[r, PR] * INV_H
        out[o, 6] = f[r, DL]
        out[o, 7] = f[r, DR]
    else:
        out[o, 0] = 1.0 - f[r, BX] * INV_W
        out[o, 1] = f[r, BY] * INV_H
        out[o, 2] = -(f[r, VX] * INV_V)
        out[o, 3] = f[r, VY] * INV_V
        out[o, 4] = f[r, PR] * INV_H
        out[o, 5] = f[r, PL] * INV_H
        out[o, 6] = f[r, DR]
        out[o, 7] = f[r, DL]


@row_helper
def _pix_round(x: float) -> int:
    """Python's ``round`` of a float (half to even), as an int."""
    return int(np.rint(x))


@row_helper
def _fill(out: np.ndarray, r0: int, r1: int, c0: int, c1: int, colour: np.ndarray) -> None:
    """``out[r0:r1, c0:c1] = colour`` with numpy's slice clipping (bounds are never negative here)."""
    r1 = min(r1, out.shape[0])
    c1 = min(c1, out.shape[1])
    for i in range(r0, r1):
        for j in range(c0, c1):
            out[i, j, 0] = colour[0]
            out[i, j, 1] = colour[1]
            out[i, j, 2] = colour[2]


@njit(cache=True)  # copies the background with a slice assignment, which needs numba's runtime
def pixel_obs_row(
    f: np.ndarray, r: int, out: np.ndarray, seat: int, background: np.ndarray,
    own_colour: np.ndarray, opp_colour: np.ndarray, ball_colour: np.ndarray,
) -> None:  # fmt: skip
    """Draw the court of row ``r`` seen from ``seat`` into ``out`` (PIX_H, PIX_W, 3) uint8."""
    if seat == 0:
        own, opp, bx = f[r, PL], f[r, PR], f[r, BX]
    else:
        own, opp, bx = f[r, PR], f[r, PL], COURT_W - f[r, BX]
    out[:] = background
    rr = _pix_round((own - PADDLE_H / 2) * PIX_SCALE)
    _fill(out, rr, rr + _PIX_LEN, _PIX_C0, _PIX_C1, own_colour)
    rr = _pix_round((opp - PADDLE_H / 2) * PIX_SCALE)
    _fill(out, rr, rr + _PIX_LEN, PIX_W - _PIX_C1, PIX_W - _PIX_C0, opp_colour)
    rr = min(max(int(f[r, BY] * PIX_SCALE) - 1, 0), PIX_H - 2)
    c = min(max(int(bx * PIX_SCALE) - 1, 0), PIX_W - 2)
    _fill(out, rr, rr + 2, c, c + 2, ball_colour)


_PIXEL_BG: list[np.ndarray] = []


def pixel_background() -> np.ndarray:
    """The empty court for pixel observations (built once per process, read-only)."""
    if not _PIXEL_BG:
        bg = np.empty((PIX_H, PIX_W, 3), dtype=np.uint8)
        bg[:] = BG_COLOUR
        for r in range(0, PIX_H, 6):
            bg[r : r + 3, PIX_W // 2 - 1 : PIX_W // 2 + 1] = LINE_COLOUR
        bg.flags.writeable = False
        _PIXEL_BG.append(bg)
    return _PIXEL_BG[0]


def pixel_obs(state: PongState, r: int, out: np.ndarray, seat: int) -> np.ndarray:
    """``pixel_obs_row`` with the palette; returns ``out``."""
    pixel_obs_row(state.f, r, out, seat, pixel_background(), OWN_COLOUR, OPP_COLOUR, BALL_COLOUR)
    return out
