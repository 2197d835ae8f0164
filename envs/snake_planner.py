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

The searches run on bitboards: Python ints with one bit per cell, ``row * (size + 1) + column``, the extra
column always empty so that a shift by one never wraps from one row into the next. A BFS layer is then four
shifts, ORs and a mask, whatever the number of cells in it; the cells a snake still blocks at move ``d`` are a
prefix of its body (head side), kept as prefix bitboards so each layer looks its mask up instead of building it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["GreedySnakePolicy", "choose_move", "parse_observation"]

# Directions as in the env: 0 up, 1 right, 2 down, 3 left.


class _Geometry:
    """Per board size: cell bits, the board mask and neighbour lists."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.stride = w = size + 1  # one empty guard column per row
        self.bit = [1 << (c // size * w + c % size) for c in range(size * size)]
        self.full = sum(self.bit)
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
        self.adj = tuple(adj)

    def cell_of(self, bit: int) -> int:
        r, c = divmod(bit.bit_length() - 1, self.stride)
        return r * self.size + c

    def prefixes(self, cells: Sequence[int]) -> list[int]:
        """``pre[k]``: the bits of ``cells[:k]``."""
        bit, acc = self.bit, 0
        pre = [0]
        for cell in cells:
            acc |= bit[cell]
            pre.append(acc)
        return pre


@lru_cache(maxsize=16)
def _geometry(size: int) -> _Geometry:
    return _Geometry(size)


class _Others:
    """The other snakes as obstacles (time-aware, see the module docstring), fixed for one ``choose_move``."""

    def __init__(self, g: _Geometry, others: Sequence[Sequence[int]]) -> None:
        bodies = [(g.prefixes(o), len(o)) for o in others if o]
        self.all = 0
        for pre, _ in bodies:
            self.all |= pre[-1]
        self.heads = [(len(o), _neighbours(g, o[0])) for o in others if o]
        # blocked[d]: cells not enterable at move d; segment j of a snake of length L frees at move L - j + 1,
        # so at move d >= 1 the first L + 1 - d segments still block: prefixes L, L, L - 1, ..., 1 for d = 0..L.
        self.blocked: list[int] = []
        for pre, length in bodies:
            mine = [pre[length], *pre[length:0:-1]]
            if len(mine) > len(self.blocked):
                self.blocked, mine = mine, self.blocked
            for d, mask in enumerate(mine):
                self.blocked[d] |= mask

    def blocked_at(self, d: int) -> int:
        return self.blocked[d] if d < len(self.blocked) else 0

    def near_heads(self, own_length: int) -> int:
        """Cells next to a head that could move there and win the head-on (blocked at move 1)."""
        mask = 0
        for length, cells in self.heads:
            if length >= own_length:
                mask |= cells
        return mask


def _neighbours(g: _Geometry, cell: int) -> int:
    b = g.bit[cell]
    w = g.stride
    return ((b << 1) | (b >> 1) | (b << w) | (b >> w)) & g.full


def _search(
    g: _Geometry,
    start: int,
    target: int,
    front: list[int],
    own_pre: list[int],
    length: int,
    others: _Others,
    near: int,
) -> tuple[int, list[int]]:
    """BFS from bit ``start`` for a snake of ``length`` cells whose body is ``front`` then ``own_pre``'s cells.

    The snake is the cells of prefix list ``front`` (``front[k]``: its first ``k`` cells, head first; may be just
    ``[0]``) followed by the cells of prefix list ``own_pre``. Its segment ``j`` blocks moves ``d < length - j``;
    the other snakes block as ``_Others.blocked``; ``near`` is blocked at move 1. Returns ``(distance, layers)``
    to bit ``target`` (``-1`` if unreachable or ``target`` is 0: then ``layers`` holds the whole flood fill).
    """
    w, full = g.stride, g.full
    h = len(front) - 1
    head_all = front[-1]
    other_blocked = others.blocked
    other_horizon = len(other_blocked)
    horizon = max(length, other_horizon, 2)
    seen = frontier = start
    layers = [start]
    d = 0
    free = full
    while frontier:
        d += 1
        if d < horizon:
            k = length - d
            block = 0 if k <= 0 else front[k] if k <= h else head_all | own_pre[k - h]
            if d < other_horizon:
                block |= other_blocked[d]
            if d == 1:
                block |= near
            free = full & ~block
        else:  # every body has moved out of the way by now
            free = full
        nxt = ((frontier << 1) | (frontier >> 1) | (frontier << w) | (frontier >> w)) & free & ~seen
        if nxt & target:
            layers.append(target)
            return d, layers
        seen |= nxt
        frontier = nxt
        layers.append(nxt)
    return -1, layers


def _path(g: _Geometry, layers: list[int], keep: int) -> tuple[int, list[int]]:
    """A shortest path found by ``_search``, walked back from its target: its first step (a cell next to the
    start) and the prefix bitboards of its first ``keep`` cells counted from the target (``front[k]``, as
    ``_search`` takes them)."""
    w = g.stride
    cur = layers[-1]
    front = [0, cur]
    for k in range(len(layers) - 2, 0, -1):
        cand = ((cur << 1) | (cur >> 1) | (cur << w) | (cur >> w)) & layers[k]
        cur = cand & -cand  # lowest bit: a fixed, deterministic tie-break
        if len(front) <= keep:
            front.append(front[-1] | cur)
    return g.cell_of(cur), front


def choose_move(
    size: int,
    snake: Sequence[int],
    food: int | None,
    others: Sequence[Sequence[int]] = (),
) -> int:
    """The greedy-safe move (0 up, 1 right, 2 down, 3 left) for ``snake`` (cells head first)."""
    g = _geometry(size)
    snake = list(snake)
    head, length = snake[0], len(snake)
    straight = _heading(size, snake)
    obstacles = _Others(g, others)
    bit = g.bit
    own_pre = g.prefixes(snake)
    head_bit = bit[head]
    tail_pre = own_pre[:-1]  # the body without its tail, as after a move that does not eat

    # 1-2. Shortest path to the food, if eating leaves an escape to the tail.
    if food is not None:
        dist, layers = _search(
            g, head_bit, bit[food], [0], own_pre, length, obstacles, obstacles.near_heads(length)
        )
        if dist > 0:
            # The virtual body after eating: the path (food first) then the snake, cut to length + 1.
            virtual_length = length + 1
            first_step, front = _path(g, layers, virtual_length)
            cells = len(front) - 1
            tail = g.cell_of(front[-1] ^ front[-2]) if cells == virtual_length else snake[length - cells]
            escape, _ = _search(
                g,
                bit[food],
                bit[tail],
                front,
                own_pre,
                virtual_length,
                obstacles,
                obstacles.near_heads(virtual_length),
            )
            if escape > 0:
                return _direction(size, head, first_step)

    # Moves possible now: not into a cell blocked at move 1.
    blocked_now = (own_pre[length - 1] if length > 1 else 0) | obstacles.blocked_at(1)
    blocked_now |= obstacles.near_heads(length)
    moves = [(direction, nb) for direction, nb in g.adj[head] if not bit[nb] & blocked_now]

    # 3. Follow the tail, the long way round.
    best, best_score = None, -1
    for direction, nb in moves:
        eats = nb == food
        moved_length = length + 1 if eats else length
        if moved_length < 2:
            score = 0
        else:
            tail = snake[-1] if eats else snake[-2]
            score, _ = _search(
                g,
                bit[nb],
                bit[tail],
                [0, bit[nb]],
                own_pre if eats else tail_pre,
                moved_length,
                obstacles,
                obstacles.near_heads(moved_length),
            )
        if score > best_score:
            best, best_score = direction, score
    if best is not None and best_score > 0:
        return best

    # 4. The largest reachable area.
    best, best_area = None, -1
    for direction, nb in moves:
        eats = nb == food
        moved_length = length + 1 if eats else length
        _, layers = _search(
            g,
            bit[nb],
            0,
            [0, bit[nb]],
            own_pre if eats else tail_pre,
            moved_length,
            obstacles,
            obstacles.near_heads(moved_length),
        )
        area = 0
        for layer in layers:
            area |= layer
        area = area.bit_count()
        if area > best_area:
            best, best_area = direction, area
    if best is not None:
        return best
    # Cornered where the other snake's head might go: any free cell beats certain death.
    body = own_pre[length - 1] | obstacles.all
    for direction, nb in g.adj[head]:
        if not bit[nb] & body:
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
