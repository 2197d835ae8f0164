"""The dungeon's world model: a level compiled into static tile codes, special cells and move tables.

Both :class:`envs.dungeon.DungeonEnv` (through the compiled rules core, ``envs/dungeon/core.py``) and the solver
(``envs/dungeon/solver.py``) build their movement from :func:`move_target`, the one function that says where the
player lands when it takes a move from a cell. :func:`compile_map` turns a :class:`~envs.level.Level` into a
:class:`DungeonMap` (static tile codes, start, exit, treasures, monster spawns and the transition table built
from :func:`move_target`); the solver runs a breadth-first search over that same table.

Map format (the VGLC dungeon legend): a grid of rooms, each 16 rows x 11 columns; ``F`` floor, ``B`` block,
``M`` monster (on floor), ``P`` water/lava (impassable), ``O`` element beside floor (walkable), ``I`` element
under a block (impassable), ``D`` door, ``S`` stair, ``W`` wall, ``-`` void. Extended legend of the shipped
levels (all optional, all on floor): ``A`` start, ``T`` treasure, ``E`` exit.

Rules derived for maps that lack ``A``/``T``/``E`` (every VGLC map). The VGLC encoding carries no start or
exit and none of the stair passages, bombable walls, push-blocks and keys that join many of the source game's
rooms, so every derived goal is placed in the **reachable part**: the cells the player can reach from the start
with this game's moves (a breadth-first search over the same move table the env uses).

* **start**: the entrance, i.e. the first door (rooms in reading order) that leads off the map or into a void
  room slot; the player starts on the cell just inside it. Without such a door: the passable cell nearest the
  centre of the first room that has one.
* **exit**: the reachable stair ``S`` outside the start room that is farthest from the start in moves; without
  one, the reachable floor cell (not a monster spawn) in a room other than the start room that is farthest in
  moves. Ties go to reading order. (A map whose reachable part is the start room alone falls back to its
  farthest stair or floor cell, and is refused, below.)
* **treasures**: the dead-end rooms of the reachable part (rooms with a reachable interior cell and exactly one
  such neighbour room through a door passage), other than the start and exit rooms, farthest from the start
  in moves; at most :data:`AUTO_TREASURES`, each on the reachable floor cell nearest its room's centre.

A map whose exit was derived must also be worth playing: if its reachable part spans fewer than
:data:`MIN_ROOMS` rooms (a room counts when a cell of its interior is reachable, not just its door) the solver
refuses it with that reason. Maps with an explicit ``E`` keep it and are refused when it cannot be reached.

Not modelled, on purpose: blocks never move (pushing would open +1 room in one of the 18 corpus maps even if
every block were pushable, and would let a player dig out of an exit or start walled in by blocks), and stairs
are no passages (the processed maps do not say which stair leads where; the pairing is in the source game only).
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass

import numpy as np

from envs.level import Level, LevelError

__all__ = [
    "ACTION_NAMES",
    "ATTACK",
    "AUTO_TREASURES",
    "BLOCK",
    "DELTAS",
    "DOOR",
    "DOWN",
    "ELEMENT",
    "ELEMENT_BLOCK",
    "ELEMENT_FLOOR",
    "FLOOR",
    "LEFT",
    "LEGEND",
    "MAX_TREASURES",
    "MIN_ROOMS",
    "PASSABLE",
    "RIGHT",
    "ROOM_H",
    "ROOM_W",
    "STAIR",
    "TILE_CODE",
    "TILE_NAMES",
    "UP",
    "VGLC_LEGEND",
    "VOID",
    "WALL",
    "DungeonMap",
    "compile_map",
    "move_target",
    "passable",
]

ROOM_H, ROOM_W = 16, 11
VGLC_LEGEND = "FBMPOIDSW-"
LEGEND = VGLC_LEGEND + "ATE"
AUTO_TREASURES = 3
MIN_ROOMS = 2  # a derived-goal map whose reachable part is smaller is refused
MAX_TREASURES = 8

# Static tile codes (also the first codes of the vector observation).
VOID, FLOOR, WALL, BLOCK, ELEMENT, ELEMENT_FLOOR, ELEMENT_BLOCK, DOOR, STAIR = range(9)
TILE_CODE = {
    "-": VOID,
    "F": FLOOR,
    "M": FLOOR,
    "A": FLOOR,
    "T": FLOOR,
    "E": FLOOR,
    "W": WALL,
    "B": BLOCK,
    "P": ELEMENT,
    "O": ELEMENT_FLOOR,
    "I": ELEMENT_BLOCK,
    "D": DOOR,
    "S": STAIR,
}
PASSABLE = frozenset({FLOOR, ELEMENT_FLOOR, DOOR, STAIR})
TILE_NAMES = {
    VOID: "void",
    FLOOR: "floor",
    WALL: "wall",
    BLOCK: "block",
    ELEMENT: "water/lava",
    ELEMENT_FLOOR: "shore",
    ELEMENT_BLOCK: "block in water",
    DOOR: "door",
    STAIR: "stair",
}

UP, DOWN, LEFT, RIGHT, ATTACK = range(5)
DELTAS = ((-1, 0), (1, 0), (0, -1), (0, 1))
ACTION_NAMES = ("up", "down", "left", "right", "attack")


def passable(code: int) -> bool:
    """Whether the player (and a monster) may stand on a tile: floor, shore, door, stair."""
    return code in PASSABLE


def move_target(codes: np.ndarray, r: int, c: int, action: int) -> tuple[int, int]:
    """Where a move ``action`` (0 up, 1 down, 2 left, 3 right) from ``(r, c)`` lands, monsters aside.

    The one movement rule of the game: step onto a passable neighbour; from a door, a move into the wall goes
    through a two-tile-thick wall to the door on the other side (``D W W D`` in a line: rooms' walls are two
    tiles thick in the VGLC maps); anything else is a bump and the player stays.
    """
    h, w = codes.shape
    dr, dc = DELTAS[action]
    nr, nc = r + dr, c + dc
    if not (0 <= nr < h and 0 <= nc < w):
        return r, c
    if codes[nr, nc] in PASSABLE:
        return nr, nc
    if codes[r, c] == DOOR and codes[nr, nc] == WALL:
        fr, fc = r + 3 * dr, c + 3 * dc
        if 0 <= fr < h and 0 <= fc < w and codes[r + 2 * dr, c + 2 * dc] == WALL and codes[fr, fc] == DOOR:
            return fr, fc
    return r, c


@dataclass(frozen=True, eq=False)
class DungeonMap:
    """A level compiled for play: static codes, special cells (flat indices ``r * width + c``), move tables."""

    name: str
    codes: np.ndarray  # (H, W) uint8 static tile codes
    start: int
    exit: int
    treasures: tuple[int, ...]
    monsters: tuple[int, ...]
    next_cell: tuple[int, ...]  # next_cell[cell * 4 + move] -> cell, from move_target
    monster_next: tuple[int, ...]  # same for monsters: never onto doors or stairs, never out of their room
    room_of: tuple[int, ...]  # cell -> room id (room_row * room_cols + room_col)
    local: tuple[int, ...]  # cell -> its index in the room's row-major 16 x 11 view
    room_rows: int
    room_cols: int
    masks: np.ndarray  # (H * W, 5) bool: moves that do not bump into a static tile; attack always
    derived_exit: bool = False  # the exit was chosen by the rules (no ``E`` tile), not by the map

    @property
    def height(self) -> int:
        return int(self.codes.shape[0])

    @property
    def width(self) -> int:
        return int(self.codes.shape[1])

    def rc(self, cell: int) -> tuple[int, int]:
        return divmod(cell, self.width)


# ----------------------------------------------------------------------------------------- compiling a level


def _rooms(codes: np.ndarray) -> tuple[int, int]:
    h, w = codes.shape
    return h // ROOM_H, w // ROOM_W


def _room_is_void(codes: np.ndarray, rr: int, rc: int) -> bool:
    return not codes[rr * ROOM_H : (rr + 1) * ROOM_H, rc * ROOM_W : (rc + 1) * ROOM_W].any()


def _room_doors(codes: np.ndarray, rr: int, rc: int) -> dict[int, list[tuple[int, int]]]:
    """Door tiles on each side of a room's wall ring (row 1 / 14, column 1 / 9), keyed by move direction."""
    r0, c0 = rr * ROOM_H, rc * ROOM_W
    sides = {
        UP: [(r0 + 1, c) for c in range(c0 + 2, c0 + ROOM_W - 2)],
        DOWN: [(r0 + ROOM_H - 2, c) for c in range(c0 + 2, c0 + ROOM_W - 2)],
        LEFT: [(r, c0 + 1) for r in range(r0 + 2, r0 + ROOM_H - 2)],
        RIGHT: [(r, c0 + ROOM_W - 2) for r in range(r0 + 2, r0 + ROOM_H - 2)],
    }
    return {d: [p for p in cells if codes[p] == DOOR] for d, cells in sides.items()}


def _entrance(codes: np.ndarray) -> tuple[int, int] | None:
    """The cell just inside the first door that leads off the map or into a void room slot."""
    rows, cols = _rooms(codes)
    into_void = None
    for rr in range(rows):
        for rc in range(cols):
            if _room_is_void(codes, rr, rc):
                continue
            for d, doors in _room_doors(codes, rr, rc).items():
                if not doors:
                    continue
                dr, dc = DELTAS[d]
                nr, nc = rr + dr, rc + dc
                off_map = not (0 <= nr < rows and 0 <= nc < cols)
                if not off_map and not _room_is_void(codes, nr, nc):
                    continue
                r, c = doors[0]
                inside = (r - dr, c - dc)
                cell = inside if codes[inside] in PASSABLE else (r, c)
                if off_map:
                    return cell
                into_void = into_void or cell
    return into_void


def _nearest_to_centre(
    codes: np.ndarray, rr: int, rc: int, allowed: frozenset[int]
) -> tuple[int, int] | None:
    r0, c0 = rr * ROOM_H, rc * ROOM_W
    best = None
    for r in range(r0 + 2, r0 + ROOM_H - 2):
        for c in range(c0 + 2, c0 + ROOM_W - 2):
            if codes[r, c] in allowed:
                d = (2 * (r - r0) - (ROOM_H - 1)) ** 2 + (2 * (c - c0) - (ROOM_W - 1)) ** 2
                if best is None or d < best[0]:
                    best = (d, (r, c))
    return None if best is None else best[1]


def _room_links(
    codes: np.ndarray, next_cell: tuple[int, ...], room_of: tuple[int, ...]
) -> dict[int, set[int]]:
    """Rooms joined by a door passage (from the transition table, so the same rule as the player's moves)."""
    links: dict[int, set[int]] = {}
    for cell in np.flatnonzero(codes.ravel() == DOOR).tolist():
        for a in range(4):
            dest = next_cell[cell * 4 + a]
            if room_of[dest] != room_of[cell]:
                links.setdefault(room_of[cell], set()).add(room_of[dest])
    return links


def _distances(next_cell: list[int] | tuple[int, ...], source: int) -> dict[int, int]:
    """Moves from ``source`` to every cell it can reach over the move table (breadth-first)."""
    dist = {source: 0}
    queue = deque([source])
    while queue:
        cell = queue.popleft()
        d = dist[cell] + 1
        for dest in next_cell[cell * 4 : cell * 4 + 4]:
            if dest not in dist:
                dist[dest] = d
                queue.append(dest)
    return dist


def _interior_rooms(reach: dict[int, int], flat: np.ndarray, room_of: tuple[int, ...]) -> set[int]:
    """Rooms with a reachable cell that is not a door (standing in a door of a room is not being in it)."""
    return {room_of[c] for c in reach if flat[c] != DOOR}


def _auto_exit(
    flat: np.ndarray,
    reach: dict[int, int],
    room_of: tuple[int, ...],
    start: int,
    stairs: list[int],
    spawns: set[int],
) -> int | None:
    """The farthest reachable stair outside the start room, else the farthest reachable floor in another room."""
    start_room = room_of[start]
    floors = [c for c in reach if flat[c] == FLOOR and c != start and c not in spawns]
    for candidates in (
        [s for s in stairs if s in reach and room_of[s] != start_room],
        [c for c in floors if room_of[c] != start_room],
        [s for s in stairs if s in reach and s != start],  # a one-room reachable part: refused by the solver
        floors,
    ):
        if candidates:
            return max(candidates, key=lambda c: (reach[c], -c))
    return None


def _auto_treasures(
    flat: np.ndarray,
    next_cell: list[int],
    reach: dict[int, int],
    room_of: tuple[int, ...],
    local: tuple[int, ...],
    skip_rooms: set[int],
    skip_cells: set[int],
) -> list[int]:
    """Treasure cells in the reachable part's dead-end rooms (not ``skip_rooms``), farthest in moves first."""
    rooms = _interior_rooms(reach, flat, room_of)
    nbrs: dict[int, set[int]] = {room: set() for room in rooms}
    # room -> (distance key, its reachable floor cell nearest the centre)
    spots: dict[int, tuple[tuple[int, int], int]] = {}
    for cell in reach:
        room = room_of[cell]
        if flat[cell] == DOOR:
            for dest in next_cell[cell * 4 : cell * 4 + 4]:
                if room_of[dest] != room and room in rooms and room_of[dest] in rooms:
                    nbrs[room].add(room_of[dest])
                    nbrs[room_of[dest]].add(room)
        elif flat[cell] in (FLOOR, ELEMENT_FLOOR) and cell not in skip_cells:
            r, c = divmod(local[cell], ROOM_W)
            key = ((2 * r - (ROOM_H - 1)) ** 2 + (2 * c - (ROOM_W - 1)) ** 2, cell)
            if room not in spots or key < spots[room][0]:
                spots[room] = (key, cell)
    dead_ends = [
        spots[room][1] for room in rooms if len(nbrs[room]) == 1 and room in spots and room not in skip_rooms
    ]
    dead_ends.sort(key=lambda cell: (-reach[cell], cell))
    return dead_ends[:AUTO_TREASURES]


def _parse_tiles(rows: tuple[str, ...], where: str) -> tuple[np.ndarray, dict[str, list[int]]]:
    """A map's static tile codes and the cells (flat) of its ``A``, ``T``, ``E``, ``M`` and ``S`` tiles, checked:
    whole rooms, known tiles, at most one start and one exit, at most :data:`MAX_TREASURES` treasures."""
    h, w = len(rows), len(rows[0])
    if h % ROOM_H or w % ROOM_W:
        raise LevelError(
            f"a dungeon map is a grid of {ROOM_H}-row x {ROOM_W}-column rooms; got {h} rows x {w} columns",
            where,
        )
    codes = np.zeros((h, w), dtype=np.uint8)
    marks: dict[str, list[int]] = {"A": [], "T": [], "E": [], "M": [], "S": []}
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            try:
                codes[r, c] = TILE_CODE[ch]
            except KeyError:
                raise LevelError(
                    f"unknown tile {ch!r}; allowed tiles are {LEGEND}", where, r + 1, c + 1
                ) from None
            if ch in marks:
                marks[ch].append(r * w + c)
    for ch in "AE":
        if len(marks[ch]) > 1:
            r, c = divmod(marks[ch][1], w)
            raise LevelError(f"more than one {ch!r} tile", where, r + 1, c + 1)
    if len(marks["T"]) > MAX_TREASURES:
        r, c = divmod(marks["T"][MAX_TREASURES], w)
        raise LevelError(f"more than {MAX_TREASURES} treasures 'T'", where, r + 1, c + 1)
    return codes, marks


def _move_tables(
    codes: np.ndarray,
) -> tuple[list[int], list[int], tuple[int, ...], tuple[int, ...], np.ndarray]:
    """``(next_cell, monster_next, room_of, local, masks)`` of :class:`DungeonMap`, all from :func:`move_target`."""
    h, w = codes.shape
    cols_n = w // ROOM_W
    next_cell = []
    for r in range(h):
        for c in range(w):
            for a in range(4):
                nr, nc = move_target(codes, r, c, a)
                next_cell.append(nr * w + nc)
    room_of = tuple((r // ROOM_H) * cols_n + c // ROOM_W for r in range(h) for c in range(w))
    local = tuple((r % ROOM_H) * ROOM_W + c % ROOM_W for r in range(h) for c in range(w))
    flat = codes.ravel()
    monster_next = []
    for cell in range(h * w):
        for a in range(4):
            dest = next_cell[cell * 4 + a]
            ok = room_of[dest] == room_of[cell] and flat[dest] in (FLOOR, ELEMENT_FLOOR)
            monster_next.append(dest if ok else cell)
    masks = np.ones((h * w, 5), dtype=bool)
    masks[:, :4] = np.asarray(next_cell, dtype=np.int64).reshape(-1, 4) != np.arange(h * w)[:, None]
    return next_cell, monster_next, room_of, local, masks


def _start_cell(codes: np.ndarray, marks: dict[str, list[int]], where: str) -> int:
    """The ``A`` tile, else the entrance, else the passable cell nearest the centre of the first room with one."""
    if marks["A"]:
        return marks["A"][0]
    rows_n, cols_n = _rooms(codes)
    spot = _entrance(codes)
    if spot is None:
        for room in range(rows_n * cols_n):
            spot = _nearest_to_centre(codes, room // cols_n, room % cols_n, PASSABLE)
            if spot is not None:
                break
    if spot is None:
        raise LevelError("no passable tile to start on", where)
    return spot[0] * codes.shape[1] + spot[1]


@functools.lru_cache(maxsize=128)
def _compile_rows(rows: tuple[str, ...]) -> tuple:
    """Everything about a map that depends on its tiles only (cached so resets on the same level are cheap)."""
    where = "<level>"
    codes, marks = _parse_tiles(rows, where)
    rows_n, cols_n = _rooms(codes)
    next_cell, monster_next, room_of, local, masks = _move_tables(codes)
    flat = codes.ravel()
    start = _start_cell(codes, marks, where)
    # exit and treasures: derived ones are placed where the player can go
    reach = _distances(next_cell, start)
    spawns = set(marks["M"])
    exit_ = marks["E"][0] if marks["E"] else _auto_exit(flat, reach, room_of, start, marks["S"], spawns)
    if exit_ is None:
        raise LevelError("no reachable stair or floor tile for the exit", where)
    if marks["T"]:
        treasures = marks["T"]
    else:
        skip_rooms = {room_of[start], room_of[exit_]}
        treasures = _auto_treasures(flat, next_cell, reach, room_of, local, skip_rooms, spawns)
    monsters = [m for m in marks["M"] if m != start]
    codes.setflags(write=False)
    masks.setflags(write=False)
    return (
        codes,
        start,
        exit_,
        tuple(treasures),
        tuple(monsters),
        tuple(next_cell),
        tuple(monster_next),
        room_of,
        local,
        rows_n,
        cols_n,
        masks,
        not marks["E"],
    )


def compile_map(level: Level) -> DungeonMap:
    """Compile a level (cached by its tiles); a bad map raises :class:`LevelError` naming the level."""
    try:
        parts = _compile_rows(level.rows)
    except LevelError as exc:
        msg = str(exc).removeprefix("<level>")
        raise LevelError(f"level {level.name!r}{msg}", level.path) from None
    return DungeonMap(level.name, *parts)
