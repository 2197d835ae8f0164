"""The dungeon's rules, written once over arrays with a leading env axis and compiled with numba.

Maps (``MapTable``): each compiled map (``envs/dungeon/maps.py``) becomes one int32 row of ``mt`` (a header, the
treasure cells, the monster spawns grouped by room, and the player's and the monsters' move tables) plus the
static part of its rooms' vector observations in ``room_obs`` (``(rooms, 180)`` float32: tiles, exit, the
exit's direction). Maps of different sizes are padded to the largest, so each env row can play a different map;
cell indices stay each map's own (``r * width + c``).

State of ``n`` games: ``st`` int32 ``(n, NFIX + max_rooms + max_monsters)`` (map slot, position, room, hit
points, steps, random-buffer position and fill, treasures left as bits, rooms visited, then one byte per room
"visited" and one cell per monster slot, -1 when slain) and ``buf`` uint8 ``(n, 2 * CHUNK)``: the monsters'
random bytes. ``DungeonEnv`` steps row 0 of a one-row state (its map unpadded), ``DungeonVectorEnv`` steps all
rows in one call.

Random bytes: the monsters draw one byte each per move from chunks of ``CHUNK`` bytes that the env draws with
its ``np_random`` (``integers(0, 256, CHUNK, dtype=uint8)``), the same stream as the scalar implementation it
replaced. A kernel cannot call back into numpy, so the views draw the next chunk ahead, when a step could run
out (``need`` below), and put the generator back at the next reset if that chunk was never touched: the stream a
seed produces, and the levels later resets draw from it, stay exactly those of the recorded golden runs.

Speed: the per-row functions are ``envs.jit.row_helper`` (inlined into the loop that calls them) and the entry
points Python calls are ``envs.jit.kernel`` (no numba runtime, so no reference counting; see ``envs/jit.py``).
Nothing in a kernel allocates: rows are copied with loops rather than slice assignments, and the pixel
observation builds its room codes in a scratch array each view owns. A step's reward is summed in the order the
scalar implementation summed it (float addition is not associative), which keeps the golden hashes.
"""

from __future__ import annotations

import functools

import numpy as np

from envs.dungeon.maps import ROOM_H, ROOM_W, DungeonMap, _compile_rows
from envs.jit import kernel, row_helper

# --- observation codes, rewards --------------------------------------------------------------------------------
# The static tile codes 0..8 of envs.dungeon.maps, then the things on them.
TREASURE, EXIT, MONSTER, PLAYER = 9, 10, 11, 12
HEART, GOLD = 13, 14  # pixel observations only (the status column)
ROOM_CELLS = ROOM_H * ROOM_W
N_EXTRA = 4
OBS_LEN = ROOM_CELLS + N_EXTRA
PIXEL_TILE = 8  # pixel observation: 16 x 12 tiles (room + status column) of 8 px -> 128 x 96
PIX_H, PIX_W = ROOM_H * PIXEL_TILE, (ROOM_W + 1) * PIXEL_TILE
R_ROOM, R_TREASURE, R_EXIT, R_HURT, R_DEATH, R_KILL = 0.2, 1.0, 5.0, -0.5, -1.0, 0.1
N_ACTIONS = 5
ATTACK_ACTION = 4
CHUNK = 1024  # random bytes drawn at a time (as the scalar implementation did)

PALETTE = np.array(
    [
        (12, 10, 16),  # void
        (78, 68, 56),  # floor
        (44, 52, 78),  # wall
        (128, 104, 82),  # block
        (34, 84, 170),  # water/lava
        (70, 110, 130),  # shore
        (60, 80, 130),  # block in water
        (24, 20, 18),  # door
        (150, 150, 150),  # stair
        (240, 200, 40),  # treasure
        (60, 220, 110),  # exit
        (220, 50, 50),  # monster
        (90, 200, 255),  # player
        (230, 40, 70),  # heart (status column)
        (240, 200, 40),  # gold (status column)
    ],
    dtype=np.uint8,
)
PALETTE.setflags(write=False)

# --- map table layout: header columns of ``mt`` ------------------------------------------------------------------
(M_W, M_CELLS, M_START, M_EXIT, M_NTREAS, M_NMONS, M_ROOM_COLS, M_NROOMS, M_ROOM_MONS, M_EXIT_CODE,
 M_RMAX, M_O_TREAS, M_O_SPAWN, M_O_RSTART, M_O_NEXT, M_O_MNEXT, M_O_ROOM, M_O_LOCAL) = range(18)  # fmt: skip
M_HDR = 18
MAX_TREASURES = 8

# --- state layout: columns of ``st`` ------------------------------------------------------------------------------
(S_MAP, S_POS, S_ROOM, S_HP, S_STEPS, S_K, S_AVAIL, S_TMASK, S_TLEFT, S_NVIS, S_SUCCESS, S_ATTACKED,
 S_MAX_STEPS) = range(13)  # fmt: skip
NFIX = 13  # then max_rooms "visited" flags, then max_monsters monster cells


def table_width(cmax: int, rmax: int, mmax: int) -> int:
    return M_HDR + MAX_TREASURES + mmax + rmax + 1 + 10 * cmax


def state_width(rmax: int, mmax: int) -> int:
    return NFIX + rmax + mmax


def map_dims(dmap: DungeonMap) -> tuple[int, int, int]:
    """(cells, rooms, monsters) of a compiled map: what the padded tables must hold."""
    return dmap.codes.size, dmap.room_rows * dmap.room_cols, len(dmap.monsters)


def build_tables(dmap: DungeonMap, cmax: int, rmax: int, mmax: int) -> tuple[np.ndarray, np.ndarray]:
    """One map as a table row (int32, ``table_width``) and its rooms' static observations ``(rmax, 180)``."""
    cells, n_rooms, n_mons = map_dims(dmap)
    w = dmap.width
    row = np.zeros(table_width(cmax, rmax, mmax), dtype=np.int32)
    o_treas = M_HDR
    o_spawn = o_treas + MAX_TREASURES
    o_rstart = o_spawn + mmax
    o_next = o_rstart + rmax + 1
    o_mnext = o_next + 4 * cmax
    o_room = o_mnext + 4 * cmax
    o_local = o_room + cmax
    room_of = np.asarray(dmap.room_of, dtype=np.int64)
    # monster slots grouped by room, spawn order kept inside a room (the order the monsters move in)
    spawns = np.asarray(dmap.monsters, dtype=np.int64)
    order = np.argsort(room_of[spawns], kind="stable") if n_mons else spawns
    spawns = spawns[order]
    counts = np.bincount(room_of[spawns], minlength=n_rooms) if n_mons else np.zeros(n_rooms, dtype=np.int64)
    row[M_W] = w
    row[M_CELLS] = cells
    row[M_START] = dmap.start
    row[M_EXIT] = dmap.exit
    row[M_NTREAS] = len(dmap.treasures)
    row[M_NMONS] = n_mons
    row[M_ROOM_COLS] = dmap.room_cols
    row[M_NROOMS] = n_rooms
    row[M_ROOM_MONS] = int(counts.max()) if n_mons else 0
    row[M_EXIT_CODE] = int(dmap.codes.flat[dmap.exit])
    row[M_RMAX] = rmax
    row[M_O_TREAS], row[M_O_SPAWN], row[M_O_RSTART] = o_treas, o_spawn, o_rstart
    row[M_O_NEXT], row[M_O_MNEXT], row[M_O_ROOM], row[M_O_LOCAL] = o_next, o_mnext, o_room, o_local
    row[o_treas : o_treas + len(dmap.treasures)] = dmap.treasures
    row[o_spawn : o_spawn + n_mons] = spawns
    starts = np.zeros(rmax + 1, dtype=np.int64)
    starts[1 : n_rooms + 1] = np.cumsum(counts)
    starts[n_rooms + 1 :] = starts[n_rooms]
    row[o_rstart : o_rstart + rmax + 1] = starts
    row[o_next : o_next + 4 * cells] = dmap.next_cell
    row[o_mnext : o_mnext + 4 * cells] = dmap.monster_next
    row[o_room : o_room + cells] = dmap.room_of  # lookups, not divisions by the map width, on the hot path
    row[o_local : o_local + cells] = dmap.local
    # per-room static observation: tiles, the exit, the exit room's direction (treasures and movers go on top)
    room_obs = np.zeros((rmax, OBS_LEN), dtype=np.float32)
    er, ec = divmod(dmap.room_of[dmap.exit], dmap.room_cols)
    for room in range(n_rooms):
        rr, rc = divmod(room, dmap.room_cols)
        tiles = dmap.codes[rr * ROOM_H : (rr + 1) * ROOM_H, rc * ROOM_W : (rc + 1) * ROOM_W]
        room_obs[room, :ROOM_CELLS] = tiles.ravel()
        room_obs[room, ROOM_CELLS + 2] = (er > rr) - (er < rr)
        room_obs[room, ROOM_CELLS + 3] = (ec > rc) - (ec < rc)
    room_obs[dmap.room_of[dmap.exit], dmap.local[dmap.exit]] = EXIT
    return row, room_obs


@functools.lru_cache(maxsize=128)
def natural_tables(rows: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A map's tables unpadded, as one-row arrays (what ``DungeonEnv`` steps; cached by the map's tiles)."""
    dmap = DungeonMap("", *_compile_rows(rows))
    row, room_obs = build_tables(dmap, *map_dims(dmap))
    row.setflags(write=False)
    room_obs.setflags(write=False)
    return row[None], room_obs[None]


# --- the rules ---------------------------------------------------------------------------------------------------
@row_helper
def _room_local(mt: np.ndarray, m: int, cell: int) -> tuple[int, int]:
    """(room, index in the room's 16 x 11 view) of a cell."""
    return mt[m, mt[m, M_O_ROOM] + cell], mt[m, mt[m, M_O_LOCAL] + cell]


@row_helper
def reset_row(st: np.ndarray, mt: np.ndarray, r: int, max_hp: int, monsters: bool, max_steps: int) -> None:
    """Start an episode on row ``r`` on its map (``st[r, S_MAP]``); its first random chunk is in ``buf`` already."""
    m = st[r, S_MAP]
    rmax = mt[m, M_RMAX]
    start = mt[m, M_START]
    room, _ = _room_local(mt, m, start)
    st[r, S_POS] = start
    st[r, S_ROOM] = room
    st[r, S_HP] = max_hp
    st[r, S_STEPS] = 0
    st[r, S_K] = 0
    st[r, S_AVAIL] = CHUNK
    nt = mt[m, M_NTREAS]
    st[r, S_TMASK] = (1 << nt) - 1
    st[r, S_TLEFT] = nt
    st[r, S_NVIS] = 1
    st[r, S_SUCCESS] = 0
    st[r, S_ATTACKED] = 0
    st[r, S_MAX_STEPS] = max_steps
    for i in range(NFIX, NFIX + rmax):
        st[r, i] = 0
    st[r, NFIX + room] = 1
    o_spawn = mt[m, M_O_SPAWN]
    nm = mt[m, M_NMONS] if monsters else 0
    mon0 = NFIX + rmax
    for j in range(st.shape[1] - mon0):
        st[r, mon0 + j] = mt[m, o_spawn + j] if j < nm else -1


@row_helper
def _occupied(st: np.ndarray, r: int, mon0: int, j0: int, j1: int, cell: int) -> bool:
    """Whether one of the monster slots ``j0 .. j1 - 1`` (a room's) stands on ``cell``."""
    for j in range(j0, j1):
        if st[r, mon0 + j] == cell:
            return True
    return False


@row_helper
def _take_treasure(st: np.ndarray, mt: np.ndarray, r: int, m: int, pos: int, reward: float) -> float:
    """Pick up the treasure left on ``pos``, if any; returns the turn's reward so far."""
    tm = st[r, S_TMASK]
    if tm:
        o_treas = mt[m, M_O_TREAS]
        for t in range(mt[m, M_NTREAS]):
            if (tm >> t) & 1 and mt[m, o_treas + t] == pos:
                st[r, S_TMASK] = tm & ~(1 << t)
                st[r, S_TLEFT] -= 1
                return reward + R_TREASURE
    return reward


@row_helper
def _move_player(st, mt, r, m, a, mon0, pos, room, hp, reward):
    """The player's move ``a`` (0..3 from ``pos`` in ``room``): a bump (it stays), a hit (it walked into a
    monster), or a step (a first visit of a room, a treasure, the exit). Returns ``(pos, room, hp, reward,
    terminated)``; the reward is added to in the order the scalar implementation added it (float sums)."""
    dest = mt[m, mt[m, M_O_NEXT] + pos * 4 + a]
    if dest == pos:
        return pos, room, hp, reward, False
    droom, _ = _room_local(mt, m, dest)
    o_rstart = mt[m, M_O_RSTART]
    if _occupied(st, r, mon0, mt[m, o_rstart + droom], mt[m, o_rstart + droom + 1], dest):
        return pos, room, hp - 1, reward + R_HURT, False
    if droom != room and st[r, NFIX + droom] == 0:
        st[r, NFIX + droom] = 1
        st[r, S_NVIS] += 1
        reward += R_ROOM
    reward = _take_treasure(st, mt, r, m, dest, reward)
    if dest == mt[m, M_EXIT]:
        st[r, S_SUCCESS] = 1
        return dest, droom, hp, reward + R_EXIT, True
    return dest, droom, hp, reward, False


@row_helper
def _swing_sword(
    st: np.ndarray, r: int, mon0: int, j0: int, j1: int, pos: int, w: int, reward: float
) -> float:
    """Slay the room's monsters (slots ``j0 .. j1 - 1``) on the four cells around ``pos``."""
    for j in range(j0, j1):
        mc = st[r, mon0 + j]
        if mc >= 0 and (mc == pos - w or mc == pos + w or mc == pos - 1 or mc == pos + 1):
            st[r, mon0 + j] = -1
            reward += R_KILL
    return reward


@row_helper
def _monster_action(mt: np.ndarray, m: int, x: int, mc: int, pr: int, pc: int) -> int:
    """The move a monster on ``mc`` makes for its random byte ``x``: with bit 7 toward the player (room-local
    row ``pr``, column ``pc``) along the axis of the larger distance, else with bit 6 the direction in its two
    low bits, else none (-1)."""
    if x & 128:
        lm = mt[m, mt[m, M_O_LOCAL] + mc]
        mr = lm // ROOM_W
        dr = pr - mr
        dc = pc - (lm - mr * ROOM_W)
        if abs(dr) >= abs(dc):
            return 1 if dr > 0 else 0
        return 3 if dc > 0 else 2
    if x & 64:
        return x & 3
    return -1


@row_helper
def _move_monsters(st, buf, mt, r, m, mon0, j0, j1, pos, hp, reward, k):
    """The room's monsters (slots ``j0 .. j1 - 1``) move in slot order, one random byte ``buf[r, k]`` each; a
    move onto the player hits it instead. Returns ``(hp, reward, k)``."""
    o_mnext = mt[m, M_O_MNEXT]
    # the moving monsters share the player's room: distances from room-local rows and columns
    lp = mt[m, mt[m, M_O_LOCAL] + pos]
    pr = lp // ROOM_W
    pc = lp - pr * ROOM_W
    for j in range(j0, j1):
        mc = st[r, mon0 + j]
        if mc < 0:
            continue
        ma = _monster_action(mt, m, buf[r, k], mc, pr, pc)
        k += 1
        if ma < 0:
            continue
        dest = mt[m, o_mnext + mc * 4 + ma]
        if dest == pos:
            hp -= 1
            reward += R_HURT
        elif dest != mc and not _occupied(st, r, mon0, j0, j1, dest):
            st[r, mon0 + j] = dest
    return hp, reward, k


@row_helper
def _use_bytes(st: np.ndarray, buf: np.ndarray, r: int, k: int) -> tuple[int, int]:
    """Store the random-byte position ``k``; past the current chunk, the drawn-ahead chunk becomes the current one.
    Returns ``(k, bytes available)``."""
    avail = st[r, S_AVAIL]
    if k > CHUNK:
        for i in range(CHUNK):  # a loop, not a slice copy: a slice assignment may allocate (numba's runtime)
            buf[r, i] = buf[r, CHUNK + i]
        k -= CHUNK
        avail = CHUNK
        st[r, S_AVAIL] = avail
    st[r, S_K] = k
    return k, avail


@row_helper
def step_row(st: np.ndarray, buf: np.ndarray, mt: np.ndarray, r: int, a: int):
    """One turn of row ``r``: the player's move or sword, then the room's monsters; returns
    ``(reward, terminated, truncated, need)`` where ``need`` says the next step could run out of random bytes."""
    m = st[r, S_MAP]
    mon0 = NFIX + mt[m, M_RMAX]
    pos = st[r, S_POS]
    room = st[r, S_ROOM]
    hp = st[r, S_HP]
    st[r, S_STEPS] += 1
    st[r, S_ATTACKED] = a == ATTACK_ACTION
    reward = 0.0
    terminated = False
    if a < 4:
        pos, room, hp, reward, terminated = _move_player(st, mt, r, m, a, mon0, pos, room, hp, reward)
    o_rstart = mt[m, M_O_RSTART]
    j0 = mt[m, o_rstart + room]
    j1 = mt[m, o_rstart + room + 1]
    if a == ATTACK_ACTION:
        reward = _swing_sword(st, r, mon0, j0, j1, pos, mt[m, M_W], reward)
    k = st[r, S_K]
    if not terminated:
        hp, reward, k = _move_monsters(st, buf, mt, r, m, mon0, j0, j1, pos, hp, reward, k)
        if hp <= 0:
            hp = 0  # two hits in one turn must not leave the observation's bounds
            terminated = True
            reward += R_DEATH
    st[r, S_POS] = pos
    st[r, S_ROOM] = room
    st[r, S_HP] = hp
    k, avail = _use_bytes(st, buf, r, k)
    truncated = not terminated and st[r, S_STEPS] >= st[r, S_MAX_STEPS]
    need = avail - k < mt[m, M_ROOM_MONS]
    return reward, terminated, truncated, need


# --- observations ------------------------------------------------------------------------------------------------
@row_helper
def _room_codes(st: np.ndarray, mt: np.ndarray, room_obs: np.ndarray, r: int, out: np.ndarray) -> None:
    """Row ``r``'s room as the 180 observation values ``out``: tiles, exit, treasures, monsters, player, hp,
    treasures left."""
    m = st[r, S_MAP]
    room = st[r, S_ROOM]
    for i in range(OBS_LEN):
        out[i] = room_obs[m, room, i]
    tm = st[r, S_TMASK]
    o_treas = mt[m, M_O_TREAS]
    exit_ = mt[m, M_EXIT]
    for t in range(mt[m, M_NTREAS]):
        cell = mt[m, o_treas + t]
        troom, loc = _room_local(mt, m, cell)
        if troom == room:
            if (tm >> t) & 1:
                out[loc] = TREASURE
            elif cell == exit_:  # a treasure taken on the exit leaves the bare tile
                out[loc] = mt[m, M_EXIT_CODE]
    mon0 = NFIX + mt[m, M_RMAX]
    o_rstart = mt[m, M_O_RSTART]
    for j in range(mt[m, o_rstart + room], mt[m, o_rstart + room + 1]):
        mc = st[r, mon0 + j]
        if mc >= 0:
            out[_room_local(mt, m, mc)[1]] = MONSTER
    out[_room_local(mt, m, st[r, S_POS])[1]] = PLAYER
    out[ROOM_CELLS] = st[r, S_HP]
    out[ROOM_CELLS + 1] = st[r, S_TLEFT]


@row_helper
def _pixels(codes: np.ndarray, hp: int, tleft: int, img: np.ndarray) -> None:
    """Room codes plus the status column (hearts from the top, gold from the bottom), 8 x 8 px per cell."""
    for gr in range(ROOM_H):
        for gc in range(ROOM_W + 1):
            if gc < ROOM_W:
                code = int(codes[gr * ROOM_W + gc])
            elif ROOM_H - gr <= tleft:
                code = GOLD
            elif gr < hp:
                code = HEART
            else:
                code = 0
            r0 = gr * PIXEL_TILE
            c0 = gc * PIXEL_TILE
            for y in range(r0, r0 + PIXEL_TILE):
                for x in range(c0, c0 + PIXEL_TILE):
                    img[y, x, 0] = PALETTE[code, 0]
                    img[y, x, 1] = PALETTE[code, 1]
                    img[y, x, 2] = PALETTE[code, 2]


@row_helper
def observe_row(st, mt, room_obs, r, vec, pix, codes, masks) -> None:
    """Write row ``r``'s observation (``vec[r]``, or ``pix[r]`` when there are no ``vec`` rows, through the
    scratch ``codes``) and its action mask ``masks[r]``. The row views cost nothing in a kernel: inlined, and
    no reference counts without numba's runtime."""
    m = st[r, S_MAP]
    pos = st[r, S_POS]
    o_next = mt[m, M_O_NEXT]
    for a in range(4):
        masks[r, a] = mt[m, o_next + pos * 4 + a] != pos
    masks[r, ATTACK_ACTION] = True
    if pix.shape[0] == 0:
        _room_codes(st, mt, room_obs, r, vec[r])
    else:
        _room_codes(st, mt, room_obs, r, codes)
        _pixels(codes, st[r, S_HP], st[r, S_TLEFT], pix[r])


@row_helper
def _write_info(st: np.ndarray, r: int, info: np.ndarray) -> None:
    """``info[r]``: hp, treasures left, rooms visited, success."""
    info[r, 0] = st[r, S_HP]
    info[r, 1] = st[r, S_TLEFT]
    info[r, 2] = st[r, S_NVIS]
    info[r, 3] = st[r, S_SUCCESS]


# --- entry points: one call per step ----------------------------------------------------------------------------
@kernel
def step_vector(st, buf, mt, room_obs, a, obs):
    """``DungeonEnv.step`` on row 0 with vector observations (written into ``obs``); returns the turn's reward,
    flags and "draw ahead" (see ``step_row``), then what the info holds: position, hp, treasures left, rooms
    visited, success. Few arguments on purpose: numba's dispatch costs per argument, on every step."""
    reward, terminated, truncated, need = step_row(st, buf, mt, 0, a)
    _room_codes(st, mt, room_obs, 0, obs)
    return (reward, terminated, truncated, need, st[0, S_POS], st[0, S_HP], st[0, S_TLEFT], st[0, S_NVIS],
            st[0, S_SUCCESS] != 0)  # fmt: skip


@kernel
def step_pixels(st, buf, mt, room_obs, a, img, codes):
    """``step_vector`` with the pixel observation written into ``img``, through the scratch ``codes``."""
    reward, terminated, truncated, need = step_row(st, buf, mt, 0, a)
    _room_codes(st, mt, room_obs, 0, codes)
    _pixels(codes, st[0, S_HP], st[0, S_TLEFT], img)
    return (reward, terminated, truncated, need, st[0, S_POS], st[0, S_HP], st[0, S_TLEFT], st[0, S_NVIS],
            st[0, S_SUCCESS] != 0)  # fmt: skip


@kernel
def step_batch(st, buf, mt, room_obs, actions, skip, vec, pix, codes, rew, term, trunc, masks, info, need):
    """Every row's turn (rows in ``skip`` just reset: observed, not stepped); ``info`` columns are hp, treasures
    left, rooms visited, success. Returns the number of rows listed in ``need`` (to draw random bytes ahead for),
    or ``-1 - r`` when the action of row ``r`` is not one of the five (nothing stepped then)."""
    n = st.shape[0]
    for r in range(n):
        if not skip[r] and (actions[r] < 0 or actions[r] >= N_ACTIONS):
            return -1 - r
    n_need = 0
    for r in range(n):
        if skip[r]:
            rew[r] = 0.0
            term[r] = False
            trunc[r] = False
        else:
            rw, te, tr, nd = step_row(st, buf, mt, r, int(actions[r]))
            rew[r] = rw
            term[r] = te
            trunc[r] = tr
            if nd:
                need[n_need] = r
                n_need += 1
        observe_row(st, mt, room_obs, r, vec, pix, codes, masks)
        _write_info(st, r, info)
    return n_need


@kernel
def reset_rows(st, mt, rows, max_hp, monsters, max_steps) -> None:
    for r in rows:
        reset_row(st, mt, r, max_hp, monsters, max_steps)


@kernel
def observe_all(st, mt, room_obs, vec, pix, codes, masks, info) -> None:
    for r in range(st.shape[0]):
        observe_row(st, mt, room_obs, r, vec, pix, codes, masks)
        _write_info(st, r, info)
