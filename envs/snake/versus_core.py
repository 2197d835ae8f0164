"""Snake versus: two snakes, one food, simultaneous moves; the rules written once over arrays with a leading env
axis and compiled with numba.

State of ``n`` boards (``VersusState``): ``bodies`` int64 ``(n, 2, cap)``, each snake a ring buffer of interior
cells (``row * size + col``) read head first from ``HP0``/``HP1``; ``occ`` uint8 ``(n, size * size)``, which snake
(1 or 2) is on a cell, 0 free; ``vi`` int64 ``(n, NV)`` (headings, ring positions, lengths, food cell, step
counters, scores, who died last round, the "ended" flag); ``rng`` uint64 ``(n, 2)`` (the counter-based stream
the batched env draws from).

Randomness is the caller's: a round that needs new food reports how many cells are free, and the caller picks
the k-th free cell (``put_food``). ``SnakeVersusEnv`` and ``SnakeVersusParallelEnv`` draw ``k`` from their
``np_random`` (their original streams, pinned by the golden hashes); ``SnakeVersusVectorEnv`` draws it inside the
kernel from each row's counter-based stream.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from envs.jit import row_helper
from envs.rng import integers_nb
from envs.snake.planner import choose_move_nb, neighbour_table, work_size

VS_CHANNELS = 11  # own head + 4 body planes, other head + 4 body planes, food

# --- state layout --------------------------------------------------------------------------------------------
D0, D1, HP0, HP1, L0, L1, FOOD, STEPS, SINCE_FOOD, SCORE0, SCORE1, DEAD0, DEAD1, OVER = range(14)  # ``vi``
NV = 14
KEY, COUNTER = 0, 1
_U1 = np.uint64(1)


class VersusState:
    """The arrays of ``n`` versus boards (see the module docstring); plain data, so it pickles."""

    def __init__(self, n: int, size: int) -> None:
        nn = size * size
        self.size = size
        self.cap = 1 << max(1, (nn - 1).bit_length())  # ring buffer length: a power of two >= size * size
        self.bodies = np.zeros((n, 2, self.cap), dtype=np.int64)
        self.occ = np.zeros((n, nn), dtype=np.uint8)
        self.vi = np.zeros((n, NV), dtype=np.int64)
        self.vi[:, FOOD] = -1
        self.vi[:, OVER] = 1
        self.rng = np.zeros((n, 2), dtype=np.uint64)
        self.nbr = neighbour_table(size)  # the cell next to each cell per direction, -1 off the board
        self.work = np.empty(
            work_size(size) + 2 * nn + 1, dtype=np.int64
        )  # the planner's scratch (see greedy_action)

    def snake(self, r: int, who: int) -> list[int]:
        """Snake ``who`` of row ``r`` as interior cells, head first."""
        return snake_cells(self.bodies, self.vi, r, who).tolist()

    def set_snake(self, r: int, who: int, cells: list[int]) -> None:
        """Lay snake ``who`` of row ``r`` on ``cells`` (head first); for tests and tools that set up boards."""
        self.occ[r][self.occ[r] == who + 1] = 0
        self.bodies[r, who, : len(cells)] = cells
        self.vi[r, HP0 + who] = 0
        self.vi[r, L0 + who] = len(cells)
        self.occ[r, cells] = who + 1


@njit(cache=True, inline="always")
def _cell(bodies: np.ndarray, vi: np.ndarray, r: int, who: int, j: int) -> int:
    """Segment ``j`` (0 = head) of snake ``who``."""
    cap = bodies.shape[2]
    return bodies[r, who, (vi[r, HP0 + who] + j) & (cap - 1)]


@njit(cache=True)
def snake_cells(bodies: np.ndarray, vi: np.ndarray, r: int, who: int) -> np.ndarray:
    n = vi[r, L0 + who]
    out = np.empty(n, dtype=np.int64)
    for j in range(n):
        out[j] = _cell(bodies, vi, r, who, j)
    return out


@njit(cache=True)
def free_cells(occ: np.ndarray, r: int) -> int:
    free = 0
    for c in range(occ.shape[1]):
        free += occ[r, c] == 0
    return free


@njit(cache=True)
def put_food(occ: np.ndarray, vi: np.ndarray, r: int, k: int) -> None:
    """Food on the ``k``-th free cell of row ``r`` (in cell order)."""
    for c in range(occ.shape[1]):
        if occ[r, c] == 0:
            if k == 0:
                vi[r, FOOD] = c
                return
            k -= 1


@njit(cache=True)
def reset_row(bodies: np.ndarray, occ: np.ndarray, vi: np.ndarray, r: int, size: int, row: int) -> int:
    """A new game in row ``r`` (no food yet): point-symmetric snakes, snake 0 on board row ``row`` of the top half
    heading right, snake 1 on the mirrored row heading left. Returns the free cells, for the food draw."""
    occ[r, :] = 0
    vi[r, :] = 0
    for j in range(3):
        a = row * size + 2 - j
        b = (size - 1 - row) * size + size - 3 + j
        bodies[r, 0, j] = a
        bodies[r, 1, j] = b
        occ[r, a] = 1
        occ[r, b] = 2
    vi[r, D0], vi[r, D1] = 1, 3
    vi[r, L0], vi[r, L1] = 3, 3
    vi[r, FOOD] = -1
    return size * size - 6


@row_helper
def _move_snakes(
    bodies: np.ndarray, occ: np.ndarray, vi: np.ndarray, r: int, q0: int, q1: int, eat0: bool, eat1: bool,
    tail0: int, tail1: int,
) -> None:  # fmt: skip
    """Both snakes of row ``r`` one cell on, heads to ``q0``/``q1``: tails first (a head may enter the cell a
    tail leaves; a snake that eats keeps its tail), then the heads."""
    cap = bodies.shape[2]
    if not eat0:
        occ[r, tail0] = 0
        vi[r, L0] -= 1
    if not eat1:
        occ[r, tail1] = 0
        vi[r, L1] -= 1
    for who in range(2):
        q = q0 if who == 0 else q1
        hp = (vi[r, HP0 + who] - 1) & (cap - 1)
        vi[r, HP0 + who] = hp
        bodies[r, who, hp] = q
        vi[r, L0 + who] += 1
        occ[r, q] = who + 1


@njit(cache=True)
def step_row(
    bodies: np.ndarray, occ: np.ndarray, vi: np.ndarray, nbr: np.ndarray, r: int, a0: int, a1: int,
    max_steps: int, starvation_steps: int,
) -> tuple[float, float, bool, bool, bool, bool, int]:  # fmt: skip
    """One round of row ``r``: ``(reward 0, reward 1, terminated, truncated, illegal 0, illegal 1, free)``.

    ``free`` > 0: a snake ate and the caller must put new food on one of ``free`` cells (``put_food``); else -1.
    Rules: a reversing action keeps a snake straight. Tails of snakes that do not eat leave first (chasing a
    tail is safe). A snake dies off the board, on a body cell of either snake (the other's old head counts), or
    on the cell the other head enters too: then the shorter dies, both on equal length. A death freezes the
    board (nobody moves or eats) and ends the game. A full board ends it too, the longer snake winning.
    """
    ill0 = (a0 ^ vi[r, D0]) == 2
    if ill0:
        a0 = vi[r, D0]
    ill1 = (a1 ^ vi[r, D1]) == 2
    if ill1:
        a1 = vi[r, D1]
    q0 = nbr[_cell(bodies, vi, r, 0, 0), a0]  # -1 off the board
    q1 = nbr[_cell(bodies, vi, r, 1, 0), a1]
    food = vi[r, FOOD]
    eat0 = q0 >= 0 and q0 == food
    eat1 = q1 >= 0 and q1 == food
    len0, len1 = vi[r, L0], vi[r, L1]
    tail0 = _cell(bodies, vi, r, 0, len0 - 1)
    tail1 = _cell(bodies, vi, r, 1, len1 - 1)
    dead0 = q0 < 0
    if not dead0 and occ[r, q0] != 0:  # a body cell, unless a tail that leaves now
        dead0 = not ((q0 == tail0 and not eat0) or (q0 == tail1 and not eat1))
    dead1 = q1 < 0
    if not dead1 and occ[r, q1] != 0:
        dead1 = not ((q1 == tail0 and not eat0) or (q1 == tail1 and not eat1))
    if q0 >= 0 and q0 == q1:
        dead0 = dead0 or len0 <= len1
        dead1 = dead1 or len1 <= len0
    vi[r, STEPS] += 1
    rew0 = rew1 = 0.0
    terminated = False
    free = -1
    if dead0 or dead1:
        terminated = True
        if dead0 != dead1:
            rew0, rew1 = (-1.0, 1.0) if dead0 else (1.0, -1.0)
    else:
        _move_snakes(bodies, occ, vi, r, q0, q1, eat0, eat1, tail0, tail1)
        vi[r, D0] = a0
        vi[r, D1] = a1
        if eat0:
            rew0 += 1.0
            vi[r, SCORE0] += 1
        if eat1:
            rew1 += 1.0
            vi[r, SCORE1] += 1
        if eat0 or eat1:
            vi[r, SINCE_FOOD] = 0
            vi[r, FOOD] = -1
            free = free_cells(occ, r)
            if free == 0:
                free = -1
                terminated = True
                l0, l1 = vi[r, L0], vi[r, L1]
                if l0 != l1:
                    rew0 += 1.0 if l0 > l1 else -1.0
                    rew1 += 1.0 if l1 > l0 else -1.0
        else:
            vi[r, SINCE_FOOD] += 1
    truncated = not terminated and (vi[r, STEPS] >= max_steps or vi[r, SINCE_FOOD] >= starvation_steps)
    vi[r, OVER] = terminated or truncated
    vi[r, DEAD0] = dead0
    vi[r, DEAD1] = dead1
    return rew0, rew1, terminated, truncated, ill0, ill1, free


@njit(cache=True)
def greedy_action(
    bodies: np.ndarray, vi: np.ndarray, nbr: np.ndarray, work: np.ndarray, r: int, size: int, who: int
) -> int:
    """The greedy-safe planner's move for snake ``who`` of row ``r`` (the other snake as obstacle); ``work`` is
    ``VersusState.work`` (the two snakes' cells, then the planner's scratch)."""
    n_own, n_other = vi[r, L0 + who], vi[r, L0 + 1 - who]
    if n_own == 0:
        return 0
    own = work[:n_own]
    other = work[n_own : n_own + n_other]
    for j in range(n_own):
        own[j] = _cell(bodies, vi, r, who, j)
    for j in range(n_other):
        other[j] = _cell(bodies, vi, r, 1 - who, j)
    olens = work[n_own + n_other : n_own + n_other + (1 if n_other else 0)]
    if n_other:
        olens[0] = n_other
    nn = size * size
    scratch = work[2 * nn + 1 :]
    return choose_move_nb(size, own, vi[r, FOOD], other, olens, nbr, scratch)


@njit(cache=True, inline="always")
def write_obs_row(
    bodies: np.ndarray, vi: np.ndarray, r: int, size: int, who: int, flat: np.ndarray, at: int
) -> None:
    """Snake ``who``'s view of row ``r`` into ``flat[at : at + 11 * size * size]``: own head and body planes, the
    other snake's, food. A body plane says where the segment's next segment (toward the head) lies."""
    nn = size * size
    row = flat[
        at : at + VS_CHANNELS * nn
    ]  # one view: LLVM then sees indices >= 0 and makes the zeroing a memset
    for i in range(row.size):
        row[i] = 0
    for k in range(2):
        s = who if k == 0 else 1 - who
        base = 5 * k * nn
        n = vi[r, L0 + s]
        if n == 0:
            continue
        nxt = _cell(bodies, vi, r, s, 0)
        row[base + nxt] = 1
        for j in range(1, n):
            c = _cell(bodies, vi, r, s, j)
            diff = nxt - c
            plane = 1 if diff == -size else 2 if diff == 1 else 3 if diff == size else 4
            row[base + plane * nn + c] = 1
            nxt = c
    food = vi[r, FOOD]
    if food >= 0:
        row[10 * nn + food] = 1


@njit(cache=True)
def write_display_row(
    bodies: np.ndarray, vi: np.ndarray, r: int, size: int, who: int, out: np.ndarray
) -> None:
    """Padded display codes of row ``r`` from snake ``who``'s side (``out``: ``(size + 2) ** 2`` uint8): walls 2,
    food 1, own head 3 and body 4, other head 5 and body 6 (the palette of ``render.VS_PALETTE``)."""
    w = size + 2
    for i in range(w * w):
        rr, cc = divmod(i, w)
        out[i] = 0 if 1 <= rr <= size and 1 <= cc <= size else 2
    food = vi[r, FOOD]
    if food >= 0:
        out[(food // size + 1) * w + food % size + 1] = 1
    for k in range(2):
        s = who if k == 0 else 1 - who
        code = 3 if k == 0 else 5
        n = vi[r, L0 + s]
        for j in range(n - 1, -1, -1):
            c = _cell(bodies, vi, r, s, j)
            out[(c // size + 1) * w + c % size + 1] = code if j == 0 else code + 1


@njit(cache=True)
def step_one(
    bodies: np.ndarray, occ: np.ndarray, vi: np.ndarray, nbr: np.ndarray, work: np.ndarray, size: int, a: int,
    b: int, greedy: bool,
    max_steps: int, starvation_steps: int, obs: np.ndarray, vector: bool,
) -> tuple[float, bool, bool, bool, int, int, int, int, int, bool, bool]:  # fmt: skip
    """``SnakeVersusEnv.step`` on row 0 (snake 1 plays ``b``, or the greedy planner's move when ``greedy``):
    ``(reward, terminated, truncated, illegal, free, length, opponent length, score, heading, dead, other
    dead)``; ``obs`` gets snake 0's vector observation when ``vector`` (without the new food when ``free`` > 0:
    the caller draws it and calls ``put_food_obs``)."""
    if greedy:
        b = greedy_action(bodies, vi, nbr, work, 0, size, 1)
    rew0, _, terminated, truncated, ill0, _, free = step_row(
        bodies, occ, vi, nbr, 0, a, b, max_steps, starvation_steps
    )
    if vector:
        write_obs_row(bodies, vi, 0, size, 0, obs.reshape(obs.size), 0)
    return (
        rew0, terminated, truncated, ill0, free, vi[0, L0], vi[0, L1], vi[0, SCORE0], vi[0, D0],
        vi[0, DEAD0] != 0, vi[0, DEAD1] != 0,
    )  # fmt: skip


@njit(cache=True)
def put_food_obs(
    occ: np.ndarray, vi: np.ndarray, r: int, size: int, k: int, obs: np.ndarray, vector: bool
) -> None:
    """``put_food`` and its bit in the vector observation ``obs`` already written for this step."""
    put_food(occ, vi, r, k)
    if vector:
        food = vi[r, FOOD]
        obs[10, food // size, food % size] = 1


# --- the batched env: every row in one call, the greedy planner driving snake 1 -------------------------------
@njit(cache=True)
def _draw_food(occ: np.ndarray, vi: np.ndarray, rng: np.ndarray, r: int, free: int) -> None:
    put_food(occ, vi, r, integers_nb(rng[r, KEY], rng[r, COUNTER], np.uint64(free)))
    rng[r, COUNTER] += _U1


@njit(cache=True)
def reset_rows_drawn(
    bodies: np.ndarray, occ: np.ndarray, vi: np.ndarray, rng: np.ndarray, rows: np.ndarray, size: int
) -> None:
    """New games in ``rows``, the start row and the food drawn from each row's own stream."""
    for r in rows:
        row = integers_nb(rng[r, KEY], rng[r, COUNTER], np.uint64(size // 2))
        rng[r, COUNTER] += _U1
        free = reset_row(bodies, occ, vi, r, size, row)
        _draw_food(occ, vi, rng, r, free)


@njit(cache=True)
def _write_infos(
    vi: np.ndarray, r: int, length: np.ndarray, opp_length: np.ndarray, score: np.ndarray, heading: np.ndarray,
    dead: np.ndarray, masks: np.ndarray,
) -> None:  # fmt: skip
    length[r] = vi[r, L0]
    opp_length[r] = vi[r, L1]
    score[r] = vi[r, SCORE0]
    d = vi[r, D0]
    heading[r] = d
    dead[r, 0] = vi[r, DEAD0] != 0
    dead[r, 1] = vi[r, DEAD1] != 0
    for k in range(4):
        masks[r, k] = (k ^ d) != 2


@njit(cache=True)
def step_batch(
    bodies: np.ndarray, occ: np.ndarray, vi: np.ndarray, rng: np.ndarray, nbr: np.ndarray, work: np.ndarray,
    size: int, actions: np.ndarray,
    max_steps: int, starvation_steps: int, obs: np.ndarray, rewards: np.ndarray, terminated: np.ndarray,
    truncated: np.ndarray, illegal: np.ndarray, length: np.ndarray, opp_length: np.ndarray, score: np.ndarray,
    heading: np.ndarray, dead: np.ndarray, masks: np.ndarray,
) -> int:  # fmt: skip
    """``SnakeVersusVectorEnv.step``: snake 0 plays ``actions``, the greedy planner snake 1, every row in one
    call; -1 (nothing changed) if an action is out of range. NEXT_STEP autoreset as ``SnakeVectorEnv``."""
    n = vi.shape[0]
    for r in range(n):
        if actions[r] < 0 or actions[r] > 3:
            return -1
    one = np.empty(1, dtype=np.int64)
    flat = obs.reshape(obs.size)
    row_len = VS_CHANNELS * size * size
    for r in range(n):
        if vi[r, OVER]:
            one[0] = r
            reset_rows_drawn(bodies, occ, vi, rng, one, size)
            rewards[r] = 0.0
            terminated[r] = False
            truncated[r] = False
            illegal[r] = False
        else:
            b = greedy_action(bodies, vi, nbr, work, r, size, 1)
            rew0, _, term, trunc, ill0, _, free = step_row(
                bodies, occ, vi, nbr, r, actions[r], b, max_steps, starvation_steps
            )
            if free > 0:
                _draw_food(occ, vi, rng, r, free)
            rewards[r] = rew0
            terminated[r] = term
            truncated[r] = trunc
            illegal[r] = ill0
        write_obs_row(bodies, vi, r, size, 0, flat, r * row_len)
        _write_infos(vi, r, length, opp_length, score, heading, dead, masks)
    return 0


@njit(cache=True)
def write_outputs(
    bodies: np.ndarray, vi: np.ndarray, size: int, obs: np.ndarray, length: np.ndarray, opp_length: np.ndarray,
    score: np.ndarray, heading: np.ndarray, dead: np.ndarray, masks: np.ndarray,
) -> None:  # fmt: skip
    """Observations and info arrays of every row from the state (after a reset)."""
    flat = obs.reshape(obs.size)
    for r in range(vi.shape[0]):
        write_obs_row(bodies, vi, r, size, 0, flat, r * VS_CHANNELS * size * size)
        _write_infos(vi, r, length, opp_length, score, heading, dead, masks)
