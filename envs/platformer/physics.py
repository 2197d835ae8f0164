"""A level compiled for the rules core, and the physics as a pure function on hashable tuple states.

:class:`PlatformerPhysics` reads a ``Level`` once into the arrays the kernels of ``core`` run on (its row of a
level table and its padded tile grid) and offers the rules as ``step(state, action) -> (state, coins, event)`` on
a tuple state, for tests, tools and the solver's start states: each call loads the tuple into a scratch row, runs
``core.frame`` and reads it back. :class:`RowState` holds the arrays of ``n`` players; :class:`LevelTable` pads
several levels to one shape so rows of a batch can play different levels.
"""

from __future__ import annotations

import bisect
import functools

import numpy as np

from envs.level import Level, LevelError
from envs.platformer import core
from envs.platformer.core import (
    BRICK,
    CANNON,
    COIN,
    EH,
    EMPTY,
    EW,
    GOAL,
    GOAL_COLS,
    GROUND,
    NH,
    NLH,
    PAD_C,
    PAD_R,
    PH,
    PHYS_BOTTOM,
    PHYS_SIDE,
    PHYS_TOP,
    PIPE,
    PW,
    QBLOCK,
    START_MIN_ROW_FRACTION,
    TILE,
    TILE_CODE,
    USED,
)

# state tuple fields
X, Y, VX, VY, ON_GROUND, T, NEXT_ENEMY, ENEMIES, BULLETS, CHANGED, TAKEN = range(11)
_SOLID_CODES = (GROUND, BRICK, QBLOCK, USED, PIPE, CANNON)


class RowState:
    """The arrays of ``n`` players (see ``core``): ``st`` int64 ``(n, NS)`` and ``grid`` uint8 ``(n, GW, GH)``
    (column-major), every row laid out for ``cap_e`` enemies, ``cap_b`` bullets and ``cap_c`` tile changes. Plain
    data: pickles."""

    def __init__(self, n: int, grid_shape: tuple[int, int], cap_e: int, cap_b: int, cap_c: int) -> None:
        off_e, off_b, off_c, length = core.row_layout(cap_e, cap_b, cap_c)
        self.st = np.zeros((n, length), dtype=np.int64)
        self.st[:, core.CAP_E], self.st[:, core.CAP_B], self.st[:, core.CAP_C] = cap_e, cap_b, cap_c
        self.st[:, core.OFF_E], self.st[:, core.OFF_B], self.st[:, core.OFF_C] = off_e, off_b, off_c
        self.grid = np.zeros((n, *grid_shape), dtype=np.uint8)
        self.caps = (cap_e, cap_b, cap_c)

    def grown(self, grid_shape: tuple[int, int], cap_e: int, cap_b: int, cap_c: int) -> RowState:
        """A copy with room for more (every row keeps its state; grids keep their top-left corner)."""
        cap_e, cap_b, cap_c = max(cap_e, self.caps[0]), max(cap_b, self.caps[1]), max(cap_c, self.caps[2])
        gh, gw = max(grid_shape[0], self.grid.shape[1]), max(grid_shape[1], self.grid.shape[2])
        new = RowState(self.st.shape[0], (gh, gw), cap_e, cap_b, cap_c)
        old = self.st
        new.st[:, : core.CAP_E] = old[:, : core.CAP_E]
        blocks = ((core.OFF_E, self.caps[0], 5), (core.OFF_B, self.caps[1], 3), (core.OFF_C, self.caps[2], 1))
        for off, cap, width in blocks:
            src, dst = int(old[0, off]), int(new.st[0, off])
            new.st[:, dst : dst + width * cap] = old[:, src : src + width * cap]
        new.grid[:, : self.grid.shape[1], : self.grid.shape[2]] = self.grid
        return new


class PlatformerPhysics:
    """The game's rules for one level, as a pure function on a hashable state (shared by env and solver).

    A state is a tuple ``(x, y, vx, vy, on_ground, t, next_enemy, enemies, bullets, changed, taken)``: player box
    top-left and velocity in sub-units (256 per tile, y grows downward), frame counter, index of the next enemy to
    wake (enemies wake in order of column), the awake enemies ``((id, x, y, vx, vy), ...)``, flying bullets
    ``((x, y, vx), ...)``, a frozenset of changed blocks (broken bricks and used question blocks, as padded grid
    indices, see :meth:`index`) and a frozenset of collected coins. ``step`` never mutates anything.

    For the kernels: ``lv`` (this level's row of a level table) and ``static`` (its tile codes padded by
    ``core.PAD_R`` rows and ``core.PAD_C`` columns, goal columns marked, column-major), both with a leading axis of 1.
    """

    def __init__(self, level: Level) -> None:
        self.level = level
        self.H, self.W = H, W = level.height, level.width
        self.WP = WP = W + 2 * PHYS_SIDE
        size = (H + PHYS_TOP + PHYS_BOTTOM) * WP
        solid = [0] * size  # 0 passable, 1 solid, 2 breakable (solid unless in `changed`)
        kind = [0] * size  # 3 question block, 7 coin
        for r in range(-PHYS_TOP, H + PHYS_BOTTOM):
            for c in (-2, -1, W, W + 1):
                solid[self.index(r, c)] = 1  # the level's sides are walls
        enemies, cannons = [], []
        for r, row in enumerate(level.rows):
            for c, ch in enumerate(row):
                i = self.index(r, c)
                code = TILE_CODE[ch]
                if code in (GROUND, USED, PIPE, CANNON, QBLOCK):
                    solid[i] = 1
                elif code == BRICK:
                    solid[i] = 2
                if code in (QBLOCK, COIN):
                    kind[i] = code
                if ch == "E":
                    enemies.append((c * TILE + (TILE - EW) // 2, r * TILE + TILE - EH))
                elif ch == "B":
                    cannons.append((c, r))
        self.solid, self.kind = solid, kind
        self.has_coins = COIN in kind
        self.enemy_spawns = tuple(sorted(enemies))
        self.cannons = tuple(cannons)
        self.goal_x = (W - GOAL_COLS) * TILE  # finished when x + PW // 2 >= goal_x
        self.start = self._find_start()
        self.n_changeable = sum(ch in "S?o" for row in level.rows for ch in row)
        self.static = self._static_grid()[None]
        self.lv = self._level_row()[None]
        self._scratch: RowState | None = None  # PlatformerPhysics.step's one-row state

    # ------------------------------------------------------------------ indices
    def index(self, r: int, c: int) -> int:
        """Index of tile (r, c) in the padded grid (r may be above or below the level by the padding)."""
        return (r + PHYS_TOP) * self.WP + c + PHYS_SIDE

    def cell(self, index: int) -> tuple[int, int]:
        """Inverse of :meth:`index`."""
        r, c = divmod(index, self.WP)
        return r - PHYS_TOP, c - PHYS_SIDE

    # ------------------------------------------------------------------ the level for the kernels
    def _static_grid(self) -> np.ndarray:
        """Tile codes padded for the observation window: walls (ground) beside the level, free rows above and
        below it, the goal columns' empty tiles marked."""
        H, W = self.H, self.W
        grid = np.zeros((H + 2 * PAD_R, W + 2 * PAD_C), dtype=np.uint8)
        grid[:, :PAD_C] = GROUND
        grid[:, PAD_C + W :] = GROUND
        codes = np.array([[TILE_CODE[ch] for ch in row] for row in self.level.rows], dtype=np.uint8)
        goal = codes[:, W - GOAL_COLS :]
        goal[goal == EMPTY] = GOAL
        grid[PAD_R : PAD_R + H, PAD_C : PAD_C + W] = codes
        return np.ascontiguousarray(grid.T)  # column-major: a column of the window is contiguous

    def _level_row(self) -> np.ndarray:
        spawns, cannons = self.enemy_spawns, self.cannons
        row = np.zeros(NLH + 2 * len(spawns) + 2 * len(cannons), dtype=np.int64)
        row[core.L_H], row[core.L_W], row[core.L_GOAL_X] = self.H, self.W, self.goal_x
        row[core.L_START_X], row[core.L_START_Y] = self.start
        row[core.L_N_SPAWNS], row[core.L_N_CANNONS] = len(spawns), len(cannons)
        row[core.L_FIT_ROWS] = self.H == core.VIEW_H
        row[core.L_OFF_SP] = NLH
        row[core.L_OFF_CN] = NLH + 2 * len(spawns)
        if spawns:
            row[NLH : NLH + 2 * len(spawns)] = np.array(spawns, dtype=np.int64).ravel()
        if cannons:
            row[NLH + 2 * len(spawns) :] = np.array(cannons, dtype=np.int64).ravel()
        return row

    def capacities(self, frames: int) -> tuple[int, int, int]:
        """Enemies, bullets and tile changes an episode of ``frames`` frames can hold at most."""
        return len(self.enemy_spawns), core.bullet_capacity(len(self.cannons), frames), self.n_changeable

    def new_rows(self, n: int, frames: int) -> RowState:
        return RowState(n, self.static.shape[1:], *self.capacities(frames))

    # ------------------------------------------------------------------ starts
    def _find_start(self) -> tuple[int, int]:
        level = self.level
        lowest_row = int(self.H * START_MIN_ROW_FRACTION)
        for c in range(self.W - GOAL_COLS):
            for r in range(self.H - 1, max(lowest_row, 1) - 1, -1):
                below, here = TILE_CODE[level.rows[r][c]], level.rows[r - 1][c]
                if below in _SOLID_CODES and TILE_CODE[here] in (EMPTY, COIN) and here != "E":
                    return c * TILE + (TILE - PW) // 2, r * TILE - PH
        raise LevelError(
            "no start: no column has a solid tile with free space above it in the lower half",
            level.path or level.name,
        )

    def first_enemy(self, x: int) -> int:
        """Index of the first enemy to wake for a player starting at ``x``: enemies whose spawn lies behind a later
        start never wake (they would only walk away to the left)."""
        return bisect.bisect_left(self.enemy_spawns, (x, -(1 << 30)))

    def initial_state(self, start: tuple[int, int] | None = None) -> tuple:
        """The state at ``start`` (player box top-left, default the level's start), standing still. Enemies whose
        spawn lies behind a later start never wake (they would only walk away to the left)."""
        x, y = self.start if start is None else start
        next_enemy = 0 if start is None else self.first_enemy(x)
        return (x, y, 0, 0, True, 0, next_enemy, (), (), frozenset(), frozenset())

    @functools.cached_property
    def standing_spots(self) -> tuple[tuple[int, int], ...]:
        """Every place the player can stand still safely, start and goal columns excluded: a free tile (empty or
        coin) on top of a solid one, at least 3 columns away from any enemy's spawn. ``PlatformerEnv``'s
        ``start_anywhere`` draws training starts from these."""
        level = self.level
        enemy_cols = {c for row in level.rows for c, ch in enumerate(row) if ch == "E"}
        first = self.start[0] // TILE + 1
        spots = []
        for c in range(first, self.W - GOAL_COLS):
            if any(abs(c - e) < 3 for e in enemy_cols):
                continue
            for r in range(1, self.H):
                here = level.rows[r - 1][c]
                if TILE_CODE[level.rows[r][c]] in _SOLID_CODES and TILE_CODE[here] in (EMPTY, COIN) and here != "E":
                    spots.append((c * TILE + (TILE - PW) // 2, r * TILE - PH))
        return tuple(spots)

    # ------------------------------------------------------------------ tuple states <-> rows
    def _cell_entry(self, i: int) -> int:
        r, c = self.cell(i)
        return ((r + PAD_R) << 16) | (c + PAD_C)

    def _entry_index(self, e: int) -> int:
        return self.index((e >> 16) - PAD_R, (e & 0xFFFF) - PAD_C)

    def load(self, s: tuple, rows: RowState, r: int = 0) -> None:
        """Write tuple state ``s`` into row ``r`` (whose grid holds this level's static tiles, slot 0)."""
        st, grid = rows.st, rows.grid
        st[r, : core.NEXT_ENEMY + 1] = s[: core.NEXT_ENEMY + 1]
        enemies, bullets = s[ENEMIES], s[BULLETS]
        st[r, core.NE], st[r, core.NB], st[r, core.SLOT] = len(enemies), len(bullets), 0
        if enemies:
            o = st[r, core.OFF_E]
            st[r, o : o + 5 * len(enemies)] = np.array(enemies, dtype=np.int64).ravel()
        if bullets:
            o = st[r, core.OFF_B]
            st[r, o : o + 3 * len(bullets)] = np.array(bullets, dtype=np.int64).ravel()
        entries = [self._cell_entry(i) for i in (*s[CHANGED], *s[TAKEN])]
        st[r, core.NC] = len(entries)
        o = st[r, core.OFF_C]
        static = self.static[0]
        for k, e in enumerate(entries):
            st[r, o + k] = e
            gr, gc = e >> 16, e & 0xFFFF
            grid[r, gc, gr] = core.changed_code(int(static[gc, gr]), gc - PAD_C, self.W)

    def state_of(self, rows: RowState, r: int = 0) -> tuple:
        """The tuple state of row ``r`` (changes in the row's log are read against this level's tiles)."""
        st = rows.st[r]
        h = st[:NH].tolist()
        ne, nb, nc = h[core.NE], h[core.NB], h[core.NC]
        o = h[core.OFF_E]
        enemies = tuple(map(tuple, st[o : o + 5 * ne].reshape(ne, 5).tolist()))
        o = h[core.OFF_B]
        bullets = tuple(map(tuple, st[o : o + 3 * nb].reshape(nb, 3).tolist()))
        o = h[core.OFF_C]
        static = self.static[0]
        changed: list[int] = []
        taken: list[int] = []
        for e in st[o : o + nc].tolist():
            (taken if static[e & 0xFFFF, e >> 16] == COIN else changed).append(self._entry_index(e))
        return (
            h[X], h[Y], h[VX], h[VY], bool(h[ON_GROUND]), h[T], h[NEXT_ENEMY], enemies, bullets,
            frozenset(changed), frozenset(taken),
        )  # fmt: skip

    def scratch(self, s: tuple, frames: int = 0) -> RowState:
        """A one-row state with room for ``s`` and ``frames`` more frames, its grid this level's static tiles."""
        cap_e = len(s[ENEMIES]) + max(len(self.enemy_spawns) - s[NEXT_ENEMY], 0)
        cap_b = len(s[BULLETS]) + core.bullet_capacity(len(self.cannons), frames)
        cap_c = len(s[CHANGED]) + len(s[TAKEN]) + self.n_changeable
        rows = RowState(1, self.static.shape[1:], cap_e, cap_b, cap_c)
        rows.grid[0] = self.static[0]
        return rows

    def step(self, s: tuple, action: int) -> tuple[tuple, int, int]:
        """Advance one frame: returns ``(new_state, coins_collected, event)`` with event NONE, DIED or FINISHED."""
        need = (
            len(s[ENEMIES]) + max(len(self.enemy_spawns) - s[NEXT_ENEMY], 0),
            len(s[BULLETS]) + len(self.cannons),
            len(s[CHANGED]) + len(s[TAKEN]) + 5,  # one block hit and four coins a frame at most
        )
        rows = self._scratch
        if rows is None or any(n > c for n, c in zip(need, rows.caps, strict=True)):
            rows = self._scratch = RowState(1, self.static.shape[1:], *(2 * n for n in need))
            rows.grid[0] = self.static[0]
        self.load(s, rows)
        coins, event = core.frame(rows.st, rows.grid, self.lv, 0, action)
        out = self.state_of(rows)
        core.restore_grid(rows.st, rows.grid, self.static, 0)
        return out, coins, event

    def __getstate__(self) -> dict:
        d = self.__dict__.copy()
        d["_scratch"] = None
        return d


class LevelTable:
    """Levels padded to one shape for a batch whose rows play different levels: ``lv`` int64 ``(K, NL)`` and
    ``static`` uint8 ``(K, GW, GH)``, one slot per distinct level (by its tiles), added as the source hands them
    out. ``add`` says whether the arrays grew (then rows must be grown too, ``RowState.grown``)."""

    def __init__(self, min_shape: tuple[int, int] = (1, 1)) -> None:
        self.physics: list[PlatformerPhysics] = []
        self._slots: dict[tuple[str, ...], int] = {}
        self.lv = np.zeros((0, NLH), dtype=np.int64)
        self.static = np.zeros((0, *min_shape), dtype=np.uint8)

    def __len__(self) -> int:
        return len(self.physics)

    def slot(self, level: Level) -> int | None:
        return self._slots.get(level.rows)

    def add(self, phys: PlatformerPhysics) -> int:
        """The slot of ``phys``'s level (added if new)."""
        slot = self._slots.get(phys.level.rows)
        if slot is not None:
            return slot
        slot = self._slots[phys.level.rows] = len(self.physics)
        self.physics.append(phys)
        k = len(self.physics)
        row = phys.lv[0]
        lv = np.zeros((k, max(self.lv.shape[1], row.shape[0])), dtype=np.int64)
        lv[: k - 1, : self.lv.shape[1]] = self.lv
        lv[k - 1, : row.shape[0]] = row
        gh, gw = (max(a, b) for a, b in zip(self.static.shape[1:], phys.static.shape[1:], strict=True))
        static = np.zeros((k, gh, gw), dtype=np.uint8)
        static[: k - 1, : self.static.shape[1], : self.static.shape[2]] = self.static
        static[k - 1, : phys.static.shape[1], : phys.static.shape[2]] = phys.static[0]
        self.lv, self.static = lv, static
        return slot

    def capacities(self, frames: int) -> tuple[int, int, int]:
        """The largest capacities (enemies, bullets, changes) any level of the table needs."""
        caps = [p.capacities(frames) for p in self.physics]
        cap_e, cap_b, cap_c = (max(c[i] for c in caps) for i in range(3))
        return cap_e, cap_b, cap_c
