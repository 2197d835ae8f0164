"""``PlatformerVectorEnv``: ``num_envs`` players, each on its own level, stepped by one compiled call per step.

The rules are the kernels ``PlatformerEnv`` runs on its one-row state; every row keeps its own random generator
for the level source and the random starts, so row ``i`` after ``reset(seed=s)`` is identical to
``PlatformerEnv().reset(seed=s + i)`` (and to row ``i`` of Gymnasium's ``SyncVectorEnv`` over it) under the same
actions. Only rows that finished an episode run Python (to draw their next level and start).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs.batched import reset_rows, row_seeds, scalar_seed
from envs.checks import check_finite, check_int, check_unit
from envs.episode import add_vector_outcome
from envs.level import Level, LevelSource, coerce_level_source
from envs.platformer import core
from envs.platformer.core import ACTION_NAMES, EVENT_NAMES, FINISHED, LEGEND, N_VECTOR
from envs.platformer.env import observation_space
from envs.platformer.levels import CORPUS, check_tiles, default_source, require_playable
from envs.platformer.physics import LevelTable, PlatformerPhysics, RowState

__all__ = ["PlatformerVectorEnv"]

_MAX_SLOTS = 256  # distinct levels kept compiled at once (a generator hands out new ones every episode)
_EVENTS = np.array(EVENT_NAMES, dtype=object)


class PlatformerVectorEnv(VectorEnv):
    """``num_envs`` platformer players stepped together by one compiled call (``core.step_batch``).

    Same rules, observations, rewards and arguments as ``PlatformerEnv`` (see its docstring), with these limits:
    ``obs_type`` is ``"vector"`` only and there is no rendering (``render_mode`` must be None).

    Levels: every reset of a row draws its next level from the level source with that row's generator (as a
    single env does at each reset), so rows play different levels at once; their tile grids are padded to one
    shape. A level is checked once (``check_playable``), when it is first handed out.

    Autoreset: ``AutoresetMode.NEXT_STEP`` (Gymnasium's default). The step that ends an episode returns its last
    observation with ``terminated``/``truncated`` set; the next step ignores that row's action, starts its next
    episode (a new level from the source) and returns its first observation with reward 0 and both flags False.

    Partial reset: ``reset(options={"reset_mask": mask})`` resets only the masked rows (as ``SyncVectorEnv``).

    Seeding rule: ``reset(seed=s)`` seeds row ``i`` with ``s + i`` (a list of ``num_envs`` seeds is also accepted);
    without a seed each row continues its generator.

    Infos: ``x``, ``progress`` (float arrays), ``coins`` (int array) and ``level`` (names, an object array), each
    with its ``_key`` mask (all rows after a step, the reset rows after a reset); from ``step``, ``event``
    (``"none"``, ``"died"``, ``"finished"``) for the rows that stepped (not for rows that just reset). Returned
    arrays are fresh every step.
    """

    metadata: dict[str, Any] = {
        "render_modes": [],
        "render_fps": 30,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }
    supports_reset_mask = True  # reset(options={"reset_mask": mask}) resets only those rows
    single_action_space: spaces.Discrete
    single_observation_space: spaces.Box

    def __init__(
        self,
        num_envs: int = 1,
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
        n = check_int("num_envs", num_envs, 1)
        if render_mode is not None:
            raise ValueError(f"render_mode must be None for PlatformerVectorEnv (no rendering), got {render_mode!r}")
        if obs_type != "vector":
            raise ValueError(f"obs_type must be 'vector' for PlatformerVectorEnv, got {obs_type!r}")
        self.num_envs = n
        self.render_mode = None
        self.obs_type = obs_type
        self.max_steps = check_int("max_steps", max_steps, 1)
        self.check_playable = bool(check_playable)
        self.start_anywhere = check_unit("start_anywhere", start_anywhere, "a probability")
        self.death_penalty = check_finite("death_penalty", death_penalty, minimum=0)
        self.frame_skip = check_int("frame_skip", frame_skip, 1)
        if self.frame_skip > 1:
            self.metadata = {**type(self).metadata, "render_fps": type(self).metadata["render_fps"] / self.frame_skip}
        self.level_source = coerce_level_source(level, level_source, LEGEND, default_source, corpus=CORPUS)
        if level is not None and self.check_playable:
            for lv in getattr(self.level_source, "levels", ()):
                require_playable(lv, self.max_steps)
        self.single_action_space = spaces.Discrete(len(ACTION_NAMES))
        self.action_space = batch_space(self.single_action_space, n)
        self.single_observation_space = observation_space("vector")
        self.observation_space = batch_space(self.single_observation_space, n)
        self._table = LevelTable()
        self._rows: RowState | None = None
        self._rngs: list[np.random.Generator | None] = [None] * n
        self._levels: list[Level | None] = [None] * n
        self._names = np.empty(n, dtype=object)
        self._pending = np.zeros(n, dtype=bool)  # rows that ended last step: NEXT_STEP autoreset
        self._reset_to = np.zeros((n, 5), dtype=np.int64)  # (slot, x, y, next enemy, new level) per row
        self._all = np.ones(n, dtype=bool)

    @property
    def _row_state(self) -> RowState:
        """The rows' arrays, built by the first reset (``_rows`` is None until then)."""
        if self._rows is None:
            raise RuntimeError("PlatformerVectorEnv used before reset()")
        return self._rows

    # ------------------------------------------------------------------ levels and starts
    def _level_slot(self, level: Level) -> int:
        """The table slot of ``level``, checking and compiling it on first sight (rows grow to fit it)."""
        table = self._table
        slot = table.slot(level)
        if slot is not None:
            return slot
        check_tiles(level)
        if self.check_playable:
            require_playable(level, self.max_steps)
        slot = table.add(PlatformerPhysics(level))
        caps = table.capacities(self.max_steps)
        shape = table.static.shape[1:]
        if self._rows is None:
            self._rows = RowState(self.num_envs, shape, *caps)
        elif shape != self._rows.grid.shape[1:] or any(c > have for c, have in zip(caps, self._rows.caps, strict=True)):
            self._rows = self._rows.grown(shape, *caps)
        return slot

    def _compact(self) -> None:
        """Forget the levels no row plays (keeps the table small under a generator's endless new levels)."""
        if self._rows is None or len(self._table) < _MAX_SLOTS:
            return
        st = self._rows.st
        used = np.unique(st[:, core.SLOT])
        old = self._table
        table = LevelTable(min_shape=old.static.shape[1:])
        remap = np.zeros(len(old), dtype=np.int64)
        for s in used.tolist():
            remap[s] = table.add(old.physics[s])
        st[:, core.SLOT] = remap[st[:, core.SLOT]]
        self._table = table

    def _prepare(self, i: int) -> None:
        """Draw row ``i``'s next level and start (its generator, as ``PlatformerEnv.reset`` draws them)."""
        rng = self._rngs[i]
        if rng is None:
            raise RuntimeError(f"row {i} has no random generator: reset() seeds every row first")
        level = self.level_source.sample(rng)
        if not isinstance(level, Level):
            raise TypeError(f"level source returned {type(level)!r}, expected a Level")
        prev = self._levels[i]
        same = prev is not None and level.rows == prev.rows
        slot = int(self._row_state.st[i, core.SLOT]) if same else self._level_slot(level)
        self._levels[i] = level
        self._names[i] = level.name
        phys = self._table.physics[slot]
        start = None
        if self.start_anywhere and rng.random() < self.start_anywhere:
            spots = phys.standing_spots
            if spots:
                start = spots[int(rng.integers(len(spots)))]
        x, y = phys.start if start is None else start
        self._reset_to[i] = (slot, x, y, 0 if start is None else phys.first_enemy(x), not same)

    def _prepare_rows(self, idx: np.ndarray) -> None:
        self._compact()
        for i in idx.tolist():
            self._prepare(i)

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        """Reset every row, or with ``options={"reset_mask": mask}`` only the masked rows (the others keep their
        state). ``seed`` seeds row ``i`` with ``seed + i`` (only the reset rows); without it each row continues
        its generator."""
        n = self.num_envs
        rows = reset_rows(n, options, self._rows is not None)
        seeds = row_seeds(n, seed)
        super().reset(seed=scalar_seed(seed))
        for i in rows.tolist():
            if seeds is not None:
                self._rngs[i] = seeding.np_random(int(seeds[i]))[0]
            elif self._rngs[i] is None:
                self._rngs[i] = seeding.np_random()[0]
        self._prepare_rows(rows)
        r = self._row_state
        obs = np.empty((n, N_VECTOR), dtype=np.float32)
        xs, progress, coins = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
        core.reset_batch(r.st, r.grid, self._table.static, self._table.lv, rows, self._reset_to, obs, xs, progress,
                         coins)  # fmt: skip
        self._pending[rows] = False
        reset = np.zeros(n, dtype=bool)
        reset[rows] = True
        return obs, self._infos(xs, progress, coins, reset)

    def step(self, actions):
        if self._rows is None:
            raise RuntimeError("PlatformerVectorEnv.step() called before reset()")
        n = self.num_envs
        a = actions if type(actions) is np.ndarray else np.asarray(actions)
        if a.shape != (n,) or a.dtype.kind not in "iu" or (self._pending.any() and ((a < 0) | (a > 5)).any()):
            raise ValueError(f"invalid actions {actions!r}: expected {n} ints in {self.single_action_space}")
        pending = self._pending
        was_pending = pending.copy()
        if was_pending.any():
            self._prepare_rows(np.flatnonzero(was_pending))
        r, table = self._rows, self._table
        # fresh outputs every step (callers may keep them), written once by the kernel: no copies
        obs = np.empty((n, N_VECTOR), dtype=np.float32)
        rewards = np.empty(n, dtype=np.float64)
        terminated = np.empty(n, dtype=np.bool_)
        truncated = np.empty(n, dtype=np.bool_)
        events = np.empty(n, dtype=np.int64)
        xs, progress, coins = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
        ended = core.step_batch(
            r.st, r.grid, table.lv, table.static, a, pending, self._reset_to, self.frame_skip, self.max_steps,
            self.death_penalty, obs, rewards, terminated, truncated, events, xs, progress, coins,
        )  # fmt: skip
        if ended < 0:
            raise ValueError(f"invalid actions {actions!r}: expected {n} ints in {self.single_action_space}")
        infos = self._infos(xs, progress, coins, self._all)
        infos["event"], infos["_event"] = _EVENTS[events], ~was_pending
        finished = events == FINISHED  # the episode-end contract (envs/spec.py): reaching the goal wins
        return obs, rewards, terminated, truncated, add_vector_outcome(infos, terminated, truncated, finished)

    def _infos(self, xs: np.ndarray, progress: np.ndarray, coins: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
        return {
            "x": xs, "_x": mask.copy(), "progress": progress, "_progress": mask.copy(), "coins": coins,
            "_coins": mask.copy(), "level": self._names.copy(), "_level": mask.copy(),
        }  # fmt: skip

    # ------------------------------------------------------------------ for tests and tools
    def state(self, i: int) -> tuple:
        """Row ``i``'s physics state as ``PlatformerPhysics``'s tuple."""
        rows = self._row_state
        return self._table.physics[int(rows.st[i, core.SLOT])].state_of(rows, i)

    @property
    def levels(self) -> list[Level | None]:
        """The level each row plays."""
        return list(self._levels)
