"""Snake versus, the single-agent view: ``SnakeVersusEnv`` (you steer snake 0, an ``opponent`` snake 1), and the
one-board game object ``VersusGame`` both single-board views (this and ``SnakeVersusParallelEnv``) step.

The rules are the compiled kernels of ``versus_core``; with the default greedy opponent a step is one kernel call
(planner, round and observation), plus a second one on the steps where new food is drawn.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.checks import check_int
from envs.snake import versus_core as vc
from envs.snake.core import MASK_ROWS, MASKS
from envs.snake.env import check_common, coerce_action, observation_space
from envs.snake.planner import GreedySnakePolicy
from envs.snake.render import RENDER_FPS, SNAKE_STYLES, VS_PALETTE, BoardRenderer, checker, pixels
from envs.snake.versus_core import VS_CHANNELS, VersusState

OPPONENTS = ("greedy", "random")
_LEGAL = tuple(np.flatnonzero(MASKS[d]) for d in range(4))  # the legal moves while heading d


def versus_spaces(size: int, obs_type: str) -> tuple[spaces.Discrete, spaces.Box]:
    return spaces.Discrete(4), observation_space(size, obs_type, VS_CHANNELS)


def check_limits(size: int, max_steps: Any, starvation_steps: Any) -> tuple[int, int]:
    """``(max_steps, starvation_steps)`` with the versus defaults (ValueError naming a bad one)."""
    max_steps = check_int("max_steps", 50 * size * size if max_steps is None else max_steps, 1)
    starvation_steps = check_int(
        "starvation_steps", 4 * size * size if starvation_steps is None else starvation_steps, 1
    )
    return max_steps, starvation_steps


class VersusGame:
    """One versus board: a one-row ``VersusState`` and the round, observation and info of either side.

    ``snakes``, ``dirs`` and ``food`` read (and, for tests and tools that set up a board, write) the state;
    ``snakes`` are lists of interior cells head first, ``food`` is None on a full board.
    """

    def __init__(self, size: int, max_steps: int, starvation_steps: int) -> None:
        self.size = size
        self.max_steps = max_steps
        self.starvation_steps = starvation_steps
        self.state = VersusState(1, size)
        self._floor = checker(size)

    # -- state as Python values ------------------------------------------------------------------------------
    @property
    def snakes(self) -> list[deque[int]]:
        return [deque(self.state.snake(0, k)) for k in (0, 1)]

    @snakes.setter
    def snakes(self, snakes: list[Any]) -> None:
        for k in (0, 1):
            self.state.set_snake(0, k, [int(c) for c in snakes[k]])

    @property
    def dirs(self) -> list[int]:
        vi = self.state.vi
        return [int(vi[0, vc.D0]), int(vi[0, vc.D1])]

    @dirs.setter
    def dirs(self, dirs: list[int]) -> None:
        self.state.vi[0, vc.D0], self.state.vi[0, vc.D1] = dirs

    @property
    def food(self) -> int | None:
        food = int(self.state.vi[0, vc.FOOD])
        return None if food < 0 else food

    @food.setter
    def food(self, cell: int | None) -> None:
        self.state.vi[0, vc.FOOD] = -1 if cell is None else cell

    @property
    def over(self) -> bool:
        return bool(self.state.vi[0, vc.OVER])

    @property
    def dead(self) -> tuple[bool, bool]:
        """Who died in the last round (snake 0, snake 1)."""
        vi = self.state.vi
        return bool(vi[0, vc.DEAD0]), bool(vi[0, vc.DEAD1])

    @property
    def steps(self) -> int:
        return int(self.state.vi[0, vc.STEPS])

    @property
    def scores(self) -> list[int]:
        vi = self.state.vi
        return [int(vi[0, vc.SCORE0]), int(vi[0, vc.SCORE1])]

    # -- rules -----------------------------------------------------------------------------------------------
    def reset(self, np_random: np.random.Generator) -> None:
        n = self.size
        row = int(np_random.integers(n // 2))  # top half: the two snakes never share a row
        s = self.state
        free = vc.reset_row(s.bodies, s.occ, s.vi, 0, n, row)
        vc.put_food(s.occ, s.vi, 0, int(np_random.integers(free)))

    def step(self, actions: tuple[int, int], np_random: np.random.Generator):
        """Play one round; returns (rewards, terminated, truncated, illegal flags, dead flags)."""
        s = self.state
        rew0, rew1, terminated, truncated, ill0, ill1, free = vc.step_row(
            s.bodies, s.occ, s.vi, s.nbr, 0, actions[0], actions[1], self.max_steps, self.starvation_steps
        )
        if free > 0:
            vc.put_food(s.occ, s.vi, 0, int(np_random.integers(free)))
        return [rew0, rew1], terminated, truncated, [ill0, ill1], list(self.dead)

    def action_mask(self, who: int) -> np.ndarray:
        return MASK_ROWS[int(self.state.vi[0, vc.D0 + who])]

    # -- observations ------------------------------------------------------------------------------------------
    def vector_obs(self, who: int) -> np.ndarray:
        out = np.empty((VS_CHANNELS, self.size, self.size), dtype=np.uint8)
        s = self.state
        vc.write_obs_row(s.bodies, s.vi, 0, self.size, who, out.reshape(-1), 0)
        return out

    def pixel_obs(self, who: int) -> np.ndarray:
        display = np.empty((self.size + 2) ** 2, dtype=np.uint8)
        s = self.state
        vc.write_display_row(s.bodies, s.vi, 0, self.size, who, display)
        return pixels(display, self._floor, VS_PALETTE, self.size)

    def observation(self, who: int, obs_type: str) -> np.ndarray:
        return self.vector_obs(who) if obs_type == "vector" else self.pixel_obs(who)

    def info(self, who: int) -> dict[str, Any]:
        vi = self.state.vi
        dead = self.dead
        d = int(vi[0, vc.D0 + who])
        return {
            "length": int(vi[0, vc.L0 + who]),
            "score": int(vi[0, vc.SCORE0 + who]),
            "opponent_length": int(vi[0, vc.L1 - who]),
            "heading": d,
            "dead": dead if who == 0 else (dead[1], dead[0]),
            "action_mask": MASK_ROWS[d],
        }

    def draw(self, renderer: BoardRenderer) -> Any:
        snakes = [(self.state.snake(0, k), self.dirs[k], SNAKE_STYLES[k]) for k in (0, 1)]
        food = self.food
        return renderer.draw(snakes, [] if food is None else [food])


AGENTS = ("snake_0", "snake_1")  # the two-player view's agent names; info["winner"] is one of them or None


def versus_winner(dead0: bool, dead1: bool) -> str | None:
    """The survivor's agent name when exactly one snake died, else None (both died, or time ran out: a draw)."""
    if dead0 == dead1:
        return None
    return AGENTS[1] if dead0 else AGENTS[0]


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


class VersusRendering:
    """Drawing shared by the two views of the versus game (``self._game``, ``self.size``, ``self.render_mode``)."""

    _game: VersusGame
    _renderer: BoardRenderer | None = None
    size: int
    render_mode: str | None
    metadata: dict[str, Any]

    def render(self) -> Any:  # an rgb frame or None; typed as loosely as Env.render and ParallelEnv.render
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
        return self._game.draw(self._get_renderer())

    def _get_renderer(self) -> BoardRenderer:
        if self._renderer is None:
            self._renderer = BoardRenderer(self.size, "ArcadeLab Snake versus", self.render_mode)
        return self._renderer

    def _show(self) -> None:
        surface = self._draw()
        self._get_renderer().show(surface, self.metadata["render_fps"])

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_renderer"] = None
        return state


class SnakeVersusEnv(VersusRendering, gym.Env):
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
    ``envs/snake/planner.py``, compiled into the step), ``"random"`` (uniform legal moves, from the env's seed)
    or any object with ``act(obs, info)`` and ``reset()`` (it receives its own-perspective observation of
    ``obs_type`` and an ``info`` with its ``action_mask``); ``max_steps``; ``starvation_steps``; ``obs_type``;
    ``render_mode``.
    ``info`` carries ``length`` and ``opponent_length`` (the snakes' lengths), ``score`` (food eaten),
    ``heading`` (the own snake's direction, 0-3 as the actions), ``dead`` (``(own, other)``: which snakes died
    this step; both False after ``reset`` and on steps nobody died, so a terminated step with no death is a full
    board), ``action_mask``, ``illegal_action``.
    ``draw_surface()`` gives the current frame as a pygame ``Surface`` (for apps with their own window).
    """

    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": RENDER_FPS}
    action_space: spaces.Discrete
    observation_space: spaces.Box

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        size: int = 12,
        opponent: Any = "greedy",
        max_steps: int | None = None,
        starvation_steps: int | None = None,
    ) -> None:
        self.size = check_common(render_mode, obs_type, size, self.metadata["render_modes"])
        n = self.size
        self.max_steps, self.starvation_steps = check_limits(n, max_steps, starvation_steps)
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
        self.action_space, self.observation_space = versus_spaces(n, obs_type)
        self._game = VersusGame(n, self.max_steps, self.starvation_steps)
        self._vector = obs_type == "vector"
        self._renderer: BoardRenderer | None = None
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

    _no_obs = np.zeros((0, 0, 0), dtype=np.uint8)  # pixel envs ask the kernel for no vector observation

    def step(self, action: Any):
        a = action if type(action) is int and 0 <= action < 4 else coerce_action(action, self.action_space)
        game = self._game
        s = game.state
        if s.vi[0, vc.OVER]:
            raise RuntimeError("SnakeVersusEnv: the episode has ended; call reset() before step()")
        player = self._player
        greedy = type(player) is GreedySnakePolicy  # planned inside the kernel, on the state itself
        b = 0
        if type(player) is _RandomOpponent:
            b = int(_LEGAL[s.vi[0, vc.D1]][self.np_random.integers(3)])  # what its act() draws
        elif not greedy:
            # The greedy planner reads vector observations whatever this env's obs_type.
            opp_obs_type = "vector" if isinstance(player, GreedySnakePolicy) else self.obs_type
            opp_action = player.act(game.observation(1, opp_obs_type), game.info(1))
            try:
                b = coerce_action(opp_action, self.action_space)
            except ValueError as err:
                raise ValueError(f"opponent {player!r} returned an invalid action: {err}") from None
        obs = np.empty(self.observation_space.shape, dtype=np.uint8) if self._vector else self._no_obs
        reward, terminated, truncated, illegal, free, length, opp_length, score, d, dead0, dead1 = vc.step_one(
            s.bodies, s.occ, s.vi, s.nbr, s.work, self.size, a, b, greedy, self.max_steps, self.starvation_steps, obs,
            self._vector,
        )  # fmt: skip
        if free > 0:
            vc.put_food_obs(s.occ, s.vi, 0, self.size, int(self.np_random.integers(free)), obs, self._vector)
        if self.render_mode == "human":
            self._show()
        if not self._vector:
            obs = game.pixel_obs(0)
        info = {
            "length": length,
            "score": score,
            "opponent_length": opp_length,
            "heading": d,
            "dead": (dead0, dead1),
            "action_mask": MASK_ROWS[d],
            "illegal_action": illegal,
        }
        if terminated or truncated:  # the episode-end contract (envs/spec.py); the agent is snake_0
            info["winner"] = versus_winner(bool(dead0), bool(dead1))
            info["is_success"] = info["winner"] == AGENTS[0]
        return obs, reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        return self._game.action_mask(0)

    def _info(self, illegal: bool) -> dict[str, Any]:
        info = self._game.info(0)
        info["illegal_action"] = illegal
        return info
