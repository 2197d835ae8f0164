"""The play front end, driven headless (SDL dummy drivers) by scripted key events through whole matches.

Each test runs the real app loop in fast mode (the clock does not limit it; each frame is exactly 1/60 s of game
time, so runs are reproducible), posts key events into pygame's queue as a person's keyboard would, and checks
the outcome and the rows the telemetry store recorded. One test opens a real window under Xvfb.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from games.app import AppConfig, run_app
from games.cli_play import PlayError, play, summary, watch
from games.input import KeyState, KeyStep, ScriptedKeys
from games.matches import TimedAgent
from games.telemetry import TelemetryStore

REPO = Path(__file__).resolve().parent.parent
MEADOW = REPO / "envs" / "levels" / "platformer" / "01_meadow.txt"


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'telemetry.sqlite3'}"


def _run(game, db, steps=(), **kwargs):
    options = {"game": game, "title_screen": False, "fast": True, "max_frames": 20_000, "db": db, "seed": 7,
               "player": "tester", "exit_on_end": True}
    options.update(kwargs)
    return run_app(AppConfig(**options), ScriptedKeys(steps))


def _sessions(db):
    with TelemetryStore(db) as store:
        return [(s, store.events(s.id)) for s in store.sessions()]


# ---------------------------------------------------------------------------------------------------- pong
def test_pong_from_the_title_screen_with_pause_and_quit(db):
    pytest.importorskip("envs.pong")
    steps = [
        ("title", 2, "press", "down"),  # row: opponent
        ("title", 2, "press", "right"),  # bot -> random
        ("title", 2, "press", "return"),
        ("match", 20, "press", "p"),
        ("paused", 10, "press", "escape"),  # Esc resumes too
        ("end", 5, "press", "q"),
    ]
    report = run_app(AppConfig(game=None, fast=True, max_frames=20_000, db=db, seed=1, player="ada",
                               points_to_win=2), ScriptedKeys(steps))
    assert report.quit_reason == "quit key" and report.screen == "end"
    assert len(report.results) == 1
    result = report.results[0]
    assert result.outcome in ("win", "loss") and max(result.score, result.opponent_score) == 2
    [(session, events)] = _sessions(db)
    assert (session.player, session.game, session.opponent, session.mode) == ("ada", "pong", "random", "play")
    assert session.outcome == result.outcome and session.score == result.score
    assert session.opponent_score == result.opponent_score and session.ended_at >= session.started_at
    points = [e for e in events if e.kind == "point"]
    assert len(points) == result.score + result.opponent_score
    assert points[-1].payload["score"] == [result.score, result.opponent_score]
    assert [e.life for e in points] == sorted(e.life for e in points)
    assert "select" in report.sounds and ({"point", "lose_point"} & set(report.sounds))


def test_pong_against_the_tracker_bot(db):
    pytest.importorskip("agents.pong_bot")
    report = _run("pong", db, points_to_win=2)  # the person never moves: the bot wins 2-0
    [result] = report.results
    assert (result.outcome, result.score, result.opponent_score, result.deaths) == ("loss", 0, 2, 2)
    [(session, events)] = _sessions(db)
    assert session.outcome == "loss" and session.opponent.startswith("pong-tracker") and session.deaths == 2
    assert [(e.life, e.payload["by"]) for e in events if e.kind == "point"] == [(0, "opponent"), (1, "opponent")]
    assert "lose" in report.sounds


class _RatedAgent:
    name = "champion"
    elo = 1432.5

    def act(self, obs, info):
        return 0

    def reset(self):
        pass


def test_opponent_elo_and_play_again(db, monkeypatch):
    from games.matches import base as matches  # where Match looks up make_agent

    monkeypatch.setattr(matches, "make_agent", lambda spec, game, seed=None, env=None: _RatedAgent())
    steps = [("end", 3, "press", "return"), ("end", 3, "press", "q")]
    report = _run("pong", db, steps, points_to_win=1, exit_on_end=False, screenshot=None)
    assert len(report.results) == 2 and report.quit_reason == "quit key"
    rows = _sessions(db)
    assert [(s.opponent, s.opponent_elo) for s, _ in rows] == [("champion", 1432.5)] * 2
    assert rows[0][0].seed == 7 and rows[1][0].seed != 7  # play again: a new serve, derived from --seed


def test_pong_against_a_trained_sb3_model(db, tmp_path):
    """``--opponent model.zip``: an SB3 policy (untrained here: only the loading and seat matter) plays right."""
    sb3 = pytest.importorskip("stable_baselines3")
    from envs.pong import PongEnv

    model_path = tmp_path / "tiny_pong.zip"
    sb3.PPO("MlpPolicy", PongEnv(), n_steps=64, batch_size=32, seed=0, device="cpu").save(model_path)
    (tmp_path / "selfplay").mkdir()
    (tmp_path / "selfplay" / "state.json").write_text('{"elo": 1337.0, "num_timesteps": 64}')  # as self-play writes
    report = _run("pong", db, opponent=str(model_path), points_to_win=1)
    assert report.messages == [] and len(report.results) == 1
    [(session, _)] = _sessions(db)
    assert "tiny_pong.zip" in session.opponent and session.outcome == report.results[0].outcome
    assert session.opponent_elo == 1337.0
    assert max(report.agent_ms.values()) > 0


def test_pause_stops_the_game(db):
    report = _run("pong", db, [("match", 20, "press", "p")], opponent="random", max_frames=300)
    assert report.quit_reason == "frame budget" and report.screen == "match"
    assert 19 <= report.steps <= 21  # one step per frame until P, none in the 280 paused frames
    [(session, _)] = _sessions(db)
    assert (session.outcome, session.quit_reason) == ("quit", "frame budget")


def test_pong_restart_and_window_close_are_recorded(db):
    steps = [("match", 30, "press", "r"), ("match", 40, "quit")]
    report = _run("pong", db, steps, opponent="random")
    assert report.quit_reason == "window closed" and report.results == []
    rows = _sessions(db)
    assert [(s.outcome, s.quit_reason) for s, _ in rows] == [("quit", "restart"), ("quit", "window closed")]
    assert all(s.ended_at is not None for s, _ in rows)


# --------------------------------------------------------------------------------------------------- snake
def test_snake_versus_until_a_snake_dies(db):
    steps = [("match", 3, "press", "down"), ("match", 9, "press", "right")]
    report = _run("snake", db, steps)
    [result] = report.results
    [(session, events)] = _sessions(db)
    assert session.game == "snake" and session.outcome == result.outcome
    deaths = [e for e in events if e.kind in ("death", "opponent_death")]
    assert deaths, "a snake must have died (or the board filled)"
    if result.outcome == "loss":
        assert session.deaths == 1 and "death" in report.sounds


# ---------------------------------------------------------------------------------------------- platformer
def _solver_keys(level_path: Path) -> list[KeyStep]:
    """Key events that make the person play the solver's plan: step k happens on frame 2k + 1 (30 steps/s at
    60 frames/s), so the keys for step k change on frame 2k."""
    from envs.level import load_level
    from envs.platformer import ACTION_NAMES, LEGEND
    from envs.platformer.solver import solve

    plan = solve(load_level(level_path, LEGEND)).actions
    keys_of = {name: set(name.split("+")) - {"noop"} for name in ACTION_NAMES}
    keymap = {"left": "left", "right": "right", "jump": "space"}
    held: set[str] = set()
    steps = []
    for k, action in enumerate(plan):
        want = {keymap[k_] for k_ in keys_of[ACTION_NAMES[action]]}
        for key in sorted(held - want):
            steps.append(KeyStep("match", 2 * k, "up", key))
        for key in sorted(want - held):
            steps.append(KeyStep("match", 2 * k, "down", key))
        held = want
    return steps


@pytest.mark.parametrize("opponent", ["random", "bot"])
def test_platformer_race_against_the_ghost(db, opponent):
    if opponent == "bot":
        pytest.importorskip("agents.platformer_bot")
    report = _run("platformer", db, _solver_keys(MEADOW), level=str(MEADOW), opponent=opponent)
    [result] = report.results
    [(session, events)] = _sessions(db)
    assert session.level_id == "01_meadow" and session.level_source == "file"
    assert [e.kind for e in events if e.kind == "finish"] == ["finish"]
    # the person played the solver's own plan: at worst a tie with the ghost, and a tie goes to the person
    assert result.outcome == "win" and session.outcome == "win" and session.deaths == 0
    assert "win" in report.sounds


def test_platformer_running_blindly_loses_its_lives(db):
    steps = [("match", 0, "down", "right")]  # run right into whatever kills first
    report = _run("platformer", db, steps, level=str(MEADOW), opponent="random")
    [result] = report.results
    [(session, events)] = _sessions(db)
    assert result.outcome == "loss" and session.outcome == "loss"
    deaths = [e for e in events if e.kind == "death"]
    assert len(deaths) == session.deaths >= 1
    assert [e.life for e in deaths] == list(range(len(deaths)))  # one death per life


# ------------------------------------------------------------------------------------------------- dungeon
def test_dungeon_tab_hands_control_to_the_agent_which_finishes(db):
    steps = [("match", 2, "press", "right"), ("match", 8, "press", "tab")]
    report = _run("dungeon", db, steps)
    [result] = report.results
    assert result.outcome == "win"
    [(session, events)] = _sessions(db)
    assert session.outcome == "win" and session.game == "dungeon" and session.level_source == "shipped"
    assert session.level_id and session.opponent == "dungeon-solver"
    kinds = [e.kind for e in events]
    assert kinds[0] == "handover" and events[0].payload == {"to": "agent"}
    assert kinds[-1] == "exit" and events[-1].payload["by"] == "agent"
    assert "handover" in report.sounds and "win" in report.sounds


def test_unserved_options_fall_back_with_a_message(db):
    report = _run("dungeon", db, [("match", 3, "press", "q")], level="generated", music="generated")
    text = " ".join(report.messages)
    assert "--level generated is not served yet" in text and "shipped levels" in text
    assert "--music generated is not served yet" in text
    [(session, _)] = _sessions(db)
    assert session.level_source == "shipped" and session.outcome == "quit" and session.quit_reason == "quit key"


@pytest.mark.parametrize("game", ["dungeon", "platformer"])
def test_corpus_levels_are_read_in_place(db, vglc_root, game):
    report = _run(game, db, [("match", 3, "press", "q")], level="corpus", opponent="random")
    assert report.quit_reason == "quit key"
    [(session, _)] = _sessions(db)
    assert session.level_source == "corpus" and session.level_id


# --------------------------------------------------------------------------------------------------- watch
def test_watch_two_agents(db):
    report = watch("pong", ["random", "random"], db=db, seed=3, fast=True, points_to_win=1, sound=False,
                   script=ScriptedKeys([("end", 2, "press", "q")]))
    [result] = report.results
    [(session, _)] = _sessions(db)
    assert session.mode == "watch" and session.opponent == "random vs random"
    assert session.outcome == result.outcome and "1 match(es)" in summary(report)


def test_watch_a_one_player_game(db):
    report = watch("platformer", ["bot"], level=str(MEADOW), db=db, seed=1, fast=True, sound=False,
                   script=ScriptedKeys([("end", 2, "press", "q")]))
    [result] = report.results
    assert result.outcome == "win" and result.summary.startswith("platformer-solver finished in")
    [(session, events)] = _sessions(db)
    assert session.mode == "watch" and session.opponent == "platformer-solver"
    assert [e.kind for e in events][-1] == "finish"


def test_typer_commands(db):
    from typer.testing import CliRunner

    from arcadelab.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["watch", "snake", "--agents", "bot", "random", "--seed", "1", "--db", db,
                                 "--no-sound", "--fast", "--frames", "400"])
    assert result.exit_code == 0, result.output
    assert "session(s) recorded" in result.output
    [(session, _)] = _sessions(db)[:1]
    assert session.mode == "watch" and session.opponent == "snake_greedy vs random"
    result = runner.invoke(app, ["play", "chess", "--db", db])
    assert result.exit_code == 2 and "'GAME'" in result.output
    result = runner.invoke(app, ["play", "dungeon", "--no-title", "--level", "generated", "--music", "generated",
                                 "--db", db, "--no-sound", "--fast", "--frames", "5"])
    assert result.exit_code == 0, result.output
    assert "note: --level generated is not served yet" in result.output
    assert "note: --music generated is not served yet" in result.output


def test_cli_argument_errors(db):
    with pytest.raises(PlayError, match="'GAME'"):
        play("chess", db=db)
    with pytest.raises(PlayError, match="--music"):
        play("pong", music="loud", db=db)
    with pytest.raises(PlayError, match="--level"):
        play("dungeon", level="no/such/level.txt", db=db)
    with pytest.raises(PlayError, match="two agents"):
        watch("pong", ["random"], db=db)
    with pytest.raises(PlayError, match="--opponent.*pong-tracker"):
        play("pong", opponent="grandmaster", db=db)
    with pytest.raises(PlayError, match="--agents"):
        watch("pong", ["random", "nobody.zip"], db=db)


# ---------------------------------------------------------------------------------------------- the loop
class _SlowAgent:
    name = "slow"

    def __init__(self):
        self.calls = 0

    def act(self, obs, info):
        self.calls += 1
        time.sleep(0.02)
        return 1

    def reset(self):
        pass


def test_a_slow_agent_is_moved_off_the_frame_loop():
    agent = TimedAgent(_SlowAgent(), budget_ms=4.0, realtime=True)
    for _ in range(5):
        agent.act(np.zeros(3), {})
    assert agent.threaded and agent.mean_ms >= 15
    t0 = time.perf_counter()
    for _ in range(20):
        assert agent.act(np.zeros(3), {}) == 1
    assert time.perf_counter() - t0 < 0.05  # 20 calls would take 400 ms on the loop
    agent.close()
    synchronous = TimedAgent(_SlowAgent(), budget_ms=4.0, realtime=False)
    for _ in range(6):
        synchronous.act(np.zeros(3), {})
    assert not synchronous.threaded and synchronous.calls == 6


class _SlowPongAgent(_SlowAgent):
    name = "slow-pong"

    def act(self, obs, info):
        self.calls += 1
        time.sleep(0.04)  # 40 ms: on the loop this would cap the game at 25 frames per second
        return 0


def test_the_loop_holds_60_fps_in_real_time_with_a_slow_agent(db, monkeypatch):
    from games.matches import base as matches  # where Match looks up make_agent

    monkeypatch.setattr(matches, "make_agent", lambda spec, game, seed=None, env=None: _SlowPongAgent())
    report = _run("pong", db, opponent="slow", fast=False, max_frames=90, sound=False, ready_seconds=0)
    assert report.quit_reason == "frame budget"
    # after its first few calls the agent thinks in a worker thread: a frame's own work stays a few ms
    # (synchronously every frame would take 40 ms), and the clock holds about 60 frames per second
    assert report.frame_ms_percentile(50) < 10
    assert report.fps > 35, f"{report.fps:.0f} fps with a 40 ms agent"
    assert report.agent_ms["slow-pong"] >= 35


def test_key_state_and_script_validation():
    keys = KeyState()
    keys.key_down("left")
    keys.key_down("right")
    assert keys.axis(("left",), ("right",)) == 0 and keys.was_pressed("left")
    keys.key_up("left")
    keys.begin_frame()
    assert keys.axis(("left",), ("right",)) == 1 and not keys.was_pressed("right")
    with pytest.raises(ValueError, match="action"):
        KeyStep("match", 0, "tap", "x")


def test_frames_budget_stops_the_app(db):
    report = run_app(AppConfig(game="pong", fast=True, max_frames=30, db=db, sound=False))
    assert report.frames == 30 and report.quit_reason == "frame budget" and report.screen == "title"


def test_sound_effects_are_synthesized_and_never_crash(monkeypatch):
    from games import sound

    for name in sound.EFFECTS:
        wave = sound.synthesize(name)
        assert wave.dtype == np.float32 and 0.02 < len(wave) / sound.SAMPLE_RATE < 1.0
        assert np.abs(wave).max() <= 0.36
    with pytest.raises(ValueError, match="unknown sound effect"):
        sound.synthesize("fanfare")
    bank = sound.SoundBank.open()  # the dummy audio driver: a real mixer, or silence; never an error
    bank.play("hit")
    bank.close()
    silent = sound.SoundBank.open(enabled=False)
    silent.play("win")
    assert not silent.enabled and silent.played == ["win"]
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    broken = sound.SoundBank.open()
    broken.play("death")
    assert not broken.enabled and broken.reason.startswith("no audio")


def test_a_crash_mid_match_still_closes_the_session(db, monkeypatch):
    from games.matches import pong as matches

    real_step = matches.PongMatch._step

    def flaky(self, keys):
        if self.steps == 50:
            raise RuntimeError("agent exploded")
        return real_step(self, keys)

    monkeypatch.setattr(matches.PongMatch, "_step", flaky)
    with pytest.raises(RuntimeError, match="agent exploded"):
        _run("pong", db, opponent="random")
    [(session, _)] = _sessions(db)
    assert session.outcome == "quit" and session.quit_reason == "crashed: RuntimeError: agent exploded"


def test_a_failing_telemetry_store_does_not_stop_the_game(db, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(TelemetryStore, "log_events", disk_full)
    report = _run("pong", db, opponent="random", points_to_win=1)
    assert len(report.results) == 1
    assert any("telemetry: could not log events (disk full)" in m for m in report.messages)
    [(session, events)] = _sessions(db)
    assert session.outcome == report.results[0].outcome and events == []


def test_killing_the_app_mid_match_keeps_every_committed_row(tmp_path):
    """SIGKILL the app while it plays and records: the file is sound and holds what was committed."""
    import sqlite3

    path = tmp_path / "killed.sqlite3"
    code = (
        "import sys\n"
        "from games.app import AppConfig, run_app\n"
        "run_app(AppConfig(game='pong', opponent='random', title_screen=False, fast=True, max_frames=10**7,"
        " points_to_win=10**6, db=sys.argv[1], seed=5, sound=False))\n"
    )
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    proc = subprocess.Popen([sys.executable, "-c", code, f"sqlite:///{path}"], cwd=REPO, env=env)
    seen = 0
    try:
        deadline = time.monotonic() + 30
        while seen < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            if not path.exists():
                continue
            reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
            try:
                seen = reader.execute("SELECT COUNT(*) FROM events").fetchone()[0]
            except sqlite3.OperationalError:  # the schema is not there yet
                seen = 0
            finally:
                reader.close()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert seen >= 4, "the app recorded no events before the deadline"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with TelemetryStore(f"sqlite:///{path}") as store:
        [session] = store.sessions()
        assert session.game == "pong" and session.ended_at is None and session.outcome is None  # killed
        events = store.events(session.id)
        assert len(events) >= seen and [e.seq for e in events] == list(range(len(events)))
    # the next launch closes the killed app's session: outcome "killed", ended at its last event
    report = _run("pong", f"sqlite:///{path}", [("match", 2, "press", "q")], opponent="random")
    assert report.quit_reason == "quit key"
    with TelemetryStore(f"sqlite:///{path}") as store:
        killed, mine = store.sessions()
        assert (killed.id, killed.outcome) == (session.id, "killed")
        assert killed.ended_at == pytest.approx(killed.started_at + events[-1].t, abs=1.0)
        assert (mine.outcome, mine.quit_reason) == ("quit", "quit key")


# ------------------------------------------------------------------------------------------- real window
def _read_xwd(data: bytes) -> np.ndarray:
    """The pixels of an ``xwd`` dump (ZPixmap, 24/32 bits per pixel) as an (h, w, 3) array, channels as stored."""
    header = np.frombuffer(data[:100], dtype=">u4")
    header_size, width, height = int(header[0]), int(header[4]), int(header[5])
    bits_per_pixel, bytes_per_line, ncolors = int(header[11]), int(header[12]), int(header[19])
    start = header_size + 12 * ncolors
    rows = np.frombuffer(data[start:start + height * bytes_per_line], dtype=np.uint8).reshape(height, bytes_per_line)
    pixels = rows[:, : width * bits_per_pixel // 8].reshape(height, width, bits_per_pixel // 8)
    return pixels[:, :, :3]


def test_real_window_under_xvfb(tmp_path):
    """The app in a real X window (Xvfb): the title screen and a match are drawn, not blank.

    Two pictures: the window's own surface saved by pygame, and (with ``xwd``) a grab of the X screen while the
    app runs, which shows the window really reached the display server.
    """
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (apt-get install -y xvfb): no display server for a real window")
    # -displayfd: Xvfb picks a free display number and writes it to the pipe (no clash with a display in use)
    read_end, write_end = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                              pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    app = None
    try:
        ready, _, _ = select.select([read_end], [], [], 15)
        number = os.read(read_end, 64).decode().strip() if ready else ""
        if not number.isdigit():
            pytest.skip(f"Xvfb did not start (exit {server.poll()}): no display server for a real window")
        display = f":{number}"
        shot = tmp_path / "window.png"
        code = (
            "import sys\n"
            "from games.app import AppConfig, run_app\n"
            "from games.input import ScriptedKeys\n"
            "r = run_app(AppConfig(game='dungeon', fast=True, max_frames=int(sys.argv[3]), db=sys.argv[1],"
            " sound=False, screenshot=sys.argv[2], screenshot_frame=39),"
            " ScriptedKeys([('title', 5, 'press', 'return')]))\n"
            "print(r.screen, r.frames)\n"
        )
        env = {**os.environ, "DISPLAY": display, "SDL_VIDEODRIVER": "x11", "SDL_AUDIODRIVER": "dummy"}
        db_url = f"sqlite:///{tmp_path / 't.db'}"
        out = subprocess.run([sys.executable, "-c", code, db_url, str(shot), "40"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=60, check=False)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["match", "40"]
        import pygame

        image = pygame.image.load(str(shot))
        pixels = pygame.surfarray.array3d(image)
        assert image.get_size() == (960, 720)
        assert pixels.std() > 10 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20, "the window is blank"

        xwd = shutil.which("xwd")
        if xwd is None:
            return
        live = tmp_path / "live.png"
        app = subprocess.Popen([sys.executable, "-c", code, db_url, str(live), "100000000"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not live.exists() and time.monotonic() < deadline and app.poll() is None:
            time.sleep(0.05)
        assert live.exists(), "the app did not draw its first frames"
        time.sleep(0.3)
        grab = subprocess.run([xwd, "-root", "-silent", "-display", display], capture_output=True, timeout=30,
                              check=True).stdout
        screen = _read_xwd(grab)
        assert screen.shape[:2] == (768, 1024)
        window = screen[:720, :960]  # the window opens at the top-left of a screen without a window manager
        assert window.std() > 10 and len(np.unique(window.reshape(-1, 3), axis=0)) > 20, "X shows a blank window"
    finally:
        os.close(read_end)
        if app is not None and app.poll() is None:
            app.send_signal(signal.SIGTERM)
            app.wait(timeout=10)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def test_countdown_holds_the_game_before_it_moves(db):
    """A person gets a few seconds to find the keys: nothing steps during the countdown, then the game runs."""
    held = run_app(AppConfig(game="snake", title_screen=False, db=db, fast=True, sound=False, max_frames=20,
                             ready_seconds=0.5))
    assert held.steps == 0
    moving = run_app(AppConfig(game="snake", title_screen=False, db=db, fast=True, sound=False, max_frames=60,
                               ready_seconds=0.5))
    assert moving.steps > 0


# ------------------------------------------------------------------------------- the envs' public hooks
def test_matches_read_no_private_env_state():
    """The adapters use the envs' public hooks (draw_surface, info keys, camera, require_playable) only."""
    source = "\n".join(path.read_text() for path in sorted((REPO / "games" / "matches").glob("*.py")))
    assert "class PongMatch" in source and "class DungeonMatch" in source  # every adapter is read
    for private in ("._game", "._draw", "_get_renderer", "_require_playable", "._renderer", "RENDER_TILE"):
        assert private not in source, private


def test_pong_match_hears_hits_bounces_and_points_from_the_env():
    pytest.importorskip("envs.pong")
    from games.matches import MatchSetup, make_match

    match = make_match("pong", MatchSetup(watch=("bot", "bot"), realtime=False, seed=3, points_to_win=2))
    kinds: dict[str, set] = {}
    while not match.done and match.steps < 20_000:
        for event in match.step(KeyState()):
            kinds.setdefault(event.kind, set()).add(event.payload.get("by"))
    assert match.done and kinds["hit"] == {"player", "opponent"} and "wall" in kinds and "point" in kinds
    assert match.frame().get_size() == (320, 240)
    assert " 2 : " in match.result().summary or ": 2 " in match.result().summary
    match.close()


def test_snake_match_knows_who_died_from_the_env():
    pytest.importorskip("envs.snake")
    from games.matches import MatchSetup, make_match

    outcomes = set()
    for seed, agents in enumerate([("bot", "random"), ("random", "bot"), ("random", "random"), ("bot", "bot")]):
        match = make_match("snake", MatchSetup(watch=agents, realtime=False, seed=seed))
        events = []
        while not match.done and match.steps < 5_000:
            events += match.step(KeyState())
        info = match.infos["snake_0"]
        assert match.done and list(info["dead"]) == match.dead
        died = [e.kind for e in events if e.kind in ("death", "opponent_death")]
        assert died == [k for k, d in zip(("death", "opponent_death"), info["dead"], strict=True) if d]
        assert died or match.over_reason in ("time up", "board full")
        result = match.result()
        assert result.summary.endswith(f"length {info['length']} vs {info['opponent_length']}")
        if died == ["opponent_death"]:
            assert result.outcome == "win"
        elif died == ["death"]:
            assert result.outcome == "loss"
        assert match.frame().get_size()[0] > 0
        outcomes.add(tuple(died))
        match.close()
    assert {("death",), ("opponent_death",)} <= outcomes, outcomes


def test_no_display_is_a_clear_error_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, SDL_VIDEODRIVER="no-such-driver")
    proc = subprocess.run(
        [sys.executable, "-m", "arcadelab", "play", "pong", "--no-title", "--frames", "5",
         "--db", f"sqlite:///{tmp_path}/t.sqlite3"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "cannot open a window" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------- what a new player hit
def _tiny_pong_model(tmp_path) -> Path:
    """An SB3 zip saved the plain SB3 way (no ArcadeLab sidecar): only its declared spaces tell its game."""
    sb3 = pytest.importorskip("stable_baselines3")
    from envs.pong import PongEnv

    path = tmp_path / "tiny_pong.zip"
    sb3.PPO("MlpPolicy", PongEnv(), n_steps=64, batch_size=32, seed=0, device="cpu").save(path)
    return path


def _no_window(monkeypatch):
    from games.app import ArcadeApp

    def refuse(self):
        raise AssertionError("a window was opened")

    monkeypatch.setattr(ArcadeApp, "_open_display", refuse)


def test_an_opponent_made_for_another_game_is_refused_up_front(db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from arcadelab.cli import app

    _no_window(monkeypatch)
    with pytest.raises(PlayError, match="--opponent': snake-greedy plays snake"):
        play("pong", opponent="snake-greedy", db=db)
    with pytest.raises(PlayError, match="--agents': snake-greedy plays snake"):
        watch("pong", ["snake-greedy", "random"], db=db)
    with pytest.raises(PlayError, match="trained for another game"):
        play("snake", opponent=str(_tiny_pong_model(tmp_path)), db=db)
    runner = CliRunner()
    result = runner.invoke(app, ["play", "pong", "--opponent", "snake-greedy", "--db", db, "--no-sound"])
    assert result.exit_code == 2 and "plays snake" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["watch", "pong", "--agents", "snake-greedy", "random", "--db", db])
    assert result.exit_code == 2 and "plays snake" in result.output


def test_title_screen_offers_only_opponents_that_fit_the_game(db, tmp_path):
    model = str(_tiny_pong_model(tmp_path))
    steps = [
        ("title", 2, "press", "right"),  # game: pong -> snake
        ("title", 2, "press", "down"),  # row: opponent
        ("title", 2, "press", "right"),
        ("title", 2, "press", "right"),
        ("title", 2, "press", "right"),
        ("title", 2, "press", "return"),
        ("match", 30, "press", "q"),
    ]
    config = AppConfig(game=None, opponent=model, fast=True, max_frames=5_000, db=db, seed=1, player="ada",
                       sound=False)
    from games.app import ArcadeApp

    app = ArcadeApp(config, ScriptedKeys(steps))
    assert app.game == "pong" and app.opponent_choices() == ["bot", "random", model]
    app.game = "snake"
    assert app.opponent_choices() == ["bot", "random"]
    report = run_app(config, ScriptedKeys(steps))
    assert report.quit_reason == "quit key" and not any("cannot start" in m for m in report.messages)
    [(session, _)] = _sessions(db)
    assert session.game == "snake" and session.opponent in ("snake_greedy", "random")


def test_a_bad_level_without_the_title_screen_exits_2_before_any_window(db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from arcadelab.cli import app

    _no_window(monkeypatch)
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("----\n--\n-----\n")
    for game in ("platformer", "dungeon"):
        result = CliRunner().invoke(app, ["play", game, "--level", str(ragged), "--no-title", "--db", db,
                                          "--no-sound", "--fast", "--frames", "5"])
        assert result.exit_code == 2, result.output
        assert str(ragged) in result.output.replace("\n", "") and "row 2" in result.output
    assert _sessions(db) == []


def test_a_match_that_cannot_start_without_the_title_screen_is_an_error(db, monkeypatch):
    from games import matches

    def broken(game, setup):
        raise ValueError("the agent would not load")

    monkeypatch.setattr(matches, "make_match", broken)
    monkeypatch.setattr("games.app.make_match", broken)
    with pytest.raises(PlayError, match="the agent would not load"):
        play("pong", db=db, title=False, fast=True, max_frames=50, sound=False)


def test_pong_waits_after_a_point_before_the_next_serve():
    from games.matches import POINT_PAUSE_SECONDS, MatchSetup, make_match

    match = make_match("pong", MatchSetup(watch=("random", "random"), seed=3, realtime=False, points_to_win=3))
    keys = KeyState()
    try:
        for _ in range(5_000):
            if any(e.kind == "point" for e in match.step(keys)):
                break
        else:
            pytest.fail("no point in 5,000 steps")
        obs = {k: v.copy() for k, v in match.obs.items()}
        hold = round(POINT_PAUSE_SECONDS * match.step_rate)
        assert match.holding == hold
        t0 = match.t
        for _ in range(hold):
            assert match.step(keys) == []
            assert all(np.array_equal(obs[k], match.obs[k]) for k in obs)  # nothing moves during the pause
        assert match.t - t0 == pytest.approx(POINT_PAUSE_SECONDS, abs=1 / match.step_rate)
        match.step(keys)
        assert any(not np.array_equal(obs[k], match.obs[k]) for k in obs)  # then the ball is served
    finally:
        match.close()


def test_points_in_a_pong_match_are_at_least_the_pause_apart(db):
    from games.matches import POINT_PAUSE_SECONDS

    report = watch("pong", ["random", "random"], db=db, seed=5, fast=True, points_to_win=3, sound=False,
                   script=ScriptedKeys([("end", 2, "press", "q")]))
    assert len(report.results) == 1
    [(_, events)] = _sessions(db)
    times = [e.t for e in events if e.kind == "point"]
    assert len(times) >= 3
    assert min(np.diff(times)) > POINT_PAUSE_SECONDS + 0.3  # the pause, then a rally of its own


def test_the_last_frame_of_a_match_stays_up_before_the_end_screen(db):
    """Snake: the crash is on screen for ``final_frame_seconds`` before the end screen replaces it."""
    report = _run("snake", db, [("end", 2, "press", "q")], exit_on_end=False, final_frame_seconds=1.5,
                  opponent="random")
    assert len(report.results) == 1 and report.quit_reason == "quit key"
    assert report.final_frames == 90  # 1.5 s at 60 frames/s of game time
    # a key skips the wait, and quitting during it still records the finished match
    report = _run("snake", db, [("over", 0, "press", "q")], exit_on_end=False, opponent="random")
    assert report.quit_reason == "quit key" and len(report.results) == 1
    assert _sessions(db)[-1][0].outcome == report.results[0].outcome


def test_screens_fit_long_text_and_say_only_what_applies(db, tmp_path):
    from games.app import TITLE_VALUE_CHARS, ArcadeApp, _fit, _wrap

    long_path = str(tmp_path / ("very-long-folder-name-" * 6) / "best_model.zip")
    assert len(_fit(long_path, TITLE_VALUE_CHARS)) == TITLE_VALUE_CHARS
    assert _fit(long_path, TITLE_VALUE_CHARS).endswith("best_model.zip")
    note = ("--level generated is not served yet (the level generator / recommender is not trained in this "
            "build): playing the shipped levels")
    assert " ".join(_wrap(note, 70)) == note and all(len(line) <= 70 for line in _wrap(note, 70))
    # watching: no player controls in the footer; Pong's end screen shows no deaths, the platformer's does
    watching = ArcadeApp(AppConfig(game="pong", watch=("random", "random"), title_screen=False, db=db))
    watching._start_match()
    assert "paddle" not in watching._match_footer() and "pause" in watching._match_footer()
    watching.last_result = watching.match.result()
    assert "deaths" not in watching._end_score_line()
    watching.close()
    playing = ArcadeApp(AppConfig(game="platformer", title_screen=False, db=db, opponent="random"))
    playing._start_match()
    assert "run" in playing._match_footer()
    playing.last_result = playing.match.result()
    assert "deaths 0" in playing._end_score_line()
    playing.close()


def test_the_hud_shows_an_agents_typical_call_time_not_one_long_plan():
    class Planner:
        name = "planner"
        calls = 0

        def act(self, obs, info):
            self.calls += 1
            time.sleep(0.2 if self.calls == 1 else 0.0)  # plans once, then follows its plan
            return 0

    agent = TimedAgent(Planner(), realtime=False)
    for _ in range(20):
        agent.act(np.zeros(2), {})
    assert agent.mean_ms > 9 and agent.typical_ms < 2


def test_a_loading_screen_shows_while_a_model_loads(db, tmp_path):
    model = _tiny_pong_model(tmp_path)
    report = _run("pong", db, [("match", 2, "press", "q")], opponent=str(model))
    assert report.loading_hints == ["loading tiny_pong.zip ..."]
    report = _run("pong", db, [("match", 2, "press", "q")], opponent="random")
    assert report.loading_hints == []  # a bot starts at once: no screen flashes by
