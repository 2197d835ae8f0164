"""``SnakeEnv``: the Gymnasium view of one Snake board, a one-row state stepped by the compiled core.

Each step is one call into ``core.step_one``; the Python around it only checks the action and builds the info
dict. ``check_common`` and ``coerce_action`` are the argument checks every Snake view shares.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs import rng
from envs.checks import check_int
from envs.snake import core
from envs.snake.core import MASK_ROWS, N_CHANNELS, OBS_TYPES, START_LENGTH, SnakeState
from envs.snake.render import PALETTE, RENDER_FPS, SNAKE_STYLES, BoardRenderer, checker, pixel_side, pixels


def check_common(render_mode: Any, obs_type: Any, size: Any, render_modes: Any) -> int:
    """The argument checks every Snake view shares (ValueError naming the argument); returns the size."""
    if obs_type not in OBS_TYPES:
        raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {obs_type!r}")
    if render_mode is not None and render_mode not in render_modes:
        raise ValueError(f"render_mode must be None or one of {render_modes}, got {render_mode!r}")
    size = check_int("size", size, 5)
    if obs_type == "pixels" and size + 2 > 128:
        raise ValueError(f"size must be <= 126 for obs_type='pixels' (frames are <= 128 px), got {size}")
    return size


def coerce_action(action: Any, space: spaces.Discrete) -> int:
    """A Python int in range from an int, numpy integer or 0-d integer array; ValueError naming the space."""
    if isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu":
        action = action.item()
    if isinstance(action, (int, np.integer)) and not isinstance(action, bool) and 0 <= action < space.n:
        return int(action)
    raise ValueError(f"invalid action {action!r}: expected an int in {space}")


def observation_space(size: int, obs_type: str, channels: int = N_CHANNELS) -> spaces.Box:
    if obs_type == "vector":
        return spaces.Box(0, 1, (channels, size, size), np.uint8)
    side = pixel_side(size)
    return spaces.Box(0, 255, (side, side, 3), np.uint8)


class SnakeEnv(gym.Env):
    """Snake: steer a growing snake to the food without hitting a wall or itself.

    ## Description
    An ``size`` x ``size`` grid walled on all sides holds one snake and one piece of food. Each step the snake
    moves one cell; eating the food makes it one cell longer and a new piece appears on a random free cell.

    ## Action Space
    ``Discrete(4)``, absolute directions: 0 up, 1 right, 2 down, 3 left. Reversing into the neck is illegal:
    ``action_masks()`` (and ``info["action_mask"]``) masks it. A masked action stepped anyway does not raise (so
    gymnasium's ``check_env`` and unmasked samplers work): the snake keeps going straight and
    ``info["illegal_action"]`` is True. An action out of range or of the wrong type raises ``ValueError``.

    ## Observation Space
    ``obs_type="vector"`` (default): ``Box(0, 1, (6, size, size), uint8)``, one binary plane per feature:
    0 head, 1-4 body segment whose next segment toward the head lies up / right / down / left, 5 food.
    Binary planes are already on the scale an ``MlpPolicy`` wants (SB3 casts the uint8 to float without
    dividing by 255 since the bounds are not [0, 255]); the direction planes give the full body order (so the
    agent can tell its heading and which cells free up first) while costing O(1) per step to keep up to date,
    unlike a "time until free" plane that changes on every body cell every step. uint8 keeps the batched
    version's memory traffic small.
    ``obs_type="pixels"``: ``Box(0, 255, (H, H, 3), uint8)`` with ``H = (size + 2) * max(1, 96 // (size + 2))``
    (84 for size 12): the board and its wall border from a palette, upscaled with ``np.repeat``.

    ## Rewards
    +1 for eating, -1 for dying, 0 otherwise. No shaping: the return is the game score minus one on death.

    ## Starting State
    A snake of length 3 with its head on a random cell at least two cells from every wall, a random heading
    (body straight behind), and the food on a random free cell.

    ## Episode End
    Terminated when the snake hits a wall or its own body (moving into the cell its tail is leaving is
    allowed), or when it fills the board (the food just eaten was the last free cell: a win, reward +1).
    Truncated after ``max_steps`` steps, or after ``starvation_steps`` steps in a row without eating. Stepping
    after the episode ended raises ``RuntimeError``; call ``reset()``.
    ``info`` carries ``length``, ``score`` (food eaten this episode), ``action_mask`` and ``illegal_action``.
    ``draw_surface()`` gives the current frame as a pygame ``Surface`` (for apps with their own window).

    ## Arguments
    ``size`` (int >= 5, default 12), ``max_steps`` (default ``100 * size * size``), ``starvation_steps``
    (default ``4 * size * size``: enough for a long snake to go round the board), ``obs_type``, ``render_mode``
    ("human" or "rgb_array").

    Randomness comes from the counter-based generator in ``envs/rng.py`` (key from the seed, one counter per
    draw). The env is a one-row view of the compiled core (``envs/snake/core.py``) that ``SnakeVectorEnv``
    steps too, so both versions give identical games under one seed.
    """

    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": RENDER_FPS}
    action_space: spaces.Discrete
    observation_space: spaces.Box

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        size: int = 12,
        max_steps: int | None = None,
        starvation_steps: int | None = None,
    ) -> None:
        self.size = check_common(render_mode, obs_type, size, self.metadata["render_modes"])
        n = self.size
        self.max_steps = check_int("max_steps", 100 * n * n if max_steps is None else max_steps, 1)
        self.starvation_steps = check_int(
            "starvation_steps", 4 * n * n if starvation_steps is None else starvation_steps, 1
        )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.action_space = spaces.Discrete(4)
        self.observation_space = observation_space(n, obs_type)
        self._state = SnakeState(1, n)
        self._vector = obs_type == "vector"
        self._floor = checker(n)
        self._seeded = False
        self._over = True
        self._dir = 0
        self._length = START_LENGTH
        self._renderer: BoardRenderer | None = None

    # -- gymnasium API ----------------------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        s = self._state
        if seed is not None:
            s.rng[0] = (rng.key_from_seed(seed), 0)
        elif not self._seeded:
            s.rng[0] = (rng.key_from_seed(int(self.np_random.integers(2**63))), 0)
        self._seeded = True
        core.reset_row(s.codes, s.iv, s.rng, s.tab, 0, self.size)
        self._over = False
        self._dir, self._length = int(s.iv[0, core.DIR]), START_LENGTH
        if self.render_mode == "human":
            self._show()
        return self._observation(), self._info(False)

    def step(self, action: Any):
        a = action if type(action) is int and 0 <= action < 4 else coerce_action(action, self.action_space)
        if self._over:
            raise RuntimeError("SnakeEnv: the episode has ended; call reset() before step()")
        s = self._state
        obs = np.empty(self.observation_space.shape, dtype=np.uint8) if self._vector else self._no_obs
        reward, terminated, truncated, illegal, length, d = core.step_one(
            s.codes,
            s.iv,
            s.rng,
            s.tab,
            self.size,
            a,
            self.max_steps,
            self.starvation_steps,
            obs,
            self._vector,
        )
        self._over = terminated or truncated
        self._dir, self._length = d, length
        if self.render_mode == "human":
            self._show()
        if not self._vector:
            obs = pixels(s.codes[0], self._floor, PALETTE, self.size)
        info = {
            "length": length,
            "score": length - START_LENGTH,
            "action_mask": MASK_ROWS[d],
            "illegal_action": illegal,
        }
        if self._over:  # the episode-end contract (envs/spec.py): success is a full board
            info["is_success"] = bool(terminated and length == self.size * self.size)
        return obs, reward, terminated, truncated, info

    _no_obs = np.zeros((0, 0, 0), dtype=np.uint8)  # the pixel env asks the kernel for no vector observation

    def action_masks(self) -> np.ndarray:
        """Legal actions (read-only bool array of shape (4,)): all but reversing into the neck."""
        return MASK_ROWS[self._dir]

    def render(self) -> Any:  # an rgb frame or None; typed as loosely as Env.render
        if self.render_mode == "rgb_array":
            from envs.render import surface_to_rgb

            return surface_to_rgb(self._draw())
        if self.render_mode == "human":
            self._show()
        return None

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # -- internals ---------------------------------------------------------------------------------------------

    def _observation(self) -> np.ndarray:
        s = self._state
        if self._vector:
            obs = np.empty(self.observation_space.shape, dtype=np.uint8)
            core.write_obs_row(s.codes, s.iv, s.tab, 0, self.size, obs.reshape(-1), 0)
            return obs
        return pixels(s.codes[0], self._floor, PALETTE, self.size)

    def _info(self, illegal: bool) -> dict[str, Any]:
        return {
            "length": self._length,
            "score": self._length - START_LENGTH,
            "action_mask": MASK_ROWS[self._dir],
            "illegal_action": illegal,
        }

    def snake_cells(self) -> list[int]:
        """The snake's interior cells (``row * size + col``), head first."""
        s = self._state
        return core.snake_cells(s.codes, s.iv, s.tab, 0, self.size).tolist()

    def draw_surface(self) -> Any:
        """The current frame as a pygame ``Surface``: the env's own off-screen surface, redrawn now, not a copy
        (blit or copy it before the next step). For apps that show the game in their own window."""
        return self._draw()

    def _draw(self) -> Any:
        s = self._state
        food = int(s.iv[0, core.FOOD_CELL])
        foods = [] if food < 0 else [int(s.tab[food])]
        return self._get_renderer().draw([(self.snake_cells(), self._dir, SNAKE_STYLES[0])], foods)

    def _get_renderer(self) -> BoardRenderer:
        if self._renderer is None:
            self._renderer = BoardRenderer(self.size, "ArcadeLab Snake", self.render_mode)
        return self._renderer

    def _show(self) -> None:
        surface = self._draw()
        self._get_renderer().show(surface, self.metadata["render_fps"])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_renderer"] = None
        return state
