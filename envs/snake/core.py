"""Snake's single-snake rules, written once over arrays with a leading env axis and compiled with numba.

State of ``n`` boards (``SnakeState``): ``codes`` uint8 ``(n, (size + 2) ** 2)``, the board stored *padded* with a
one-cell wall border as codes ``0`` empty, ``1`` food, ``2`` wall, ``3`` head, ``4 + d`` body segment whose next
segment (toward the head) lies in direction ``d``; ``iv`` int64 ``(n, NI)`` (head and tail cells, heading,
length, step counters, the food cell, the "ended" flag); ``rng`` uint64 ``(n, 2)`` (key, counter of the
counter-based stream of ``envs/rng.py``). Hitting a wall is just another code lookup and a move is O(1): write
the new head, clear the tail, and the tail's own body code says where the next tail is.

Every view is a few calls into the kernels below: ``SnakeEnv`` steps row 0 of a one-row state
(``step_one``), ``SnakeVectorEnv`` steps all rows in one call (``step_batch``). Observations are written from
the state by the same kernels (zero the row, walk the snake from its tail), so nothing is copied afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from envs.rng import mix64_nb

EMPTY, FOOD, WALL, HEAD, BODY = 0, 1, 2, 3, 4  # body codes are BODY + direction (4..7)
N_CHANNELS = 6  # head, body up/right/down/left, food
FOOD_CHANNEL = 5
START_LENGTH = 3
FOOD_TRIES = 8  # rejection-sampling attempts before falling back to "k-th free cell"
OBS_TYPES = ("vector", "pixels")

# --- state layout --------------------------------------------------------------------------------------------
HEAD_CELL, TAIL_CELL, DIR, LENGTH, STEPS, SINCE_FOOD, FOOD_CELL, DONE = range(8)  # columns of ``iv``
NI = 8
KEY, COUNTER = 0, 1  # columns of ``rng``
_U1 = np.uint64(1)


def mask_table() -> np.ndarray:
    """Row ``d``: the legal actions while heading ``d`` (everything but the reverse); read-only."""
    table = np.ones((4, 4), dtype=bool)
    for d in range(4):
        table[d, d ^ 2] = False  # 0<->2 and 1<->3 are opposites
    table.flags.writeable = False
    return table


MASKS = mask_table()
MASK_ROWS = tuple(MASKS[d] for d in range(4))  # read-only views, handed out as info["action_mask"]


def padded_to_interior(size: int) -> np.ndarray:
    """Padded cell -> interior cell ``row * size + col`` (0 on walls)."""
    w = size + 2
    r, c = np.divmod(np.arange(w * w), w)
    interior = (r >= 1) & (r <= size) & (c >= 1) & (c <= size)
    return np.where(interior, (r - 1) * size + (c - 1), 0).astype(np.int64)


def interior_to_padded(size: int) -> np.ndarray:
    """Interior cell ``row * size + col`` -> padded cell."""
    r, c = np.divmod(np.arange(size * size), size)
    return ((r + 1) * (size + 2) + c + 1).astype(np.int64)


def empty_board(size: int) -> np.ndarray:
    """The padded codes of an empty board: walls around, empty inside."""
    w = size + 2
    r, c = np.divmod(np.arange(w * w), w)
    interior = (r >= 1) & (r <= size) & (c >= 1) & (c <= size)
    return np.where(interior, EMPTY, WALL).astype(np.uint8)


class SnakeState:
    """The arrays of ``n`` single-snake boards (see the module docstring); plain data, so it pickles.

    ``tab`` holds the per-size lookup tables the kernels read: padded -> interior cell, then interior -> padded.
    """

    def __init__(self, n: int, size: int) -> None:
        w = size + 2
        self.size = size
        self.codes = np.zeros((n, w * w), dtype=np.uint8)
        self.codes[:] = empty_board(size)
        self.iv = np.zeros((n, NI), dtype=np.int64)
        self.iv[:, DONE] = 1  # not started: reset first
        self.iv[:, FOOD_CELL] = -1
        self.rng = np.zeros((n, 2), dtype=np.uint64)
        self.tab = np.concatenate([padded_to_interior(size), interior_to_padded(size)])


# --- kernels -------------------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _draw(rng: np.ndarray, r: int) -> np.uint64:
    """The next 64-bit draw of row ``r``'s stream (``envs.rng.draw`` bit for bit)."""
    x = mix64_nb(rng[r, KEY] ^ mix64_nb(rng[r, COUNTER]))
    rng[r, COUNTER] += _U1
    return x


@njit(cache=True, inline="always")
def _delta(w: int, d: int) -> int:
    """Padded-cell step of direction ``d`` (0 up, 1 right, 2 down, 3 left); branch-free, since headings of
    random play are unpredictable and a mispredicted branch costs more than the arithmetic."""
    return (d == 1) - (d == 3) + w * ((d == 2) - (d == 0))


@njit(cache=True)
def place_food(
    codes: np.ndarray, iv: np.ndarray, rng: np.ndarray, tab: np.ndarray, r: int, size: int
) -> bool:
    """Food on a uniformly random free cell of row ``r``; False when the board is full (no draw made then).

    Rejection sampling (draw an interior cell, retry if taken, at most ``FOOD_TRIES`` times), then the k-th free
    cell in padded order: the draws the original implementation made, so seeds replay the same games.
    """
    nn = size * size
    if iv[r, LENGTH] >= nn:
        iv[r, FOOD_CELL] = -1
        return False
    w2 = (size + 2) * (size + 2)
    cell = -1
    for _ in range(FOOD_TRIES):
        c = tab[w2 + int(_draw(rng, r) % np.uint64(nn))]
        if codes[r, c] == EMPTY:
            cell = c
            break
    if cell < 0:
        free = 0
        for c in range(w2):
            free += codes[r, c] == EMPTY
        k = int(_draw(rng, r) % np.uint64(free))
        for c in range(w2):
            if codes[r, c] == EMPTY:
                if k == 0:
                    cell = c
                    break
                k -= 1
    codes[r, cell] = FOOD
    iv[r, FOOD_CELL] = cell
    return True


@njit(cache=True)
def reset_row(codes: np.ndarray, iv: np.ndarray, rng: np.ndarray, tab: np.ndarray, r: int, size: int) -> None:
    """A new game in row ``r`` from its stream: one draw lays a length-3 snake, then the food."""
    w = size + 2
    bits = _draw(rng, r)
    d = int(bits & np.uint64(3))
    hr = 2 + int((bits >> np.uint64(8)) % np.uint64(size - 4))
    hc = 2 + int((bits >> np.uint64(32)) % np.uint64(size - 4))
    board = codes[r]
    for i in range(w * w):
        board[i] = EMPTY
    for i in range(w):  # the wall border
        board[i] = WALL
        board[(w - 1) * w + i] = WALL
        board[i * w] = WALL
        board[i * w + w - 1] = WALL
    head = (hr + 1) * w + hc + 1
    step = _delta(w, d)
    codes[r, head - step] = BODY + d
    codes[r, head - 2 * step] = BODY + d
    codes[r, head] = HEAD
    iv[r, HEAD_CELL] = head
    iv[r, TAIL_CELL] = head - 2 * step
    iv[r, DIR] = d
    iv[r, LENGTH] = START_LENGTH
    iv[r, STEPS] = 0
    iv[r, SINCE_FOOD] = 0
    iv[r, DONE] = 0
    place_food(codes, iv, rng, tab, r, size)


@njit(cache=True)
def reset_rows(
    codes: np.ndarray, iv: np.ndarray, rng: np.ndarray, tab: np.ndarray, rows: np.ndarray, size: int
) -> None:
    for r in rows:
        reset_row(codes, iv, rng, tab, r, size)


@njit(cache=True, inline="always")
def step_row(
    codes: np.ndarray, iv: np.ndarray, rng: np.ndarray, tab: np.ndarray, r: int, size: int, a: int,
    max_steps: int, starvation_steps: int,
) -> tuple[float, bool, bool, bool]:  # fmt: skip
    """One move of row ``r``: ``(reward, terminated, truncated, illegal)``.

    A reversing action keeps the snake straight (``illegal``). Entering a wall or a body cell kills, except
    the cell the tail is leaving; then the board freezes as it was. Eating grows the snake by one and places
    new food; eating the last free cell wins (terminated, reward +1).
    """
    w = size + 2
    d = iv[r, DIR]
    illegal = (a ^ d) == 2
    if illegal:
        a = d
    head = iv[r, HEAD_CELL]
    q = head + _delta(w, a)
    cq = codes[r, q]
    tail = iv[r, TAIL_CELL]
    iv[r, STEPS] += 1
    terminated = False
    reward = 0.0
    if cq >= WALL and q != tail:
        reward = -1.0
        terminated = True
    else:
        eat = cq == FOOD
        if not eat:
            tail_dir = codes[r, tail] - BODY
            codes[r, tail] = EMPTY
            iv[r, TAIL_CELL] = tail + _delta(w, tail_dir)
        codes[r, head] = BODY + a
        codes[r, q] = HEAD
        iv[r, HEAD_CELL] = q
        iv[r, DIR] = a
        if eat:
            iv[r, LENGTH] += 1
            iv[r, SINCE_FOOD] = 0
            reward = 1.0
            terminated = not place_food(codes, iv, rng, tab, r, size)
        else:
            iv[r, SINCE_FOOD] += 1
    truncated = not terminated and (iv[r, STEPS] >= max_steps or iv[r, SINCE_FOOD] >= starvation_steps)
    iv[r, DONE] = terminated or truncated
    return reward, terminated, truncated, illegal


@njit(cache=True, inline="always")
def write_obs_row(
    codes: np.ndarray, iv: np.ndarray, tab: np.ndarray, r: int, size: int, flat: np.ndarray, at: int
) -> None:
    """Row ``r``'s vector observation (6 planes of ``size * size``: head, body up/right/down/left, food) into
    ``flat[at : at + 6 * size * size]``: zero the row, then walk the snake from its tail setting its bits."""
    w = size + 2
    nn = size * size
    row = flat[
        at : at + N_CHANNELS * nn
    ]  # one view: LLVM then sees indices >= 0 and makes the zeroing a memset
    for i in range(row.size):
        row[i] = 0
    cell = iv[r, TAIL_CELL]
    for _ in range(iv[r, LENGTH] - 1):
        d = codes[r, cell] - BODY
        row[(1 + d) * nn + tab[cell]] = 1
        cell += _delta(w, d)
    row[tab[iv[r, HEAD_CELL]]] = 1
    food = iv[r, FOOD_CELL]
    if food >= 0:
        row[FOOD_CHANNEL * nn + tab[food]] = 1


@njit(cache=True)
def snake_cells(codes: np.ndarray, iv: np.ndarray, tab: np.ndarray, r: int, size: int) -> np.ndarray:
    """Row ``r``'s snake as interior cells, head first."""
    w = size + 2
    n = iv[r, LENGTH]
    out = np.empty(n, dtype=np.int64)
    cell = iv[r, TAIL_CELL]
    for j in range(n - 1, 0, -1):
        out[j] = tab[cell]
        cell += _delta(w, codes[r, cell] - BODY)
    out[0] = tab[cell]
    return out


@njit(cache=True)
def step_one(
    codes: np.ndarray, iv: np.ndarray, rng: np.ndarray, tab: np.ndarray, size: int, a: int, max_steps: int,
    starvation_steps: int, obs: np.ndarray, vector: bool,
) -> tuple[float, bool, bool, bool, int, int]:  # fmt: skip
    """``SnakeEnv.step`` on row 0: ``(reward, terminated, truncated, illegal, length, heading)``, the
    observation written into ``obs`` when ``vector``."""
    reward, terminated, truncated, illegal = step_row(
        codes, iv, rng, tab, 0, size, a, max_steps, starvation_steps
    )
    if vector:
        write_obs_row(codes, iv, tab, 0, size, obs.reshape(obs.size), 0)
    return reward, terminated, truncated, illegal, iv[0, LENGTH], iv[0, DIR]


@njit(cache=True)
def step_batch(
    codes: np.ndarray, iv: np.ndarray, rng: np.ndarray, tab: np.ndarray, size: int, actions: np.ndarray,
    max_steps: int, starvation_steps: int, vector: bool, obs: np.ndarray, rewards: np.ndarray,
    terminated: np.ndarray, truncated: np.ndarray, illegal: np.ndarray, length: np.ndarray, score: np.ndarray,
    masks: np.ndarray,
) -> int:  # fmt: skip
    """``SnakeVectorEnv.step``: every row in one call; -1 (nothing changed) if an action is out of range.

    NEXT_STEP autoreset: a row that ended on the previous step only restarts (its action is ignored) and
    reports reward 0 and both flags down.
    """
    n = iv.shape[0]
    for r in range(n):
        if actions[r] < 0 or actions[r] > 3:
            return -1
    flat = obs.reshape(obs.size)
    row_len = N_CHANNELS * size * size
    for r in range(n):
        if iv[r, DONE]:
            reset_row(codes, iv, rng, tab, r, size)
            rewards[r] = 0.0
            terminated[r] = False
            truncated[r] = False
            illegal[r] = False
        else:
            rew, term, trunc, ill = step_row(
                codes, iv, rng, tab, r, size, actions[r], max_steps, starvation_steps
            )
            rewards[r] = rew
            terminated[r] = term
            truncated[r] = trunc
            illegal[r] = ill
        if vector:
            write_obs_row(codes, iv, tab, r, size, flat, r * row_len)
        length[r] = iv[r, LENGTH]
        score[r] = iv[r, LENGTH] - START_LENGTH
        d = iv[r, DIR]
        for k in range(4):
            masks[r, k] = (k ^ d) != 2
    return 0


@njit(cache=True)
def write_outputs(
    codes: np.ndarray, iv: np.ndarray, tab: np.ndarray, size: int, vector: bool, obs: np.ndarray,
    length: np.ndarray, score: np.ndarray, masks: np.ndarray,
) -> None:  # fmt: skip
    """Observations and info arrays of every row from the state (after a reset)."""
    flat = obs.reshape(obs.size)
    for r in range(iv.shape[0]):
        if vector:
            write_obs_row(codes, iv, tab, r, size, flat, r * N_CHANNELS * size * size)
        length[r] = iv[r, LENGTH]
        score[r] = iv[r, LENGTH] - START_LENGTH
        d = iv[r, DIR]
        for k in range(4):
            masks[r, k] = (k ^ d) != 2
