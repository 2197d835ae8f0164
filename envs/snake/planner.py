"""The greedy-safe Snake planner, compiled with numba: a strong scripted player for the single and versus game.

``choose_move_nb`` runs inside the versus rules core (the default opponent of ``SnakeVersusEnv`` and of every row
of ``SnakeVersusVectorEnv``); ``choose_move`` is its Python entry on cell lists; ``GreedySnakePolicy`` plays from a
vector observation (``parse_observation``) and ``agents.snake_bot.SnakeGreedyBot`` wraps it. Cells are
``row * size + column``.

The rule, per move:

1. Breadth-first search from the head to the food. Body cells are "time-aware": segment ``j`` (0 = head) of a
   snake of length ``L`` leaves its cell after ``L - j`` moves, so a path may enter a cell once it will be free.
2. Virtually follow that path (the snake grows by one when it eats) and take its first step only if the virtual
   head can still reach the virtual tail afterwards: there is an escape route, so eating cannot trap the snake.
3. Otherwise follow the tail: among the moves after which the tail is still reachable, take the one farthest
   from it (the snake wanders and leaves room instead of coiling).
4. Otherwise take the move with the largest reachable area; with no move at all, keep going straight.

In the versus game the other snake is an obstacle (time-aware too, one step more cautious since it may eat),
and the cells next to its head count as blocked for the first move when it is at least as long (a head-on
collision would kill us).

Every search works on one "free time" per cell: the first BFS depth at which the cell may be entered (the
largest over the own virtual body, the other snakes and the cells next to a threatening head). A path is walked
back from its target through the BFS layers taking the lowest cell index at each layer, a fixed tie-break that
the moves of the original bitboard planner (and the golden hashes) depend on.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numba import njit

from envs.jit import row_helper

__all__ = [
    "GreedySnakePolicy", "choose_move", "choose_move_nb", "neighbour_table", "parse_observation", "work_size",
]  # fmt: skip

# Directions as in the env: 0 up, 1 right, 2 down, 3 left.


def neighbour_table(size: int) -> np.ndarray:
    """``(size * size, 4)``: the cell next to each cell in each direction (0 up, 1 right, 2 down, 3 left), -1 off
    the board. Built once per board size; the searches look neighbours up instead of dividing."""
    cells = np.arange(size * size)
    r, c = np.divmod(cells, size)
    table = np.full((size * size, 4), -1, dtype=np.int64)
    table[:, 0] = np.where(r > 0, cells - size, -1)
    table[:, 1] = np.where(c < size - 1, cells + 1, -1)
    table[:, 2] = np.where(r < size - 1, cells + size, -1)
    table[:, 3] = np.where(c > 0, cells - 1, -1)
    return table


@njit(cache=True)
def _direction(size: int, a: int, b: int) -> int:
    """Direction from cell ``a`` to its neighbour ``b``."""
    diff = b - a
    if diff == -size:
        return 0
    if diff == 1:
        return 1
    if diff == size:
        return 2
    return 3


@njit(cache=True)
def _free_times(
    nbr: np.ndarray, ft: np.ndarray, body: np.ndarray, length: int, ocells: np.ndarray, olens: np.ndarray,
) -> None:  # fmt: skip
    """``ft[c]``: the first move at which cell ``c`` may be entered by a snake ``body`` of ``length`` cells.

    Own segment ``j`` blocks moves ``d < length - j``; segment ``j`` of another snake of length ``L`` blocks
    ``d <= L - j`` (one move more: it may eat); cells next to the head of another snake at least ``length``
    long are blocked at move 1 (a head-on collision there would be lost).
    """
    for c in range(ft.shape[0]):
        ft[c] = 0
    for j in range(length - 1):
        t = length - j
        c = body[j]
        ft[c] = max(ft[c], t)
    off = 0
    for i in range(olens.shape[0]):
        lo = olens[i]
        for j in range(lo):
            t = lo + 1 - j
            c = ocells[off + j]
            ft[c] = max(ft[c], t)
        if lo >= length:
            for d in range(4):
                nb = nbr[ocells[off], d]
                if nb >= 0 and ft[nb] < 2:
                    ft[nb] = 2
        off += lo


@njit(cache=True)
def _bfs(
    nbr: np.ndarray, start: int, target: int, ft: np.ndarray, seen: np.ndarray, dist: np.ndarray, queue: np.ndarray,
) -> tuple[int, int]:  # fmt: skip
    """Layered BFS from ``start``; a cell joins layer ``d`` if it is next to layer ``d - 1`` and ``ft <= d``.

    Returns ``(d, cells seen)``: ``d`` the layer where ``target`` was reached (``-1`` if never, or ``target``
    is -1: then the count is the whole flood fill, start included). ``seen``/``dist`` keep the layers for
    ``_walk_back``.
    """
    for c in range(seen.shape[0]):
        seen[c] = 0
    seen[start] = 1
    dist[start] = 0
    queue[0] = start
    lo, hi, d = 0, 1, 0
    while lo < hi:
        d += 1
        end = hi
        found = False
        for qi in range(lo, end):
            c = queue[qi]
            for k in range(4):
                nb = nbr[c, k]
                if nb >= 0 and not seen[nb] and ft[nb] <= d:
                    seen[nb] = 1
                    dist[nb] = d
                    queue[hi] = nb
                    hi += 1
                    if nb == target:
                        found = True
        if found:
            return d, hi
        lo = end
    return -1, hi


@njit(cache=True)
def _walk_back(
    nbr: np.ndarray, target: int, d: int, seen: np.ndarray, dist: np.ndarray, keep: int, front: np.ndarray
) -> tuple[int, int]:
    """A shortest path found by ``_bfs``, walked back from ``target`` (lowest cell index at each layer).

    Returns ``(first step, h)``: the path's cell next to the start and its first ``h <= keep`` cells counted
    from the target, in ``front``.
    """
    cur = target
    front[0] = target
    h = 1
    for k in range(d - 1, 0, -1):
        best = -1
        for j in range(4):
            nb = nbr[cur, j]
            if nb >= 0 and seen[nb] and dist[nb] == k and (best < 0 or nb < best):
                best = nb
        cur = best
        if h < keep:
            front[h] = cur
            h += 1
    return cur, h


@row_helper
def _food_move(
    size: int, snake: np.ndarray, food: int, ocells: np.ndarray, olens: np.ndarray, nbr: np.ndarray,
    ft: np.ndarray, seen: np.ndarray, dist: np.ndarray, queue: np.ndarray, body: np.ndarray,
) -> int:  # fmt: skip
    """Steps 1-2: the first step of a shortest path to the food if eating leaves an escape to the tail, else -1."""
    length = snake.shape[0]
    head = snake[0]
    _free_times(nbr, ft, snake, length, ocells, olens)
    dist_food, _ = _bfs(nbr, head, food, ft, seen, dist, queue)
    if dist_food <= 0:
        return -1
    # The virtual body after eating: the path (food first) then the snake, cut to length + 1.
    vlen = length + 1
    first_step, h = _walk_back(nbr, food, dist_food, seen, dist, vlen, body)
    for j in range(vlen - h):
        body[h + j] = snake[j]
    tail = body[vlen - 1]
    _free_times(nbr, ft, body, vlen, ocells, olens)
    escape, _ = _bfs(nbr, food, tail, ft, seen, dist, queue)
    if escape > 0:
        return _direction(size, head, first_step)
    return -1


@row_helper
def _mark_obstacles(
    snake: np.ndarray, ocells: np.ndarray, olens: np.ndarray, nbr: np.ndarray, blocked: np.ndarray,
    taken: np.ndarray,
) -> None:  # fmt: skip
    """``taken``: the own body but the tail and the other snakes (the last resort's obstacles); ``blocked``:
    those plus the cells next to the head of another snake at least as long (the first move's obstacles)."""
    length = snake.shape[0]
    for c in range(blocked.shape[0]):
        blocked[c] = 0
    for j in range(length - 1):
        blocked[snake[j]] = 1
    off = 0
    for i in range(olens.shape[0]):
        for j in range(olens[i]):
            blocked[ocells[off + j]] = 1
        off += olens[i]
    for c in range(blocked.shape[0]):
        taken[c] = blocked[c]
    off = 0
    for i in range(olens.shape[0]):
        if olens[i] >= length:
            for d in range(4):
                nb = nbr[ocells[off], d]
                if nb >= 0:
                    blocked[nb] = 1
        off += olens[i]


@row_helper
def _tail_move(
    snake: np.ndarray, food: int, ocells: np.ndarray, olens: np.ndarray, nbr: np.ndarray, moves: np.ndarray,
    ft: np.ndarray, seen: np.ndarray, dist: np.ndarray, queue: np.ndarray, body: np.ndarray,
) -> int:  # fmt: skip
    """Step 3: among ``moves`` (the next cell per direction, -1 if not possible), the one after which the tail is
    reachable and farthest away; -1 if none."""
    length = snake.shape[0]
    best, best_score = -1, -1
    for d in range(4):
        nb = moves[d]
        if nb < 0:
            continue
        moved = length + 1 if nb == food else length
        if moved < 2:
            score = 0
        else:
            tail = snake[length - 1] if nb == food else snake[length - 2]
            body[0] = nb
            body[1 : length + 1] = snake
            _free_times(nbr, ft, body, moved, ocells, olens)
            score, _ = _bfs(nbr, nb, tail, ft, seen, dist, queue)
        if score > best_score:
            best, best_score = d, score
    if best >= 0 and best_score > 0:
        return best
    return -1


@row_helper
def _area_move(
    snake: np.ndarray, food: int, ocells: np.ndarray, olens: np.ndarray, nbr: np.ndarray, moves: np.ndarray,
    ft: np.ndarray, seen: np.ndarray, dist: np.ndarray, queue: np.ndarray, body: np.ndarray,
) -> int:  # fmt: skip
    """Step 4: among ``moves``, the one with the largest reachable area; -1 if none."""
    length = snake.shape[0]
    best, best_area = -1, -1
    for d in range(4):
        nb = moves[d]
        if nb < 0:
            continue
        moved = length + 1 if nb == food else length
        body[0] = nb
        body[1 : length + 1] = snake
        _free_times(nbr, ft, body, moved, ocells, olens)
        _, area = _bfs(nbr, nb, -1, ft, seen, dist, queue)
        if area > best_area:
            best, best_area = d, area
    return best


@njit(cache=True)
def choose_move_nb(
    size: int, snake: np.ndarray, food: int, ocells: np.ndarray, olens: np.ndarray, nbr: np.ndarray,
    work: np.ndarray,
) -> int:  # fmt: skip
    """The greedy-safe move (0 up, 1 right, 2 down, 3 left) for ``snake`` (cells head first; ``food`` -1 if
    none); the other snakes are ``ocells`` (head first, one after the other) with lengths ``olens``; ``nbr`` is
    ``neighbour_table(size)`` and ``work`` a scratch array of ``work_size(size)`` int64 (no allocation per
    move: the versus kernels call this every step)."""
    nn = size * size
    length = snake.shape[0]
    head = snake[0]
    straight = _direction(size, snake[1], snake[0]) if length > 1 else 0
    ft = work[:nn]
    seen = work[nn : 2 * nn]  # 0/1
    dist = work[2 * nn : 3 * nn]
    queue = work[3 * nn : 4 * nn]
    blocked = work[4 * nn : 5 * nn]  # 0/1
    taken = work[5 * nn : 6 * nn]  # 0/1
    body = work[6 * nn : 8 * nn + 2]  # up to length + 1 <= nn + 1 cells

    if food >= 0:  # 1-2. Shortest path to the food, if eating leaves an escape to the tail.
        move = _food_move(size, snake, food, ocells, olens, nbr, ft, seen, dist, queue, body)
        if move >= 0:
            return move

    # Moves possible now: not into a cell blocked at move 1.
    _mark_obstacles(snake, ocells, olens, nbr, blocked, taken)
    moves = work[8 * nn + 2 : 8 * nn + 6]
    for d in range(4):
        nb = nbr[head, d]
        moves[d] = nb if nb >= 0 and not blocked[nb] else -1

    # 3. Follow the tail, the long way round.
    move = _tail_move(snake, food, ocells, olens, nbr, moves, ft, seen, dist, queue, body)
    if move >= 0:
        return move
    # 4. The largest reachable area.
    move = _area_move(snake, food, ocells, olens, nbr, moves, ft, seen, dist, queue, body)
    if move >= 0:
        return move
    # Cornered where the other snake's head might go: any free cell beats certain death.
    for d in range(4):
        nb = nbr[head, d]
        if nb >= 0 and not taken[nb]:
            return d
    return straight


_NO_CELLS = np.zeros(0, dtype=np.int64)


def choose_move(
    size: int,
    snake: Sequence[int],
    food: int | None,
    others: Sequence[Sequence[int]] = (),
) -> int:
    """The greedy-safe move (0 up, 1 right, 2 down, 3 left) for ``snake`` (cells head first)."""
    others = [list(o) for o in others if len(o)]
    ocells = np.array([c for o in others for c in o], dtype=np.int64) if others else _NO_CELLS
    olens = np.array([len(o) for o in others], dtype=np.int64) if others else _NO_CELLS
    own = np.array(list(snake), dtype=np.int64)
    nbr = _neighbours(int(size))
    work = np.empty(work_size(int(size)), dtype=np.int64)
    return int(choose_move_nb(int(size), own, -1 if food is None else int(food), ocells, olens, nbr, work))


def work_size(size: int) -> int:
    """Length of the int64 scratch array ``choose_move_nb`` works in."""
    return 8 * size * size + 6


@lru_cache(maxsize=16)
def _neighbours(size: int) -> np.ndarray:
    return neighbour_table(size)  # private to choose_move: never written


def _trace(planes: list[list[int]], base: int, size: int) -> list[int]:
    """The snake whose head plane is ``base`` and body planes ``base+1..base+4``, head first."""
    heads = planes[base]
    if not heads:
        return []
    steps = (-size, 1, size, -1)
    prev = {}
    for k in range(4):
        step = steps[k]
        for cell in planes[base + 1 + k]:
            prev[cell + step] = cell
    snake = [heads[0]]
    while snake[-1] in prev and len(snake) <= size * size:
        snake.append(prev[snake[-1]])
    return snake


def parse_observation(obs: Any) -> tuple[int, list[int], list[list[int]], int | None]:
    """``(size, own snake, other snakes, food)`` from a Snake (6 channels) or SnakeVersus (11) vector obs."""
    obs = np.asarray(obs)
    if obs.ndim != 3 or obs.shape[1] != obs.shape[2] or obs.shape[0] not in (6, 11):
        raise ValueError(
            f"expected a Snake vector observation of shape (6, N, N) or (11, N, N), got shape {obs.shape} "
            "(the planner cannot read pixel observations)"
        )
    channels, size = obs.shape[0], obs.shape[1]
    nn = size * size
    planes: list[list[int]] = [[] for _ in range(channels)]
    for i in np.flatnonzero(obs).tolist():  # one pass over the board; set cells are few
        planes[i // nn].append(i % nn)
    own = _trace(planes, 0, size)
    others = [_trace(planes, 5, size)] if channels == 11 else []
    food_cells = planes[-1]
    food = food_cells[0] if food_cells else None
    return size, own, [o for o in others if o], food


class GreedySnakePolicy:
    """The planner as a player: ``act(obs, info)`` from the vector observation alone."""

    name = "greedy"

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> int:
        size, own, others, food = parse_observation(obs)
        if not own:
            return 0
        return choose_move(size, own, food, others)

    def reset(self) -> None:
        pass
