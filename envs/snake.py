"""Snake on an N x N grid: the single game, its batched numpy version, and a two-snake versus game.

* ``SnakeEnv`` (``ArcadeLab/Snake-v0``): one snake, one food.
* ``SnakeVectorEnv``: ``num_envs`` copies of ``SnakeEnv`` as arrays with a leading env axis, no Python loop over
  envs; row ``i`` of ``reset(seed=s)`` equals ``SnakeEnv().reset(seed=s + i)`` step for step.
* ``SnakeVersusEnv`` (``ArcadeLab/SnakeVersus-v0``): two snakes, the other one driven by an ``opponent``.
* ``SnakeVersusParallelEnv``: the same versus rules as a PettingZoo ``ParallelEnv`` (agents ``snake_0``,
  ``snake_1``) for self-play.

Grid bookkeeping shared by the single and batched game: the board is stored *padded* with a one-cell wall
border, as codes ``0`` empty, ``1`` food, ``2`` wall, ``3`` head, ``4 + d`` body segment whose next segment
(toward the head) lies in direction ``d``. Hitting a wall is then just another code lookup, and a move is
O(1): write the new head, clear the tail. ``SnakeEnv`` finds its tail in a ring buffer of cells indexed by a
move counter; ``SnakeVectorEnv`` needs no buffer at all: the tail's own body code says where the next tail is.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs import rng
from envs.checks import check_int
from envs.snake_planner import GreedySnakePolicy, choose_move

try:  # PettingZoo is a project dependency; the versus ParallelEnv view needs it.
    from pettingzoo import ParallelEnv
except ImportError:  # pragma: no cover - only without pettingzoo installed
    ParallelEnv = object  # type: ignore[assignment,misc]

__all__ = ["SnakeEnv", "SnakeVectorEnv", "SnakeVersusEnv", "SnakeVersusParallelEnv"]

EMPTY, FOOD, WALL, HEAD, BODY = 0, 1, 2, 3, 4  # body codes are BODY + direction (4..7)
FLOOR_B = 8  # display-only code: the darker checkerboard square
N_CHANNELS = 6  # head, body up/right/down/left, food
FOOD_CHANNEL = 5
START_LENGTH = 3
FOOD_TRIES = 8  # rejection-sampling attempts before falling back to "k-th free cell"
RENDER_FPS = 12
OBS_TYPES = ("vector", "pixels")
PIXEL_TARGET = 96  # pixel observations are at most this many pixels a side (always <= 128)

# Colours (RGB). Index = board code for the pixel palette.
FLOOR_A_RGB = (38, 44, 56)
FLOOR_B_RGB = (45, 52, 66)
WALL_RGB = (86, 92, 110)
WALL_LIGHT_RGB = (108, 115, 134)
FOOD_RGB = (232, 72, 72)
LEAF_RGB = (96, 196, 96)
SNAKE_STYLES = (
    {"head": (156, 232, 92), "body": (72, 182, 84), "stripe": (60, 160, 72)},
    {"head": (126, 196, 255), "body": (64, 124, 214), "stripe": (52, 106, 192)},
)
_PALETTE = np.zeros((9, 3), dtype=np.uint8)
_PALETTE[EMPTY] = FLOOR_A_RGB
_PALETTE[FOOD] = FOOD_RGB
_PALETTE[WALL] = WALL_RGB
_PALETTE[HEAD] = SNAKE_STYLES[0]["head"]
_PALETTE[BODY : BODY + 4] = SNAKE_STYLES[0]["body"]
_PALETTE[FLOOR_B] = FLOOR_B_RGB
# Versus display codes: 3/4 own head/body, 5/6 other head/body.
_VS_PALETTE = _PALETTE.copy()
_VS_PALETTE[4] = SNAKE_STYLES[0]["body"]
_VS_PALETTE[5] = SNAKE_STYLES[1]["head"]
_VS_PALETTE[6] = SNAKE_STYLES[1]["body"]
_VS_PALETTE[7] = SNAKE_STYLES[1]["body"]


# --------------------------------------------------------------------------------------------------------------
# Argument checks and helpers shared by every class here
# --------------------------------------------------------------------------------------------------------------


def _check_common(render_mode, obs_type, size, render_modes) -> int:
    if obs_type not in OBS_TYPES:
        raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {obs_type!r}")
    if render_mode is not None and render_mode not in render_modes:
        raise ValueError(f"render_mode must be None or one of {render_modes}, got {render_mode!r}")
    size = check_int("size", size, 5)
    if obs_type == "pixels" and size + 2 > 128:
        raise ValueError(f"size must be <= 126 for obs_type='pixels' (frames are <= 128 px), got {size}")
    return size


def _coerce_action(action: Any, space: spaces.Discrete) -> int:
    """A Python int in range from an int, numpy integer or 0-d integer array; ValueError naming the space."""
    if isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu":
        action = action.item()
    if isinstance(action, (int, np.integer)) and not isinstance(action, bool) and 0 <= action < space.n:
        return int(action)
    raise ValueError(f"invalid action {action!r}: expected an int in {space}")


def _pixel_scale(size: int) -> int:
    return max(1, PIXEL_TARGET // (size + 2))


def _checker(size: int) -> np.ndarray:
    """Padded display codes for the floor: EMPTY / FLOOR_B in a checkerboard (walls are never empty)."""
    w = size + 2
    r, c = np.divmod(np.arange(w * w), w)
    return np.where((r + c) % 2 == 1, FLOOR_B, EMPTY).astype(np.uint8)


def _pixels(display: np.ndarray, floor: np.ndarray, palette: np.ndarray, size: int) -> np.ndarray:
    """``(H, W, 3)`` uint8 frame from padded display codes (palette lookup + integer upscale)."""
    w = size + 2
    codes = np.where(display == EMPTY, floor, display)
    image = palette[codes].reshape(*display.shape[:-1], w, w, 3)
    s = _pixel_scale(size)
    return np.repeat(np.repeat(image, s, axis=-3), s, axis=-2)


def _padded_tables(size: int) -> tuple[int, list[int], np.ndarray, np.ndarray]:
    """(padded width, direction deltas, padded->interior index table, empty padded board with walls)."""
    w = size + 2
    deltas = [-w, 1, w, -1]
    r, c = np.divmod(np.arange(w * w), w)
    interior = (r >= 1) & (r <= size) & (c >= 1) & (c <= size)
    pad2obs = np.where(interior, (r - 1) * size + (c - 1), 0).astype(np.intp)
    board = np.where(interior, EMPTY, WALL).astype(np.uint8)
    return w, deltas, pad2obs, board


def _mask_table() -> np.ndarray:
    """Row ``d``: the legal actions while heading ``d`` (everything but the reverse)."""
    table = np.ones((4, 4), dtype=bool)
    for d in range(4):
        table[d, d ^ 2] = False  # 0<->2 and 1<->3 are opposites
    table.flags.writeable = False
    return table


_MASKS = _mask_table()
_MASK_ROWS = tuple(_MASKS[d] for d in range(4))  # read-only views, handed out as info["action_mask"]

_COUNTER_MIX: list[np.ndarray] = []  # mix64 of the counters 0 .. 2**16 - 1, built on first use


def _draw_array(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """``rng.draw_array(keys, counters)`` bit for bit; the inner ``mix64(counter)`` of small (int64) counters
    comes from a table, which halves the cost of the batched env's draws."""
    if not _COUNTER_MIX:
        _COUNTER_MIX.append(rng.mix64_array(np.arange(1 << 16, dtype=np.uint64)))
    table = _COUNTER_MIX[0]
    if counters.size == 0 or counters.max() >= len(table):
        return rng.draw_array(keys, counters)
    return rng.mix64_array(keys ^ table.take(counters))


# --------------------------------------------------------------------------------------------------------------
# Rendering (pygame, imported lazily through envs/render.py)
# --------------------------------------------------------------------------------------------------------------


class _BoardRenderer:
    """Draws a board (walls, checkerboard floor, food, snakes) onto an off-screen surface.

    The walls and floor are drawn once into a cached background blitted in one call per frame. Moving things
    are drawn with ``pygame.draw`` once into small cached sprites (body bars, rounded head with eyes per
    heading, rounded tail, food) and blitted: a long snake is ~150 segments, and blits stay ~1 us where
    SDL's fill of small odd-sized rects or a rounded ``draw.rect`` costs 10-40 us each. Not pickled (owners
    drop it in ``__getstate__``).
    """

    _KEY = (255, 0, 255)  # colour key: transparent corners of the rounded sprites

    def __init__(self, size: int, title: str, render_mode: str | None) -> None:
        self.size = size
        # A roomy window for people; smaller rgb_array frames (224 px at size 12) keep recording cheap.
        if render_mode == "human":
            self.cell = max(8, min(32, 480 // (size + 2)))
        else:
            self.cell = max(6, min(16, 256 // (size + 2)))
        self.margin = max(1, self.cell // 8)
        self.title = title
        self._background = None
        self._surface = None
        self._corners: list[tuple[int, int]] = []
        self._sprites: dict[tuple, Any] = {}
        self._window = None

    def _build(self, pygame: Any) -> None:
        cell, w, m = self.cell, self.size + 2, self.margin
        bg = pygame.Surface((w * cell, w * cell))
        bg.fill(WALL_RGB)
        for r in range(w):
            for c in range(w):
                rect = pygame.Rect(c * cell, r * cell, cell, cell)
                if 1 <= r <= self.size and 1 <= c <= self.size:
                    bg.fill(FLOOR_B_RGB if (r + c) % 2 else FLOOR_A_RGB, rect)
                else:
                    bg.fill(WALL_LIGHT_RGB, rect.inflate(-2 * m, -2 * m))
        self._background = bg
        self._surface = pygame.Surface(bg.get_size())
        n = self.size
        self._corners = [((c + 1) * cell + m, (r + 1) * cell + m) for r in range(n) for c in range(n)]

    def _sprite(self, pygame: Any, key: tuple) -> Any:
        sprite = self._sprites.get(key)
        if sprite is not None:
            return sprite
        cell, m = self.cell, self.margin
        inner = cell - 2 * m
        kind = key[0]
        if kind == "bar":  # a segment and the joint to its neighbour
            _, colour, vertical = key
            sprite = pygame.Surface((inner, inner + cell) if vertical else (inner + cell, inner))
            sprite.fill(colour)
            self._sprites[key] = sprite
            return sprite
        sprite = pygame.Surface((cell, cell) if kind == "food" else (inner, inner))
        sprite.fill(self._KEY)
        sprite.set_colorkey(self._KEY)
        if kind == "food":
            centre, radius = (cell // 2, cell // 2 + m // 2), max(2, inner // 2)
            pygame.draw.circle(sprite, FOOD_RGB, centre, radius)
            pygame.draw.circle(
                sprite,
                (255, 190, 190),
                (centre[0] - radius // 3, centre[1] - radius // 3),
                max(1, radius // 4),
            )
            pygame.draw.ellipse(
                sprite, LEAF_RGB, pygame.Rect(cell // 2, 0, max(2, cell // 3), max(2, cell // 4))
            )
        elif kind == "tail":
            pygame.draw.rect(sprite, key[1], sprite.get_rect(), border_radius=max(1, cell // 3))
        else:  # head: rounded, with eyes looking along the heading
            _, colour, heading = key
            pygame.draw.rect(sprite, colour, sprite.get_rect(), border_radius=max(2, cell // 3))
            dx, dy = ((0, -1), (1, 0), (0, 1), (-1, 0))[heading]
            cx = cy = inner // 2
            q = max(2, inner // 4)
            for side in (-1, 1):
                ex, ey = cx + dx * q - dy * side * q, cy + dy * q + dx * side * q
                pygame.draw.circle(sprite, (245, 245, 245), (ex, ey), max(1, (2 * q) // 3))
                pygame.draw.circle(sprite, (20, 20, 30), (ex + dx, ey + dy), max(1, q // 3))
        self._sprites[key] = sprite
        return sprite

    def draw(self, snakes: list[tuple[list[int], int, dict]], foods: list[int]) -> Any:
        """``snakes``: (interior cells head first, heading, style); ``foods``: interior cells."""
        from envs.render import import_pygame

        pygame = import_pygame()
        if self._surface is None:
            self._build(pygame)
        surf, corners, m = self._surface, self._corners, self.margin
        blit, sprite = surf.blit, self._sprite
        blit(self._background, (0, 0))
        for food in foods:
            x, y = corners[food]
            blit(sprite(pygame, ("food",)), (x - m, y - m))
        for cells, heading, style in snakes:
            body, stripe = style["body"], style["stripe"]
            bars = {
                key: sprite(pygame, ("bar", colour, vertical))
                for colour in (body, stripe)
                for vertical in (False, True)
                for key in [(colour, vertical)]
            }
            for j in range(len(cells) - 1, 0, -1):  # stripes: alternate shades along the body
                (ax, ay), (bx, by) = corners[cells[j]], corners[cells[j - 1]]
                colour = body if j % 2 else stripe
                if ay == by:
                    blit(bars[(colour, False)], (min(ax, bx), ay))
                else:
                    blit(bars[(colour, True)], (ax, min(ay, by)))
            if len(cells) > 1:
                tail = body if (len(cells) - 1) % 2 else stripe
                blit(sprite(pygame, ("tail", tail)), corners[cells[-1]])
            if cells:
                blit(sprite(pygame, ("head", style["head"], heading)), corners[cells[0]])
        return surf

    def show(self, surface: Any, fps: int) -> None:
        from envs.render import Window

        if self._window is None:
            self._window = Window(self.title, fps)
        self._window.show(surface)

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None


# --------------------------------------------------------------------------------------------------------------
# Single game
# --------------------------------------------------------------------------------------------------------------


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
    draw), the same draws ``SnakeVectorEnv`` makes, so both versions give identical games under one seed.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": RENDER_FPS}

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        size: int = 12,
        max_steps: int | None = None,
        starvation_steps: int | None = None,
    ) -> None:
        self.size = _check_common(render_mode, obs_type, size, self.metadata["render_modes"])
        n = self.size
        self.max_steps = check_int("max_steps", 100 * n * n if max_steps is None else max_steps, 1)
        self.starvation_steps = check_int(
            "starvation_steps", 4 * n * n if starvation_steps is None else starvation_steps, 1
        )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.action_space = spaces.Discrete(4)
        if obs_type == "vector":
            self.observation_space = spaces.Box(0, 1, (N_CHANNELS, n, n), np.uint8)
        else:
            side = (n + 2) * _pixel_scale(n)
            self.observation_space = spaces.Box(0, 255, (side, side, 3), np.uint8)

        self._w, self._delta, pad2obs, self._board = _padded_tables(n)
        self._pad2obs = pad2obs.tolist()
        self._obs2pad = _interior_to_padded(n).tolist()
        self._floor = _checker(n)
        self._nn = n * n
        self._rmask = (1 << (n * n - 1).bit_length()) - 1  # ring buffer size: a power of two >= n*n
        self._codes = bytearray(self._board.tobytes())
        self._path = [0] * (self._rmask + 1)
        self._obs = np.zeros((N_CHANNELS, n, n), dtype=np.uint8)
        self._obs_flat = self._obs.reshape(-1)
        self._key: int | None = None
        self._counter = 0
        self._head = self._dir = self._t = self._length = self._steps = self._since_food = 0
        self._over = True
        self._renderer: _BoardRenderer | None = None

    # -- gymnasium API ----------------------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._key, self._counter = rng.key_from_seed(seed), 0
        elif self._key is None:
            self._key, self._counter = rng.key_from_seed(int(self.np_random.integers(2**63))), 0
        n = self.size
        bits = rng.draw(self._key, self._counter)  # one draw: heading, head row, head column
        self._counter += 1
        d = bits & 3
        hr = 2 + (bits >> 8) % (n - 4)
        hc = 2 + (bits >> 32) % (n - 4)
        w, delta = self._w, self._delta
        head = (hr + 1) * w + hc + 1
        b1 = head - delta[d]
        b2 = b1 - delta[d]
        codes = self._codes
        codes[:] = self._board.tobytes()
        codes[b2] = codes[b1] = BODY + d
        codes[head] = HEAD
        obs, p2o, nn = self._obs_flat, self._pad2obs, self._nn
        obs[:] = 0
        obs[(1 + d) * nn + p2o[b2]] = 1
        obs[(1 + d) * nn + p2o[b1]] = 1
        obs[p2o[head]] = 1
        self._path[0], self._path[1], self._path[2] = b2, b1, head
        self._head, self._dir, self._t, self._length = head, d, 2, START_LENGTH
        self._steps = self._since_food = 0
        self._over = False
        self._place_food()
        if self.render_mode == "human":
            self._show()
        return self._observation(), self._info(False)

    def step(self, action: Any):
        a = action if type(action) is int and 0 <= action < 4 else _coerce_action(action, self.action_space)
        if self._over:
            raise RuntimeError("SnakeEnv: the episode has ended; call reset() before step()")
        d = self._dir
        illegal = (a ^ d) == 2
        if illegal:
            a = d
        codes, head = self._codes, self._head
        q = head + self._delta[a]
        cq = codes[q]
        t, length, path = self._t, self._length, self._path
        tail = path[(t - length + 1) & self._rmask]
        self._steps += 1
        terminated = False
        if cq >= WALL and q != tail:
            reward, terminated = -1.0, True
        else:
            obs, p2o, nn = self._obs_flat, self._pad2obs, self._nn
            eat = cq == FOOD
            if eat:
                obs[FOOD_CHANNEL * nn + p2o[q]] = 0
            else:
                obs[(codes[tail] - HEAD) * nn + p2o[tail]] = 0
                codes[tail] = EMPTY
            po = p2o[head]
            codes[head] = BODY + a
            obs[po] = 0
            obs[(1 + a) * nn + po] = 1
            codes[q] = HEAD
            obs[p2o[q]] = 1
            t += 1
            path[t & self._rmask] = q
            self._t, self._head, self._dir = t, q, a
            if eat:
                self._length = length + 1
                self._since_food = 0
                reward = 1.0
                terminated = not self._place_food()
            else:
                self._since_food += 1
                reward = 0.0
        truncated = not terminated and (
            self._steps >= self.max_steps or self._since_food >= self.starvation_steps
        )
        self._over = terminated or truncated
        if self.render_mode == "human":
            self._show()
        return self._observation(), reward, terminated, truncated, self._info(illegal)

    def action_masks(self) -> np.ndarray:
        """Legal actions (read-only bool array of shape (4,)): all but reversing into the neck."""
        return _MASK_ROWS[self._dir]

    def render(self):
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

    def _place_food(self) -> bool:
        """Put the food on a uniformly random free cell; False when the board is full (no draw made then).

        Rejection sampling (draw an interior cell, retry if taken, at most ``FOOD_TRIES`` times) and then the
        k-th free cell: cheap for the batched version, where the cumsum over the board is the rare path.
        """
        if self._length >= self._nn:
            return False
        key, codes, nn = self._key, self._codes, self._nn
        for _ in range(FOOD_TRIES):
            cell = self._obs2pad[rng.draw(key, self._counter) % nn]
            self._counter += 1
            if codes[cell] == EMPTY:
                break
        else:
            free = np.flatnonzero(np.frombuffer(codes, dtype=np.uint8) == EMPTY)
            cell = int(free[rng.draw(key, self._counter) % len(free)])
            self._counter += 1
        codes[cell] = FOOD
        self._obs_flat[FOOD_CHANNEL * nn + self._pad2obs[cell]] = 1
        return True

    def _observation(self) -> np.ndarray:
        if self.obs_type == "vector":
            return self._obs.copy()
        return _pixels(np.frombuffer(self._codes, dtype=np.uint8), self._floor, _PALETTE, self.size)

    def _info(self, illegal: bool) -> dict[str, Any]:
        return {
            "length": self._length,
            "score": self._length - START_LENGTH,
            "action_mask": _MASK_ROWS[self._dir],
            "illegal_action": illegal,
        }

    def snake_cells(self) -> list[int]:
        """The snake's interior cells (``row * size + col``), head first."""
        p2o, path, m = self._pad2obs, self._path, self._rmask
        return [p2o[path[(self._t - j) & m]] for j in range(self._length)]

    def draw_surface(self) -> Any:
        """The current frame as a pygame ``Surface``: the env's own off-screen surface, redrawn now, not a copy
        (blit or copy it before the next step). For apps that show the game in their own window."""
        return self._draw()

    def _draw(self) -> Any:
        if self._renderer is None:
            self._renderer = _BoardRenderer(self.size, "ArcadeLab Snake", self.render_mode)
        codes = self._codes
        foods = [self._pad2obs[i] for i, v in enumerate(codes) if v == FOOD]
        return self._renderer.draw([(self.snake_cells(), self._dir, SNAKE_STYLES[0])], foods)

    def _show(self) -> None:
        surface = self._draw()
        self._renderer.show(surface, self.metadata["render_fps"])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_renderer"] = None
        del state["_obs_flat"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._obs_flat = self._obs.reshape(-1)


# --------------------------------------------------------------------------------------------------------------
# Batched single game
# --------------------------------------------------------------------------------------------------------------


class SnakeVectorEnv(VectorEnv):
    """``num_envs`` Snake games stepped together with numpy (no Python loop over envs).

    Same rules, spaces, rewards and arguments as ``SnakeEnv`` (see its manual); ``action_space`` is
    ``MultiDiscrete([4] * num_envs)``. State is arrays with a leading env axis: padded code boards, and per env
    the head and tail cells, heading and length. No body deque: a body code stores the direction of the next
    segment, so the tail advances by reading its own cell. Food goes on a random free cell drawn per env from
    ``envs/rng.py`` exactly as ``SnakeEnv`` draws it (rejection sampling, then cumsum + argmax over the free
    cells for the rare env that missed ``FOOD_TRIES`` times).

    Seeding: ``reset(seed=s)`` seeds env ``i`` with ``s + i`` (a list seeds each env with its entry); env ``i``
    then replays ``SnakeEnv().reset(seed=s + i)`` exactly, including the episodes after each autoreset
    (``SnakeEnv.reset()`` without a seed continues the same random stream).

    Autoreset: ``AutoresetMode.NEXT_STEP`` (Gymnasium's default). The step that ends an episode returns its
    real last observation with ``terminated``/``truncated`` set; the next ``step`` resets that env (its action
    is ignored) and returns the first observation of the new episode with reward 0 and both flags False.

    Partial reset: ``reset(options={"reset_mask": mask})`` resets only the masked envs (as Gymnasium's
    ``SyncVectorEnv`` does; ``supports_reset_mask = True`` tells ``training/vec_env.py``), e.g. right after they
    finished, so no reset step is spent on them. Their new games come from the same per-env random streams as an
    autoreset; the other envs are untouched. No Python loop over envs either.

    Observations: by default each call returns a fresh ``(num_envs, 6, size, size)`` uint8 array, as Gymnasium's
    vector envs do. ``copy=False`` returns the env's own buffer instead, updated in place by the next ``step``:
    faster at large batches (copying 3.5 MB per step at 4096 envs is about a third of the step), safe for a
    trainer that copies into its rollout buffer at once, wrong for one that keeps references.

    Speed: a step is a fixed number of numpy calls over the env axis: gathers/scatters at flat indices into one
    code array and one observation array (four observation bits and two codes change per env), lookup tables
    indexed by ``4 * heading + action`` or by a code, and the rare cases (envs that die, restart or eat) as
    small index arrays. Envs that must not move take a "stay" turn instead of a separate code path.
    ``infos`` holds per-env arrays ``length``, ``score``, ``illegal_action`` and ``action_mask``
    (``(num_envs, 4)``); every env has every key, so there are no ``_key`` masks. Rendering is numpy frames only
    (``render()``), no pygame ``draw_surface()``.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["rgb_array"],
        "render_fps": RENDER_FPS,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }
    supports_reset_mask = True  # reset(options={"reset_mask": mask}) resets only those envs

    def __init__(
        self,
        num_envs: int = 1,
        size: int = 12,
        max_steps: int | None = None,
        starvation_steps: int | None = None,
        obs_type: str = "vector",
        render_mode: str | None = None,
        copy: bool = True,
    ) -> None:
        self.num_envs = check_int("num_envs", num_envs, 1)
        self.size = _check_common(render_mode, obs_type, size, self.metadata["render_modes"])
        n = self.size
        self.max_steps = check_int("max_steps", 100 * n * n if max_steps is None else max_steps, 1)
        self.starvation_steps = check_int(
            "starvation_steps", 4 * n * n if starvation_steps is None else starvation_steps, 1
        )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.copy = bool(copy)
        self.single_action_space = spaces.Discrete(4)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        if obs_type == "vector":
            self.single_observation_space = spaces.Box(0, 1, (N_CHANNELS, n, n), np.uint8)
        else:
            side = (n + 2) * _pixel_scale(n)
            self.single_observation_space = spaces.Box(0, 255, (side, side, 3), np.uint8)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)

        e, nn = self.num_envs, n * n
        w, delta, self._pad2obs, self._board = _padded_tables(n)
        self._w, self._nn, self._cells = w, nn, w * w
        self._obs2pad = _interior_to_padded(n)
        self._floor = _checker(n)
        delta_obs = [-n, 1, n, -1]
        # Per-turn tables, indexed by ``turn = 4 * heading + action``; a reverse keeps going straight. Turns
        # ``16 + 4 * heading`` (any action bits) are "stay": the snake keeps its cells and its head is rewritten
        # as it was, so envs that must not move take the same code path as the others.
        move = [d if (a ^ d) == 2 else a for d in range(4) for a in range(4)]
        stay = [d for d in range(4) for _ in range(4)]
        self._move4_of = np.array([4 * m for m in move + stay], dtype=np.intp)  # new heading, times 4
        self._step_of = np.array([delta[m] for m in move] + [0] * 16, dtype=np.intp)  # padded board
        self._step_obs_of = np.array([delta_obs[m] for m in move] + [0] * 16, dtype=np.intp)  # obs plane
        self._neck_plane_of = np.array([(1 + m) * nn for m in move] + [0] * 16, dtype=np.intp)
        self._neck_code_of = np.array([BODY + m for m in move] + [HEAD] * 16, dtype=np.uint8)
        self._illegal_of = np.array([(a ^ d) == 2 for d in range(4) for a in range(4)], dtype=bool)
        # Per-code tables for the tail cell (a body code; EMPTY stands for "the tail stays").
        self._tail_step_of = np.zeros(256, dtype=np.intp)
        self._tail_step_of[BODY : BODY + 4] = delta
        self._tail_step_obs_of = np.zeros(256, dtype=np.intp)
        self._tail_step_obs_of[BODY : BODY + 4] = delta_obs
        self._tail_plane_of = np.zeros(256, dtype=np.intp)
        self._tail_plane_of[BODY : BODY + 4] = (1 + np.arange(4)) * nn
        # A new snake heading d: its (head, neck, tail) cells relative to the head, their codes and obs bits, as
        # flat (3, 4) tables: entry [k, d] at 4 * k + d (batched code keeps the short axis first: numpy is slow
        # on many short rows).
        ahead = range(4)
        self._start_cells = np.array(
            [0] * 4 + [-delta[d] for d in ahead] + [-2 * delta[d] for d in ahead], dtype=np.intp
        )
        self._start_codes = np.array([HEAD] * 4 + [BODY + d for d in ahead] * 2, dtype=np.uint8)
        self._start_bits = np.array(
            [0] * 4
            + [(1 + d) * nn - delta_obs[d] for d in ahead]
            + [(1 + d) * nn - 2 * delta_obs[d] for d in ahead],
            dtype=np.intp,
        )
        self._start_tail_obs = np.array([-2 * delta_obs[d] for d in ahead], dtype=np.intp)
        self._rows3 = np.array([[0], [4], [8]], dtype=np.intp)  # + heading: the flat index of [k, heading]
        # Row d of the mask table as one 4-byte word, at index 4 * d (headings are stored times 4).
        self._mask_words = np.zeros(16, dtype=np.uint32)
        self._mask_words[::4] = _MASKS.view(np.uint32).ravel()
        self._three_draws = np.arange(3, dtype=np.int64)[:, None]
        self._no_envs = np.zeros(0, dtype=np.intp)

        self._codes = np.zeros(e * self._cells, dtype=np.uint8)
        self._codes2d = self._codes.reshape(e, self._cells)
        self._obs_flat = np.zeros(e * N_CHANNELS * nn, dtype=np.uint8)
        self._obs = self._obs_flat.reshape(e, N_CHANNELS, n, n)
        envs = np.arange(e, dtype=np.intp)
        self._code_off = envs * self._cells
        self._obs_off = envs * (N_CHANNELS * nn)
        # Head and tail as flat indices into ``_codes`` (padded cells) and into ``_obs_flat`` (plane 0).
        self._head = np.zeros(e, dtype=np.intp)
        self._head_obs = np.zeros(e, dtype=np.intp)
        self._tail = np.zeros(e, dtype=np.intp)
        self._tail_obs = np.zeros(e, dtype=np.intp)
        self._dir4 = np.zeros(e, dtype=np.intp)  # heading times 4: ``dir4 | action`` indexes the turn tables
        self._length = np.zeros(e, dtype=np.intp)
        self._left = np.zeros(e, dtype=np.intp)  # steps until truncation (max_steps or starvation)
        self._last = np.zeros(e, dtype=np.intp)  # value of ``_t`` at which max_steps truncates the episode
        self._t = 0  # step() calls so far
        self._done = np.zeros(e, dtype=bool)
        self._keys: np.ndarray | None = None
        self._counters = np.zeros(e, dtype=np.int64)

    @property
    def _dir(self) -> np.ndarray:
        """Heading per env (0 up, 1 right, 2 down, 3 left)."""
        return self._dir4 >> 2

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None):
        """Reset every env, or with ``options={"reset_mask": mask}`` (a ``(num_envs,)`` bool array) only the
        masked envs, as Gymnasium's ``SyncVectorEnv`` does: the other envs keep their state and random streams
        (their rows of the returned observation are unchanged), and the next ``step`` steps them as usual.

        A reset env draws its new game from its own stream exactly as a NEXT_STEP autoreset would, so env ``i``
        still equals a ``SnakeEnv`` that calls ``reset()`` at the same moment. ``seed`` keys env ``i`` with
        ``seed + i`` (or ``seed[i]`` for a list); with a mask only the masked envs are re-keyed. The first reset
        starts every env whatever the mask.
        """
        e = self.num_envs
        rows = None  # None: every env
        if options and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"])
            if mask.shape != (e,) or mask.dtype != np.bool_:
                raise ValueError(
                    f"options['reset_mask'] must be a bool array of shape ({e},), got {options['reset_mask']!r}"
                )
            if self._keys is not None:
                rows = mask.nonzero()[0]
        if seed is not None:
            seeds = (
                np.arange(e, dtype=np.int64) + seed if np.isscalar(seed) else np.asarray(seed, dtype=np.int64)
            )
            if seeds.shape != (e,):
                raise ValueError(f"seed must be an int or a list of {e} ints, got {seed!r}")
            if rows is None:
                self._keys = rng.key_from_seed_array(seeds)
                self._counters[:] = 0
            else:
                self._keys[rows] = rng.key_from_seed_array(seeds[rows])
                self._counters[rows] = 0
        elif self._keys is None:
            base = int(np.random.default_rng().integers(2**62))
            self._keys = rng.key_from_seed_array(np.arange(e, dtype=np.int64) + base)
            self._counters[:] = 0
        if rows is None:
            self._respawn(np.arange(e, dtype=np.intp), self._no_envs)
            self._done[:] = False
        elif len(rows):
            self._respawn(rows, self._no_envs)
            self._done[rows] = False
        return self._observation(), self._infos(np.zeros(e, dtype=bool))

    def step(self, actions: Any):
        if self._keys is None:
            raise RuntimeError("SnakeVectorEnv: call reset() before step()")
        a = np.asarray(actions)
        # One reduction checks the range: OR-ing ints is negative if any is, and > 3 if any is.
        if a.shape != (self.num_envs,) or a.dtype.kind not in "iu" or not 0 <= np.bitwise_or.reduce(a) <= 3:
            raise ValueError(
                f"actions must be {self.num_envs} ints in {self.single_action_space}, got {actions!r}"
            )
        if a.dtype != np.intp:
            a = a.astype(np.intp)
        # Every env moves with a handful of gathers, four obs scatters and two code scatters. Envs whose snake
        # must not move (it dies now, or the env only restarts this step) take the "stay" turn, which rewrites
        # their head as it was; envs that eat keep their tail.
        self._t += 1
        codes, obs, nn = self._codes, self._obs_flat, self._nn
        pending = self._done
        head, head_obs, tail = self._head, self._head_obs, self._tail
        turn = self._dir4 | a
        q = head + self._step_of.take(turn)
        tail_code = codes.take(tail).astype(np.intp)
        codes[tail] = EMPTY  # the tail leaves first, so the head may enter its cell
        cq = codes.take(q)
        illegal = self._illegal_of.take(turn)
        die = cq >= WALL
        frozen = (die | pending).nonzero()[0]
        restart = self._no_envs
        if len(frozen):
            turn[frozen] |= 16
            q[frozen] = head[frozen]
            codes[tail[frozen]] = tail_code[frozen]
            tail_code[frozen] = EMPTY
            self._left[frozen] = 1 << 30  # never truncated (ended, or restarting with a fresh count)
            restart = frozen[pending[frozen]]
            if len(restart):  # these envs only restart (NEXT_STEP autoreset): nothing they do counts
                cq[restart] = EMPTY
                die[restart] = illegal[restart] = False
        eaters = (cq == FOOD).nonzero()[0]
        if len(eaters):  # growing: the tail stays
            codes[tail[eaters]] = tail_code[eaters]
            tail_code[eaters] = EMPTY
        new_head_obs = head_obs + self._step_obs_of.take(turn)
        # A tail that stays clears plane 0 at its own cell (only the head is ever set there): a no-op.
        obs[self._tail_obs + self._tail_plane_of.take(tail_code)] = 0
        obs[head_obs] = 0
        obs[head_obs + self._neck_plane_of.take(turn)] = 1
        obs[new_head_obs] = 1
        # The new head's own code is written lazily (as the neck code, next step): nothing reads it before
        # then except food placement, which only runs where the head just ate (the cell still reads FOOD), and
        # pixel frames, which write it first (``_mark_heads``).
        codes[head] = self._neck_code_of.take(turn)
        self._tail += self._tail_step_of.take(tail_code)
        self._tail_obs += self._tail_step_obs_of.take(tail_code)
        self._head, self._head_obs, self._dir4 = q, new_head_obs, self._move4_of.take(turn)

        left = self._left
        left -= 1
        terminated = die
        reward = np.subtract(0.0, die, dtype=np.float32)
        fed = eaters
        if len(eaters):
            reward[eaters] = 1.0
            obs[new_head_obs[eaters] + FOOD_CHANNEL * nn] = 0
            length = self._length[eaters] + 1
            self._length[eaters] = length
            left[eaters] = np.minimum(self._last[eaters] - self._t, self.starvation_steps)
            full = length >= nn
            if full.any():  # the food just eaten was the last free cell: a win
                terminated[eaters[full]] = True
                left[eaters[full]] = 1 << 30
                fed = eaters[~full]
        if len(restart) or len(fed):
            self._respawn(restart, fed)
        truncated = left <= 0  # never where terminated (see above)
        self._done = terminated | truncated
        return self._observation(), reward, terminated, truncated, self._infos(illegal)

    def action_masks(self) -> np.ndarray:
        """``(num_envs, 4)`` bool: legal actions per env (all but reversing into the neck)."""
        return self._mask_words.take(self._dir4).view(bool).reshape(self.num_envs, 4)

    def render(self):
        """A tuple with one ``(H, W, 3)`` uint8 frame per env (numpy palette frames, upscaled)."""
        if self.render_mode != "rgb_array":
            return None
        self._mark_heads()
        return tuple(
            np.repeat(np.repeat(_pixels(self._codes2d[i], self._floor, _PALETTE, self.size), 2, 0), 2, 1)
            for i in range(self.num_envs)
        )

    # -- internals ---------------------------------------------------------------------------------------------

    def _respawn(self, restart: np.ndarray, fed: np.ndarray) -> None:
        """New episodes in envs ``restart`` and new food in envs ``fed`` (which just ate), from one batch of draws.

        Draw for draw what ``SnakeEnv`` does: a reset takes one draw for the snake, food takes rejection-sampling
        draws (up to ``FOOD_TRIES``, then the k-th free cell). Three consecutive draws per env are made at once:
        for ``restart`` from its counter (snake, then two food candidates), for ``fed`` from one before its
        counter (the first goes unused). Both food candidates taken is rare and handled one draw at a time.
        Arrays here are ``(k, envs)``: numpy is slow on many short rows.
        """
        r = len(restart)
        idx = restart if not len(fed) else fed if not r else np.concatenate([restart, fed])
        base = self._counters[idx]
        base[r:] -= 1  # an env that ate has drawn at least once (for its snake)
        draws = _draw_array(self._keys[idx], base + self._three_draws)
        if r:
            self._lay_snakes(restart, draws[0, :r])
        spots = (draws[1:] % self._nn).astype(np.intp)  # the two candidates, as interior cells
        cells = self._obs2pad.take(spots)  # and as padded cells
        cells += self._code_off[idx]
        free = self._codes.take(cells) == EMPTY
        first = free[0]
        self._counters[idx] = base + 3 - first  # one food draw used if the first cell was free
        ok = first | free[1]
        cell = np.where(first, cells[0], cells[1])
        spot = np.where(first, spots[0], spots[1])
        if not ok.all():
            self._retry_food(idx[~ok])
            idx, cell, spot = idx[ok], cell[ok], spot[ok]
        self._codes[cell] = FOOD
        spot += self._obs_off[idx]
        self._obs_flat[spot + FOOD_CHANNEL * self._nn] = 1

    def _lay_snakes(self, idx: np.ndarray, bits: np.ndarray) -> None:
        """Fresh boards with a length-3 snake (no food yet) in envs ``idx``, as ``SnakeEnv.reset`` lays them."""
        n, w = self.size, self._w
        self._codes2d[idx] = self._board
        self._obs[idx] = 0
        d = (bits & 3).astype(np.intp)
        hr = (bits >> 8) % (n - 4)  # the head is at (2 + hr, 2 + hc)
        hc = (bits >> 32) % (n - 4)
        head = (hr * w + hc).astype(np.intp)
        head += self._code_off[idx] + (3 * w + 3)
        head_obs = (hr * n + hc).astype(np.intp)
        head_obs += self._obs_off[idx] + (2 * n + 2)
        k = d + self._rows3  # (3, envs): head, neck, tail
        self._codes[head + self._start_cells.take(k)] = self._start_codes.take(k)
        self._obs_flat[head_obs + self._start_bits.take(k)] = 1
        self._head[idx], self._head_obs[idx], self._dir4[idx] = head, head_obs, d << 2
        self._tail[idx] = head + self._start_cells.take(d + 8)
        self._tail_obs[idx] = head_obs + self._start_tail_obs.take(d)
        self._length[idx] = START_LENGTH
        self._left[idx] = min(self.max_steps, self.starvation_steps)
        self._last[idx] = self._t + self.max_steps

    def _retry_food(self, idx: np.ndarray) -> None:
        """Food for envs whose first two candidate cells were taken: the remaining draws, then the k-th cell."""
        nn = self._nn
        for _ in range(FOOD_TRIES - 2):
            if len(idx) == 0:
                return
            draws = rng.draw_array(self._keys[idx], self._counters[idx])
            self._counters[idx] += 1
            cell = self._obs2pad[(draws % nn).astype(np.intp)]
            free = self._codes[self._code_off[idx] + cell] == EMPTY
            self._put_food(idx[free], cell[free])
            idx = idx[~free]
        if len(idx):  # rare: a crowded board missed FOOD_TRIES times; take the k-th free cell
            cumfree = np.cumsum(self._codes2d[idx] == EMPTY, axis=1, dtype=np.intp)
            k = rng.draw_array(self._keys[idx], self._counters[idx]) % cumfree[:, -1].astype(np.uint64)
            self._counters[idx] += 1
            self._put_food(idx, np.argmax(cumfree > k.astype(np.intp)[:, None], axis=1))

    def _put_food(self, idx: np.ndarray, cell: np.ndarray) -> None:
        """Food in envs ``idx`` on padded cells ``cell``."""
        self._codes[self._code_off[idx] + cell] = FOOD
        self._obs_flat[self._obs_off[idx] + FOOD_CHANNEL * self._nn + self._pad2obs[cell]] = 1

    def _observation(self) -> np.ndarray:
        if self.obs_type == "vector":
            return self._obs.copy() if self.copy else self._obs
        self._mark_heads()
        frames = _pixels(self._codes2d, self._floor, _PALETTE, self.size)
        return frames.reshape(self.num_envs, *self.single_observation_space.shape)

    def _mark_heads(self) -> None:
        """Write the head code ``step`` leaves out (see there); needed only to draw the boards."""
        self._codes[self._head] = HEAD

    def _infos(self, illegal: np.ndarray) -> dict[str, np.ndarray]:
        length = self._length.copy()
        return {
            "length": length,
            "score": length - START_LENGTH,
            "action_mask": self.action_masks(),
            "illegal_action": illegal,
        }


# --------------------------------------------------------------------------------------------------------------
# Versus game: rules shared by the Gymnasium and PettingZoo views
# --------------------------------------------------------------------------------------------------------------

VS_CHANNELS = 11  # own head + 4 body planes, other head + 4 body planes, food


class _VersusGame:
    """Two snakes, one food, simultaneous moves. The rules live here and only here.

    A round: each snake moves (a reversing action keeps it straight). Tails of snakes that do not eat this round
    leave their cells first, so chasing a tail is safe. A snake dies when its new head is off the board, or on
    a body cell of either snake (the other snake's old head counts: it becomes that snake's neck), or on the
    same cell as the other new head: then the shorter snake dies, both on equal length. If anyone dies the
    board freezes as it was (nobody moves or eats that round) and the game is over. Otherwise a snake whose
    head reaches the food grows by one and a new food appears on a random free cell; a full board ends the game,
    the longer snake winning.
    """

    def __init__(self, size: int, max_steps: int, starvation_steps: int) -> None:
        self.size = size
        self.max_steps = max_steps
        self.starvation_steps = starvation_steps
        self.snakes: list[deque[int]] = [deque(), deque()]
        self.dirs = [1, 3]
        self.food: int | None = None
        self.steps = 0
        self.since_food = 0
        self.scores = [0, 0]
        self.over = True
        self.dead = (False, False)  # who died in the last round (snake 0, snake 1)
        # Flat obs index of a body cell minus the cell, by (next segment - cell): own snake, then the other.
        nn = size * size
        self._body_planes = tuple(
            {-size: base + nn, 1: base + 2 * nn, size: base + 3 * nn, -1: base + 4 * nn}
            for base in (0, 5 * nn)
        )

    def reset(self, np_random: np.random.Generator) -> None:
        n = self.size
        r = int(np_random.integers(n // 2))  # top half: the two snakes never share a row
        # Point-symmetric start: snake 0 on the left heading right, snake 1 on the right heading left.
        self.snakes = [
            deque([r * n + 2, r * n + 1, r * n]),
            deque([(n - 1 - r) * n + n - 3, (n - 1 - r) * n + n - 2, (n - 1 - r) * n + n - 1]),
        ]
        self.dirs = [1, 3]
        self.steps = self.since_food = 0
        self.scores = [0, 0]
        self.over = False
        self.dead = (False, False)
        self._place_food(np_random)

    def _place_food(self, np_random: np.random.Generator) -> bool:
        """Food on a uniformly random free cell: the k-th free cell, found by stepping over the taken ones."""
        taken = sorted(set(self.snakes[0]) | set(self.snakes[1]))
        free = self.size * self.size - len(taken)
        if not free:
            self.food = None
            return False
        cell = int(np_random.integers(free))
        for t in taken:
            if t > cell:
                break
            cell += 1
        self.food = cell
        return True

    def action_mask(self, who: int) -> np.ndarray:
        return _MASK_ROWS[self.dirs[who]]

    def step(self, actions: tuple[int, int], np_random: np.random.Generator):
        """Play one round; returns (rewards, terminated, truncated, illegal flags, dead flags)."""
        n = self.size
        moves, illegal, new_heads = [], [], []
        for who in (0, 1):
            a, d = actions[who], self.dirs[who]
            bad = (a ^ d) == 2
            a = d if bad else a
            illegal.append(bad)
            moves.append(a)
            r, c = divmod(self.snakes[who][0], n)
            r += (-1, 0, 1, 0)[a]
            c += (0, 1, 0, -1)[a]
            new_heads.append(r * n + c if 0 <= r < n and 0 <= c < n else None)
        eats = [q is not None and q == self.food for q in new_heads]
        occupied = set()
        for who in (0, 1):
            body = self.snakes[who]
            occupied.update(body if eats[who] else list(body)[:-1])
        dead = [q is None or q in occupied for q in new_heads]
        if new_heads[0] is not None and new_heads[0] == new_heads[1]:
            l0, l1 = len(self.snakes[0]), len(self.snakes[1])
            dead[0] = dead[0] or l0 <= l1
            dead[1] = dead[1] or l1 <= l0
        self.steps += 1
        rewards = [0.0, 0.0]
        terminated = False
        if dead[0] or dead[1]:
            terminated = True
            if dead[0] != dead[1]:
                rewards = [-1.0, 1.0] if dead[0] else [1.0, -1.0]
        else:
            for who in (0, 1):
                body = self.snakes[who]
                body.appendleft(new_heads[who])
                self.dirs[who] = moves[who]
                if eats[who]:
                    rewards[who] += 1.0
                    self.scores[who] += 1
                else:
                    body.pop()
            if eats[0] or eats[1]:
                self.since_food = 0
                if not self._place_food(np_random):
                    terminated = True
                    l0, l1 = len(self.snakes[0]), len(self.snakes[1])
                    if l0 != l1:
                        rewards[0] += 1.0 if l0 > l1 else -1.0
                        rewards[1] += 1.0 if l1 > l0 else -1.0
            else:
                self.since_food += 1
        truncated = not terminated and (
            self.steps >= self.max_steps or self.since_food >= self.starvation_steps
        )
        self.over = terminated or truncated
        self.dead = (dead[0], dead[1])
        return rewards, terminated, truncated, illegal, dead

    # -- observations ------------------------------------------------------------------------------------------

    def vector_obs(self, who: int) -> np.ndarray:
        n = self.size
        nn = n * n
        flat = np.zeros(VS_CHANNELS * nn, dtype=np.uint8)
        index = []
        for k, body in enumerate((self.snakes[who], self.snakes[1 - who])):
            if body:
                plane = self._body_planes[k]
                cells = list(body)
                index.append(5 * k * nn + cells[0])
                index += [plane[b - a] + a for a, b in zip(cells[1:], cells)]  # a's next segment is b
        if self.food is not None:
            index.append(10 * nn + self.food)
        flat[index] = 1
        return flat.reshape(VS_CHANNELS, n, n)

    def pixel_obs(self, who: int) -> np.ndarray:
        n = self.size
        _, _, _, display = _padded_tables(n)
        to_padded = _interior_to_padded(n)
        if self.food is not None:
            display[to_padded[self.food]] = FOOD
        for code, body in ((3, self.snakes[who]), (5, self.snakes[1 - who])):
            cells = to_padded[list(body)]
            if len(cells):
                display[cells[1:]] = code + 1
                display[cells[0]] = code
        return _pixels(display, _checker(n), _VS_PALETTE, n)

    def observation(self, who: int, obs_type: str) -> np.ndarray:
        return self.vector_obs(who) if obs_type == "vector" else self.pixel_obs(who)

    def info(self, who: int) -> dict[str, Any]:
        dead = self.dead
        return {
            "length": len(self.snakes[who]),
            "score": self.scores[who],
            "opponent_length": len(self.snakes[1 - who]),
            "heading": self.dirs[who],
            "dead": dead if who == 0 else (dead[1], dead[0]),
            "action_mask": self.action_mask(who),
        }

    def draw(self, renderer: _BoardRenderer) -> Any:
        snakes = [(list(self.snakes[k]), self.dirs[k], SNAKE_STYLES[k]) for k in (0, 1)]
        return renderer.draw(snakes, [] if self.food is None else [self.food])


def _interior_to_padded(n: int) -> np.ndarray:
    r, c = np.divmod(np.arange(n * n), n)
    return (r + 1) * (n + 2) + c + 1


def _step_direction(n: int, a: int, b: int) -> int:
    """Direction from cell ``a`` to its neighbour ``b``."""
    diff = b - a
    return 0 if diff == -n else 1 if diff == 1 else 2 if diff == n else 3


def _versus_spaces(size: int, obs_type: str) -> tuple[spaces.Discrete, spaces.Box]:
    if obs_type == "vector":
        return spaces.Discrete(4), spaces.Box(0, 1, (VS_CHANNELS, size, size), np.uint8)
    side = (size + 2) * _pixel_scale(size)
    return spaces.Discrete(4), spaces.Box(0, 255, (side, side, 3), np.uint8)


class _RandomOpponent:
    """Uniform over the legal moves, drawn from the env's own ``np_random`` (so a seed fixes its play)."""

    name = "random"

    def __init__(self, env: SnakeVersusEnv) -> None:
        self._env = env

    def act(self, obs: Any, info: dict[str, Any]) -> int:
        legal = np.flatnonzero(info["action_mask"])
        return int(legal[self._env.np_random.integers(len(legal))])

    def reset(self) -> None:
        pass


OPPONENTS = ("greedy", "random")


class _VersusRendering:
    """Drawing shared by the two views of the versus game (``self._game``, ``self.size``, ``self.render_mode``)."""

    _renderer: Any = None

    def render(self):
        if self.render_mode == "rgb_array":
            from envs.render import surface_to_rgb

            return surface_to_rgb(self._draw())
        if self.render_mode == "human":
            self._show()
        return None

    def draw_surface(self) -> Any:
        """The current frame as a pygame ``Surface``: the env's own off-screen surface, redrawn now, not a copy
        (blit or copy it before the next step). For apps that show the game in their own window."""
        return self._draw()

    def _draw(self) -> Any:
        if self._renderer is None:
            self._renderer = _BoardRenderer(self.size, "ArcadeLab Snake versus", self.render_mode)
        return self._game.draw(self._renderer)

    def _show(self) -> None:
        surface = self._draw()
        self._renderer.show(surface, self.metadata["render_fps"])

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_renderer"] = None
        return state


class SnakeVersusEnv(_VersusRendering, gym.Env):
    """Two snakes on one board; you steer snake 0, an ``opponent`` steers snake 1.

    ## Description
    A ``size`` x ``size`` walled grid with two snakes (length 3) and one food. Both snakes move at once each
    step. Rules (fair: symmetric in the two snakes): tails of snakes that do not eat leave their cells first; a
    snake dies on a wall, on any body cell of either snake (the other snake's current head counts, since it
    becomes that snake's neck, so two heads swapping cells both die), or on the cell the other head also
    enters, where the shorter snake dies and equal lengths both die. When anyone dies the board freezes (no
    one moves or eats that step). A snake reaching the food grows by one; new food appears on a random free
    cell.

    ## Action Space
    ``Discrete(4)``: 0 up, 1 right, 2 down, 3 left; reversing is masked (``action_masks()``,
    ``info["action_mask"]``) and, stepped anyway, keeps the snake straight with ``info["illegal_action"]``.

    ## Observation Space
    ``"vector"``: ``Box(0, 1, (11, size, size), uint8)`` from the player's own perspective: planes 0-4 own
    head and own body (direction planes as in ``SnakeEnv``), 5-9 the other snake likewise, 10 food. The
    opponent gets the same layout with the snakes swapped, so one policy can play either side.
    ``"pixels"``: ``(H, H, 3)`` uint8 as ``SnakeEnv``, own snake green, the other blue.

    ## Rewards
    +1 per food eaten; at the end +1 if the other snake died and yours did not, -1 if yours died and the other
    did not, 0 when both died or on truncation. A full board (no free cell left for food) ends the game: the
    longer snake gets +1, the shorter -1.

    ## Starting State
    Point-symmetric: snake 0 along a random row on the left heading right, snake 1 on the mirrored row on the
    right heading left; the food on a random free cell.

    ## Episode End
    Terminated when a snake dies (or both) or the board is full. Truncated after ``max_steps`` steps (default
    ``50 * size * size``) or ``starvation_steps`` steps in which no snake ate (default ``4 * size * size``).

    ## Arguments
    ``size`` (int >= 5, default 12); ``opponent``: ``"greedy"`` (default, the greedy-safe planner of
    ``envs/snake_planner.py``), ``"random"`` (uniform legal moves, from the env's seed) or any object with
    ``act(obs, info)`` and ``reset()`` (it receives its own-perspective observation of ``obs_type`` and an
    ``info`` with its ``action_mask``); ``max_steps``; ``starvation_steps``; ``obs_type``; ``render_mode``.
    ``info`` carries ``length`` and ``opponent_length`` (the snakes' lengths), ``score`` (food eaten),
    ``heading`` (the own snake's direction, 0-3 as the actions), ``dead`` (``(own, other)``: which snakes died
    this step; both False after ``reset`` and on steps nobody died, so a terminated step with no death is a full
    board), ``action_mask``, ``illegal_action``.
    ``draw_surface()`` gives the current frame as a pygame ``Surface`` (for apps with their own window).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": RENDER_FPS}

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        size: int = 12,
        opponent: Any = "greedy",
        max_steps: int | None = None,
        starvation_steps: int | None = None,
    ) -> None:
        self.size = _check_common(render_mode, obs_type, size, self.metadata["render_modes"])
        n = self.size
        self.max_steps = check_int("max_steps", 50 * n * n if max_steps is None else max_steps, 1)
        self.starvation_steps = check_int(
            "starvation_steps", 4 * n * n if starvation_steps is None else starvation_steps, 1
        )
        if isinstance(opponent, str):
            if opponent not in OPPONENTS:
                raise ValueError(
                    f"opponent must be one of {OPPONENTS} or an object with act(obs, info), got {opponent!r}"
                )
        elif not callable(getattr(opponent, "act", None)):
            raise ValueError(  # noqa: TRY004 - the env contract: every bad constructor argument is a ValueError
                f"opponent must be one of {OPPONENTS} or an object with act(obs, info), got {opponent!r}"
            )
        self.opponent = opponent
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.action_space, self.observation_space = _versus_spaces(n, obs_type)
        self._game = _VersusGame(n, self.max_steps, self.starvation_steps)
        self._renderer: _BoardRenderer | None = None
        self._player = self._make_opponent()

    def _make_opponent(self) -> Any:
        if self.opponent == "greedy":
            return GreedySnakePolicy()
        if self.opponent == "random":
            return _RandomOpponent(self)
        return self.opponent

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._game.reset(self.np_random)
        if hasattr(self._player, "reset"):
            self._player.reset()
        if self.render_mode == "human":
            self._show()
        return self._game.observation(0, self.obs_type), self._info(False)

    def step(self, action: Any):
        a = _coerce_action(action, self.action_space)
        if self._game.over:
            raise RuntimeError("SnakeVersusEnv: the episode has ended; call reset() before step()")
        game = self._game
        if type(self._player) is GreedySnakePolicy:
            # What ``act`` would read back from the vector observation, without building and parsing it.
            own, other = game.snakes[1], game.snakes[0]
            b = choose_move(self.size, list(own), game.food, [list(other)] if other else []) if own else 0
        else:
            # The greedy planner reads vector observations whatever this env's obs_type.
            opp_obs_type = "vector" if isinstance(self._player, GreedySnakePolicy) else self.obs_type
            opp_action = self._player.act(game.observation(1, opp_obs_type), game.info(1))
            try:
                b = _coerce_action(opp_action, self.action_space)
            except ValueError as err:
                raise ValueError(f"opponent {self._player!r} returned an invalid action: {err}") from None
        rewards, terminated, truncated, illegal, _ = self._game.step((a, b), self.np_random)
        if self.render_mode == "human":
            self._show()
        return (
            self._game.observation(0, self.obs_type),
            rewards[0],
            terminated,
            truncated,
            self._info(illegal[0]),
        )

    def action_masks(self) -> np.ndarray:
        return self._game.action_mask(0)

    def _info(self, illegal: bool) -> dict[str, Any]:
        info = self._game.info(0)
        info["illegal_action"] = illegal
        return info


class SnakeVersusParallelEnv(_VersusRendering, ParallelEnv):
    """The versus game for two learners: a PettingZoo ``ParallelEnv`` with agents ``snake_0`` and ``snake_1``.

    Same rules, rewards and arguments as ``SnakeVersusEnv`` (both run ``_VersusGame``), minus ``opponent``.
    Each agent observes from its own perspective (its snake in planes 0-4); ``infos[agent]`` has the same keys
    as ``SnakeVersusEnv``'s info, from that agent's side (``dead`` is ``(own, other)``, ``length`` its own
    snake's), and ``action_mask`` gives its legal moves. When the game ends both agents are done and ``agents``
    becomes empty. ``draw_surface()`` gives the current frame as a pygame ``Surface``.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["human", "rgb_array"],
        "render_fps": RENDER_FPS,
        "name": "snake_versus_v0",
    }

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        size: int = 12,
        max_steps: int | None = None,
        starvation_steps: int | None = None,
    ) -> None:
        self.size = _check_common(render_mode, obs_type, size, self.metadata["render_modes"])
        n = self.size
        self.max_steps = check_int("max_steps", 50 * n * n if max_steps is None else max_steps, 1)
        self.starvation_steps = check_int(
            "starvation_steps", 4 * n * n if starvation_steps is None else starvation_steps, 1
        )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.possible_agents = ["snake_0", "snake_1"]
        self.agents: list[str] = []
        action_space, observation_space = _versus_spaces(n, obs_type)
        self.observation_spaces = {a: observation_space for a in self.possible_agents}
        self.action_spaces = {a: action_space for a in self.possible_agents}
        self._game = _VersusGame(n, self.max_steps, self.starvation_steps)
        self._np_random, _ = seeding.np_random(None)
        self._renderer: _BoardRenderer | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._np_random, _ = seeding.np_random(seed)
        self._game.reset(self._np_random)
        self.agents = list(self.possible_agents)
        if self.render_mode == "human":
            self._show()
        observations = {
            a: self._game.observation(k, self.obs_type) for k, a in enumerate(self.possible_agents)
        }
        infos = {a: self._info(k, False) for k, a in enumerate(self.possible_agents)}
        return observations, infos

    def step(self, actions: dict[str, Any]):
        if not self.agents:
            raise RuntimeError("SnakeVersusParallelEnv: the game has ended; call reset() before step()")
        missing = [a for a in self.possible_agents if a not in actions]
        if missing:
            raise ValueError(f"actions needed for every agent, missing {missing}")
        chosen = tuple(_coerce_action(actions[a], self.action_spaces[a]) for a in self.possible_agents)
        rewards, terminated, truncated, illegal, _ = self._game.step(chosen, self._np_random)
        agents = self.possible_agents
        observations = {a: self._game.observation(k, self.obs_type) for k, a in enumerate(agents)}
        infos = {a: self._info(k, illegal[k]) for k, a in enumerate(agents)}
        result = (
            observations,
            {a: rewards[k] for k, a in enumerate(agents)},
            dict.fromkeys(agents, terminated),
            dict.fromkeys(agents, truncated),
            infos,
        )
        if terminated or truncated:
            self.agents = []
        if self.render_mode == "human":
            self._show()
        return result

    def _info(self, who: int, illegal: bool) -> dict[str, Any]:
        info = self._game.info(who)
        info["illegal_action"] = illegal
        return info
