"""Is a platformer level completable, and by which actions? A best-first search over the game's own physics.

The search runs the env's own compiled rules (``core.frame``; ``expand`` here computes a node's six children in
one compiled call), so a plan it returns replays frame for frame in ``PlatformerEnv``. Each search edge holds one
action for ``repeat`` frames. Nodes are full physics states (enemies, bullets and broken blocks included, so
enemy motion is simulated exactly, never approximated); states are merged by a coarse key (position in 1/8 tiles,
velocity buckets, whether on the ground, and the tile positions of nearby enemies and bullets). The priority is
weighted A*: frames so far plus ``weight`` x remaining distance / top speed.

Before searching, a jump-envelope test on the tile grid (``_may_reach_goal``) over-approximates the physics: if
no chain of standing spots within the jump's reach (computed from the physics constants) leads to the goal
columns, the level is refused at once (pits too wide, walls too tall, a sealed goal cost milliseconds). Otherwise
a level is called not completable when the reachable key space is exhausted or the node budget runs out without
reaching the goal: a budget-exhausted answer means "not shown completable", which is what the env's playability
check needs (it may refuse a level a human could finish, never accept one the physics cannot).

Because merging by the coarse key drops states, the search is not complete; it is sound: every plan it returns
is an exact frame-by-frame replay of the physics from the start state.
"""

from __future__ import annotations

import functools
import heapq
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from envs.level import Level
from envs.platformer import core
from envs.platformer.core import (
    DIED,
    FINISHED,
    GRAVITY,
    JUMP_V,
    L_W,
    MAX_FALL,
    MAX_VX,
    NB,
    NC,
    NE,
    NONE,
    OFF_B,
    OFF_C,
    OFF_E,
    ON_GROUND,
    PAD_C,
    PH,
    PW,
    SLOT,
    TILE,
    VX,
    VY,
    X,
    Y,
    changed_code,
    frame,
    restore_grid,
)
from envs.platformer.physics import BULLETS, ENEMIES, PlatformerPhysics  # tuple fields X..VY match the row's

__all__ = ["DEFAULT_NODE_BUDGET", "SolveResult", "check_level", "solve"]

DEFAULT_NODE_BUDGET = 60_000
# --- search nodes (``expand``): the state packed without unused capacity --------------------------------------
P_NE, P_NB, P_NC = 7, 8, 9  # header: x, y, vx, vy, on_ground, t, next_enemy, then the counts
NPH = 10
SOLVER_ACTIONS = np.array([5, 2, 3, 0, 4, 1], dtype=np.int64)  # mostly forward: running plans are found first
NEAR = 6 * 256  # enemies / bullets within this many sub-units of the player are part of the merge key
_ACTIONS = tuple(SOLVER_ACTIONS.tolist())
_CELL_SHIFT = 16


@dataclass(frozen=True)
class SolveResult:
    """``actions`` (one per frame) reach the goal from the start when ``completable``; ``reason`` says why not;
    ``nodes`` is the number of search nodes generated (0 when the quick jump-envelope test already refused)."""

    completable: bool
    actions: tuple[int, ...]
    reason: str
    nodes: int
    seconds: float


# --- node expansion, compiled: six children per call ---------------------------------------------------------
@njit(cache=True)
def _unpack(node: np.ndarray, st: np.ndarray, grid: np.ndarray, static: np.ndarray, width: int) -> None:
    """Load a packed search node into row 0 (whose grid equals the level's static tiles)."""
    s = st[0]
    for i in range(7):
        s[i] = node[i]
    ne, nb, nc = node[P_NE], node[P_NB], node[P_NC]
    s[NE], s[NB], s[NC] = ne, nb, nc
    p = NPH
    for i in range(5 * ne):
        s[s[OFF_E] + i] = node[p + i]
    p += 5 * ne
    for i in range(3 * nb):
        s[s[OFF_B] + i] = node[p + i]
    p += 3 * nb
    slot = s[SLOT]
    for i in range(nc):
        e = node[p + i]
        s[s[OFF_C] + i] = e
        gr, gc = e >> _CELL_SHIFT, e & 0xFFFF
        grid[0, gc, gr] = changed_code(static[slot, gc, gr], gc - PAD_C, width)


@njit(cache=True)
def _pack(st: np.ndarray, out: np.ndarray) -> int:
    s = st[0]
    for i in range(7):
        out[i] = s[i]
    ne, nb, nc = s[NE], s[NB], s[NC]
    out[P_NE], out[P_NB], out[P_NC] = ne, nb, nc
    p = NPH
    for i in range(5 * ne):
        out[p + i] = s[s[OFF_E] + i]
    p += 5 * ne
    for i in range(3 * nb):
        out[p + i] = s[s[OFF_B] + i]
    p += 3 * nb
    for i in range(nc):
        out[p + i] = s[s[OFF_C] + i]
    return p + nc


@njit(cache=True)
def merge_key(st: np.ndarray, out: np.ndarray) -> int:
    """The solver's coarse merge key of row 0 into ``out``: position in 1/8 tiles, velocity buckets, whether on
    the ground, the tile positions of enemies and then bullets within ``NEAR`` of the player; returns its length."""
    s = st[0]
    x = s[X]
    out[0], out[1], out[2], out[3], out[4] = x >> 5, s[Y] >> 5, s[VX] >> 4, s[VY] >> 4, s[ON_GROUND]
    p = 5
    for i in range(s[NE]):
        b = s[OFF_E] + 5 * i
        if -NEAR < s[b + 1] - x < NEAR:
            out[p], out[p + 1] = s[b + 1] >> 8, s[b + 2] >> 8
            p += 2
    for i in range(s[NB]):
        b = s[OFF_B] + 3 * i
        if -NEAR < s[b] - x < NEAR:
            out[p], out[p + 1] = s[b] >> 8, s[b + 1] >> 8
            p += 2
    return p


@njit(cache=True)
def expand(
    node: np.ndarray, st: np.ndarray, grid: np.ndarray, lv: np.ndarray, static: np.ndarray, repeat: int,
    children: np.ndarray, lengths: np.ndarray, events: np.ndarray, frames: np.ndarray, keys: np.ndarray,
    key_lengths: np.ndarray,
) -> None:  # fmt: skip
    """The six children of a search node: each of ``SOLVER_ACTIONS`` held for ``repeat`` frames (fewer if a
    frame ends the episode), packed into ``children`` with their event, frames played and merge key."""
    width = lv[st[0, SLOT], L_W]
    for j in range(SOLVER_ACTIONS.shape[0]):
        _unpack(node, st, grid, static, width)
        event = NONE
        k = 0
        while k < repeat:
            _, event = frame(st, grid, lv, 0, SOLVER_ACTIONS[j])
            k += 1
            if event != NONE:
                break
        events[j] = event
        frames[j] = k
        lengths[j] = _pack(st, children[j])
        key_lengths[j] = merge_key(st, keys[j])
        restore_grid(st, grid, static, 0)


def _key(s: tuple) -> bytes:
    """The merge key of a tuple state, encoded as ``core.merge_key`` encodes a node's."""
    x, y = s[X], s[Y]
    key = [x >> 5, y >> 5, s[2] >> 4, s[3] >> 4, int(s[4])]
    for e in s[ENEMIES]:
        if -NEAR < e[1] - x < NEAR:
            key += (e[1] >> 8, e[2] >> 8)
    for b in s[BULLETS]:
        if -NEAR < b[0] - x < NEAR:
            key += (b[0] >> 8, b[1] >> 8)
    return np.array(key, dtype=np.int64).tobytes()


class _Expander:
    """Scratch buffers of one search: a one-row state on the level's tiles and room for six children."""

    def __init__(self, phys: PlatformerPhysics, s0: tuple, frames: int) -> None:
        self.phys = phys
        self.rows = phys.scratch(s0, frames)
        cap_e, cap_b, cap_c = self.rows.caps
        size = NPH + 5 * cap_e + 3 * cap_b + cap_c
        n = len(_ACTIONS)
        self.children = np.zeros((n, size), dtype=np.int64)
        self.lengths = np.zeros(n, dtype=np.int64)
        self.events = np.zeros(n, dtype=np.int64)
        self.frames = np.zeros(n, dtype=np.int64)
        self.keys = np.zeros((n, 5 + 2 * (cap_e + cap_b)), dtype=np.int64)
        self.key_lengths = np.zeros(n, dtype=np.int64)

    def pack(self, s: tuple) -> np.ndarray:
        """A tuple state as a packed search node."""
        rows = self.rows
        self.phys.load(s, rows)
        restore_grid(rows.st, rows.grid, self.phys.static, 0)
        st = rows.st[0]
        h = st[:7].tolist()
        ne, nb = len(s[ENEMIES]), len(s[BULLETS])
        changes = st[st[core.OFF_C] : st[core.OFF_C] + st[core.NC]]
        return np.array(
            [*h, ne, nb, len(changes)]
            + st[st[core.OFF_E] : st[core.OFF_E] + 5 * ne].tolist()
            + st[st[core.OFF_B] : st[core.OFF_B] + 3 * nb].tolist()
            + changes.tolist(),
            dtype=np.int64,
        )

    def expand(self, node: np.ndarray, repeat: int) -> None:
        rows = self.rows
        expand(
            node, rows.st, rows.grid, self.phys.lv, self.phys.static, repeat, self.children, self.lengths,
            self.events, self.frames, self.keys, self.key_lengths,
        )  # fmt: skip


def solve(
    level: Level | PlatformerPhysics,
    start: tuple | None = None,
    node_budget: int = DEFAULT_NODE_BUDGET,
    repeat: int = 4,
    weight: float = 3.0,
    max_steps: int = 4000,
) -> SolveResult:
    """Search for an action sequence from ``start`` (default: the level's start) to the goal.

    ``max_steps`` bounds the plan's length in frames (so a plan finishes before the env would truncate).
    Deterministic: the same level and arguments give the same plan.
    """
    t0 = time.perf_counter()
    phys = level if isinstance(level, PlatformerPhysics) else PlatformerPhysics(level)
    s0 = phys.initial_state() if start is None else start
    if not _may_reach_goal(phys, s0):
        return SolveResult(
            False,
            (),
            "no chain of jumps within the jump envelope reaches the goal columns (a pit "
            "too wide, a wall too tall, or the goal sealed off)",
            0,
            time.perf_counter() - t0,
        )
    goal = phys.goal_x - PW // 2
    speed = MAX_VX
    expander = _Expander(phys, s0, max_steps + repeat)
    children, lengths, events, frames = expander.children, expander.lengths, expander.events, expander.frames
    keys, key_lengths = expander.keys, expander.key_lengths
    # node i: (packed state, parent, action, frames of the action actually used)
    nodes: list[tuple] = [(expander.pack(s0), -1, -1, 0)]
    seen = {_key(s0)}
    heap = [(weight * (goal - s0[X]) / speed, 0, 0)]
    frames0 = s0[5]
    expanded = 0
    while heap:
        if expanded >= node_budget:
            return SolveResult(
                False,
                (),
                f"search budget of {node_budget} nodes exhausted without reaching the goal",
                len(nodes),
                time.perf_counter() - t0,
            )
        _, _, i = heapq.heappop(heap)
        node = nodes[i][0]
        expanded += 1
        if int(node[5]) - frames0 + repeat > max_steps:
            continue
        expander.expand(node, repeat)
        evs, ks = events.tolist(), frames.tolist()
        for j, a in enumerate(_ACTIONS):
            event = evs[j]
            if event == DIED:
                continue
            if event == FINISHED:
                nodes.append((None, i, a, ks[j]))
                return SolveResult(
                    True,
                    _plan(nodes, len(nodes) - 1),
                    "reached the goal",
                    len(nodes),
                    time.perf_counter() - t0,
                )
            key = keys[j, : key_lengths[j]].tobytes()
            if key in seen:
                continue
            seen.add(key)
            child = children[j, : lengths[j]].copy()
            nodes.append((child, i, a, ks[j]))
            g = int(child[5]) - frames0
            heapq.heappush(heap, (g + weight * (goal - int(child[0])) / speed, len(nodes), len(nodes) - 1))
    return SolveResult(
        False,
        (),
        "every reachable state explored: the goal cannot be reached",
        len(nodes),
        time.perf_counter() - t0,
    )


def _jump_reach() -> dict[int, int]:
    """Columns a full-speed, fully held jump can cover before its centre drops ``dr`` rows below take-off
    (negative ``dr``: landing higher), for every ``dr`` the jump allows. Computed from the physics constants."""
    traj = []  # (y, x) of a full-speed, fully held jump, frame by frame (y < 0 is above take-off)
    vy, y, x = -JUMP_V, 0, 0
    while y < 16 * TILE:
        vy = min(vy + GRAVITY, MAX_FALL)
        y += vy
        x += MAX_VX
        traj.append((y, x))
    apex = -min(y for y, _ in traj)
    reach: dict[int, int] = {}
    for d in range(-(apex // TILE), 16):
        # the latest frame at or above the landing height, plus the landing frame itself
        last = max(i for i, (y, _) in enumerate(traj) if y <= d * TILE)
        reach[d] = traj[min(last + 1, len(traj) - 1)][1]
    return {d: -(-v // TILE) for d, v in reach.items()}  # overhanging standing spots cover the box width


_REACH = _jump_reach()
_BOUNCE_SLACK = 3  # extra rows / columns allowed when enemies or bullets could be stomped for a bounce


def _may_reach_goal(phys: PlatformerPhysics, s0: tuple) -> bool:
    """A quick necessary condition on the tile grid: some chain of standing spots, each reachable from the last
    within the jump envelope through columns that have free cells at the heights the jump passes, reaches the
    goal columns. It over-approximates the physics (breakable blocks count as both passable and standable), so
    a ``False`` here is a proof of impossibility and saves the search from exhausting the state space.
    """
    H, W = phys.H, phys.W
    top = -6  # the player can fly a few rows above the level
    solid_rows = [[phys.solid[phys.index(r, c)] == 1 for c in range(W)] for r in range(H)]
    brick = [[phys.solid[phys.index(r, c)] == 2 for c in range(W)] for r in range(H)]

    def free(r: int, c: int) -> bool:
        return r < 0 or r >= H or not solid_rows[r][c]

    def support(r: int, c: int) -> bool:
        return 0 <= r < H and (solid_rows[r][c] or brick[r][c])

    # prefix[c][k]: number of free cells in rows top .. top + k - 1 of column c
    prefix = []
    for c in range(W):
        acc, col = 0, [0]
        for r in range(top, H):
            acc += free(r, c)
            col.append(acc)
        prefix.append(col)

    def band_free(c: int, r0: int, r1: int) -> bool:
        r0, r1 = max(r0, top), min(r1, H - 1)
        return r0 <= r1 and prefix[c][r1 - top + 1] - prefix[c][r0 - top] > 0

    slack = _BOUNCE_SLACK if (phys.enemy_spawns or phys.cannons) else 0
    rise = max(-d for d in _REACH) + slack
    # standing spots: the centre cell is free and it, or a neighbour (the box overhangs), is a floor
    floor = {(r, c) for c in range(W) for r in range(top, H) if free(r, c) and support(r + 1, c)}
    spots = {
        (r, c)
        for c in range(W)
        for r in range(top, H)
        if free(r, c) and ((r, c) in floor or (r, c - 1) in floor or (r, c + 1) in floor)
    }
    goal_col = phys.goal_x // TILE
    spots_by_col = [[r for r in range(top, H) if (r, c) in spots] for c in range(W)]
    goal_rows = list(range(top, H))
    deepest = max(_REACH)
    r0 = (s0[Y] + PH // 2) >> 8
    c0 = (s0[X] + PW // 2) >> 8
    frontier, seen = [(r0, c0)], {(r0, c0)}
    max_dx = max(_REACH.values()) + slack
    while frontier:
        r, c = frontier.pop()
        if c >= goal_col:
            return True
        for c2 in range(max(0, c - max_dx), min(W, c + max_dx + 1)):
            dc = abs(c2 - c)
            step = 1 if c2 >= c else -1
            for r2 in goal_rows if c2 >= goal_col else spots_by_col[c2]:
                d = r2 - r
                if d < 0 and slack:
                    d = min(d + slack, 0)
                reach = _REACH.get(min(d, deepest))
                if reach is None or dc > reach + slack or (r2, c2) in seen:
                    continue
                lo, hi = r - rise, max(r, r2)
                if all(band_free(cc, lo, hi) for cc in range(c + step, c2 + step, step)):
                    seen.add((r2, c2))
                    frontier.append((r2, c2))
    return False


def _plan(nodes: list[tuple], i: int) -> tuple[int, ...]:
    out: list[int] = []
    while i > 0:
        _, parent, a, k = nodes[i]
        out.extend([a] * k)
        i = parent
    out.reverse()
    return tuple(out)


@functools.lru_cache(maxsize=512)
def _check_rows(rows: tuple[str, ...], max_steps: int, node_budget: int) -> SolveResult:
    return solve(Level(rows, "checked"), node_budget=node_budget, max_steps=max_steps)


def check_level(level: Level, max_steps: int = 4000, node_budget: int = DEFAULT_NODE_BUDGET) -> SolveResult:
    """``solve`` cached by level content (envs reset often; a level is searched once per process)."""
    return _check_rows(level.rows, max_steps, node_budget)
