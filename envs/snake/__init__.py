"""Snake on an N x N grid: the single game, its batched version, and a two-snake versus game.

The rules live once, in compiled kernels over state arrays with a leading env axis: ``core`` (one snake) and
``versus_core`` (two snakes, simultaneous moves), with the greedy-safe ``planner`` compiled beside them. The views
are thin layers over them:

* ``SnakeEnv`` (``env``, ``ArcadeLab/Snake-v0``): one snake, one food; a one-row view of ``core``.
* ``SnakeVectorEnv`` (``vector``): ``num_envs`` boards stepped by one compiled call; row ``i`` of
  ``reset(seed=s)`` equals ``SnakeEnv().reset(seed=s + i)`` step for step.
* ``SnakeVersusEnv`` (``versus``, ``ArcadeLab/SnakeVersus-v0``): two snakes, the other one driven by an
  ``opponent`` (by default the compiled greedy planner, inside the step).
* ``SnakeVersusVectorEnv`` (``versus_vector``): ``num_envs`` versus boards, the greedy planner driving every
  row's other snake, one compiled call per step.
* ``SnakeVersusParallelEnv`` (``parallel``): the versus rules as a PettingZoo ``ParallelEnv`` (agents
  ``snake_0``, ``snake_1``) for self-play.
* ``GreedySnakePolicy``, ``choose_move``, ``parse_observation`` (``planner``): the scripted player;
  ``render``: palette frames and the pygame board renderer (pygame is imported only when something draws).

The kernels compile on first use and are cached on disk (``cache=True``), so importing this package compiles
nothing.
"""

from envs import rng as _rng
from envs.snake.core import (
    BODY,
    EMPTY,
    FOOD,
    FOOD_CHANNEL,
    FOOD_TRIES,
    HEAD,
    N_CHANNELS,
    OBS_TYPES,
    START_LENGTH,
    WALL,
    SnakeState,
)
from envs.snake.env import SnakeEnv
from envs.snake.parallel import SnakeVersusParallelEnv
from envs.snake.planner import GreedySnakePolicy, choose_move, parse_observation
from envs.snake.render import (
    FLOOR_A_RGB,
    FLOOR_B,
    FLOOR_B_RGB,
    FOOD_RGB,
    LEAF_RGB,
    PIXEL_TARGET,
    RENDER_FPS,
    SNAKE_STYLES,
    WALL_LIGHT_RGB,
    WALL_RGB,
)
from envs.snake.vector import SnakeVectorEnv
from envs.snake.versus import OPPONENTS, SnakeVersusEnv, VersusGame
from envs.snake.versus_core import VS_CHANNELS, VersusState
from envs.snake.versus_vector import SnakeVersusVectorEnv

# The batched draws of the old numpy implementation; they now happen inside the compiled core. Kept for callers.
_draw_array = _rng.draw_array

__all__ = [
    "BODY", "EMPTY", "FLOOR_A_RGB", "FLOOR_B", "FLOOR_B_RGB", "FOOD", "FOOD_CHANNEL", "FOOD_RGB", "FOOD_TRIES",
    "HEAD", "LEAF_RGB", "N_CHANNELS", "OBS_TYPES", "OPPONENTS", "PIXEL_TARGET", "RENDER_FPS", "SNAKE_STYLES",
    "START_LENGTH", "VS_CHANNELS", "WALL", "WALL_LIGHT_RGB", "WALL_RGB",
    "GreedySnakePolicy", "SnakeEnv", "SnakeState", "SnakeVectorEnv", "SnakeVersusEnv", "SnakeVersusParallelEnv",
    "SnakeVersusVectorEnv", "VersusGame", "VersusState", "choose_move", "parse_observation",
]  # fmt: skip
