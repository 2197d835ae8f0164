"""A side-scrolling tile platformer on levels in the VGLC platformer text format.

The rules live in :class:`PlatformerPhysics`, a pure ``step(state, action) -> (state, coins, event)`` on a small
hashable tuple state in integer sub-tile units. The env runs it, and so does the solver
(``envs/platformer_solver.py``) that checks every level is completable: the solver's plans replay exactly.
"""

from __future__ import annotations

import bisect
import functools
import os
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.checks import check_finite, check_int, check_unit
from envs.data import SHIPPED_LEVELS
from envs.level import FileLevelSource, Level, LevelError, LevelSource, coerce_level_source

__all__ = [
    "ACTION_NAMES",
    "LEGEND",
    "SHIPPED_PLATFORMER_LEVELS",
    "PlatformerEnv",
    "PlatformerPhysics",
    "require_playable",
]

LEGEND = "XS-?QE<>[]oBb"
CORPUS = "Super Mario Bros"  # the VGLC game whose levels ``level="corpus"`` reads
SHIPPED_PLATFORMER_LEVELS = SHIPPED_LEVELS / "platformer"
ACTION_NAMES = ("noop", "left", "right", "jump", "left+jump", "right+jump")
_MOVE = (0, -1, 1, 0, -1, 1)
_JUMP = (False, False, False, True, True, True)

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

# event codes returned by PlatformerPhysics.step
NONE, DIED, FINISHED = 0, 1, 2

# tile codes: observation values and palette indices
EMPTY, GROUND, BRICK, QBLOCK, USED, PIPE, CANNON, COIN, ENEMY, BULLET, GOAL, PLAYER = range(12)
N_CODES = 12
_TILE_CODE = {
    "-": EMPTY,
    "E": EMPTY,
    "X": GROUND,
    "S": BRICK,
    "?": QBLOCK,
    "Q": USED,
    "<": PIPE,
    ">": PIPE,
    "[": PIPE,
    "]": PIPE,
    "o": COIN,
    "B": CANNON,
    "b": CANNON,
}
_PALETTE = np.array(
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
_PLAYER_RGB = (220, 40, 40)

# padding of the physics grid: rows above the level (jumps above the top), rows below (falling into pits)
_PR_TOP, _PR_BOT, _PC = 8, 4, 2
# state tuple fields
X, Y, VX, VY, ON_GROUND, T, NEXT_ENEMY, ENEMIES, BULLETS, CHANGED, TAKEN = range(11)


class PlatformerPhysics:
    """The game's rules for one level, as a pure function on a hashable state (shared by env and solver).

    A state is a tuple ``(x, y, vx, vy, on_ground, t, next_enemy, enemies, bullets, changed, taken)``: player box
    top-left and velocity in sub-units (256 per tile, y grows downward), frame counter, index of the next enemy to
    wake (enemies wake in order of column), the awake enemies ``((id, x, y, vx, vy), ...)``, flying bullets
    ``((x, y, vx), ...)``, a frozenset of changed blocks (broken bricks and used question blocks, as padded grid
    indices) and a frozenset of collected coins. ``step`` never mutates anything.
    """

    def __init__(self, level: Level) -> None:
        self.level = level
        self.H, self.W = H, W = level.height, level.width
        self.WP = WP = W + 2 * _PC
        size = (H + _PR_TOP + _PR_BOT) * WP
        solid = [0] * size  # 0 passable, 1 solid, 2 breakable (solid unless in `changed`)
        kind = [0] * size  # 3 question block, 7 coin
        for r in range(-_PR_TOP, H + _PR_BOT):
            for c in (-2, -1, W, W + 1):
                solid[self.index(r, c)] = 1  # the level's sides are walls
        enemies, cannons = [], []
        for r, row in enumerate(level.rows):
            for c, ch in enumerate(row):
                i = self.index(r, c)
                code = _TILE_CODE[ch]
                if code in (GROUND, USED, PIPE, CANNON, QBLOCK):
                    solid[i] = 1
                elif code == BRICK:
                    solid[i] = 2
                if code in (QBLOCK, COIN):
                    kind[i] = code
                if ch == "E":
                    enemies.append((c * TILE + (TILE - EW) // 2, r * TILE + TILE - EH))
                elif ch == "B":
                    cannons.append((c, r))
        self.solid, self.kind = solid, kind
        self.has_coins = COIN in kind
        self.enemy_spawns = tuple(sorted(enemies))
        self.cannons = tuple(cannons)
        self.goal_x = (W - GOAL_COLS) * TILE  # finished when x + PW // 2 >= goal_x
        self.start = self._find_start()

    def index(self, r: int, c: int) -> int:
        """Index of tile (r, c) in the padded grid (r may be above or below the level by the padding)."""
        return (r + _PR_TOP) * self.WP + c + _PC

    def cell(self, index: int) -> tuple[int, int]:
        """Inverse of :meth:`index`."""
        r, c = divmod(index, self.WP)
        return r - _PR_TOP, c - _PC

    def _find_start(self) -> tuple[int, int]:
        level = self.level
        lowest_row = int(self.H * START_MIN_ROW_FRACTION)
        for c in range(self.W - GOAL_COLS):
            for r in range(self.H - 1, max(lowest_row, 1) - 1, -1):
                below, here = _TILE_CODE[level.rows[r][c]], level.rows[r - 1][c]
                if (
                    below in (GROUND, BRICK, QBLOCK, USED, PIPE, CANNON)
                    and _TILE_CODE[here] in (EMPTY, COIN)
                    and here != "E"
                ):
                    return c * TILE + (TILE - PW) // 2, r * TILE - PH
        raise LevelError(
            "no start: no column has a solid tile with free space above it in the lower half",
            level.path or level.name,
        )

    def initial_state(self, start: tuple[int, int] | None = None) -> tuple:
        """The state at ``start`` (player box top-left, default the level's start), standing still. Enemies whose
        spawn lies behind a later start never wake (they would only walk away to the left)."""
        x, y = self.start if start is None else start
        next_enemy = 0 if start is None else bisect.bisect_left(self.enemy_spawns, (x, -(1 << 30)))
        return (x, y, 0, 0, True, 0, next_enemy, (), (), frozenset(), frozenset())

    @functools.cached_property
    def standing_spots(self) -> tuple[tuple[int, int], ...]:
        """Every place the player can stand still safely, start and goal columns excluded: a free tile (empty or
        coin) on top of a solid one, at least 3 columns away from any enemy's spawn. ``PlatformerEnv``'s
        ``start_anywhere`` draws training starts from these."""
        level, solid_codes = self.level, (GROUND, BRICK, QBLOCK, USED, PIPE, CANNON)
        enemy_cols = {c for row in level.rows for c, ch in enumerate(row) if ch == "E"}
        first = self.start[0] // TILE + 1
        spots = []
        for c in range(first, self.W - GOAL_COLS):
            if any(abs(c - e) < 3 for e in enemy_cols):
                continue
            for r in range(1, self.H):
                here = level.rows[r - 1][c]
                if _TILE_CODE[level.rows[r][c]] in solid_codes and _TILE_CODE[here] in (EMPTY, COIN) and here != "E":
                    spots.append((c * TILE + (TILE - PW) // 2, r * TILE - PH))
        return tuple(spots)

    def _blocked(self, i: int, changed: frozenset) -> bool:
        v = self.solid[i]
        return v == 1 or (v == 2 and i not in changed)

    def step(self, s: tuple, action: int) -> tuple[tuple, int, int]:
        """Advance one frame: returns ``(new_state, coins_collected, event)`` with event NONE, DIED or FINISHED."""
        x, y, vx, vy, on_ground, t, next_enemy, enemies, bullets, changed, taken = s
        solid, WP, blocked = self.solid, self.WP, self._blocked
        coins = 0
        move = _MOVE[action]
        jump = _JUMP[action]
        # --- horizontal speed
        if move:
            vx += move * ACC
            if vx > MAX_VX:
                vx = MAX_VX
            elif vx < -MAX_VX:
                vx = -MAX_VX
        elif on_ground and vx:
            vx = vx - FRICTION if vx > 0 else vx + FRICTION
            if -FRICTION < vx < FRICTION:
                vx = 0
        # --- jump: start on the ground; releasing while rising cuts the upward speed
        if jump:
            if on_ground:
                vy = -JUMP_V
        elif vy < -JUMP_CUT:
            vy = -JUMP_CUT
        # --- move x, collide with walls (the box spans at most 2 rows and 2 columns)
        base_r = (y >> 8) + _PR_TOP
        base_r1 = ((y + PH - 1) >> 8) + _PR_TOP
        if vx:
            x += vx
            c = ((x + PW - 1) >> 8 if vx > 0 else x >> 8) + _PC
            i0, i1 = base_r * WP + c, base_r1 * WP + c
            if (solid[i0] and blocked(i0, changed)) or (solid[i1] and blocked(i1, changed)):
                x = (c - _PC) * TILE - PW if vx > 0 else (c - _PC + 1) * TILE
                vx = 0
        # --- move y, land or bump the head
        vy += GRAVITY
        vy = min(vy, MAX_FALL)
        prev_bottom = y + PH
        y += vy
        falling = vy > 0
        on_ground = False
        c0 = (x >> 8) + _PC
        c1 = ((x + PW - 1) >> 8) + _PC
        if vy > 0:
            r = ((y + PH - 1) >> 8) + _PR_TOP
            i0, i1 = r * WP + c0, r * WP + c1
            if (solid[i0] and blocked(i0, changed)) or (solid[i1] and blocked(i1, changed)):
                y = (r - _PR_TOP) * TILE - PH
                vy = 0
                on_ground = True
        else:
            r = (y >> 8) + _PR_TOP
            if r < 1:  # invisible ceiling far above the level
                y, vy = (1 - _PR_TOP) * TILE, 0
            else:
                i0, i1 = r * WP + c0, r * WP + c1
                b0 = solid[i0] and blocked(i0, changed)
                b1 = solid[i1] and blocked(i1, changed)
                if b0 or b1:
                    y = (r - _PR_TOP + 1) * TILE
                    vy = 0
                    # the block above the player's centre is hit, else the other one
                    centre = ((x + PW // 2) >> 8) + _PC
                    hit = i0 if (b0 and (centre == c0 or not b1)) else i1
                    if solid[hit] == 2:
                        changed = changed | {hit}
                    elif self.kind[hit] == QBLOCK and hit not in changed:
                        changed = changed | {hit}
                        coins += 1
        # --- coins under the player's box
        if self.has_coins:
            kind = self.kind
            r0 = ((y >> 8) + _PR_TOP) * WP
            r1 = (((y + PH - 1) >> 8) + _PR_TOP) * WP
            c0 = (x >> 8) + _PC
            c1 = ((x + PW - 1) >> 8) + _PC
            for i in {r0 + c0, r0 + c1, r1 + c0, r1 + c1}:
                if kind[i] == COIN and i not in taken:
                    taken = taken | {i}
                    coins += 1
        t += 1
        # --- wake enemies ahead, move awake enemies (walk, turn at walls, fall off ledges)
        spawns = self.enemy_spawns
        if next_enemy < len(spawns) and spawns[next_enemy][0] <= x + ACTIVE_RANGE:
            woke = []
            while next_enemy < len(spawns) and spawns[next_enemy][0] <= x + ACTIVE_RANGE:
                ex, ey = spawns[next_enemy]
                woke.append((next_enemy, ex, ey, -ENEMY_V, 0))
                next_enemy += 1
            enemies = enemies + tuple(woke)
        died = False
        if enemies:
            moved = []
            bottom = self.H * TILE
            for eid, ex, ey, evx, evy in enemies:
                ex += evx
                er0 = ((ey >> 8) + _PR_TOP) * WP
                er1 = (((ey + EH - 1) >> 8) + _PR_TOP) * WP
                c = ((ex + EW - 1) >> 8 if evx > 0 else ex >> 8) + _PC
                if blocked(er0 + c, changed) or blocked(er1 + c, changed):
                    ex = (c - _PC) * TILE - EW if evx > 0 else (c - _PC + 1) * TILE
                    evx = -evx
                evy += GRAVITY
                evy = min(evy, MAX_FALL)
                ey += evy
                er = (((ey + EH - 1) >> 8) + _PR_TOP) * WP
                if blocked(er + (ex >> 8) + _PC, changed) or blocked(
                    er + ((ex + EW - 1) >> 8) + _PC, changed
                ):
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
                moved.append((eid, ex, ey, evx, evy))
            enemies = tuple(moved)
        # --- cannons fire toward the player; bullets fly straight through everything
        if self.cannons and t % CANNON_PERIOD == 0:
            new = []
            for c, r in self.cannons:
                cx = c * TILE
                if cx - ACTIVE_RANGE <= x <= cx + ACTIVE_RANGE and abs(cx - x) >= 2 * TILE:
                    if x < cx:
                        new.append((cx - BW, r * TILE + (TILE - BH) // 2, -BULLET_V))
                    else:
                        new.append((cx + TILE, r * TILE + (TILE - BH) // 2, BULLET_V))
            if new:
                bullets = bullets + tuple(new)
        if bullets:
            moved = []
            for bx, by, bvx in bullets:
                bx += bvx
                if bx < x - DESPAWN_RANGE or bx > x + DESPAWN_RANGE:
                    continue
                if x < bx + BW and bx < x + PW and y < by + BH and by < y + PH:
                    if falling and prev_bottom <= by + STOMP_MARGIN:
                        vy = -STOMP_BOUNCE
                        on_ground = False
                        continue
                    died = True
                moved.append((bx, by, bvx))
            bullets = tuple(moved)
        state = (x, y, vx, vy, on_ground, t, next_enemy, enemies, bullets, changed, taken)
        if died or y >= self.H * TILE:
            return state, coins, DIED
        if x + PW // 2 >= self.goal_x:
            return state, coins, FINISHED
        return state, coins, NONE


def _physics_for(level: Level, cache: dict) -> PlatformerPhysics:
    phys = cache.get(level.rows)
    if phys is None:
        if len(cache) > 64:
            cache.clear()
        phys = cache[level.rows] = PlatformerPhysics(level)
    return phys


class PlatformerEnv(gym.Env):
    """A side-scrolling tile platformer: run right to the end of the level without falling or being hit.

    ## Description
    Levels are 14-row grids in the VGLC platformer legend: ``X`` ground, ``S`` breakable block (breaks when hit
    from below), ``?`` question block (hit from below: a coin, then it is a used block ``Q``), pipes
    ``< > [ ]`` and cannons ``B`` (top, fires) / ``b`` (base) are solid, ``o`` coins, ``E`` walking enemies,
    ``-`` empty. Falling out of the bottom (a pit) kills. Enemies wake when they come within 12 tiles ahead,
    walk toward the player, turn at walls and fall off ledges; landing on one from above (a stomp) removes it and
    bounces the player; any other touch kills. Each cannon within 12 tiles fires a bullet toward the player every
    60 frames; bullets fly straight through blocks, can be stomped, and kill on other contact. The jump has a
    variable height: holding jump keeps the full jump speed, releasing it while rising caps the upward speed, so
    a tap jumps about 1 tile and a long press about 4.5 tiles (about 7 tiles across at full run).

    All motion is in integer sub-tile units (256 per tile, 16 px of 16 sub-pixels) with integer velocities, so a
    trajectory is exactly reproducible; the rules are :class:`PlatformerPhysics` (also used by the solver).

    ## Action Space
    ``Discrete(6)``: 0 noop, 1 left, 2 right, 3 jump, 4 left+jump, 5 right+jump. Holding jump on the ground jumps
    (holding it through a landing jumps again).

    ## Observation Space
    ``obs_type="vector"``: ``float32`` of length 228: a 14 x 16 window of tile codes (row-major) that scrolls with
    the player: the player's centre tile is in window column 4 (11 columns ahead are visible); on 14-row levels
    the window shows all rows (it shifts only while the player is above the level), on other heights it is
    centred on the player's row. Codes: 0 empty, 1 ground, 2 breakable, 3 question, 4 used block, 5 pipe,
    6 cannon, 7 coin, 8 enemy, 9 bullet, 10 goal column, 11 the player (outside the level: walls to the sides,
    empty above and below). Then the player's sub-tile offset x and y in [0, 1), vx / 64 and vy / 192 in
    [-1, 1].
    ``obs_type="pixels"``: ``uint8 (56, 64, 3)``: the same window through a palette, 4 px per tile, with the
    player drawn at its exact position.

    ## Rewards
    +1 per tile of new rightmost progress (fractions of a tile count; about the level's width in total, never for
    running back over ground already covered), +1 per coin (collected by touching ``o`` or from a question
    block), +50 for finishing, -``death_penalty`` (default 25) for dying.

    ## Info
    ``x`` (player centre in tiles), ``progress`` (0 at the left edge, 1 at the goal), ``coins``, ``level`` (its
    name) and, from ``step``, ``event``: ``"none"``, ``"died"`` or ``"finished"``.

    ## Starting State
    A level is drawn from the level source (seeded by ``reset(seed)``). The player stands still at the first
    column (from the left) that has a solid tile with a free tile above it in the lower half of the level; of
    that column's candidates the lowest. A level without such a spot is refused.

    ## Episode End
    Terminated when the player's centre reaches the last 2 columns (finished), falls out of the bottom or touches
    an enemy or bullet (dead). Truncated after ``max_steps`` frames.

    ## Arguments
    - ``level``: a ``Level`` or a path (file, or a folder of ``*.txt``); ``level_source``: any ``LevelSource``.
      Default: the original levels in ``envs/levels/platformer/``.
    - ``check_playable`` (default ``True``): every level is checked completable by
      ``envs.platformer_solver.check_level`` (cached by level content) and refused with a ``LevelError`` naming it
      if the solver finds no way through. Most impossible levels are refused in milliseconds by a jump-envelope
      test; one that passes it but is not completable costs a full search (about 1-3 s at the default node
      budget) the first time it is seen. Pass ``False`` when the source already guarantees completable levels
      (for example a generator that filters with ``check_level`` itself).
      ``level="corpus"``: the VGLC Super Mario Bros levels, read in place (``envs.data.vglc_dir``).
    - ``max_steps`` (default 4000): the episode's time limit in frames (30 fps), whatever ``frame_skip`` is.
    - ``frame_skip`` (default 1): frames one ``step`` plays with the same action (ALE's ``frameskip``); rewards
      add up over them and the step stops early at a death, the goal or the time limit. The observation and any
      rendering are of the last frame. Training with 4 sees four times the game time per policy step and holds
      jumps for whole decisions; a person playing keeps 1. With k > 1 the instance's ``metadata["render_fps"]``
      is 30 / k, so a recorded video plays at game speed.
    - ``start_anywhere`` (default 0.0): the probability that a reset starts the player at a random safe standing
      spot of the level (``PlatformerPhysics.standing_spots``) instead of its start. A training curriculum: the
      agent meets every part of a level before it can get there from the start (as with resets to states along
      a demonstration). Progress rewards count from where the player starts. Evaluate with 0.
    - ``death_penalty`` (default 25.0, >= 0): subtracted from the reward of the step that kills the player. A
      smaller penalty makes a learner try risky jumps it would otherwise avoid for ever.
    - ``render_mode``: ``None``, ``"human"`` or ``"rgb_array"`` (256 x 224 frames, a camera following the player).

    ## For apps
    ``draw_surface()`` gives the current frame as a pygame ``Surface``; ``camera_x()`` is the frame's left edge in
    level pixels (for any player x, e.g. to place a second racer) and ``player_rect(state)`` a player's box in the
    frame; ``require_playable(level)`` (module level) is the completability check ``check_playable`` runs.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 30}

    VIEW_H, VIEW_W, VIEW_COL = 14, 16, 4
    PIXELS_PER_TILE_OBS = 4
    RENDER_TILE = 16

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        level: Level | str | os.PathLike | None = None,
        level_source: LevelSource | None = None,
        check_playable: bool = True,
        max_steps: int = 4000,
        start_anywhere: float = 0.0,
        death_penalty: float = 25.0,
        frame_skip: int = 1,
    ) -> None:
        if obs_type not in ("vector", "pixels"):
            raise ValueError(f"obs_type must be 'vector' or 'pixels', got {obs_type!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.max_steps = check_int("max_steps", max_steps, 1)
        self.check_playable = bool(check_playable)
        self.start_anywhere = check_unit("start_anywhere", start_anywhere, "a probability")
        self.death_penalty = check_finite("death_penalty", death_penalty, minimum=0)
        self.frame_skip = check_int("frame_skip", frame_skip, 1)
        if self.frame_skip > 1:  # each rendered frame shows k game frames: videos and windows keep game speed
            fps = type(self).metadata["render_fps"] / self.frame_skip
            self.metadata = {**type(self).metadata, "render_fps": fps}
        self.level_source = coerce_level_source(level, level_source, LEGEND, _default_source, corpus=CORPUS)
        if level is not None and self.check_playable:
            for lv in getattr(self.level_source, "levels", ()):
                require_playable(lv, self.max_steps)
        self.action_space = spaces.Discrete(len(ACTION_NAMES))
        vh, vw = self.VIEW_H, self.VIEW_W
        if obs_type == "vector":
            n = vh * vw
            low = np.zeros(n + 4, dtype=np.float32)
            high = np.full(n + 4, N_CODES - 1, dtype=np.float32)
            low[n + 2 :] = -1.0
            high[n:] = 1.0
            self.observation_space = spaces.Box(low, high, dtype=np.float32)
        else:
            k = self.PIXELS_PER_TILE_OBS
            self.observation_space = spaces.Box(0, 255, (vh * k, vw * k, 3), dtype=np.uint8)
        self._physics_cache: dict = {}
        self.level: Level | None = None
        self.physics: PlatformerPhysics | None = None
        self.state: tuple | None = None
        self._window = None
        self._surface = None
        self._background = None

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        level = self.level_source.sample(self.np_random)
        if not isinstance(level, Level):
            raise TypeError(f"level source returned {type(level)!r}, expected a Level")
        if level.rows != (self.level.rows if self.level is not None else None):
            bad = {ch for row in level.rows for ch in row} - set(LEGEND)
            if bad:
                raise LevelError(f"unknown tiles {''.join(sorted(bad))!r}", level.path or level.name)
            if self.check_playable:
                require_playable(level, self.max_steps)
            self.level = level
            self.physics = _physics_for(level, self._physics_cache)
            self._build_grid()
            self._background = None
        else:
            self.level = level
            self._reset_grid()
        start = None
        if self.start_anywhere and self.np_random.random() < self.start_anywhere:
            spots = self.physics.standing_spots
            if spots:
                start = spots[int(self.np_random.integers(len(spots)))]
        self.state = self.physics.initial_state(start)
        self._steps = 0
        self._coins = 0
        self._max_x = self.state[X]
        self._applied_changed = frozenset()
        self._applied_taken = frozenset()
        if self.render_mode == "human":
            self._render_frame()
        return self._obs(), self._info()

    def step(self, action):
        if type(action) is int:
            a = action
        elif isinstance(action, np.integer) or (
            isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu"
        ):
            a = int(action)
        else:
            a = -1
        if not 0 <= a < 6:
            raise ValueError(f"invalid action {action!r}: expected an int in {self.action_space}")
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        reward = 0.0
        for _ in range(self.frame_skip):
            old = self.state
            state, coins, event = self.physics.step(old, a)
            self.state = state
            self._steps += 1
            if state[CHANGED] is not old[CHANGED] or state[TAKEN] is not old[TAKEN]:
                self._apply_tile_changes()
            reward += coins
            self._coins += coins
            if state[X] > self._max_x:
                reward += (state[X] - self._max_x) / TILE
                self._max_x = state[X]
            if event != NONE or self._steps >= self.max_steps:
                break
        terminated = event != NONE
        if event == FINISHED:
            reward += 50.0
        elif event == DIED:
            reward -= self.death_penalty
        truncated = not terminated and self._steps >= self.max_steps
        info = self._info()
        info["event"] = ("none", "died", "finished")[event]
        if self.render_mode == "human":
            self._render_frame()
        return self._obs(), reward, terminated, truncated, info

    def render(self):
        if self.render_mode == "rgb_array":
            from envs.render import surface_to_rgb

            return surface_to_rgb(self._draw())
        if self.render_mode == "human":
            self._render_frame()
        return None

    def draw_surface(self) -> Any:
        """The current frame as a pygame ``Surface`` (the env's own off-screen surface, redrawn now, not a copy:
        blit or copy it before the next step). For apps that show the game in their own window."""
        if self.state is None:
            raise RuntimeError("call reset() before draw_surface()")
        return self._draw()

    def camera_x(self, x: int | None = None) -> int:
        """The frame's left edge in level pixels (``RENDER_TILE`` per tile) when the camera follows a player whose
        left edge is at ``x`` (sub-tile units, as ``state[X]``; default: this env's player). The camera keeps the
        player's centre 6 tiles from the left edge, clamped to the level."""
        if self.state is None:
            raise RuntimeError("call reset() before camera_x()")
        t = self.RENDER_TILE
        if x is None:
            x = self.state[X]
        return min(max((x + PW // 2) // (TILE // t) - 6 * t, 0), max(self.physics.W * t - self.VIEW_W * t, 0))

    def player_rect(self, state: tuple | None = None) -> tuple[int, int, int, int]:
        """``(left, top, width, height)`` in frame pixels of the player of ``state`` (default: this env's),
        seen through this env's camera: e.g. another env's racer on the same level drawn into this frame."""
        if self.state is None:
            raise RuntimeError("call reset() before player_rect()")
        s = self.state if state is None else state
        scale = TILE // self.RENDER_TILE  # sub-units per pixel
        return (s[X] // scale - self.camera_x(), s[Y] // scale, PW // scale, PH // scale)

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None

    def __getstate__(self):
        d = self.__dict__.copy()
        d["_window"] = d["_surface"] = d["_background"] = None
        return d

    # ------------------------------------------------------------------ observation
    def _info(self) -> dict[str, Any]:
        s = self.state
        return {
            "x": (s[X] + PW // 2) / TILE,
            "progress": (s[X] + PW // 2) / self.physics.goal_x,
            "coins": self._coins,
            "level": self.level.name,
        }

    def _build_grid(self) -> None:
        """Padded tile-code grid (the observation window is a slice of it; tile changes are written into it)."""
        phys = self.physics
        H, W = phys.H, phys.W
        self._pad_r, self._pad_c = pr, pc = self.VIEW_H + _PR_TOP, self.VIEW_W
        grid = np.zeros((H + 2 * pr, W + 2 * pc), dtype=np.uint8)
        grid[:, :pc] = GROUND
        grid[:, pc + W :] = GROUND
        codes = np.array([[_TILE_CODE[ch] for ch in row] for row in self.level.rows], dtype=np.uint8)
        goal = codes[:, W - GOAL_COLS :]
        goal[goal == EMPTY] = GOAL
        grid[pr : pr + H, pc : pc + W] = codes
        self._grid_static = grid
        self._fit_rows = H == self.VIEW_H
        self._grid = grid.copy()

    def _reset_grid(self) -> None:
        np.copyto(self._grid, self._grid_static)

    def _apply_tile_changes(self) -> None:
        s, phys = self.state, self.physics
        for i in s[CHANGED] - self._applied_changed:
            r, c = phys.cell(i)
            self._grid[r + self._pad_r, c + self._pad_c] = EMPTY if phys.solid[i] == 2 else USED
        for i in s[TAKEN] - self._applied_taken:
            r, c = phys.cell(i)
            self._grid[r + self._pad_r, c + self._pad_c] = GOAL if c >= phys.W - GOAL_COLS else EMPTY
        self._applied_changed, self._applied_taken = s[CHANGED], s[TAKEN]

    def _window_into(self, win: np.ndarray) -> tuple[int, int]:
        """Write the egocentric window (enemies, bullets and the player marked) into ``win`` (14 x 16, any
        numeric dtype); returns the window's top-left tile (row, col)."""
        s = self.state
        pr, pc = (s[Y] + PH // 2) >> 8, (s[X] + PW // 2) >> 8
        vh, vw = self.VIEW_H, self.VIEW_W
        if self._fit_rows:  # the level height fits: show all of it, follow the player only above or below it
            top = pr if pr < 0 else (pr - vh + 1 if pr >= vh else 0)
        else:
            top = pr - vh // 2
        left = pc - self.VIEW_COL
        r0, c0 = top + self._pad_r, left + self._pad_c
        win[...] = self._grid[r0 : r0 + vh, c0 : c0 + vw]
        for e in s[ENEMIES]:
            r, c = ((e[2] + EH // 2) >> 8) - top, ((e[1] + EW // 2) >> 8) - left
            if 0 <= r < vh and 0 <= c < vw:
                win[r, c] = ENEMY
        for b in s[BULLETS]:
            r, c = ((b[1] + BH // 2) >> 8) - top, ((b[0] + BW // 2) >> 8) - left
            if 0 <= r < vh and 0 <= c < vw:
                win[r, c] = BULLET
        win[pr - top, self.VIEW_COL] = PLAYER
        return top, left

    def _obs(self) -> np.ndarray:
        s = self.state
        if self.obs_type == "vector":
            n = self.VIEW_H * self.VIEW_W
            out = np.empty(n + 4, dtype=np.float32)
            self._window_into(out[:n].reshape(self.VIEW_H, self.VIEW_W))
            out[n] = (s[X] & 255) / 256
            out[n + 1] = (s[Y] & 255) / 256
            out[n + 2] = s[VX] / MAX_VX
            out[n + 3] = s[VY] / MAX_FALL
            return out
        win = np.empty((self.VIEW_H, self.VIEW_W), dtype=np.uint8)
        top, left = self._window_into(win)
        k = self.PIXELS_PER_TILE_OBS
        img = np.repeat(np.repeat(_PALETTE[win], k, axis=0), k, axis=1)
        px = (s[X] - left * TILE) * k // TILE
        py = (s[Y] - top * TILE) * k // TILE
        img[max(py, 0) : py + PH * k // TILE, max(px, 0) : px + PW * k // TILE] = _PLAYER_RGB
        return img

    # ------------------------------------------------------------------ rendering
    def _draw_tile(self, surf, pygame, r: int, c: int, code: int) -> None:
        t = self.RENDER_TILE
        rect = pygame.Rect(c * t, r * t, t, t)
        surf.fill(tuple(_PALETTE[EMPTY]), rect)
        color = tuple(int(v) for v in _PALETTE[code])
        if code == GROUND:
            surf.fill(color, rect)
            pygame.draw.line(surf, (100, 60, 30), rect.topleft, rect.topright, 2)
        elif code == BRICK:
            surf.fill(color, rect)
            pygame.draw.line(
                surf, (120, 60, 40), (rect.left, rect.top + t // 2), (rect.right, rect.top + t // 2)
            )
            pygame.draw.line(
                surf, (120, 60, 40), (rect.left + t // 2, rect.top), (rect.left + t // 2, rect.top + t // 2)
            )
            pygame.draw.rect(surf, (120, 60, 40), rect, 1)
        elif code in (QBLOCK, USED):
            surf.fill(color, rect.inflate(-2, -2))
            if code == QBLOCK:
                pygame.draw.circle(surf, (160, 90, 20), rect.center, 3)
        elif code == PIPE:
            surf.fill(color, rect)
            pygame.draw.line(surf, (30, 110, 50), (rect.left + 3, rect.top), (rect.left + 3, rect.bottom), 2)
        elif code == CANNON:
            surf.fill(color, rect.inflate(-2, 0))
            pygame.draw.circle(surf, (20, 20, 20), rect.center, 4)
        elif code == COIN:
            pygame.draw.ellipse(surf, color, rect.inflate(-8, -4))
        elif code == GOAL:
            surf.fill((200, 230, 250), rect)

    def _build_background(self, pygame) -> None:
        t = self.RENDER_TILE
        phys = self.physics
        surf = pygame.Surface((phys.W * t, phys.H * t))
        surf.fill(tuple(int(v) for v in _PALETTE[EMPTY]))
        pr, pc = self._pad_r, self._pad_c
        static = self._grid_static
        for r in range(phys.H):
            for c in range(phys.W):
                code = int(static[r + pr, c + pc])
                if code != EMPTY:
                    self._draw_tile(surf, pygame, r, c, code)
        pole = (phys.W - GOAL_COLS) * t + t // 2
        pygame.draw.line(surf, (90, 90, 90), (pole, 2 * t), (pole, phys.H * t), 2)
        pygame.draw.polygon(surf, (40, 180, 60), [(pole, 2 * t), (pole - 12, 2 * t + 5), (pole, 2 * t + 10)])
        self._background = surf
        self._bg_changed = frozenset()
        self._bg_taken = frozenset()

    def _draw(self):
        from envs.render import import_pygame

        pygame = import_pygame()
        phys, s, t = self.physics, self.state, self.RENDER_TILE
        if self._background is None or self._bg_changed - s[CHANGED] or self._bg_taken - s[TAKEN]:
            self._build_background(pygame)
        if s[CHANGED] is not self._bg_changed or s[TAKEN] is not self._bg_taken:
            pr, pc = self._pad_r, self._pad_c
            for i in (s[CHANGED] - self._bg_changed) | (s[TAKEN] - self._bg_taken):
                r, c = phys.cell(i)
                self._draw_tile(self._background, pygame, r, c, int(self._grid[r + pr, c + pc]))
            self._bg_changed, self._bg_taken = s[CHANGED], s[TAKEN]
        vw, vh = self.VIEW_W * t, phys.H * t
        if self._surface is None or self._surface.get_size() != (vw, vh):
            self._surface = pygame.Surface((vw, vh))
        surf = self._surface
        scale = TILE // t  # sub-units per pixel
        cam = self.camera_x()
        surf.fill(tuple(int(v) for v in _PALETTE[EMPTY]))
        surf.blit(self._background, (0, 0), pygame.Rect(cam, 0, vw, vh))
        for e in s[ENEMIES]:
            rect = pygame.Rect(e[1] // scale - cam, e[2] // scale, EW // scale, EH // scale)
            pygame.draw.ellipse(surf, (120, 60, 40), rect)
            pygame.draw.rect(surf, (240, 240, 240), (rect.x + 3, rect.y + 4, 3, 3))
            pygame.draw.rect(surf, (240, 240, 240), (rect.right - 6, rect.y + 4, 3, 3))
        for b in s[BULLETS]:
            rect = pygame.Rect(b[0] // scale - cam, b[1] // scale, BW // scale, BH // scale)
            pygame.draw.rect(surf, (30, 30, 30), rect, border_radius=4)
        rect = pygame.Rect(s[X] // scale - cam, s[Y] // scale, PW // scale, PH // scale)
        pygame.draw.rect(surf, _PLAYER_RGB, rect, border_radius=3)
        eye = rect.right - 4 if s[VX] >= 0 else rect.left + 2
        pygame.draw.rect(surf, (255, 255, 255), (eye, rect.y + 3, 2, 3))
        return surf

    def _render_frame(self) -> None:
        from envs.render import Window

        if self._window is None:
            self._window = Window("ArcadeLab platformer", self.metadata["render_fps"])
        self._window.show(self._draw())


class _DefaultSource:
    """The shipped original levels, read on first use (so importing the module reads no files)."""

    def __init__(self) -> None:
        self._source: FileLevelSource | None = None

    @property
    def levels(self) -> list[Level]:
        if self._source is None:
            self._source = FileLevelSource(Path(SHIPPED_PLATFORMER_LEVELS), LEGEND)
        return self._source.levels

    def sample(self, rng: np.random.Generator) -> Level:
        levels = self.levels
        return levels[int(rng.integers(len(levels)))]


_default_source = _DefaultSource()


def require_playable(level: Level, max_steps: int = 4000) -> None:
    """Raise ``LevelError`` (naming the level and why) unless the solver finishes ``level`` within ``max_steps``;
    what ``PlatformerEnv(check_playable=True)`` runs on every new level (results cached by level content)."""
    from envs.platformer_solver import check_level

    result = check_level(level, max_steps=max_steps)
    if not result.completable:
        raise LevelError(
            f"level {level.name!r} is not completable: {result.reason}", level.path or level.name
        )
