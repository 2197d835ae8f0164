"""The ArcadeLab app: a title screen, a match against an agent with a HUD, pause, and an end screen.

``run_app(AppConfig(...))`` opens the window (or the SDL dummy display when headless) and runs a fixed-rate loop:
the display ticks at ``AppConfig.fps``; the game advances at its own decision rate (``Match.step_rate`` env steps
per second) through a fixed-timestep accumulator, so a slow frame never slows the game and a fast one never
speeds it up. Agents are timed (``TimedAgent``) and moved off the loop when they are slow. With ``fast=True`` the
clock does not limit the loop and every frame advances the game by exactly ``1 / fps`` seconds: headless tests are
reproducible, and the frame rate the HUD shows is what the machine can achieve.

Every match is recorded in the telemetry store (``games.telemetry``): a session row and its events.

Keys: title screen Up/Down pick a row, Left/Right change it, Enter starts, Q/Esc quits. In a match P/Esc pause,
R restarts, Q quits. End screen: Enter/Space play again, T title screen, Q quit. Each game's own keys are on
screen.
"""

from __future__ import annotations

import dataclasses
import getpass
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from envs.spec import get_spec, load_object
from games.input import KeyState, ScriptedKeys, key_name
from games.matches import GAMES, GameEvent, Match, MatchResult, MatchSetup, make_match
from games.sound import SoundBank
from games.telemetry import TelemetryStore

__all__ = ["AppConfig", "AppReport", "ArcadeApp", "benchmark", "run_app"]

log = logging.getLogger(__name__)
T = TypeVar("T")

BG = (18, 18, 28)
FG = (235, 235, 240)
DIM = (140, 140, 160)
ACCENT = (250, 200, 70)
GOOD = (110, 220, 120)
BAD = (240, 100, 90)
HUD_H = 56
FOOTER_H = 30
TITLE_VALUE_CHARS = 30  # "< value >" in 40 px type fits the right half of the 960 px title screen
TOAST_CHARS = 70  # characters per toast line in 24 px type


def _default_player() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "player"


@dataclass
class AppConfig:
    """What ``arcadelab play`` / ``arcadelab watch`` pass in; the title screen can change game/opponent/level."""

    game: str | None = None
    opponent: str = "bot"
    level: str | None = None
    music: str = "off"
    player: str = field(default_factory=_default_player)
    seed: int | None = None
    db: str | None = None  # telemetry URL; None = the default SQLite file
    telemetry: bool = True
    watch: tuple[str, ...] | None = None  # agent specs for agent-vs-agent
    title_screen: bool = True  # start on the title screen (False: straight into the match)
    fast: bool = False  # headless/test mode: the clock does not limit the loop
    max_frames: int | None = None  # frames budget: stop after this many frames (tests, benchmarks)
    points_to_win: int | None = None
    sound: bool = True
    fps: int = 60
    size: tuple[int, int] = (960, 720)
    screenshot: Path | None = None  # save the display here when the app stops (and at ``screenshot_frame``)
    screenshot_frame: int | None = None
    exit_on_end: bool = False  # stop after the first match instead of showing the end screen's choices
    # a countdown before each match so a person can find the keys (default: 3 s in real time, none in fast mode)
    ready_seconds: float | None = None
    # how long the last frame of a match stays up (what killed you, the last point) before the end screen
    final_frame_seconds: float = 1.5


@dataclass
class AppReport:
    """What a run did: for the CLI's closing line and for tests."""

    results: list[MatchResult] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    frames: int = 0
    steps: int = 0
    seconds: float = 0.0
    quit_reason: str = ""
    screen: str = ""
    messages: list[str] = field(default_factory=list)
    sounds: list[str] = field(default_factory=list)
    agent_ms: dict[str, float] = field(default_factory=dict)
    match_frames: int = 0  # frames drawn during matches, and the time they took (input, steps, draw, flip)
    match_seconds: float = 0.0
    slowest_match_frame_ms: float = 0.0
    match_frame_ms: list[float] = field(default_factory=list)  # the last 10,000 match frames' times
    loading_hints: list[str] = field(default_factory=list)  # what the "loading ..." screen said before matches
    final_frames: int = 0  # frames that showed a finished match's last frame before its end screen

    def frame_ms_percentile(self, q: float) -> float:
        if not self.match_frame_ms:
            return 0.0
        ordered = sorted(self.match_frame_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    @property
    def match_fps(self) -> float:
        return self.match_frames / self.match_seconds if self.match_seconds > 0 else 0.0


class ArcadeApp:
    """The app's screens and loop. Use ``run_app``; this class is the state between frames."""

    def __init__(self, config: AppConfig, script: ScriptedKeys | None = None) -> None:
        if config.game is not None and config.game not in GAMES:
            raise ValueError(f"unknown game {config.game!r}; choose one of {', '.join(GAMES)}")
        self.config = config
        self.script = script
        self.report = AppReport()
        self.messages: list[str] = []
        if config.music not in ("off", "generated"):
            raise ValueError(f"--music must be generated or off, got {config.music!r}")
        if config.music == "generated":
            self._message("--music generated is not served yet (the music model is not trained in this build): "
                          "playing without music")
        self.store: TelemetryStore | None = None
        if config.telemetry:
            self.store = TelemetryStore(config.db)  # a bad --db fails here, before any window opens
            closed = self._telemetry("close the sessions of a killed app", lambda store: store.close_stale_sessions())
            if closed:
                log.info("closed %d telemetry session(s) a killed app left open", len(closed))
        # title screen choices
        self.opponents = ["bot", "random"] + ([config.opponent] if config.opponent not in ("bot", "random") else [])
        self.opponent = config.opponent
        self._fits: dict[tuple[str, str], bool] = {}
        # no game given: start on the one the chosen opponent plays (a Snake model opens on Snake)
        self.game = config.game or next((g for g in GAMES if self._fits_game(config.opponent, g)), GAMES[0])
        self.levels = ["shipped", "corpus", "generated", "recommended"]
        if config.level and config.level not in self.levels:
            self.levels.append(config.level)
        self.level = config.level or "shipped"
        self.row = 0
        # runtime state
        self.screen_name = "title"
        self.frames_on_screen = 0
        self.keys = KeyState()
        self.match: Match | None = None
        self.session_id: str | None = None
        self.paused = False
        self.last_result: MatchResult | None = None
        self.toast: tuple[str, float] | None = None
        self.running = True
        self._acc = 0.0
        self._ready = 0.0  # seconds of "get ready" countdown left before the match moves
        self._final_hold: float | None = None  # seconds the finished match's last frame stays up, None: playing
        self._fps_ema = 0.0
        self._pg: Any = None
        self._display: Any = None
        self._fonts: dict[int, Any] = {}
        self._text_cache: dict[tuple, Any] = {}
        self._fps_shown = 0.0
        self._failed_writes: set[str] = set()
        self._matches_started = 0
        self.sounds = SoundBank(reason="not started")

    # ------------------------------------------------------------------------------------------------ helpers
    def _fits_game(self, opponent: str, game: str) -> bool:
        key = (opponent, game)
        if key not in self._fits:
            from agents.loading import wrong_game

            self._fits[key] = wrong_game(opponent, game) is None
        return self._fits[key]

    def opponent_choices(self) -> list[str]:
        """The title screen's opponents that can play the selected game (bot and random always can)."""
        return [o for o in self.opponents if self._fits_game(o, self.game)]

    def _message(self, text: str) -> None:
        log.info("%s", text)  # shown on screen, and printed by the CLI at the end
        self.messages.append(text)
        self.report.messages.append(text)
        self.toast = (text, 4.0)

    def _font(self, size: int) -> Any:
        font = self._fonts.get(size)
        if font is None:
            font = self._fonts[size] = self._pg.font.Font(None, size)
        return font

    def _text(self, surface: Any, text: str, pos: tuple[int, int], size: int = 24, color=FG,
              anchor: str = "topleft") -> Any:
        key = (text, size, color)
        image = self._text_cache.get(key)
        if image is None:  # most HUD lines repeat frame after frame: render each once
            if len(self._text_cache) > 512:
                self._text_cache.clear()
            image = self._text_cache[key] = self._font(size).render(text, True, color)
        rect = image.get_rect(**{anchor: pos})
        surface.blit(image, rect)
        return rect

    def _set_screen(self, name: str) -> None:
        self.screen_name = name
        self.frames_on_screen = 0
        self.keys.release_all()

    # ---------------------------------------------------------------------------------------------- telemetry
    def _telemetry(self, what: str, write: Callable[[TelemetryStore], T]) -> T | None:
        """Run a store write; a failing store warns once per kind of failure and never stops the game."""
        if self.store is None:
            return None
        try:
            return write(self.store)
        except Exception as exc:  # noqa: BLE001 - a locked or full disk must not end a game
            if what not in self._failed_writes:  # say it once, not at every event
                self._failed_writes.add(what)
                self._message(f"telemetry: could not {what} ({exc})")
            return None

    def _start_session(self) -> None:
        m = self._current_match()
        self.session_id = self._telemetry(
            "start a session",
            lambda store: store.start_session(
                player=self.config.player, game=m.game, level_id=m.level_id, opponent=m.opponent_name,
                opponent_elo=m.opponent_elo, level_source=m.level_source, seed=m.setup.seed,
                mode="watch" if m.watch else "play",
            ),
        )
        if self.session_id:
            self.report.sessions.append(self.session_id)

    def _log_events(self, events: list[GameEvent]) -> None:
        m = self._current_match()
        rows = [(m.life if e.life is None else e.life, e.kind, e.payload, m.t) for e in events if e.log]
        session_id = self.session_id
        if rows and session_id:
            self._telemetry("log events", lambda store: store.log_events(session_id, rows))

    def _end_session(self, result: MatchResult, outcome: str, quit_reason: str | None = None) -> None:
        session_id = self.session_id
        if not session_id:
            return
        self._telemetry("end the session", lambda store: store.end_session(
            session_id, outcome=outcome, score=result.score, deaths=result.deaths, quit_reason=quit_reason,
            opponent_score=result.opponent_score))
        self.session_id = None

    # ---------------------------------------------------------------------------------------------- matches
    def _current_match(self) -> Match:
        """The match being played or shown: the match screen, and what it calls, never run without one."""
        if self.match is None:
            raise RuntimeError("no match is running")
        return self.match

    def _keep_agent_timings(self) -> None:
        for agent in self.match.agents if self.match is not None else ():
            if agent.calls:
                self.report.agent_ms[agent.name] = agent.mean_ms

    def _start_match(self) -> None:
        self._final_hold = None
        if self.match is not None:
            self._keep_agent_timings()
            self.match.close()
            self.match = None
        setup = MatchSetup(opponent=self.opponent, level=None if self.level == "shipped" else self.level,
                           seed=self._match_seed(), points_to_win=self.config.points_to_win, watch=self.config.watch,
                           realtime=not self.config.fast)
        self._show_loading(setup)
        try:
            match = self.match = make_match(self.game, setup)
        except Exception as exc:  # a missing game, an agent that will not load, a bad level
            log.debug("could not start %s", self.game, exc_info=True)
            self._message(f"cannot start {self.game}: {exc}")
            self._set_screen("title")
            if not self.config.title_screen:
                self._quit(f"error: {exc}")
            return
        for text in match.messages:
            self._message(text)
        self.paused = False
        self._acc = 0.0
        ready = self.config.ready_seconds
        self._ready = (0.0 if self.config.fast else 3.0) if ready is None else float(ready)
        self._start_session()
        self._set_screen("match")

    def _show_loading(self, setup: MatchSetup) -> None:
        """Say what is loading before a model (a second or two) or a level set is read, so the window does not
        just freeze."""
        specs = setup.watch or (setup.opponent,)
        slow = [spec for spec in specs if spec not in ("bot", "random") and Path(spec).expanduser().exists()]
        if self._display is None or not (slow or setup.level):
            return
        text = f"loading {', '.join(Path(s).name for s in slow) or 'the levels'} ..."
        self.report.loading_hints.append(text)
        surf = self._display
        surf.fill(BG)
        w, h = surf.get_size()
        self._text(surf, _fit(text, 60), (w // 2, h // 2), 40, ACCENT, "center")
        self._pg.display.flip()

    def _match_seed(self) -> int | None:
        """``--seed`` for the first match, then a new seed derived from it for each one after (play again,
        restart), so a seeded evening is reproducible without replaying the same serve every time."""
        self._matches_started += 1
        if self.config.seed is None:
            return None
        return self.config.seed + 7919 * (self._matches_started - 1)

    def _record_result(self) -> MatchResult:
        self._final_hold = None
        result = self.last_result = self._current_match().result()
        self.report.results.append(result)
        self._end_session(result, result.outcome)
        return result

    def _finish_match(self) -> None:
        result = self._record_result()
        self.sounds.play({"win": "win", "loss": "lose"}.get(result.outcome, "point"))
        self._set_screen("end")
        if self.config.exit_on_end:
            self._quit("match over")

    def _abandon_match(self, reason: str) -> None:
        if self.match is None:
            return
        if self._final_hold is not None:  # over, its last frame still up: it counts as played, not quit
            self._record_result()
        elif not self.match.done and self.session_id:
            self._end_session(self.match.result(), "quit", reason)

    def _quit(self, reason: str) -> None:
        if self.screen_name == "match":
            self._abandon_match(reason)
        self.running = False
        self.report.quit_reason = self.report.quit_reason or reason

    def _advance(self, dt: float) -> None:
        """Run the env steps due after ``dt`` seconds (fixed timestep, at most a few per frame)."""
        m = self._current_match()
        step_dt = 1.0 / m.step_rate
        self._acc += dt
        n = 0
        while self._acc >= step_dt - 1e-9 and not m.done:
            self._acc -= step_dt
            life = m.life
            events = m.step(self.keys)
            self.report.steps += 1
            events = [e if e.life is not None else dataclasses.replace(e, life=life) for e in events]
            for e in events:
                if e.sound:
                    self.sounds.play(e.sound)
            self._log_events(events)
            n += 1
            if n >= 4:  # the machine cannot keep up: drop the backlog instead of spiralling
                self._acc = 0.0
                break
        if m.done:
            if self.config.final_frame_seconds > 0:
                self._final_hold = float(self.config.final_frame_seconds)
            else:
                self._finish_match()

    # ------------------------------------------------------------------------------------------------ input
    def _on_key(self, name: str) -> None:
        screen = self.screen_name
        if screen == "title":
            self._title_key(name)
        elif screen == "match" and self._final_hold is not None:
            if name in ("return", "space", "enter"):
                self._finish_match()  # skip to the end screen
            elif name == "q":
                self._quit("quit key")
        elif screen == "match":
            if name in ("p", "escape"):
                self.paused = not self.paused
                self.sounds.play("select")
            elif name == "r":
                self._abandon_match("restart")
                self._start_match()
            elif name == "q":
                self._quit("quit key")
            elif not self.paused:
                message = self._current_match().press(name)
                if message:
                    self.toast = (message, 2.0)
                    self.sounds.play("handover")
        elif screen == "end":
            if name in ("return", "space", "enter"):
                self._start_match()
            elif name in ("t", "escape"):
                self._set_screen("title")
            elif name == "q":
                self._quit("quit key")

    def _title_key(self, name: str) -> None:
        rows = 4
        if name in ("up", "w"):
            self.row = (self.row - 1) % rows
        elif name in ("down", "s"):
            self.row = (self.row + 1) % rows
        elif name in ("left", "right", "a", "d"):
            step = -1 if name in ("left", "a") else 1
            if self.row == 0:
                self.game = GAMES[(GAMES.index(self.game) + step) % len(GAMES)]
                if self.opponent not in self.opponent_choices():
                    self.opponent = "bot"  # the chosen model plays another game: the new game's bot stands in
            elif self.row == 1:
                choices = self.opponent_choices()
                self.opponent = choices[(choices.index(self.opponent) + step) % len(choices)]
            elif self.row == 2:
                self.level = self.levels[(self.levels.index(self.level) + step) % len(self.levels)]
        elif name in ("return", "space"):
            self._start_match()
            return
        elif name in ("q", "escape"):
            self._quit("quit key")
            return
        self.sounds.play("select")

    # ---------------------------------------------------------------------------------------------- drawing
    def _draw_title(self, surf: Any) -> None:
        w, h = surf.get_size()
        self._text(surf, "ArcadeLab", (w // 2, 50), 80, ACCENT, "midtop")
        who = "watch two agents" if self.config.watch else f"play against an agent, {self.config.player}"
        self._text(surf, who, (w // 2, 125), 28, DIM, "midtop")
        level_note = self.level if get_spec(self.game).levels else f"none for {self.game}"
        opponent = " vs ".join(self.config.watch) if self.config.watch else self.opponent
        rows = [("Game", self.game), ("Opponent", _fit(opponent, TITLE_VALUE_CHARS)),
                ("Levels", _fit(level_note, TITLE_VALUE_CHARS)), ("Start", "press Enter")]
        for i, (label, value) in enumerate(rows):
            y = 200 + i * 52
            color = ACCENT if i == self.row else FG
            if i == self.row:
                self._text(surf, ">", (w // 2 - 250, y), 40, ACCENT)
            self._text(surf, label, (w // 2 - 210, y), 40, color)
            self._text(surf, f"< {value} >" if i < 3 else value, (w // 2 - 20, y), 40, color)
        controls = _controls_for(self.game)
        y = 440
        self._text(surf, f"{self.game} controls:", (w // 2 - 250, y), 26, DIM)
        for keys, what in controls:
            y += 24
            self._text(surf, f"{keys}", (w // 2 - 230, y), 24, FG)
            self._text(surf, what, (w // 2 + 20, y), 24, DIM)
        self._footer(surf, "Up/Down: choose   Left/Right: change   Enter: start   Q/Esc: quit")
        for i, text in enumerate(self.messages[-2:]):
            self._text(surf, text[:110], (w // 2, h - FOOTER_H - 50 + 22 * i), 20, BAD, "midtop")

    def _footer(self, surf: Any, text: str) -> None:
        w, h = surf.get_size()
        surf.fill((30, 30, 44), (0, h - FOOTER_H, w, FOOTER_H))
        self._text(surf, text, (w // 2, h - FOOTER_H // 2), 22, DIM, "center")

    def _draw_match(self, surf: Any) -> None:
        pg = self._pg
        m = self._current_match()
        w, h = surf.get_size()
        frame = m.frame()
        fw, fh = frame.get_size()
        area_h = h - HUD_H - FOOTER_H
        scale = min(w / fw, area_h / fh)
        size = (max(1, int(fw * scale)), max(1, int(fh * scale)))
        target = pg.Rect(0, 0, *size)
        target.center = (w // 2, HUD_H + area_h // 2)
        if size == (fw, fh):
            surf.blit(frame, target)
        elif frame.get_bitsize() == surf.get_bitsize():
            pg.transform.scale(frame, size, surf.subsurface(target))  # straight into the window, no copy
        else:
            surf.blit(pg.transform.scale(frame, size), target)
        # HUD
        surf.fill((30, 30, 44), (0, 0, w, HUD_H))
        self._text(surf, m.score_text(), (12, 6), 30, FG)
        elo = f" (Elo {m.opponent_elo:.0f})" if m.opponent_elo is not None else ""
        agent_ms = max((a.typical_ms for a in m.agents), default=0.0)
        vs = "watching " if m.watch else f"{m.opponent_label} "
        line = f"{vs}{m.opponent_name}{elo}   agent {agent_ms:.3f} ms   {m.status_text()}"
        self._text(surf, line, (12, 34), 22, DIM)
        if self.report.frames % 15 == 0:  # a readable number, and fewer text renders
            self._fps_shown = self._fps_ema
        self._text(surf, f"{self._fps_shown:5.0f} FPS", (w - 12, 6), 26, GOOD, "topright")
        self._text(surf, f"{m.title}", (w - 12, 34), 22, DIM, "topright")
        self._footer(surf, self._match_footer())
        if self.toast is not None:  # wrapped, never cut: a fallback note must be read whole
            images = [self._font(24).render(line, True, ACCENT) for line in _wrap(self.toast[0], TOAST_CHARS)]
            height = sum(i.get_height() for i in images)
            box = pg.Rect(0, 0, max(i.get_width() for i in images) + 20, height + 10)
            box.midbottom = (w // 2, h - FOOTER_H - 12)
            shade = pg.Surface(box.size, pg.SRCALPHA)
            shade.fill((0, 0, 0, 190))
            surf.blit(shade, box)
            y = box.top + 5
            for image in images:
                surf.blit(image, image.get_rect(midtop=(w // 2, y)))
                y += image.get_height()
        if self._final_hold is not None:  # the last frame, frozen, with what happened on it
            r = m.result()
            self._text(surf, {"win": "WON", "loss": "LOST"}.get(r.outcome, "DRAW"), (w // 2, HUD_H + 40), 56,
                       GOOD if r.outcome == "win" else BAD if r.outcome == "loss" else ACCENT, "center")
            self._text(surf, _fit(r.summary, 80), (w // 2, HUD_H + 84), 28, FG, "center")
        if self._ready > 0 and not self.paused:
            self._text(surf, "GET READY", (w // 2, h // 2 - 70), 64, ACCENT, "center")
            self._text(surf, f"{math.ceil(self._ready)}", (w // 2, h // 2 + 10), 96, FG, "center")
        if self.paused:
            shade = pg.Surface((w, h), pg.SRCALPHA)
            shade.fill((0, 0, 0, 150))
            surf.blit(shade, (0, 0))
            self._text(surf, "PAUSED", (w // 2, h // 2 - 60), 80, ACCENT, "center")
            self._text(surf, "P/Esc: resume    R: restart    Q: quit", (w // 2, h // 2 + 10), 32, FG, "center")

    def _match_footer(self) -> str:
        """The match's keys; watching, only the app's own (pause, restart, quit): nobody steers a paddle."""
        controls = self.match.controls if self.match is not None else ()
        if self.config.watch:
            controls = tuple(c for c in controls if c[0] in ("P/Esc", "R", "Q"))
        return "   ".join(f"{k}: {v}" for k, v in controls)

    def _end_score_line(self) -> str:
        r = self._last_result()
        line = f"score {r.score}" + (f" : {r.opponent_score}" if r.opponent_score is not None else "")
        if self.match is not None and self.match.counts_deaths:
            line += f"    deaths {r.deaths}"
        return line

    def _last_result(self) -> MatchResult:
        """The finished match's result: the end screen is only reached after one is recorded."""
        if self.last_result is None:
            raise RuntimeError("no match has finished")
        return self.last_result

    def _draw_end(self, surf: Any) -> None:
        w, h = surf.get_size()
        r = self._last_result()
        headline = {"win": "YOU WIN", "loss": "YOU LOSE", "draw": "DRAW"}.get(r.outcome, r.outcome.upper())
        if self.config.watch:
            headline = {"win": f"{self.config.watch[0]} WINS", "loss": f"{self.config.watch[-1]} WINS"}.get(
                r.outcome, "DRAW") if len(self.config.watch) > 1 else r.outcome.upper()
        color = GOOD if r.outcome == "win" else BAD if r.outcome == "loss" else ACCENT
        self._text(surf, headline, (w // 2, h // 2 - 120), 90, color, "center")
        self._text(surf, r.summary, (w // 2, h // 2 - 40), 32, FG, "center")
        self._text(surf, self._end_score_line(), (w // 2, h // 2), 28, DIM, "center")
        self._text(surf, "Enter/Space: play again     T/Esc: title screen     Q: quit", (w // 2, h // 2 + 70), 30,
                   ACCENT, "center")
        if self.session_id is None and self.store is not None and self.report.sessions:
            self._text(surf, f"recorded in {self.store.url}", (w // 2, h - FOOTER_H - 20), 18, DIM, "center")
        self._footer(surf, "Enter/Space: play again   T/Esc: title   Q: quit")

    def _draw(self) -> None:
        surf = self._display
        surf.fill(BG)
        if self.screen_name == "title":
            self._draw_title(surf)
        elif self.screen_name == "match":
            self._draw_match(surf)
        elif self.screen_name == "end":
            self._draw_end(surf)

    # ------------------------------------------------------------------------------------------------ loop
    def _open_display(self) -> None:
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame

        self._pg = pygame
        pygame.display.init()
        pygame.font.init()
        self._display = pygame.display.set_mode(self.config.size)
        pygame.display.set_caption("ArcadeLab")
        self.sounds = SoundBank.open(self.config.sound)

    def screenshot(self, path: str | os.PathLike) -> None:
        self._pg.image.save(self._display, str(path))

    def run(self) -> AppReport:
        self._open_display()
        pg = self._pg
        clock = pg.time.Clock()
        start = time.perf_counter()
        last = start
        try:
            if not self.config.title_screen:
                self._start_match()
            while self.running:
                frame_start = time.perf_counter()
                self._poll_input(pg)
                if not self.running:
                    break
                dt, last = self._frame_time(last)
                if self.toast is not None:
                    self.toast = (self.toast[0], self.toast[1] - dt) if self.toast[1] > dt else None
                in_match = self.screen_name == "match"
                if in_match and not self.paused:
                    self._update_match(dt)
                self._draw()
                pg.display.flip()
                self._count_frame(in_match, frame_start)
                if not self.config.fast:
                    clock.tick(self.config.fps)
        except BaseException as exc:  # a crash (or Ctrl-C) still closes the session, with the reason
            self._quit(f"crashed: {type(exc).__name__}: {exc}" if isinstance(exc, Exception) else "interrupted")
            raise
        finally:
            self._finish_run(start)
        return self.report

    def _poll_input(self, pg: Any) -> None:
        """This frame's scripted keys (tests, benchmarks) and window events, into the key state and the screens."""
        if self.script is not None:
            self.script.post(pg, self._script_screen(), self.frames_on_screen)
        self.keys.begin_frame()
        for event in pg.event.get():
            if event.type == pg.QUIT:
                self._quit("window closed")
            elif event.type == pg.KEYDOWN:
                name = key_name(pg, event.key)
                self.keys.key_down(name)
                if self.running:
                    self._on_key(name)
            elif event.type == pg.KEYUP:
                self.keys.key_up(key_name(pg, event.key))
            elif event.type == getattr(pg, "WINDOWFOCUSLOST", -1):
                self.keys.release_all()  # keys released in another window never reach us

    def _frame_time(self, last: float) -> tuple[float, float]:
        """``(game seconds this frame, now)``: fixed-rate game time, the real elapsed time or one frame in fast mode."""
        now = time.perf_counter()
        real_dt = now - last
        dt = 1.0 / self.config.fps if self.config.fast else min(real_dt, 0.25)
        if real_dt > 0:
            self._fps_ema = (1 / real_dt) if self._fps_ema == 0 else 0.95 * self._fps_ema + 0.05 / real_dt
        return dt, now

    def _update_match(self, dt: float) -> None:
        if self._ready > 0:  # the countdown: the game waits, the display keeps ticking
            self._ready = max(0.0, self._ready - dt)
        elif self._final_hold is not None:  # the match is over: its last frame stays up a moment
            self._final_hold -= dt
            self.report.final_frames += 1
            if self._final_hold <= 1e-9:
                self._finish_match()
        else:
            self._advance(dt)

    def _count_frame(self, in_match: bool, frame_start: float) -> None:
        """Frame statistics for the report, the screenshot when its frame comes, and the frame budget."""
        if in_match:
            frame_s = time.perf_counter() - frame_start
            self.report.match_frames += 1
            self.report.match_seconds += frame_s
            self.report.slowest_match_frame_ms = max(self.report.slowest_match_frame_ms, 1000 * frame_s)
            self.report.match_frame_ms.append(1000 * frame_s)
            if len(self.report.match_frame_ms) > 10_000:
                del self.report.match_frame_ms[:5_000]
        self.report.frames += 1
        self.frames_on_screen += 1
        if self.config.screenshot and self.config.screenshot_frame == self.report.frames:
            self.screenshot(self.config.screenshot)
        if self.config.max_frames is not None and self.report.frames >= self.config.max_frames:
            self._quit("frame budget")

    def _finish_run(self, start: float) -> None:
        self.report.seconds = time.perf_counter() - start
        self.report.screen = self.screen_name
        self.report.sounds = list(self.sounds.played)
        self._keep_agent_timings()
        if self.config.screenshot and self.config.screenshot_frame is None and self._display is not None:
            self.screenshot(self.config.screenshot)
        self.close()

    def _script_screen(self) -> str:
        if self.screen_name == "match" and self._final_hold is not None:
            return "over"  # the finished match's last frame, before the end screen
        return "paused" if self.screen_name == "match" and self.paused else self.screen_name

    def close(self) -> None:
        if self.match is not None:
            self._abandon_match("closed")
            self.match.close()
            self.match = None
        if self.store is not None:
            self.store.close()
            self.store = None
        self.sounds.close()
        if self._pg is not None:
            self._pg.display.quit()


def _wrap(text: str, chars: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, chars, break_long_words=True) or [""]


def _fit(text: str, chars: int) -> str:
    """``text`` shortened to ``chars`` characters with an ellipsis in the middle (paths keep their file name)."""
    if len(text) <= chars:
        return text
    keep = chars - 3
    return text[: keep // 2] + "..." + text[len(text) - (keep - keep // 2):]


def _controls_for(game: str) -> tuple[tuple[str, str], ...]:
    controls = load_object(get_spec(game).match).controls
    return tuple(c for c in controls if c[0] not in ("P/Esc", "R", "Q")) + (("P/Esc  R  Q", "pause  restart  quit"),)


def run_app(config: AppConfig, script: ScriptedKeys | None = None) -> AppReport:
    """Run the app until the person quits (or the frames budget runs out); returns what happened."""
    return ArcadeApp(config, script).run()


def benchmark(games: tuple[str, ...] = GAMES, frames: int = 1500, db: str = "sqlite:///:memory:") -> list[dict]:
    """Frames per second each game's match loop achieves with the shipped bot, the clock not limiting it.

    Each frame is input, the env steps due (the person idle; in the dungeon the agent has control), the HUD and
    the frame drawn to the 960x720 display, and the flip. A finished match is restarted from the end screen.
    """

    def again(screen: str, frames_on_screen: int) -> list:
        return [("end", 0, "press", "return")] if screen == "end" else []

    rows = []
    for game in games:
        script = ScriptedKeys(list(load_object(get_spec(game).match).bench_keys), then=again)
        report = run_app(AppConfig(game=game, title_screen=False, fast=True, max_frames=frames, db=db, sound=False,
                                   seed=0), script)
        rows.append({"game": game, "frames": report.match_frames, "fps": report.match_fps,
                     "p99_frame_ms": report.frame_ms_percentile(99), "slowest_frame_ms": report.slowest_match_frame_ms,
                     "steps": report.steps,
                     "matches": len(report.results), "agent_ms": report.agent_ms})
    return rows

