"""The greedy-safe Snake planner: a strong scripted player for the single and the versus game.

Pure Python on cell indices ``row * size + column`` (no numpy in the search, no import of ``agents``), so the
versus env can use it as its default opponent and ``agents.snake_bot.SnakeGreedyBot`` can wrap it.

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
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["GreedySnakePolicy", "choose_move", "parse_observation"]

# Directions as in the env: 0 up, 1 right, 2 down, 3 left.
_NEVER = 1 << 30


@lru_cache(maxsize=16)
def _adjacency(size: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each cell, the in-bounds ``(direction, neighbour)`` pairs."""
    adj = []
    for cell in range(size * size):
        r, c = divmod(cell, size)
        nbs = []
        if r > 0:
            nbs.append((0, cell - size))
        if c < size - 1:
            nbs.append((1, cell + 1))
        if r < size - 1:
            nbs.append((2, cell + size))
        if c > 0:
            nbs.append((3, cell - 1))
        adj.append(tuple(nbs))
    return tuple(adj)


def _bfs(adj, start: int, block: list[int], target: int = -1) -> tuple[list[int], list[int]]:
    """Distances (-1 = unreachable) and parents from ``start``; a cell is enterable at move ``d >= block``.

    Stops as soon as ``target`` is reached (then only cells up to its distance are filled in).
    """
    n = len(adj)
    dist = [-1] * n
    parent = [-1] * n
    dist[start] = 0
    frontier = [start]
    d = 0
    while frontier:
        d += 1
        nxt = []
        for cell in frontier:
            for _, nb in adj[cell]:
                if dist[nb] < 0 and block[nb] <= d:
                    dist[nb] = d
                    parent[nb] = cell
                    if nb == target:
                        return dist, parent
                    nxt.append(nb)
        frontier = nxt
    return dist, parent


def _blocked(
    n: int, snake: Sequence[int], others: Sequence[Sequence[int]], adj, own_length: int
) -> list[int]:
    block = [0] * n
    for other in others:
        length = len(other)
        for j, cell in enumerate(other):
            block[cell] = max(block[cell], length - j + 1)
        if other and length >= own_length:
            for _, cell in adj[other[0]]:
                block[cell] = max(block[cell], 2)
    length = len(snake)
    for j, cell in enumerate(snake):
        block[cell] = max(block[cell], length - j)
    return block


def _escape_distance(adj, n: int, snake: Sequence[int], others: Sequence[Sequence[int]]) -> int:
    """Moves from the head to the tail of ``snake`` (-1 if the tail cannot be reached)."""
    if len(snake) < 2:
        return 0
    block = _blocked(n, snake, others, adj, len(snake))
    dist, _ = _bfs(adj, snake[0], block, target=snake[-1])
    return dist[snake[-1]]


def choose_move(
    size: int,
    snake: Sequence[int],
    food: int | None,
    others: Sequence[Sequence[int]] = (),
) -> int:
    """The greedy-safe move (0 up, 1 right, 2 down, 3 left) for ``snake`` (cells head first)."""
    adj = _adjacency(size)
    n = size * size
    snake = list(snake)
    head, length = snake[0], len(snake)
    straight = _heading(size, snake)
    block = _blocked(n, snake, others, adj, length)

    # 1-2. Shortest path to the food, if eating leaves an escape to the tail.
    if food is not None:
        dist, parent = _bfs(adj, head, block, target=food)
        if dist[food] > 0:
            path = [food]
            while parent[path[-1]] != head:
                path.append(parent[path[-1]])
            virtual = (path + snake)[: length + 1]  # path is food-first: exactly the virtual body, head first
            if _escape_distance(adj, n, virtual, others) > 0:
                return _direction(size, head, path[-1])

    # 3. Follow the tail, the long way round.
    best, best_score = None, -1
    for direction, nb in adj[head]:
        if block[nb] > 1:
            continue
        moved = [nb] + (snake if nb == food else snake[:-1])
        score = _escape_distance(adj, n, moved, others)
        if score > best_score:
            best, best_score = direction, score
    if best is not None and best_score > 0:
        return best

    # 4. The largest reachable area.
    best, best_area = None, -1
    for direction, nb in adj[head]:
        if block[nb] > 1:
            continue
        moved = [nb] + (snake if nb == food else snake[:-1])
        dist, _ = _bfs(adj, nb, _blocked(n, moved, others, adj, len(moved)))
        area = sum(1 for x in dist if x >= 0)
        if area > best_area:
            best, best_area = direction, area
    if best is not None:
        return best
    # Cornered where the other snake's head might go: any free cell beats certain death.
    for direction, nb in adj[head]:
        if nb not in snake[:-1] and all(nb not in other for other in others):
            return direction
    return straight


def _direction(size: int, a: int, b: int) -> int:
    diff = b - a
    if diff == -size:
        return 0
    if diff == 1:
        return 1
    if diff == size:
        return 2
    return 3


def _heading(size: int, snake: Sequence[int]) -> int:
    return _direction(size, snake[1], snake[0]) if len(snake) > 1 else 0


def _trace(obs: np.ndarray, base: int, size: int) -> list[int]:
    """The snake whose head channel is ``base`` and body channels ``base+1..base+4``, head first."""
    heads = np.flatnonzero(obs[base])
    if len(heads) == 0:
        return []
    steps = (-size, 1, size, -1)
    prev = {}
    for k in range(4):
        for cell in np.flatnonzero(obs[base + 1 + k]).tolist():
            prev[cell + steps[k]] = cell
    snake = [int(heads[0])]
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
    size = obs.shape[1]
    own = _trace(obs, 0, size)
    others = [_trace(obs, 5, size)] if obs.shape[0] == 11 else []
    food_cells = np.flatnonzero(obs[-1])
    food = int(food_cells[0]) if len(food_cells) else None
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
