"""Pong: two paddles, one ball, first to ``points_to_win``.

The rules live once, in ``core``: numba-compiled kernels over state arrays with a leading env axis. The views
are thin layers over them:

* ``PongEnv`` (``env``): the Gymnasium env; the learner plays the left paddle against an ``opponent``.
* ``PongVectorEnv`` (``vector``): ``num_envs`` courts stepped by one compiled call (no Python loop over envs);
  row ``i`` of ``reset(seed=s)`` is bit-identical to ``PongEnv().reset(seed=s + i)`` under the same actions.
* ``PongParallelEnv`` (``parallel``): the PettingZoo two-player view (agents ``"left"`` and ``"right"``).
* ``PongGame`` (``game``): one court as an object, for tests and tools; ``PongTracker`` (``tracker``): the scripted
  opponent for any seat; ``render``: the pygame renderer (pygame is imported only when something renders).

The kernels compile on first use and are cached on disk (``cache=True``), so importing this package compiles
nothing.
"""

from envs.pong.core import (
    AIM_ERROR,
    BALL_COLOUR,
    BALL_R,
    BG_COLOUR,
    CENTRE_X,
    CENTRE_Y,
    COURT_H,
    COURT_W,
    DEAD,
    EV_HIT_LEFT,
    EV_HIT_RIGHT,
    EV_POINT_LEFT,
    EV_POINT_RIGHT,
    EV_WALL,
    EVENT_NAMES,
    EVENTS,
    FACE_L,
    FACE_L2,
    FACE_R,
    FACE_R2,
    INV_H,
    INV_V,
    INV_W,
    LINE_COLOUR,
    MAX_DELAY,
    MAX_SPEED,
    N_FEATURES,
    OBS_TYPES,
    OPP_COLOUR,
    OPPONENTS,
    OWN_COLOUR,
    P_HI,
    P_LO,
    PADDLE_GAP,
    PADDLE_H,
    PADDLE_SPEED,
    PADDLE_T,
    PIX_H,
    PIX_SCALE,
    PIX_W,
    REACH,
    RENDER_SCALE,
    SERVE_SPEED,
    SERVE_SPEED_SQ,
    SERVE_SPIN,
    SPEEDUP,
    SPIN,
    Y_HI,
    Y_HI2,
    Y_LO,
    Y_LO2,
    PongState,
)
from envs.pong.env import PongEnv
from envs.pong.game import PongGame
from envs.pong.parallel import PongParallelEnv
from envs.pong.tracker import PongTracker
from envs.pong.vector import PongVectorEnv

__all__ = [
    "AIM_ERROR", "BALL_COLOUR", "BALL_R", "BG_COLOUR", "CENTRE_X", "CENTRE_Y", "COURT_H", "COURT_W", "DEAD",
    "EVENTS", "EVENT_NAMES", "EV_HIT_LEFT", "EV_HIT_RIGHT", "EV_POINT_LEFT", "EV_POINT_RIGHT", "EV_WALL",
    "FACE_L", "FACE_L2", "FACE_R", "FACE_R2", "INV_H", "INV_V", "INV_W", "LINE_COLOUR", "MAX_DELAY",
    "MAX_SPEED", "N_FEATURES", "OBS_TYPES", "OPPONENTS", "OPP_COLOUR", "OWN_COLOUR", "PADDLE_GAP", "PADDLE_H",
    "PADDLE_SPEED", "PADDLE_T", "PIX_H", "PIX_SCALE", "PIX_W", "P_HI", "P_LO", "REACH", "RENDER_SCALE",
    "SERVE_SPEED", "SERVE_SPEED_SQ", "SERVE_SPIN", "SPEEDUP", "SPIN", "Y_HI", "Y_HI2", "Y_LO", "Y_LO2",
    "PongEnv", "PongGame", "PongParallelEnv", "PongState", "PongTracker", "PongVectorEnv",
]  # fmt: skip
