"""``DungeonVectorEnv``: ``num_envs`` dungeon crawls as one core state, stepped by one compiled call per step.

The rules are the kernels ``DungeonEnv`` runs on its one-row state, and every row draws its levels and monster
moves from its own generator exactly as ``DungeonEnv`` draws from ``np_random``, so row ``i`` after
``reset(seed=s)`` is identical to ``DungeonEnv().reset(seed=s + i)`` stepped with the same actions, new maps at
its autoresets included (``tests/test_dungeon_vector.py``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils.seeding import np_random
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs.batched import reset_rows, row_seeds, scalar_seed
from envs.checks import check_int
from envs.dungeon import core
from envs.dungeon.core import CHUNK, NFIX, OBS_LEN, PIX_H, PIX_W
from envs.dungeon.env import check_args, check_level, default_source, observation_space, snapshot_row
from envs.dungeon.maps import LEGEND, DungeonMap
from envs.episode import add_vector_outcome
from envs.level import Level, LevelSource, coerce_level_source

_NO_VEC = np.zeros((0, OBS_LEN), dtype=np.float32)
_NO_PIX = np.zeros((0, PIX_H, PIX_W, 3), dtype=np.uint8)


class DungeonVectorEnv(VectorEnv):
    """``num_envs`` dungeon crawls stepped together by one compiled call (``core.step_batch``).

    Same rules, observations (``obs_type`` ``"vector"`` or ``"pixels"``), rewards, levels and arguments as
    ``DungeonEnv`` (see its docstring); no rendering (``render_mode`` must be None). Each row plays its own map:
    every reset draws a level from the shared ``level_source`` with that row's generator, so rows run different
    maps at once (the compiled maps are padded to one shape and kept in a table the rows point into).

    Autoreset: ``AutoresetMode.NEXT_STEP`` (Gymnasium's default). The step that ends an episode returns its last
    observation with ``terminated``/``truncated`` set; the next step ignores that row's action, resets it (a new
    level drawn, like ``DungeonEnv.reset()`` without a seed) and returns the first observation of the new
    episode with reward 0 and both flags False.

    Partial reset: ``reset(options={"reset_mask": mask})`` resets only the masked rows (as Gymnasium's
    ``SyncVectorEnv`` does), e.g. right after they finished, so no reset step is spent on them.

    Seeding rule: ``reset(seed=s)`` seeds row ``i`` with ``s + i`` (a list of ``num_envs`` seeds is also
    accepted), so row ``i`` reproduces ``DungeonEnv(...).reset(seed=s + i)`` under the same actions.

    Action masks: ``action_masks()`` is the ``(num_envs, 5)`` bool mask of the current observations (moves that
    would bump into a static tile are masked, attack never), also in ``infos["action_mask"]``. Infos also hold
    ``hp``, ``treasures_left``, ``rooms_visited`` and ``success`` per row (each with its all-True ``_`` mask).
    Returned arrays are fresh every step (allocated empty and written once by the compiled step, not copied).

    Python touches only the rows that start an episode this step (a ``LevelSource`` is Python, and each row's
    generator is numpy's) or whose random bytes run low (about once per 1024 monster moves), never every row.
    """

    metadata: dict[str, Any] = {
        "render_modes": [],
        "render_fps": 12,
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
        max_steps: int = 2000,
        max_hp: int = 5,
        monsters: bool = True,
    ) -> None:
        n = check_int("num_envs", num_envs, 1)
        if render_mode is not None:
            raise ValueError(
                f"render_mode must be None for DungeonVectorEnv (no rendering), got {render_mode!r}"
            )
        check_args(None, [], obs_type, max_steps, max_hp)
        self.num_envs = n
        self.render_mode = None
        self.obs_type = obs_type
        self.max_steps = int(max_steps)
        self.max_hp = int(max_hp)
        self.monsters_enabled = bool(monsters)
        default = default_source() if level is None and level_source is None else None
        self.level_source = coerce_level_source(level, level_source, LEGEND, default)  # type: ignore[arg-type]
        if level is not None:  # a single level: refuse it now rather than at the first reset
            check_level(self.level_source.sample(np.random.default_rng(0)))
        self.single_action_space = spaces.Discrete(5)
        self.action_space = batch_space(self.single_action_space, n)
        self.single_observation_space = observation_space(obs_type, self.max_hp)
        self.observation_space = batch_space(self.single_observation_space, n)
        self._vector = obs_type == "vector"
        # the map table (rows of the state point into it by slot), padded to dims = (cells, rooms, monsters)
        self._dims = (0, 0, 0)
        self._maps: list[DungeonMap] = []
        self._slots: dict[tuple[str, ...], int] = {}
        self._slot_of_level: dict[int, tuple[Level, int]] = {}  # by id(): no hashing of the rows per reset
        self._mt = np.zeros((8, core.table_width(0, 0, 0)), dtype=np.int32)
        self._room_obs = np.zeros((8, 0, OBS_LEN), dtype=np.float32)
        self._st = np.zeros((n, core.state_width(0, 0)), dtype=np.int32)
        self._buf = np.zeros((n, 2 * CHUNK), dtype=np.uint8)
        self._codes = np.zeros(OBS_LEN, dtype=np.float32)  # the pixel observations' room codes (scratch)
        self._rngs: list[np.random.Generator | None] = [None] * n
        self._ahead: list[dict[str, Any] | None] = [None] * n
        self._levels: list[Level | None] = [None] * n
        self._pending = np.zeros(n, dtype=bool)  # rows that ended last step: NEXT_STEP autoreset
        self._need = np.zeros(n, dtype=np.int32)
        self._masks = np.ones((n, 5), dtype=bool)
        self._all = np.ones(n, dtype=bool)
        self._all.setflags(write=False)
        self._seeded = False

    # --------------------------------------------------------------------------------------------- maps
    def _slot_for(self, level: Level) -> int:
        """The table slot of a level's map, compiling (and checking) it on first sight."""
        seen = self._slot_of_level.get(id(level))
        if seen is not None and seen[0] is level:
            return seen[1]
        slot = self._slots.get(level.rows)
        if slot is not None:
            self._slot_of_level[id(level)] = (level, slot)
            return slot
        dmap = check_level(level)
        (cells, rooms, mons), (new_cells, new_rooms, new_mons) = self._dims, core.map_dims(dmap)
        dims = (max(cells, new_cells), max(rooms, new_rooms), max(mons, new_mons))
        if len(self._maps) == self._mt.shape[0]:
            self._make_room()
        if dims != self._dims:
            self._relayout(dims)
        slot = len(self._maps)
        self._maps.append(dmap)
        self._slots[level.rows] = slot
        self._mt[slot], self._room_obs[slot] = core.build_tables(dmap, *self._dims)
        self._slot_of_level[id(level)] = (level, slot)
        return slot

    def _make_room(self) -> None:
        """The table is full: drop the maps no row plays when they are at least half, else double it."""
        used = np.unique(self._st[:, core.S_MAP])
        cap = self._mt.shape[0]
        if len(used) <= cap // 2:
            remap = np.zeros(cap, dtype=np.int32)
            remap[used] = np.arange(len(used), dtype=np.int32)
            self._mt[: len(used)] = self._mt[used]
            self._room_obs[: len(used)] = self._room_obs[used]
            self._maps = [self._maps[i] for i in used]
            self._slots = {k: int(remap[s]) for k, s in self._slots.items() if s in set(used.tolist())}
            self._st[:, core.S_MAP] = remap[self._st[:, core.S_MAP]]
            self._slot_of_level.clear()
        else:
            self._mt = np.concatenate([self._mt, np.zeros_like(self._mt)])
            self._room_obs = np.concatenate([self._room_obs, np.zeros_like(self._room_obs)])

    def _relayout(self, dims: tuple[int, int, int]) -> None:
        """Pad the table and the state to larger maps (more cells, rooms or monsters); rows keep their games."""
        cap = self._mt.shape[0]
        _, old_rooms, old_mons = self._dims
        _, rooms, mons = dims
        self._dims = dims
        self._mt = np.zeros((cap, core.table_width(*dims)), dtype=np.int32)
        self._room_obs = np.zeros((cap, rooms, OBS_LEN), dtype=np.float32)
        for slot, dmap in enumerate(self._maps):
            self._mt[slot], self._room_obs[slot] = core.build_tables(dmap, *dims)
        old = self._st
        st = np.zeros((self.num_envs, core.state_width(rooms, mons)), dtype=np.int32)
        st[:, : NFIX + old_rooms] = old[:, : NFIX + old_rooms]
        st[:, NFIX + rooms :] = -1
        st[:, NFIX + rooms : NFIX + rooms + old_mons] = old[:, NFIX + old_rooms :]
        self._st = st

    # --------------------------------------------------------------------------------------------- rows
    def _reset_rows(self, rows: np.ndarray, seeds: np.ndarray | None = None) -> None:
        """New episodes on ``rows``: as ``DungeonEnv.reset`` does, a level and a random chunk from each row's
        generator (put back first if its chunk drawn ahead was never used)."""
        for i, r in enumerate(rows.tolist()):
            rng = self._rngs[r]
            ahead = self._ahead[r]
            if ahead is not None and self._st[r, core.S_AVAIL] > CHUNK:
                rng.bit_generator.state = ahead
            self._ahead[r] = None
            if seeds is not None:
                rng = self._rngs[r] = np_random(int(seeds[i]))[0]
            level = self.level_source.sample(rng)
            self._levels[r] = level
            slot = self._slot_for(level)
            self._st[r, core.S_MAP] = slot
            self._buf[r, :CHUNK] = rng.integers(0, 256, size=CHUNK, dtype=np.uint8)
        core.reset_rows(self._st, self._mt, rows, self.max_hp, self.monsters_enabled, self.max_steps)

    def _draw_ahead(self, rows: np.ndarray) -> None:
        for r in rows.tolist():
            rng = self._rngs[r]
            self._ahead[r] = rng.bit_generator.state
            self._buf[r, CHUNK:] = rng.integers(0, 256, size=CHUNK, dtype=np.uint8)
            self._st[r, core.S_AVAIL] = 2 * CHUNK

    def _outputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n = self.num_envs
        obs = np.empty((n, *self.single_observation_space.shape), dtype=self.single_observation_space.dtype)
        vec, pix = (obs, _NO_PIX) if self._vector else (_NO_VEC, obs)
        return obs, vec, pix, np.empty((n, 5), dtype=bool), np.empty((n, 4), dtype=np.int32)

    def _infos(self, masks: np.ndarray, info: np.ndarray) -> dict[str, Any]:
        self._masks = masks
        every = self._all
        return {
            "action_mask": masks, "_action_mask": every,
            "hp": info[:, 0], "_hp": every,
            "treasures_left": info[:, 1], "_treasures_left": every,
            "rooms_visited": info[:, 2], "_rooms_visited": every,
            "success": info[:, 3].astype(bool), "_success": every,
        }  # fmt: skip

    # --------------------------------------------------------------------------------------------- API
    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        """Reset every row, or with ``options={"reset_mask": mask}`` only the masked rows (the others keep their
        state; their rows of the returned observation are unchanged). ``seed`` seeds row ``i`` with
        ``seed + i`` (only the reset rows are re-seeded); without it each row continues its generator."""
        n = self.num_envs
        rows = reset_rows(n, options, self._seeded)
        seeds = row_seeds(n, seed)
        super().reset(seed=scalar_seed(seed))
        if seeds is not None:
            seeds = seeds[rows]
        elif not self._seeded:
            seeds = self.np_random.integers(2**63, size=n, dtype=np.int64)
        self._reset_rows(rows, seeds)
        self._seeded = True
        self._pending[rows] = False
        obs, vec, pix, masks, info = self._outputs()
        core.observe_all(self._st, self._mt, self._room_obs, vec, pix, self._codes, masks, info)
        return obs, self._infos(masks, info)

    def step(self, actions):
        if not self._seeded:
            raise RuntimeError("DungeonVectorEnv.step() called before reset()")
        n = self.num_envs
        a = actions if type(actions) is np.ndarray else np.asarray(actions)
        if a.shape != (n,) or a.dtype.kind not in "iu":
            raise ValueError(f"invalid actions {actions!r}: expected {n} ints in {self.single_action_space}")
        skip = self._pending
        if skip.any():
            self._reset_rows(np.flatnonzero(skip))
        obs, vec, pix, masks, info = self._outputs()
        rewards = np.empty(n, dtype=np.float64)
        terminated = np.empty(n, dtype=np.bool_)
        truncated = np.empty(n, dtype=np.bool_)
        n_need = core.step_batch(
            self._st, self._buf, self._mt, self._room_obs, a, skip, vec, pix, self._codes, rewards,
            terminated, truncated, masks, info, self._need,
        )  # fmt: skip
        if n_need < 0:
            self._pending = np.zeros(n, dtype=bool)  # the rows due a reset got it; nothing else moved
            raise ValueError(
                f"invalid action {a[-1 - n_need]!r} of env {-1 - n_need}: expected an int in "
                f"{self.single_action_space}"
            )
        if n_need:
            self._draw_ahead(self._need[:n_need])
        self._pending = terminated | truncated
        infos = self._infos(masks, info)  # the episode-end contract (envs/spec.py): reaching the exit wins
        infos = add_vector_outcome(infos, terminated, truncated, infos["success"])
        return obs, rewards, terminated, truncated, infos

    # --------------------------------------------------------------------------------- for tools, tests
    def action_masks(self) -> np.ndarray:
        """``(num_envs, 5)`` bool: the moves of each row that would not bump into a static tile, attack always."""
        return self._masks

    @property
    def levels(self) -> tuple[Level | None, ...]:
        """The level each row plays (drawn at its last reset)."""
        return tuple(self._levels)

    def dungeon_map(self, i: int) -> DungeonMap:
        """The compiled map row ``i`` plays."""
        return self._maps[int(self._st[i, core.S_MAP])]

    def snapshot(self, i: int) -> dict[str, Any]:
        """``DungeonEnv.snapshot()`` of row ``i``."""
        return snapshot_row(self.dungeon_map(i), self._mt, self._st, i)
