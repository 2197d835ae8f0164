"""The dungeon's solver: is a level completable, and by which action sequence?

"Completable" means the exit is reachable from the start with the game's moves (monsters are ignored
because the sword kills them; doors are always open because keys and bombs are not modelled). The action
plan visits every reachable treasure (nearest first) and then the exit.

:func:`solve` runs a breadth-first search over the move table of the compiled map (``envs/dungeon/maps.py``), the
same table the rules core steps the player with; :func:`solve_from` plans from any cell (the solver bot replans
with it when monsters push it off its path).
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass

from envs.dungeon.maps import (
    BLOCK,
    DELTAS,
    ELEMENT,
    ELEMENT_BLOCK,
    MIN_ROOMS,
    TILE_NAMES,
    DungeonMap,
    _compile_rows,
    _interior_rooms,
    _room_links,
    compile_map,
)
from envs.level import Level

__all__ = ["Solution", "reachable", "rooms_reached", "solve", "solve_from"]


@dataclass(frozen=True)
class Solution:
    """The solver's answer: ``actions`` reach every reachable treasure and then the exit (empty if not)."""

    completable: bool
    reason: str
    actions: tuple[int, ...] = ()
    cells: tuple[int, ...] = ()  # the cell after each action
    treasures: tuple[int, ...] = ()  # treasures collected on the way, in order


# ------------------------------------------------------------------------------------------------- solving


def _bfs(dmap: DungeonMap, source: int) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """Distances and parent links (cell -> (previous cell, action)) from ``source`` over the move table."""
    nxt = dmap.next_cell
    dist = {source: 0}
    parent: dict[int, tuple[int, int]] = {}
    queue = deque([source])
    while queue:
        cell = queue.popleft()
        d = dist[cell] + 1
        base = cell * 4
        for a in range(4):
            dest = nxt[base + a]
            if dest not in dist:
                dist[dest] = d
                parent[dest] = (cell, a)
                queue.append(dest)
    return dist, parent


def reachable(dmap: DungeonMap, source: int | None = None) -> dict[int, int]:
    """Every cell the player can reach from ``source`` (default: the start), with its distance in moves."""
    return _bfs(dmap, dmap.start if source is None else source)[0]


def rooms_reached(dmap: DungeonMap, source: int | None = None) -> set[int]:
    """The rooms whose interior the player can reach from ``source`` (default: the start); a room's door alone
    does not count (the door of a room the map leaves blank is no room to play in)."""
    return _interior_rooms(reachable(dmap, source), dmap.codes.ravel(), dmap.room_of)


def _path(parent: dict[int, tuple[int, int]], source: int, target: int) -> tuple[list[int], list[int]]:
    actions, cells = [], []
    cell = target
    while cell != source:
        prev, a = parent[cell]
        actions.append(a)
        cells.append(cell)
        cell = prev
    return actions[::-1], cells[::-1]


def _diagnose(dmap: DungeonMap, reach: dict[int, int]) -> str:
    """Why the exit cannot be reached, in words (used in refusals and the corpus report)."""
    w = dmap.width
    er, ec = dmap.rc(dmap.exit)
    exit_room = dmap.room_of[dmap.exit]
    rooms_reached = {dmap.room_of[c] for c in reach}
    where = f"exit at row {er + 1}, column {ec + 1}"
    if exit_room in rooms_reached:
        around = sorted(
            {
                TILE_NAMES[int(dmap.codes.flat[dmap.exit + d])]
                for d in (-w, w, -1, 1)
                if 0 <= dmap.exit + d < dmap.codes.size
            }
            - {"floor", "door", "stair", "shore"}
        )
        return f"{where} is walled in inside its room (next to {', '.join(around) or 'nothing passable'})"
    # Is the exit room linked to the start's rooms by door passages at all (ignoring what is inside rooms)?
    links = _room_links(dmap.codes, dmap.next_cell, dmap.room_of)
    seen, stack = {dmap.room_of[dmap.start]}, [dmap.room_of[dmap.start]]
    while stack:
        for n in links.get(stack.pop(), ()):
            if n not in seen:
                seen.add(n)
                stack.append(n)
    border: dict[str, int] = {}
    for cell in reach:
        for a in range(4):
            dr, dc = DELTAS[a]
            r, c = divmod(cell, w)
            if 0 <= r + dr < dmap.height and 0 <= c + dc < w:
                code = int(dmap.codes[r + dr, c + dc])
                if code in (BLOCK, ELEMENT, ELEMENT_BLOCK):
                    border[TILE_NAMES[code]] = border.get(TILE_NAMES[code], 0) + 1
    blockers = ", ".join(f"{k} x{v}" for k, v in sorted(border.items())) or "walls only"
    if exit_room not in seen:
        return (
            f"{where} is in a room no door path leads to from the start (reached {len(rooms_reached)} rooms; "
            f"such rooms are reached by stair passages or items the game does not model)"
        )
    return (
        f"{where}: door paths lead to its room, but obstacles inside rooms cut the way (reached "
        f"{len(rooms_reached)} rooms; the reachable area borders {blockers})"
    )


def solve_from(dmap: DungeonMap, start: int, treasures: tuple[int, ...] | list[int] = ()) -> Solution:
    """Plan from ``start``: every reachable treasure in ``treasures`` (nearest first), then the exit."""
    dist, parent = _bfs(dmap, start)
    if dmap.exit not in dist:
        return Solution(False, _diagnose(dmap, dist))
    actions: list[int] = []
    cells: list[int] = []
    got: list[int] = []
    left = [t for t in treasures if t in dist]
    pos = start
    while left:
        target = min(left, key=lambda t: (dist[t], t))
        a, c = _path(parent, pos, target)
        actions += a
        cells += c
        got.append(target)
        left.remove(target)
        pos = target
        dist, parent = _bfs(dmap, pos)
    a, c = _path(parent, pos, dmap.exit)
    actions += a
    cells += c
    return Solution(
        True,
        f"exit reached in {len(actions)} moves, {len(got)}/{len(treasures)} treasures",
        tuple(actions),
        tuple(cells),
        tuple(got),
    )


def _verdict(dmap: DungeonMap) -> Solution:
    plan = solve_from(dmap, dmap.start, dmap.treasures)
    if plan.completable and dmap.derived_exit:
        rooms = rooms_reached(dmap)
        if len(rooms) < MIN_ROOMS:
            return Solution(
                False,
                f"the part of the map reachable from the start spans {len(rooms)} room(s), fewer than "
                f"{MIN_ROOMS}: its other rooms are reached by stair passages, bombable walls or items the game "
                f"does not model, so the derived exit would be in the start room",
            )
    return plan


@functools.lru_cache(maxsize=128)
def _solve_rows(rows: tuple[str, ...]) -> Solution:
    return _verdict(DungeonMap("", *_compile_rows(rows)))


def solve(level: Level | DungeonMap) -> Solution:
    """Is ``level`` completable (start -> reachable treasures -> exit), and by which actions (cached by tiles).

    A map whose exit the rules derived (no ``E`` tile) is also refused when its reachable part spans fewer than
    :data:`MIN_ROOMS` rooms."""
    if isinstance(level, DungeonMap):
        return _verdict(level)
    compile_map(level)  # raises a LevelError that names the level
    return _solve_rows(level.rows)
