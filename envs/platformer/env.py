"""``PlatformerEnv``: the Gymnasium view of one player, a thin layer over a one-row state of the compiled core.

Each step is one call into ``core.step_one``; the Python around it checks the action and builds the info dict.
A reset draws the level from the level source and the start (``start_anywhere``) from ``np_random``, then resets
the row in the core.
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.checks import check_finite, check_int, check_unit
from envs.level import Level, LevelSource, coerce_level_source
from envs.platformer import core
from envs.platformer.core import (
    ACTION_NAMES,
    EVENT_NAMES,
    FINISHED,
    LEGEND,
    N_CODES,
    NONE,
    PAD_C,
    PAD_R,
    PALETTE,
    PIX_H,
    PIX_W,
    PW,
    TILE,
)
from envs.platformer.levels import CORPUS, check_tiles, default_source, require_playable
from envs.platformer.physics import PlatformerPhysics, RowState
from envs.platformer.render import PlatformerRendering

__all__ = ["PlatformerEnv", "check_action", "observation_space", "physics_for"]


def physics_for(level: Level, cache: dict[tuple[str, ...], PlatformerPhysics]) -> PlatformerPhysics:
    """The compiled level for ``level``, from ``cache`` (by its tiles; at most 65 kept)."""
    phys = cache.get(level.rows)
    if phys is None:
        if len(cache) > 64:
            cache.clear()
        phys = cache[level.rows] = PlatformerPhysics(level)
    return phys


def observation_space(obs_type: str) -> spaces.Box:
    vh, vw = core.VIEW_H, core.VIEW_W
    if obs_type == "vector":
        n = vh * vw
        low = np.zeros(n + 4, dtype=np.float32)
        high = np.full(n + 4, N_CODES - 1, dtype=np.float32)
        low[n + 2 :] = -1.0
        high[n:] = 1.0
        return spaces.Box(low, high, dtype=np.float32)
    return spaces.Box(0, 255, (PIX_H, PIX_W, 3), dtype=np.uint8)


def check_action(action: Any, space: spaces.Discrete) -> int:
    """The action as a Python int in 0..5, or ValueError naming the action space (ints and numpy integers only)."""
    if type(action) is int:
        a = action
    elif isinstance(action, np.integer) or (
        isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu"
    ):
        a = int(action)
    else:
        a = -1
    if not 0 <= a < 6:
        raise ValueError(f"invalid action {action!r}: expected an int in {space}")
    return a


class PlatformerEnv(PlatformerRendering, gym.Env):
    """A side-scrolling tile platformer: run right to the end of the level without falling or being hit.

    ## Description
    Levels are 14-row grids in the VGLC platformer legend: ``X`` ground, ``S`` breakable block (breaks when hit
    from below), ``?`` question block (hit from below: a coin, then it is a used block ``Q``), pipes
    ``< > [ ]`` and cannons ``B`` (top, fires) / ``b`` (base) are solid, ``o`` coins, ``E`` walking enemies,
    ``-`` empty. Falling out of the bottom (a pit) kills. Enemies wake when they come within 12 tiles ahead,
    walk toward the player, turn at walls and fall off ledges; landing on one from above (a stomp) removes it and
    bounces the player; any other touch kills. Each cannon within 12 tiles fires a bullet toward the player every
    60 frames; bullets fly straight through blocks, can be stomped, and kill on other contact. The jump has a
    variable height: holding jump keeps the full jump speed, releasing it while rising caps the upward speed, so
    a tap jumps about 1 tile and a long press about 4.5 tiles (about 7 tiles across at full run).

    All motion is in integer sub-tile units (256 per tile, 16 px of 16 sub-pixels) with integer velocities, so a
    trajectory is exactly reproducible; the rules are the compiled kernels of ``envs.platformer.core`` (also run by
    :class:`PlatformerPhysics`, the solver and :class:`PlatformerVectorEnv`).

    ## Action Space
    ``Discrete(6)``: 0 noop, 1 left, 2 right, 3 jump, 4 left+jump, 5 right+jump. Holding jump on the ground jumps
    (holding it through a landing jumps again).

    ## Observation Space
    ``obs_type="vector"``: ``float32`` of length 228: a 14 x 16 window of tile codes (row-major) that scrolls with
    the player: the player's centre tile is in window column 4 (11 columns ahead are visible); on 14-row levels
    the window shows all rows (it shifts only while the player is above the level), on other heights it is
    centred on the player's row. Codes: 0 empty, 1 ground, 2 breakable, 3 question, 4 used block, 5 pipe,
    6 cannon, 7 coin, 8 enemy, 9 bullet, 10 goal column, 11 the player (outside the level: walls to the sides,
    empty above and below). Then the player's sub-tile offset x and y in [0, 1), vx / 64 and vy / 192 in
    [-1, 1].
    ``obs_type="pixels"``: ``uint8 (56, 64, 3)``: the same window through a palette, 4 px per tile, with the
    player drawn at its exact position.

    ## Rewards
    +1 per tile of new rightmost progress (fractions of a tile count; about the level's width in total, never for
    running back over ground already covered), +1 per coin (collected by touching ``o`` or from a question
    block), +50 for finishing, -``death_penalty`` (default 25) for dying.

    ## Info
    ``x`` (player centre in tiles), ``progress`` (0 at the left edge, 1 at the goal), ``coins``, ``level`` (its
    name) and, from ``step``, ``event``: ``"none"``, ``"died"`` or ``"finished"``.

    ## Starting State
    A level is drawn from the level source (seeded by ``reset(seed)``). The player stands still at the first
    column (from the left) that has a solid tile with a free tile above it in the lower half of the level; of
    that column's candidates the lowest. A level without such a spot is refused.

    ## Episode End
    Terminated when the player's centre reaches the last 2 columns (finished), falls out of the bottom or touches
    an enemy or bullet (dead). Truncated after ``max_steps`` frames.

    ## Arguments
    - ``level``: a ``Level`` or a path (file, or a folder of ``*.txt``); ``level_source``: any ``LevelSource``.
      Default: the original levels in ``envs/levels/platformer/``.
    - ``check_playable`` (default ``True``): every level is checked completable by
      ``envs.platformer.solver.check_level`` (cached by level content) and refused with a ``LevelError`` naming it
      if the solver finds no way through. Most impossible levels are refused in milliseconds by a jump-envelope
      test; one that passes it but is not completable costs a full search (about 1-3 s at the default node
      budget) the first time it is seen. Pass ``False`` when the source already guarantees completable levels
      (for example a generator that filters with ``check_level`` itself).
      ``level="corpus"``: the VGLC Super Mario Bros levels, read in place (``envs.data.vglc_dir``).
    - ``max_steps`` (default 4000): the episode's time limit in frames (30 fps), whatever ``frame_skip`` is.
    - ``frame_skip`` (default 1): frames one ``step`` plays with the same action (ALE's ``frameskip``); rewards
      add up over them and the step stops early at a death, the goal or the time limit. The observation and any
      rendering are of the last frame. Training with 4 sees four times the game time per policy step and holds
      jumps for whole decisions; a person playing keeps 1. With k > 1 the instance's ``metadata["render_fps"]``
      is 30 / k, so a recorded video plays at game speed.
    - ``start_anywhere`` (default 0.0): the probability that a reset starts the player at a random safe standing
      spot of the level (``PlatformerPhysics.standing_spots``) instead of its start. A training curriculum: the
      agent meets every part of a level before it can get there from the start (as with resets to states along
      a demonstration). Progress rewards count from where the player starts. Evaluate with 0.
    - ``death_penalty`` (default 25.0, >= 0): subtracted from the reward of the step that kills the player. A
      smaller penalty makes a learner try risky jumps it would otherwise avoid for ever.
    - ``render_mode``: ``None``, ``"human"`` or ``"rgb_array"`` (256 x 224 frames, a camera following the player).

    ## For apps
    ``draw_surface()`` gives the current frame as a pygame ``Surface``; ``camera_x()`` is the frame's left edge in
    level pixels (for any player x, e.g. to place a second racer) and ``player_rect(state)`` a player's box in the
    frame; ``require_playable(level)`` (``envs.platformer``) is the completability check ``check_playable`` runs.
    """

    # an instance variable in gymnasium's Env: frame_skip > 1 gives an instance its own (render_fps = 30 / k)
    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": 30}
    action_space: spaces.Discrete
    observation_space: spaces.Box

    VIEW_H, VIEW_W, VIEW_COL = core.VIEW_H, core.VIEW_W, core.VIEW_COL
    PIXELS_PER_TILE_OBS = core.PIXELS_PER_TILE_OBS
    RENDER_TILE = 16
    _pad_r, _pad_c = PAD_R, PAD_C  # where level tile (0, 0) is in ``_grid``

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        level: Level | str | os.PathLike | None = None,
        level_source: LevelSource | None = None,
        check_playable: bool = True,
        max_steps: int = 4000,
        start_anywhere: float = 0.0,
        death_penalty: float = 25.0,
        frame_skip: int = 1,
    ) -> None:
        if obs_type not in ("vector", "pixels"):
            raise ValueError(f"obs_type must be 'vector' or 'pixels', got {obs_type!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.max_steps = check_int("max_steps", max_steps, 1)
        self.check_playable = bool(check_playable)
        self.start_anywhere = check_unit("start_anywhere", start_anywhere, "a probability")
        self.death_penalty = check_finite("death_penalty", death_penalty, minimum=0)
        self.frame_skip = check_int("frame_skip", frame_skip, 1)
        if self.frame_skip > 1:  # each rendered frame shows k game frames: videos and windows keep game speed
            fps = type(self).metadata["render_fps"] / self.frame_skip
            self.metadata = {**type(self).metadata, "render_fps": fps}
        self.level_source = coerce_level_source(level, level_source, LEGEND, default_source, corpus=CORPUS)
        if level is not None and self.check_playable:
            for lv in getattr(self.level_source, "levels", ()):
                require_playable(lv, self.max_steps)
        self.action_space = spaces.Discrete(len(ACTION_NAMES))
        self.observation_space = observation_space(obs_type)
        self._pixels = obs_type == "pixels"
        self._obs_shape = self.observation_space.shape
        self._obs_dtype = self.observation_space.dtype
        self._win = np.zeros(core.VIEW_H * core.VIEW_W, dtype=np.int64)  # scratch of the pixel observation
        self._physics_cache: dict[tuple[str, ...], PlatformerPhysics] = {}
        self.level: Level | None = None
        self.physics: PlatformerPhysics | None = None
        self._rows: RowState | None = None
        self._window = None
        self._surface = None
        self._background = None

    # ------------------------------------------------------------------ gym API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        level = self.level_source.sample(self.np_random)
        if not isinstance(level, Level):
            raise TypeError(f"level source returned {type(level)!r}, expected a Level")
        new_level = level.rows != (self.level.rows if self.level is not None else None)
        if new_level:
            check_tiles(level)
            if self.check_playable:
                require_playable(level, self.max_steps)
            phys = physics_for(level, self._physics_cache)
            rows = phys.new_rows(1, self.max_steps)
            self.physics, self._rows = phys, rows
            self._background = None
        else:  # the level of the last episode: its compiled level and row are there
            rows, phys = self._loaded("reset()")
        self.level = level
        start = None
        if self.start_anywhere and self.np_random.random() < self.start_anywhere:
            spots = phys.standing_spots
            if spots:
                start = spots[int(self.np_random.integers(len(spots)))]
        x, y = phys.start if start is None else start
        next_enemy = 0 if start is None else phys.first_enemy(x)
        core.reset_row(rows.st, rows.grid, phys.static, 0, 0, x, y, next_enemy, new_level)
        self._goal_x = phys.goal_x
        if self.render_mode == "human":
            self._render_frame()
        return self._obs(rows, phys), self._info(rows, level)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        a = action if type(action) is int and 0 <= action < 6 else check_action(action, self.action_space)
        rows, phys, level = self._rows, self.physics, self.level
        if rows is None or phys is None or level is None:
            raise RuntimeError("call reset() before step()")
        obs = np.empty(self._obs_shape, dtype=self._obs_dtype)
        if self._pixels:
            reward, event, truncated, x, coins = core.step_one_pixels(
                rows.st, rows.grid, phys.lv, a, self.frame_skip, self.max_steps, self.death_penalty, obs,
                self._win, PALETTE,
            )  # fmt: skip
        else:
            reward, event, truncated, x, coins = core.step_one(
                rows.st, rows.grid, phys.lv, a, self.frame_skip, self.max_steps, self.death_penalty, obs
            )
        info = {
            "x": (x + PW // 2) / TILE,
            "progress": (x + PW // 2) / self._goal_x,
            "coins": coins,
            "level": level.name,
            "event": EVENT_NAMES[event],
        }
        terminated = event != NONE
        if terminated or truncated:  # the episode-end contract (envs/spec.py): success is reaching the goal
            info["is_success"] = event == FINISHED
        if self.render_mode == "human":
            self._render_frame()
        return obs, reward, terminated, truncated, info

    # ------------------------------------------------------------------ state, for bots, apps and tests
    @property
    def state(self) -> tuple | None:
        """The physics state as ``PlatformerPhysics``'s tuple (a fresh tuple each time; ``None`` before reset)."""
        rows, phys = self._rows, self.physics
        return None if rows is None or phys is None else phys.state_of(rows)

    @property
    def _steps(self) -> int:
        """Frames played this episode."""
        return int(self._loaded("reading _steps")[0].st[0, core.STEPS])

    # ------------------------------------------------------------------ observation
    def _info(self, rows: RowState, level: Level) -> dict[str, Any]:
        x = int(rows.st[0, core.X])
        return {
            "x": (x + PW // 2) / TILE,
            "progress": (x + PW // 2) / self._goal_x,
            "coins": int(rows.st[0, core.COINS]),
            "level": level.name,
        }

    def _obs(self, rows: RowState, phys: PlatformerPhysics) -> np.ndarray:
        obs = np.empty(self._obs_shape, dtype=self._obs_dtype)
        if self._pixels:
            core.pixel_obs_row(rows.st, rows.grid, phys.lv, 0, obs, self._win, PALETTE)
        else:
            core.vector_obs_row(rows.st, rows.grid, phys.lv, 0, obs)
        return obs
