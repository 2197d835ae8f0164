"""The platformer's rules, written once over arrays with a leading env axis and compiled with numba.

State of ``n`` players (``RowState``): ``st`` int64 ``(n, NS)``, per row a header (player box and velocity, frame
counter, next enemy to wake, counts, episode statistics, the row's level slot, its buffer layout) followed by the
awake enemies ``(id, x, y, vx, vy)``, the flying bullets ``(x, y, vx)`` and a log of the tiles changed this episode;
``grid`` uint8 ``(n, GW, GH)``, each row's tile codes (broken bricks, used question blocks and taken coins written
into it), padded for the observation window and stored column-major (``grid[i, col, row]``: a window column is
contiguous). Levels (``LevelTable``): ``lv`` int64 ``(K, NL)`` (sizes, goal, start, enemy spawns, cannons) and
``static`` uint8 ``(K, GW, GH)`` (the unchanged tile codes), padded to one shape so each row can play a different
level. ``PlatformerEnv`` steps row 0 of a one-row state, ``PlatformerVectorEnv`` every row
in one call, ``PlatformerPhysics.step`` (the solver's tuple API) loads a state into a scratch row, and the solver
expands search nodes with ``expand``.

All motion is integer arithmetic in sub-tile units (256 per tile, ``>>`` floors, ``//`` floors as in Python), so
every view reproduces the original pure-Python rules bit for bit (``tests/test_platformer_golden.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from envs.jit import kernel, row_helper

LEGEND = "XS-?QE<>[]oBb"
ACTION_NAMES = ("noop", "left", "right", "jump", "left+jump", "right+jump")

# --- units: one tile is 256 sub-units (16 pixels of 16 sub-pixels); one step is one frame at 30 fps ----------
TILE = 256
PW, PH = 192, 224  # player box (12 x 14 px): fits 1-tile holes and tunnels
EW, EH = 224, 224  # walking enemy box
BW, BH = 224, 160  # bullet box
ACC = 8  # horizontal acceleration per frame (ground and air)
FRICTION = 8  # deceleration on the ground with no horizontal input
MAX_VX = 64  # 4 px / frame = 7.5 tiles / s
JUMP_V = 172  # initial upward speed of a jump (gravity applies in the same frame: rises 4.48 tiles)
JUMP_CUT = 48  # releasing jump caps the upward speed at this (variable-height jump)
GRAVITY = 12
MAX_FALL = 192  # < one tile per frame, so nothing tunnels through a tile
STOMP_BOUNCE = 128
ENEMY_V = 16
BULLET_V = 48
CANNON_PERIOD = 60  # a cannon in range fires every 2 s
ACTIVE_RANGE = 12 * TILE  # enemies wake up and cannons fire when this close ahead of the player
DESPAWN_RANGE = 20 * TILE  # enemies and bullets this far from the player are removed
STOMP_MARGIN = 64  # a stomp needs the player's feet above enemy top + this on the previous frame
GOAL_COLS = 2  # the player's centre in the last GOAL_COLS columns finishes the level
START_MIN_ROW_FRACTION = 0.5  # the start is searched in the lower half of the level

# event codes of a frame
NONE, DIED, FINISHED = 0, 1, 2
EVENT_NAMES = ("none", "died", "finished")

# tile codes: observation values and palette indices (codes 1..6 are solid)
EMPTY, GROUND, BRICK, QBLOCK, USED, PIPE, CANNON, COIN, ENEMY, BULLET, GOAL, PLAYER = range(12)
N_CODES = 12
TILE_CODE = {
    "-": EMPTY, "E": EMPTY, "X": GROUND, "S": BRICK, "?": QBLOCK, "Q": USED, "<": PIPE, ">": PIPE, "[": PIPE,
    "]": PIPE, "o": COIN, "B": CANNON, "b": CANNON,
}  # fmt: skip
PALETTE = np.array(
    [
        (110, 170, 230),  # empty: sky
        (140, 90, 50),  # ground
        (200, 110, 70),  # breakable
        (240, 200, 60),  # question block
        (150, 120, 90),  # used block
        (60, 170, 80),  # pipe
        (50, 50, 60),  # cannon
        (255, 230, 90),  # coin
        (120, 60, 40),  # enemy
        (30, 30, 30),  # bullet
        (250, 250, 250),  # goal columns
        (220, 40, 40),  # player
    ],
    dtype=np.uint8,
)
PLAYER_RGB = (220, 40, 40)

# the observation window: VIEW_H x VIEW_W tiles, the player's centre in column VIEW_COL
VIEW_H, VIEW_W, VIEW_COL = 14, 16, 4
N_VECTOR = VIEW_H * VIEW_W + 4
PIXELS_PER_TILE_OBS = 4
PIX_H, PIX_W = VIEW_H * PIXELS_PER_TILE_OBS, VIEW_W * PIXELS_PER_TILE_OBS
# padding of every tile grid around the level: the observation window never leaves it, and it holds the
# physics' margins (walls beside the level, free rows above it for jumps and below it for falls)
PAD_R, PAD_C = VIEW_H + 8, VIEW_W
CEILING_ROW = -7  # an invisible ceiling this many rows above the level's top
_CELL_SHIFT = 16  # change-log entries are (grid row << 16) | grid column, whatever the grid's padded width

# the physics' own padded indices (the tuple API's changed/taken sets): 8 rows above, 4 below, 2 walls each side
PHYS_TOP, PHYS_BOTTOM, PHYS_SIDE = 8, 4, 2

# --- row state layout (columns of ``st``) ---------------------------------------------------------------------
(
    X, Y, VX, VY, ON_GROUND, T, NEXT_ENEMY, NE, NB, NC, STEPS, COINS, MAX_X, SLOT,
    CAP_E, CAP_B, CAP_C, OFF_E, OFF_B, OFF_C,
) = range(20)  # fmt: skip
NH = 20
# --- level layout (columns of ``lv``) -------------------------------------------------------------------------
L_H, L_W, L_GOAL_X, L_START_X, L_START_Y, L_N_SPAWNS, L_N_CANNONS, L_FIT_ROWS, L_OFF_SP, L_OFF_CN = range(10)
NLH = 10


def row_layout(cap_e: int, cap_b: int, cap_c: int) -> tuple[int, int, int, int]:
    """Offsets of the enemies, bullets and change log in a row of ``cap_e`` enemies, ``cap_b`` bullets and
    ``cap_c`` changes, and the row's length."""
    off_e = NH
    off_b = off_e + 5 * cap_e
    off_c = off_b + 3 * cap_b
    return off_e, off_b, off_c, off_c + cap_c


def bullet_capacity(n_cannons: int, frames: int) -> int:
    """Bullets alive at most within ``frames`` frames: each cannon fires once per period (16 spare)."""
    return n_cannons * (frames // CANNON_PERIOD + 1) + 16


# --- the rules -----------------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _solid(code: int) -> bool:
    return 1 <= code <= 6


@njit(cache=True)
def _log(st: np.ndarray, r: int, gr: int, gc: int) -> None:
    n = st[r, NC]
    if n < st[r, CAP_C]:
        st[r, st[r, OFF_C] + n] = (gr << _CELL_SHIFT) | gc
        st[r, NC] = n + 1


@njit(cache=True)
def changed_code(static_code: int, col: int, width: int) -> int:
    """What a changeable tile becomes: a brick breaks, a question block is used, a coin is taken."""
    if static_code == BRICK:
        return EMPTY
    if static_code == QBLOCK:
        return USED
    if static_code == COIN:
        return GOAL if col >= width - GOAL_COLS else EMPTY
    return static_code


# ``frame`` is cut into the phases of a frame, each inlined back into it (``row_helper``). ``frame`` itself is
# compiled without numba's runtime (``kernel``; it allocates nothing): the views of the row it hands its phases
# would otherwise cost an atomic reference-count pair each (about 9% of the batched step, measured).
@row_helper
def _run(vx: int, move: int, on_ground: bool) -> int:
    """Horizontal speed after this frame's input ``move`` (-1, 0, 1): accelerate, or brake on the ground."""
    if move != 0:
        vx += move * ACC
        if vx > MAX_VX:
            vx = MAX_VX
        elif vx < -MAX_VX:
            vx = -MAX_VX
    elif on_ground and vx != 0:
        vx = vx - FRICTION if vx > 0 else vx + FRICTION
        if -FRICTION < vx < FRICTION:
            vx = 0
    return vx


@row_helper
def _move_x(g: np.ndarray, x: int, y: int, vx: int) -> tuple[int, int]:
    """Move the player's box by ``vx``, stopped by a wall (the box spans at most 2 rows and 2 columns)."""
    gr0 = (y >> 8) + PAD_R
    gr1 = ((y + PH - 1) >> 8) + PAD_R
    if vx != 0:
        x += vx
        c = ((x + PW - 1) >> 8) if vx > 0 else (x >> 8)
        if _solid(g[c + PAD_C, gr0]) or _solid(g[c + PAD_C, gr1]):
            x = c * TILE - PW if vx > 0 else (c + 1) * TILE
            vx = 0
    return x, vx


@row_helper
def _land_or_bump(st: np.ndarray, g: np.ndarray, r: int, x: int, y: int, vy: int) -> tuple[int, int, bool, int]:
    """After the box moved to ``y`` at speed ``vy``: land on a solid tile, or bump the head on one (a brick breaks,
    a question block gives a coin) or on the ceiling. Returns ``(y, vy, on_ground, coins)``."""
    on_ground = False
    coins = 0
    gc0 = (x >> 8) + PAD_C
    gc1 = ((x + PW - 1) >> 8) + PAD_C
    if vy > 0:
        row = (y + PH - 1) >> 8
        if _solid(g[gc0, row + PAD_R]) or _solid(g[gc1, row + PAD_R]):
            y = row * TILE - PH
            vy = 0
            on_ground = True
    else:
        row = y >> 8
        if row < CEILING_ROW:
            y, vy = CEILING_ROW * TILE, 0
        else:
            gr = row + PAD_R
            b0 = _solid(g[gc0, gr])
            b1 = _solid(g[gc1, gr])
            if b0 or b1:
                y = (row + 1) * TILE
                vy = 0
                # the block above the player's centre is hit, else the other one
                centre = ((x + PW // 2) >> 8) + PAD_C
                hit = gc0 if (b0 and (centre == gc0 or not b1)) else gc1
                code = g[hit, gr]
                if code == BRICK:
                    g[hit, gr] = EMPTY
                    _log(st, r, gr, hit)
                elif code == QBLOCK:
                    g[hit, gr] = USED
                    _log(st, r, gr, hit)
                    coins += 1
    return y, vy, on_ground, coins


@row_helper
def _take_coins(st: np.ndarray, g: np.ndarray, r: int, x: int, y: int, width: int) -> int:
    """Collect the coins under the player's box (a coin in the goal columns leaves a goal tile): how many."""
    coins = 0
    gr0 = (y >> 8) + PAD_R
    gr1 = ((y + PH - 1) >> 8) + PAD_R
    gc0 = (x >> 8) + PAD_C
    gc1 = ((x + PW - 1) >> 8) + PAD_C
    goal_gc = width - GOAL_COLS + PAD_C
    for k in range(4):
        gr = gr0 if k < 2 else gr1
        gc = gc0 if k % 2 == 0 else gc1
        if g[gc, gr] == COIN:
            g[gc, gr] = GOAL if gc >= goal_gc else EMPTY
            _log(st, r, gr, gc)
            coins += 1
    return coins


@row_helper
def _wake_enemies(s: np.ndarray, L: np.ndarray, x: int) -> tuple[int, int]:
    """Wake the enemies whose spawn is within ``ACTIVE_RANGE`` ahead, in order: ``(awake count, next to wake)``."""
    off_e = s[OFF_E]
    ne = s[NE]
    nxt = s[NEXT_ENEMY]
    n_sp = L[L_N_SPAWNS]
    off_sp = L[L_OFF_SP]
    while nxt < n_sp and L[off_sp + 2 * nxt] <= x + ACTIVE_RANGE:
        if ne < s[CAP_E]:
            b = off_e + 5 * ne
            s[b] = nxt
            s[b + 1] = L[off_sp + 2 * nxt]
            s[b + 2] = L[off_sp + 2 * nxt + 1]
            s[b + 3] = -ENEMY_V
            s[b + 4] = 0
            ne += 1
        nxt += 1
    return ne, nxt


@row_helper
def _move_enemies(
    s: np.ndarray, g: np.ndarray, ne: int, x: int, y: int, vy: int, on_ground: bool, falling: bool,
    prev_bottom: int, bottom: int,
) -> tuple[int, int, bool, bool]:  # fmt: skip
    """Move the ``ne`` awake enemies (walk, turn at walls, fall off ledges), drop those out of range or fallen out,
    and meet the player: a stomp removes the enemy and bounces the player, any other touch kills. Returns
    ``(awake count, vy, on_ground, died)``."""
    off_e = s[OFF_E]
    died = False
    w = 0
    for i in range(ne):
        b = off_e + 5 * i
        eid, ex, ey, evx, evy = s[b], s[b + 1], s[b + 2], s[b + 3], s[b + 4]
        ex += evx
        er0 = (ey >> 8) + PAD_R
        er1 = ((ey + EH - 1) >> 8) + PAD_R
        c = ((ex + EW - 1) >> 8) if evx > 0 else (ex >> 8)
        if _solid(g[c + PAD_C, er0]) or _solid(g[c + PAD_C, er1]):
            ex = c * TILE - EW if evx > 0 else (c + 1) * TILE
            evx = -evx
        evy += GRAVITY
        evy = min(evy, MAX_FALL)
        ey += evy
        er = ((ey + EH - 1) >> 8) + PAD_R
        if _solid(g[(ex >> 8) + PAD_C, er]) or _solid(g[((ex + EW - 1) >> 8) + PAD_C, er]):
            ey = ((ey + EH - 1) >> 8) * TILE - EH
            evy = 0
        if ey >= bottom or ex < x - DESPAWN_RANGE or ex > x + DESPAWN_RANGE:
            continue
        if x < ex + EW and ex < x + PW and y < ey + EH and ey < y + PH:
            if falling and prev_bottom <= ey + STOMP_MARGIN:
                vy = -STOMP_BOUNCE
                on_ground = False
                continue  # stomped
            died = True
        b = off_e + 5 * w
        s[b], s[b + 1], s[b + 2], s[b + 3], s[b + 4] = eid, ex, ey, evx, evy
        w += 1
    return w, vy, on_ground, died


@row_helper
def _fire_cannons(s: np.ndarray, L: np.ndarray, x: int, t: int) -> int:
    """Every ``CANNON_PERIOD`` frames each cannon in range fires a bullet toward the player: the bullet count."""
    off_b = s[OFF_B]
    nb = s[NB]
    n_cn = L[L_N_CANNONS]
    if n_cn > 0 and t % CANNON_PERIOD == 0:
        off_cn = L[L_OFF_CN]
        for i in range(n_cn):
            cx = L[off_cn + 2 * i] * TILE
            if cx - ACTIVE_RANGE <= x <= cx + ACTIVE_RANGE and abs(cx - x) >= 2 * TILE and nb < s[CAP_B]:
                b = off_b + 3 * nb
                s[b] = cx - BW if x < cx else cx + TILE
                s[b + 1] = L[off_cn + 2 * i + 1] * TILE + (TILE - BH) // 2
                s[b + 2] = -BULLET_V if x < cx else BULLET_V
                nb += 1
    return nb


@row_helper
def _move_bullets(
    s: np.ndarray, nb: int, x: int, y: int, vy: int, on_ground: bool, falling: bool, prev_bottom: int
) -> tuple[int, int, bool, bool]:
    """Fly the ``nb`` bullets straight through everything, drop those out of range, and meet the player as enemies
    do (stomped or deadly). Returns ``(bullet count, vy, on_ground, died)``."""
    off_b = s[OFF_B]
    died = False
    w = 0
    for i in range(nb):
        b = off_b + 3 * i
        bx, by, bvx = s[b] + s[b + 2], s[b + 1], s[b + 2]
        if bx < x - DESPAWN_RANGE or bx > x + DESPAWN_RANGE:
            continue
        if x < bx + BW and bx < x + PW and y < by + BH and by < y + PH:
            if falling and prev_bottom <= by + STOMP_MARGIN:
                vy = -STOMP_BOUNCE
                on_ground = False
                continue
            died = True
        b = off_b + 3 * w
        s[b], s[b + 1], s[b + 2] = bx, by, bvx
        w += 1
    return w, vy, on_ground, died


@kernel
def frame(st: np.ndarray, grid: np.ndarray, lv: np.ndarray, r: int, action: int) -> tuple[int, int]:
    """Advance row ``r`` one frame under ``action`` (0..5): returns ``(coins collected, event)``."""
    s = st[r]
    g = grid[r]
    L = lv[s[SLOT]]
    x, y, vx, vy = s[X], s[Y], s[VX], s[VY]
    on_ground = s[ON_GROUND] != 0
    move = 0 if action == 0 or action == 3 else (-1 if action == 1 or action == 4 else 1)
    vx = _run(vx, move, on_ground)
    # --- jump: start on the ground; releasing while rising cuts the upward speed
    if action >= 3:
        if on_ground:
            vy = -JUMP_V
    elif vy < -JUMP_CUT:
        vy = -JUMP_CUT
    x, vx = _move_x(g, x, y, vx)
    # --- move y, land or bump the head
    vy += GRAVITY
    vy = min(vy, MAX_FALL)
    prev_bottom = y + PH
    y += vy
    falling = vy > 0
    y, vy, on_ground, coins = _land_or_bump(st, g, r, x, y, vy)
    coins += _take_coins(st, g, r, x, y, L[L_W])
    t = s[T] + 1
    # --- enemies, then cannons and bullets; each may bounce (stomp) or kill the player
    ne, nxt = _wake_enemies(s, L, x)
    bottom = L[L_H] * TILE
    ne, vy, on_ground, died = _move_enemies(s, g, ne, x, y, vy, on_ground, falling, prev_bottom, bottom)
    nb = _fire_cannons(s, L, x, t)
    nb, vy, on_ground, shot = _move_bullets(s, nb, x, y, vy, on_ground, falling, prev_bottom)
    s[X], s[Y], s[VX], s[VY] = x, y, vx, vy
    s[ON_GROUND] = 1 if on_ground else 0
    s[T] = t
    s[NEXT_ENEMY] = nxt
    s[NE] = ne
    s[NB] = nb
    if died or shot or y >= bottom:
        return coins, DIED
    if x + PW // 2 >= L[L_GOAL_X]:
        return coins, FINISHED
    return coins, NONE


@njit(cache=True)
def step_row(
    st: np.ndarray, grid: np.ndarray, lv: np.ndarray, r: int, action: int, frame_skip: int, max_steps: int,
    death_penalty: float,
) -> tuple[float, int, bool]:  # fmt: skip
    """One env step of row ``r``: up to ``frame_skip`` frames (stopping at a death, the goal or the time limit),
    rewards for coins and new rightmost progress, the finish bonus or death penalty. Returns
    ``(reward, event, truncated)``."""
    reward = 0.0
    event = NONE
    for _ in range(frame_skip):
        coins, event = frame(st, grid, lv, r, action)
        st[r, STEPS] += 1
        reward += coins
        st[r, COINS] += coins
        x = st[r, X]
        if x > st[r, MAX_X]:
            reward += (x - st[r, MAX_X]) / TILE
            st[r, MAX_X] = x
        if event != NONE or st[r, STEPS] >= max_steps:
            break
    if event == FINISHED:
        reward += 50.0
    elif event == DIED:
        reward -= death_penalty
    truncated = event == NONE and st[r, STEPS] >= max_steps
    return reward, event, truncated


@njit(cache=True)
def reset_row(
    st: np.ndarray, grid: np.ndarray, static: np.ndarray, r: int, slot: int, x: int, y: int, next_enemy: int,
    new_level: bool,
) -> None:  # fmt: skip
    """Start an episode on row ``r`` standing still at ``(x, y)`` of level ``slot``: its tiles are restored (the
    change log undone, or the whole grid copied when the row changes level)."""
    if new_level:
        grid[r, :, :] = static[slot]
    else:
        old = st[r, SLOT]
        off = st[r, OFF_C]
        for i in range(st[r, NC]):
            e = st[r, off + i]
            gr, gc = e >> _CELL_SHIFT, e & 0xFFFF
            grid[r, gc, gr] = static[old, gc, gr]
    s = st[r]
    s[X], s[Y], s[VX], s[VY] = x, y, 0, 0
    s[ON_GROUND] = 1
    s[T] = 0
    s[NEXT_ENEMY] = next_enemy
    s[NE] = 0
    s[NB] = 0
    s[NC] = 0
    s[STEPS] = 0
    s[COINS] = 0
    s[MAX_X] = x
    s[SLOT] = slot


# --- observations --------------------------------------------------------------------------------------------
@njit(cache=True)
def _window_origin(st: np.ndarray, lv: np.ndarray, r: int) -> tuple[int, int, int]:
    """The window's top-left tile (row, col) and the player's tile row."""
    pr = (st[r, Y] + PH // 2) >> 8
    pc = (st[r, X] + PW // 2) >> 8
    if lv[st[r, SLOT], L_FIT_ROWS]:  # the level fits: show all of it, follow the player only above or below
        top = pr if pr < 0 else (pr - VIEW_H + 1 if pr >= VIEW_H else 0)
    else:
        top = pr - VIEW_H // 2
    return top, pc - VIEW_COL, pr


@njit(cache=True)
def window_row(st: np.ndarray, grid: np.ndarray, lv: np.ndarray, r: int, out: np.ndarray) -> tuple[int, int]:
    """Write the egocentric window of row ``r`` (tile codes; enemies, bullets and the player marked) into the
    first ``VIEW_H * VIEW_W`` entries of ``out`` (row-major, any numeric dtype); returns its top-left tile."""
    top, left, pr = _window_origin(st, lv, r)
    g = grid[r]
    r0, c0 = top + PAD_R, left + PAD_C
    for j in range(VIEW_W):  # column slices: contiguous in the grid, and numba drops per-element index checks
        src = g[c0 + j, r0 : r0 + VIEW_H]
        for i in range(VIEW_H):
            out[i * VIEW_W + j] = src[i]
    s = st[r]
    for i in range(s[NE]):
        b = s[OFF_E] + 5 * i
        rr, cc = ((s[b + 2] + EH // 2) >> 8) - top, ((s[b + 1] + EW // 2) >> 8) - left
        if 0 <= rr < VIEW_H and 0 <= cc < VIEW_W:
            out[rr * VIEW_W + cc] = ENEMY
    for i in range(s[NB]):
        b = s[OFF_B] + 3 * i
        rr, cc = ((s[b + 1] + BH // 2) >> 8) - top, ((s[b] + BW // 2) >> 8) - left
        if 0 <= rr < VIEW_H and 0 <= cc < VIEW_W:
            out[rr * VIEW_W + cc] = BULLET
    out[(pr - top) * VIEW_W + VIEW_COL] = PLAYER
    return top, left


@njit(cache=True)
def vector_obs_row(st: np.ndarray, grid: np.ndarray, lv: np.ndarray, r: int, out: np.ndarray) -> None:
    """The ``N_VECTOR`` float32 features of row ``r``: the window, then sub-tile offsets and velocities."""
    window_row(st, grid, lv, r, out)
    n = VIEW_H * VIEW_W
    out[n] = (st[r, X] & 255) / 256
    out[n + 1] = (st[r, Y] & 255) / 256
    out[n + 2] = st[r, VX] / MAX_VX
    out[n + 3] = st[r, VY] / MAX_FALL


@njit(cache=True)
def _slice_end(start: int, stop: int, size: int) -> tuple[int, int]:
    """numpy's clipping of ``[start:stop]`` on an axis of ``size`` (``start`` is never negative here)."""
    if stop < 0:
        stop += size
    return min(start, size), min(max(stop, 0), size)


@njit(cache=True)
def pixel_obs_row(
    st: np.ndarray, grid: np.ndarray, lv: np.ndarray, r: int, out: np.ndarray, win: np.ndarray,
    palette: np.ndarray,
) -> None:  # fmt: skip
    """The window of row ``r`` through the palette, ``PIXELS_PER_TILE_OBS`` px per tile, into ``out``
    ``(PIX_H, PIX_W, 3)`` uint8, with the player drawn at its exact position (``win``: VIEW_H * VIEW_W scratch)."""
    top, left = window_row(st, grid, lv, r, win)
    k = PIXELS_PER_TILE_OBS
    for i in range(VIEW_H):
        for j in range(VIEW_W):
            code = win[i * VIEW_W + j]
            for a in range(k):
                for b in range(k):
                    for ch in range(3):
                        out[i * k + a, j * k + b, ch] = palette[code, ch]
    px = (st[r, X] - left * TILE) * k // TILE
    py = (st[r, Y] - top * TILE) * k // TILE
    r0, r1 = _slice_end(max(py, 0), py + PH * k // TILE, PIX_H)
    c0, c1 = _slice_end(max(px, 0), px + PW * k // TILE, PIX_W)
    for i in range(r0, r1):
        for j in range(c0, c1):
            out[i, j, 0] = palette[PLAYER, 0]
            out[i, j, 1] = palette[PLAYER, 1]
            out[i, j, 2] = palette[PLAYER, 2]


# --- whole steps: one call per env step ---------------------------------------------------------------------
@njit(cache=True)
def step_one(
    st: np.ndarray, grid: np.ndarray, lv: np.ndarray, action: int, frame_skip: int, max_steps: int,
    death_penalty: float, obs: np.ndarray,
) -> tuple[float, int, bool, int, int]:  # fmt: skip
    """``step_row`` on row 0 of a one-row state and its vector observation into ``obs``; returns ``(reward,
    event, truncated, x, coins)`` so the env reads no array afterwards."""
    reward, event, truncated = step_row(st, grid, lv, 0, action, frame_skip, max_steps, death_penalty)
    vector_obs_row(st, grid, lv, 0, obs)
    return reward, event, truncated, st[0, X], st[0, COINS]


@njit(cache=True)
def step_one_pixels(
    st: np.ndarray, grid: np.ndarray, lv: np.ndarray, action: int, frame_skip: int, max_steps: int,
    death_penalty: float, obs: np.ndarray, win: np.ndarray, palette: np.ndarray,
) -> tuple[float, int, bool, int, int]:  # fmt: skip
    """``step_one`` with the pixel observation."""
    reward, event, truncated = step_row(st, grid, lv, 0, action, frame_skip, max_steps, death_penalty)
    pixel_obs_row(st, grid, lv, 0, obs, win, palette)
    return reward, event, truncated, st[0, X], st[0, COINS]


@njit(cache=True)
def step_batch(
    st: np.ndarray, grid: np.ndarray, lv: np.ndarray, static: np.ndarray, actions: np.ndarray,
    pending: np.ndarray, reset_to: np.ndarray, frame_skip: int, max_steps: int, death_penalty: float,
    obs: np.ndarray, rewards: np.ndarray, terminated: np.ndarray, truncated: np.ndarray, events: np.ndarray,
    xs: np.ndarray, progress: np.ndarray, coins: np.ndarray,
) -> int:  # fmt: skip
    """Every row one step (``step_row``), with NEXT_STEP autoreset: a ``pending`` row starts the episode
    ``reset_to[r] = (slot, x, y, next_enemy, new level)`` instead (reward 0, flags False, its action ignored).
    Writes the outputs and ``pending``; returns the number of rows that ended, or -1 (nothing changed) if an
    action is not in 0..5."""
    n = st.shape[0]
    for r in range(n):  # refuse bad actions before any row moves
        if actions[r] < 0 or actions[r] > 5:
            return -1
    ended = 0
    for r in range(n):
        if pending[r]:
            q = reset_to[r]
            reset_row(st, grid, static, r, q[0], q[1], q[2], q[3], q[4] != 0)
            rew, ev, trunc = 0.0, NONE, False
        else:
            rew, ev, trunc = step_row(st, grid, lv, r, actions[r], frame_skip, max_steps, death_penalty)
        rewards[r] = rew
        terminated[r] = ev != NONE
        truncated[r] = trunc
        events[r] = ev
        done = ev != NONE or trunc
        pending[r] = done
        ended += done
        _position(st, lv, r, xs, progress)
        coins[r] = st[r, COINS]
        vector_obs_row(st, grid, lv, r, obs[r])
    return ended


@njit(cache=True)
def _position(st: np.ndarray, lv: np.ndarray, r: int, xs: np.ndarray, progress: np.ndarray) -> None:
    """``info["x"]`` (the player's centre in tiles) and ``info["progress"]`` (0 at the left edge, 1 at the goal)."""
    centre = st[r, X] + PW // 2
    xs[r] = centre / TILE
    progress[r] = centre / lv[st[r, SLOT], L_GOAL_X]


@njit(cache=True)
def reset_batch(
    st: np.ndarray, grid: np.ndarray, static: np.ndarray, lv: np.ndarray, rows: np.ndarray,
    reset_to: np.ndarray, obs: np.ndarray, xs: np.ndarray, progress: np.ndarray, coins: np.ndarray,
) -> None:  # fmt: skip
    """Reset ``rows`` (``reset_to`` as in ``step_batch``) and write every row's observation and info."""
    for r in rows:
        q = reset_to[r]
        reset_row(st, grid, static, r, q[0], q[1], q[2], q[3], q[4] != 0)
    for r in range(st.shape[0]):
        _position(st, lv, r, xs, progress)
        coins[r] = st[r, COINS]
        vector_obs_row(st, grid, lv, r, obs[r])


@njit(cache=True)
def restore_grid(st: np.ndarray, grid: np.ndarray, static: np.ndarray, r: int) -> None:
    """Undo row ``r``'s change log on its grid (back to the level's static tiles)."""
    slot = st[r, SLOT]
    off = st[r, OFF_C]
    for i in range(st[r, NC]):
        e = st[r, off + i]
        gr, gc = e >> _CELL_SHIFT, e & 0xFFFF
        grid[r, gc, gr] = static[slot, gc, gr]
