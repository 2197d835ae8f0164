"""The platformer: its rules, its levels, and a solver whose plans replay exactly in the env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from envs.level import Level, LevelError, LevelListSource, load_level
from envs.platformer import (
    BULLETS,
    CANNON_PERIOD,
    CHANGED,
    DIED,
    ENEMIES,
    LEGEND,
    NONE,
    PH,
    SHIPPED_PLATFORMER_LEVELS,
    STOMP_BOUNCE,
    TAKEN,
    TILE,
    VX,
    VY,
    PlatformerEnv,
    PlatformerPhysics,
    Y,
)
from envs.platformer.solver import check_level, solve

SHIPPED = sorted(SHIPPED_PLATFORMER_LEVELS.glob("*.txt"))
CORPUS_NAMES = [
    "mario-1-1",
    "mario-1-2",
    "mario-1-3",
    "mario-2-1",
    "mario-3-1",
    "mario-4-1",
    "mario-4-2",
    "mario-5-1",
    "mario-5-3",
    "mario-6-1",
    "mario-6-3",
    "mario-8-1",
]
GROUND_Y = 13 * TILE - PH  # y of a player standing on ground in row 13


def make_level(width: int = 40, pits=(), walls=(), tiles=(), name: str = "test") -> Level:
    """A 14-row level with ground on row 13, minus ``pits`` ((from, to) columns), plus ``walls`` ((column,
    height)) and single ``tiles`` ((row, column, char))."""
    grid = [["-"] * width for _ in range(14)]
    for c in range(width):
        grid[13][c] = "X"
    for a, b in pits:
        for c in range(a, b):
            grid[13][c] = "-"
    for c, h in walls:
        for r in range(13 - h, 13):
            grid[r][c] = "X"
    for r, c, ch in tiles:
        grid[r][c] = ch
    return Level(tuple("".join(row) for row in grid), name)


def replay(level: Level, actions) -> tuple[dict, float, int]:
    """Play ``actions`` in a fresh env; returns the last info, the return and the number of steps played."""
    env = PlatformerEnv(level=level, check_playable=False)
    env.reset(seed=0)
    total, info = 0.0, {}
    for n, a in enumerate(actions, 1):
        _, reward, terminated, truncated, info = env.step(a)
        total += reward
        if terminated or truncated:
            return info, total, n
    return info, total, len(actions)


def run(phys: PlatformerPhysics, state: tuple, action: int, frames: int):
    coins = 0
    for _ in range(frames):
        state, c, event = phys.step(state, action)
        coins += c
        if event:
            return state, coins, event
    return state, coins, NONE


# ---------------------------------------------------------------- levels and solver
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_level_solvable_and_plan_replays_to_goal(path):
    level = load_level(path, LEGEND)
    assert level.height == 14
    result = check_level(level)
    assert result.completable, result.reason
    info, total, n = replay(level, result.actions)
    assert info["event"] == "finished" and n == len(result.actions)
    assert total > 50


def test_at_least_five_shipped_levels_with_readme():
    assert len(SHIPPED) >= 5
    assert "original" in (SHIPPED_PLATFORMER_LEVELS / "README.md").read_text().lower()


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_level_plan_replays_to_goal(vglc_root, name):
    path = vglc_root / "Super Mario Bros" / "Processed" / f"{name}.txt"
    assert path.exists(), f"{path} missing from the corpus"
    level = load_level(path, LEGEND)
    result = check_level(level)
    # every corpus level is completable with the default node budget (see benchmarks/platformer_corpus.py)
    assert result.completable, result.reason
    info, _, n = replay(level, result.actions)
    assert info["event"] == "finished" and n == len(result.actions)


BROKEN = {
    "pit wider than the longest jump": make_level(pits=[(15, 25)]),
    "wall taller than the highest jump": make_level(walls=[(20, 5)]),
    "only way over the pit is a ledge too high": make_level(
        pits=[(15, 40)], tiles=[(6, c, "X") for c in range(22, 40)]
    ),
    "goal sealed off by a full-height wall": make_level(walls=[(36, 13)]),
    "goal sealed in a box": make_level(
        tiles=[(r, c, "X") for r in range(8, 13) for c in (35, 39)] + [(8, c, "X") for c in range(35, 40)]
    ),
}


@pytest.mark.parametrize("what", BROKEN)
def test_broken_levels_are_not_completable(what):
    result = solve(BROKEN[what], node_budget=20_000)
    assert not result.completable, what


def test_edge_cases_of_the_jump_are_decided_by_the_physics():
    assert solve(make_level(pits=[(15, 22)])).completable  # 7-tile pit: a full-speed jump clears it
    assert not solve(make_level(pits=[(15, 24)]), node_budget=20_000).completable  # 9 tiles: too wide
    assert solve(make_level(walls=[(20, 4)])).completable  # 4 tiles: a long press clears it


def test_random_noise_windows_are_mostly_rejected():
    rng = np.random.default_rng(1)
    completable = 0
    for _ in range(8):
        grid = rng.choice(list("----XXXSS?<o"), size=(14, 24))
        grid[12, :2], grid[13, :2] = "-", "X"
        result = solve(Level.from_array(grid, "noise"), node_budget=1500)
        if result.completable:
            completable += 1
            info, _, _ = replay(Level.from_array(grid, "noise"), result.actions)
            assert info["event"] == "finished"
    assert completable <= 2


def test_env_refuses_an_uncompletable_level_with_its_name():
    level = make_level(pits=[(15, 25)], name="too-wide")
    with pytest.raises(LevelError, match="too-wide.*not completable"):
        PlatformerEnv(level=level)
    env = PlatformerEnv(level_source=LevelListSource([level]))
    with pytest.raises(LevelError, match="too-wide"):
        env.reset(seed=0)
    env = PlatformerEnv(level=level, check_playable=False)  # the caller vouches for it
    env.reset(seed=0)


def test_malformed_level_file_names_path_row_and_column(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("-" * 10 + "\n" + "-" * 4 + "Z" + "-" * 5 + "\n" + "X" * 10 + "\n")
    with pytest.raises(LevelError, match=r"bad\.txt, row 2, column 5: unknown tile 'Z'"):
        PlatformerEnv(level=path)


def test_start_is_on_the_first_ground_column_in_the_lower_half(vglc_root):
    phys = PlatformerPhysics(make_level(pits=[(0, 3)]))
    assert phys.start == (3 * TILE + (TILE - 192) // 2, GROUND_Y)
    # a ceiling on top of column 0 (as in an underground level) is not a start
    ceiling = make_level(tiles=[(r, 0, "S") for r in range(2, 13)])
    assert PlatformerPhysics(ceiling).start[0] // TILE == 1
    with pytest.raises(LevelError, match="no start"):
        PlatformerPhysics(Level(tuple("-" * 20 for _ in range(14)), "void"))


# ---------------------------------------------------------------- rules
def _with(phys, **fields):
    s = list(phys.initial_state())
    names = ("x", "y", "vx", "vy", "on_ground", "t", "next_enemy", "enemies", "bullets", "changed", "taken")
    for k, v in fields.items():
        s[names.index(k)] = v
    return tuple(s)


def test_stomp_kills_the_enemy_and_bounces():
    phys = PlatformerPhysics(make_level(tiles=[(12, 10, "E")]))
    ex, ey = phys.enemy_spawns[0]
    s = _with(
        phys, x=ex, y=ey - PH - 40, vy=80, on_ground=False, next_enemy=1, enemies=((0, ex, ey, -16, 0),)
    )
    s, _, event = phys.step(s, 0)
    assert event == NONE and s[ENEMIES] == () and s[VY] == -STOMP_BOUNCE


def test_touching_an_enemy_from_the_side_kills_the_player():
    phys = PlatformerPhysics(make_level(tiles=[(12, 6, "E")]))
    s, _, event = run(phys, phys.initial_state(), 0, 200)
    assert event == DIED and s[Y] == GROUND_Y


def test_enemies_turn_at_walls():
    phys = PlatformerPhysics(make_level(walls=[(8, 2)], tiles=[(12, 10, "E")]))
    ex, ey = phys.enemy_spawns[0]
    s = _with(phys, x=25 * TILE, next_enemy=1, enemies=((0, ex, ey, -16, 0),))
    s, _, _ = run(phys, s, 0, 30)
    ((_, x, _, vx, _),) = s[ENEMIES]
    assert vx > 0 and x >= 9 * TILE


def test_breakable_block_breaks_from_below_and_question_block_gives_a_coin():
    level = make_level(tiles=[(9, 0, "S"), (9, 1, "S"), (9, 2, "?"), (9, 3, "?")])
    phys = PlatformerPhysics(level)
    brick, question = phys.index(9, 0), phys.index(9, 2)
    s, coins, _ = run(phys, phys.initial_state(), 3, 12)  # jump straight up into the brick
    assert brick in s[CHANGED] and coins == 0
    s = _with(phys, x=2 * TILE + 32)
    s, coins, _ = run(phys, s, 3, 12)  # into the question block
    assert question in s[CHANGED] and coins == 1
    s, coins, _ = run(phys, s, 3, 30)  # a used block stays solid and gives nothing
    assert coins == 0 and s[Y] >= 10 * TILE
    env = PlatformerEnv(level=level, check_playable=False)
    env.reset(seed=0)
    for _ in range(12):
        env.step(3)
    window = env._grid[env._pad_r + 9, env._pad_c : env._pad_c + 2]
    assert window[0] == 0  # the broken brick is empty in the observation grid


def test_coin_is_collected_once_with_reward():
    env = PlatformerEnv(level=make_level(tiles=[(12, 3, "o")]), check_playable=False)
    env.reset(seed=0)
    rewards = []
    for _ in range(20):
        _, r, *_, info = env.step(2)
        rewards.append(r)
    assert info["coins"] == 1 and len(env.state[TAKEN]) == 1
    assert max(rewards) > 1.0  # the coin's +1 on top of progress


def test_falling_into_a_pit_ends_the_episode():
    env = PlatformerEnv(level=make_level(pits=[(4, 12)]), check_playable=False)
    env.reset(seed=0)
    for _ in range(200):
        _, reward, terminated, truncated, info = env.step(2)
        if terminated:
            break
    assert terminated and not truncated and info["event"] == "died" and reward < -20


def test_frame_skip_plays_k_frames_per_step_and_adds_their_rewards():
    level = make_level(width=60, walls=[(20, 1)], tiles=[(10, 12, "o")])
    actions = [2, 2, 5, 5, 2, 0, 3, 5, 5, 5, 2, 2, 4, 1, 2, 5, 5, 2, 2, 2]
    single = PlatformerEnv(level=level, check_playable=False)
    skip = PlatformerEnv(level=level, check_playable=False, frame_skip=3)
    single.reset(seed=1)
    skip.reset(seed=1)
    for a in actions:
        total = 0.0
        for _ in range(3):
            obs1, r, *_, info1 = single.step(a)
            total += r
        obs3, r3, *_, info3 = skip.step(a)
        assert r3 == pytest.approx(total)
        assert np.array_equal(obs3, obs1) and info3["x"] == info1["x"] and info3["coins"] == info1["coins"]
    assert info1["x"] > 10  # the sequence got somewhere, so the comparison covered movement and jumps


def test_frame_skip_renders_at_game_speed():
    env = PlatformerEnv(level=make_level(), check_playable=False, frame_skip=4, render_mode="rgb_array")
    assert env.metadata["render_fps"] == 7.5  # one rendered frame per 4 game frames at 30 fps
    assert PlatformerEnv.metadata["render_fps"] == 30 and PlatformerEnv(level=make_level()).metadata["render_fps"] == 30


def _steps_until_terminated(env: PlatformerEnv, action: int, limit: int) -> tuple[int, bool, dict]:
    """Steps ``env`` under ``action`` until it terminates: ``(steps taken, truncated, info)`` of the last step."""
    for n in range(1, limit):
        *_, terminated, truncated, info = env.step(action)
        if terminated:
            return n, truncated, info
    raise AssertionError(f"not terminated within {limit - 1} steps")


def test_frame_skip_stops_at_death_and_counts_the_time_limit_in_frames():
    env = PlatformerEnv(level=make_level(pits=[(4, 12)]), check_playable=False, frame_skip=4)
    env.reset(seed=0)
    n, truncated, info = _steps_until_terminated(env, 2, 200)
    assert info["event"] == "died" and not truncated
    ref = PlatformerEnv(level=make_level(pits=[(4, 12)]), check_playable=False)
    ref.reset(seed=0)
    frames, _, _ = _steps_until_terminated(ref, 2, 800)
    assert n == -(-frames // 4)  # the step with the fatal frame ends the episode, no frames after it

    env = PlatformerEnv(level=make_level(), check_playable=False, max_steps=10, frame_skip=4)
    env.reset(seed=0)
    results = [env.step(0)[3] for _ in range(3)]
    assert results == [False, False, True]  # 4 + 4 + 2 frames


@pytest.mark.parametrize("penalty", [0.0, 5.0, 25.0])
def test_death_penalty_is_what_dying_costs(penalty):
    def death_step_reward(**kwargs):
        env = PlatformerEnv(level=make_level(pits=[(4, 12)]), check_playable=False, **kwargs)
        env.reset(seed=0)
        for _ in range(200):
            _, reward, terminated, _, info = env.step(2)
            if terminated:
                assert info["event"] == "died"
                return reward
        raise AssertionError("the player did not fall")

    # the dying step's reward is its progress (the same in both) minus the penalty
    assert death_step_reward(death_penalty=penalty) == pytest.approx(death_step_reward() + 25.0 - penalty)


def test_variable_jump_height_short_press_lower_than_long_press():
    phys = PlatformerPhysics(make_level())

    def apex(hold: int) -> int:
        s, top = phys.initial_state(), GROUND_Y
        for f in range(40):
            s, _, _ = phys.step(s, 3 if f < hold else 0)
            top = min(top, s[Y])
        return GROUND_Y - top

    heights = [apex(h) for h in (1, 3, 6, 10, 20)]
    assert heights == sorted(heights) and heights[0] < TILE * 3 // 2 < 4 * TILE < heights[-1] < 5 * TILE


def test_running_speed_and_friction():
    phys = PlatformerPhysics(make_level())
    s, _, _ = run(phys, phys.initial_state(), 2, 20)
    assert s[VX] == 64
    s, _, _ = run(phys, s, 0, 20)
    assert s[VX] == 0


def test_cannon_fires_toward_the_player():
    phys = PlatformerPhysics(
        make_level(tiles=[(12, 10, "B")])
    )  # a 1-tall cannon: its bullets fly at head height
    s, _, _ = run(phys, phys.initial_state(), 0, CANNON_PERIOD - 1)
    assert s[BULLETS] == ()
    s, _, _ = run(phys, s, 0, 1)
    ((bx, _, bvx),) = s[BULLETS]
    assert bvx < 0 and bx < 10 * TILE
    s, _, event = run(phys, s, 0, 200)
    assert event == DIED  # the bullet hits a player standing still


def test_finishing_gives_the_bonus_and_terminates():
    env = PlatformerEnv(level=make_level(width=20), check_playable=False)
    env.reset(seed=0)
    total = 0.0
    for _ in range(200):
        _, reward, terminated, _, info = env.step(2)
        total += reward
        if terminated:
            break
    assert info["event"] == "finished" and total > 50


def test_truncation_at_max_steps():
    env = PlatformerEnv(level=make_level(), check_playable=False, max_steps=10)
    env.reset(seed=0)
    for _ in range(10):
        *_, terminated, truncated, _ = env.step(0)
    assert truncated and not terminated


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"obs_type": "voxels"}, "obs_type"),
        ({"max_steps": 0}, "max_steps"),
        ({"render_mode": "ascii"}, "render_mode"),
        ({"start_anywhere": 1.5}, "start_anywhere"),
        ({"start_anywhere": "yes"}, "start_anywhere"),
        ({"death_penalty": -1.0}, "death_penalty"),
        ({"death_penalty": float("inf")}, "death_penalty"),
        ({"death_penalty": True}, "death_penalty"),
        ({"frame_skip": 0}, "frame_skip"),
        ({"frame_skip": 2.0}, "frame_skip"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PlatformerEnv(**kwargs)


def test_observation_window_marks_enemies_and_player():
    env = PlatformerEnv(level=make_level(tiles=[(12, 8, "E")]), check_playable=False)
    obs, _ = env.reset(seed=0)
    grid = obs[:224].reshape(14, 16)
    assert grid[12, 4] == 11 and (grid == 8).sum() == 0  # the enemy sleeps until it is in range ...
    obs, *_ = env.step(0)
    grid = obs[:224].reshape(14, 16)
    assert (grid == 8).sum() == 1 and grid[13, 0] == 1  # ... then shows
    assert env.observation_space.contains(obs)


# ---------------------------------------------------------------- the bot
def test_solver_bot_finishes_and_replans_after_divergence():
    from agents.platformer_bot import PlatformerSolverBot

    env = gym.make("ArcadeLab/Platformer-v0", level=SHIPPED[0])
    bot = PlatformerSolverBot(env)
    for detour in (0, 15):
        obs, info = env.reset(seed=0)
        bot.reset()
        for step in range(2000):
            action = 1 if step < detour else bot.act(obs, info)  # steps the bot did not choose
            obs, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
        assert info["event"] == "finished"
    assert (
        bot.replans == 0
    )  # those steps came before the bot's first act of the episode: a plan, not a replan
    obs, info = env.reset(seed=0)
    bot.reset()
    for step in range(2000):
        action = bot.act(obs, info)
        if step == 30:
            action = 1  # override the bot once
        obs, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    assert info["event"] == "finished" and bot.replans == 1


def test_actions_accept_ints_and_numpy_integers_only():
    env = PlatformerEnv(level=make_level(), check_playable=False)
    env.reset(seed=0)
    for ok in (2, np.int64(2), np.array(5, dtype=np.int32)):
        env.step(ok)
    for bad in (6, -1, 2.0, "2", None, np.array([2])):
        with pytest.raises(ValueError, match=r"Discrete\(6\)"):
            env.step(bad)


# ---------------------------------------------------------------- public hooks for apps
def test_require_playable_is_the_check_the_env_runs():
    from envs.platformer import require_playable

    require_playable(make_level(name="fine"))  # completable: no error
    with pytest.raises(LevelError, match="too-wide.*not completable"):
        require_playable(make_level(pits=[(15, 25)], name="too-wide"))


def test_draw_surface_camera_and_player_rect():
    """``draw_surface()`` is the rendered frame; ``camera_x``/``player_rect`` place any racer in it."""
    from envs.platformer import PW, X
    from envs.render import surface_to_rgb

    env = PlatformerEnv(render_mode="rgb_array", level=make_level(width=60), check_playable=False)
    ghost = PlatformerEnv(level=make_level(width=60), check_playable=False)
    with pytest.raises(RuntimeError, match="reset"):
        env.draw_surface()
    env.reset(seed=0)
    ghost.reset(seed=0)
    t, scale = env.RENDER_TILE, TILE // env.RENDER_TILE
    view_w, level_w = env.VIEW_W * t, 60 * t
    cams = set()
    for step in range(150):
        env.step(2)  # the person runs right; the ghost runs right half the time
        ghost.step(2 if step % 2 else 0)
        s = env.state
        cam = env.camera_x()
        # the camera keeps the player's centre 6 tiles from the left edge, clamped to the level
        assert cam == min(max((s[X] + PW // 2) // scale - 6 * t, 0), level_w - view_w)
        assert env.camera_x(s[X]) == cam and env.camera_x(0) == 0 and env.camera_x(10**9) == level_w - view_w
        cams.add(cam)
        x, y, w, h = env.player_rect()
        assert (x, y, w, h) == (s[X] // scale - cam, s[Y] // scale, PW // scale, PH // scale)
        gx, gy, _, _ = env.player_rect(ghost.state)
        assert gx == ghost.state[X] // scale - cam and gy == ghost.state[Y] // scale
        if step % 30 == 0:
            surface = env.draw_surface()
            assert env.draw_surface() is surface and surface.get_size() == (view_w, 14 * t)
            frame = env.render()
            np.testing.assert_array_equal(surface_to_rgb(surface), frame)
            # the player is drawn where player_rect says
            assert tuple(frame[y + h // 2, x + 1]) == (220, 40, 40)
    assert len(cams) > 20 and 0 in cams


def test_level_corpus_reads_the_vglc_folder_in_place(vglc_root):
    env = PlatformerEnv(level="corpus", check_playable=False)
    names = sorted(lv.name for lv in env.level_source.levels)
    assert names == CORPUS_NAMES
    assert all(str(vglc_root) in lv.path for lv in env.level_source.levels)


def test_level_corpus_without_the_corpus_names_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCADELAB_VGLC", str(tmp_path))
    with pytest.raises(LevelError, match="no VGLC corpus") as err:
        PlatformerEnv(level="corpus")
    assert str(tmp_path) in str(err.value)


def test_start_anywhere_starts_on_safe_standing_spots_and_rewards_progress_from_there():
    level = make_level(width=60, pits=[(20, 22)], walls=[(30, 2)], tiles=[(12, 45, "E")])
    env = PlatformerEnv(level=level, check_playable=False, start_anywhere=1.0)
    starts = set()
    for seed in range(40):
        _, info = env.reset(seed=seed)
        spots = set(env.physics.standing_spots)
        state = env.state
        assert (state[0], state[1]) in spots
        starts.add(info["x"])
        col = int(info["x"])
        assert abs(col - 45) >= 3, "never next to an enemy spawn"
        assert not 20 <= col < 22, "never over the pit"
        # standing still is safe for a while, and the first step right earns only that step's progress
        _, reward, terminated, _, _ = env.step(2)
        assert not terminated and 0 < reward < 0.1
    assert len(starts) > 15, "starts spread over the level"
    assert any(x > 40 for x in starts), "including beyond the first obstacles"


def test_start_anywhere_is_seeded_and_zero_keeps_the_level_start():
    level = make_level(width=60)
    a = PlatformerEnv(level=level, check_playable=False, start_anywhere=0.5)
    b = PlatformerEnv(level=level, check_playable=False, start_anywhere=0.5)
    xs_a = [a.reset(seed=s)[1]["x"] for s in range(20)]
    xs_b = [b.reset(seed=s)[1]["x"] for s in range(20)]
    assert xs_a == xs_b
    start_x = PlatformerEnv(level=level, check_playable=False).reset(seed=0)[1]["x"]
    assert start_x in xs_a and len(set(xs_a)) > 3
    plain = PlatformerEnv(level=level, check_playable=False, start_anywhere=0.0)
    assert {plain.reset(seed=s)[1]["x"] for s in range(20)} == {start_x}


def test_enemies_behind_a_later_start_stay_asleep():
    level = make_level(width=80, tiles=[(12, 10, "E"), (12, 60, "E")])
    phys = PlatformerPhysics(level)
    s = phys.initial_state((40 * TILE, GROUND_Y))
    for _ in range(60):
        s, _, event = phys.step(s, 0)
    assert event == NONE
    assert [e[0] for e in s[ENEMIES]] == [], "the enemy behind never wakes, the one 20 tiles ahead not yet"
    woke = set()
    for _ in range(40):
        s, _, _ = phys.step(s, 2)
        woke |= {e[0] for e in s[ENEMIES]}
    assert woke == {1}, "running on wakes the enemy ahead, never the one behind"
