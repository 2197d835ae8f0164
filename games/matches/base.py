"""What every game's match adapter shares: the match protocol, timed agents, levels, events and results."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from envs.spec import game_names, get_spec, load_object
from games.input import KeyState

log = logging.getLogger(__name__)

GAMES: tuple[str, ...] = game_names()  # from the game specs (envs.spec), the title screen's order

POINT_PAUSE_SECONDS = 1.0  # Pong: the ball waits this long at the centre after a point before it moves again

UP, DOWN, LEFT, RIGHT = ("up", "w"), ("down", "s"), ("left", "a"), ("right", "d")
JUMP = ("space", "up", "w")


@dataclass(frozen=True)
class GameEvent:
    """Something that happened in one step: ``kind`` is logged to telemetry, ``sound`` (if any) is played."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    sound: str | None = None
    log: bool = True  # False for events only worth a sound (a paddle hit every second would flood telemetry)
    life: int | None = None  # the life it happened in; the app fills in the life at the start of the step


@dataclass(frozen=True)
class MatchResult:
    outcome: str  # win | loss | draw (from the person's side; in watch mode from agent A's side)
    score: int
    opponent_score: int | None
    deaths: int
    summary: str  # one line for the end screen


@dataclass
class MatchSetup:
    """Everything a match needs beyond the game's name (built by the app from the command line / title screen)."""

    opponent: str = "bot"  # bot | random | PATH or a bot name for agents.loading.load_agent
    level: str | None = None  # None/"shipped" | PATH | corpus | generated | recommended
    seed: int | None = None
    points_to_win: int | None = None
    watch: tuple[str, ...] | None = None  # agent specs (A, B) for agent-vs-agent; None when a person plays
    realtime: bool = True  # False in fast/headless runs: agents are always called synchronously
    lives: int = 3


# --------------------------------------------------------------------------------------------------- agents
class TimedAgent:
    """Wraps an agent: times every call and, in real time, keeps a slow agent from stalling the frame loop.

    When the agent's mean call time exceeds ``budget_ms`` (with ``realtime``), calls move to a worker thread: each
    ``act`` hands over the newest observation and returns the newest finished action (the previous one meanwhile),
    so the game keeps its frame rate and a slow agent simply reacts late. Without ``realtime`` every call is
    synchronous, so a headless run is exactly reproducible. Agents that read the env's live state (the solver
    bots, built with ``env``) are never threaded (``threadable=False``): they must see the state they act on.
    """

    def __init__(
        self,
        agent: Any,
        budget_ms: float = 4.0,
        realtime: bool = True,
        default_action: Any = 0,
        threadable: bool = True,
    ):
        self.agent = agent
        self.threadable = threadable
        self.name = str(getattr(agent, "name", type(agent).__name__))
        self.elo = agent_elo(agent)
        self.budget_ms = budget_ms
        self.realtime = realtime
        self.calls = 0
        self.total_ms = 0.0
        self.max_ms = 0.0
        self.last_ms = 0.0
        self._recent: deque[float] = deque(maxlen=60)  # the last calls' times, for what the HUD shows
        self._last_action = default_action
        self._thread: threading.Thread | None = None
        self._pending: tuple[Any, dict] | None = None
        self._cv = threading.Condition()
        self._stop = False

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0

    @property
    def typical_ms(self) -> float:
        """The median of the last 60 calls: a solver's one long plan at the start does not stick to the HUD as
        the mean's would."""
        return float(np.median(self._recent)) if self._recent else 0.0

    @property
    def threaded(self) -> bool:
        return self._thread is not None

    def _timed_act(self, obs: Any, info: dict) -> Any:
        t0 = time.perf_counter()
        action = self.agent.act(obs, info)
        ms = (time.perf_counter() - t0) * 1000
        self.calls += 1
        self.total_ms += ms
        self.last_ms = ms
        self._recent.append(ms)
        self.max_ms = max(self.max_ms, ms)
        return action

    def act(self, obs: Any, info: dict) -> Any:
        if self._thread is not None:
            with self._cv:
                # copies: the env reuses its buffers while the worker still reads them
                self._pending = (obs.copy() if hasattr(obs, "copy") else obs, dict(info or {}))
                self._cv.notify()
                return self._last_action
        action = self._timed_act(obs, info)
        self._last_action = action
        if self.realtime and self.threadable and self.calls >= 5 and self.mean_ms > self.budget_ms:
            log.info("agent %s takes %.1f ms per call: moving it off the frame loop", self.name, self.mean_ms)
            self._thread = threading.Thread(target=self._worker, name=f"agent-{self.name}", daemon=True)
            self._thread.start()
        return action

    def _worker(self) -> None:
        while True:
            with self._cv:
                while self._pending is None and not self._stop:
                    self._cv.wait()
                if self._stop or self._pending is None:  # woken without work only to stop
                    return
                obs, info = self._pending
                self._pending = None
            action = self._timed_act(obs, info)
            with self._cv:
                self._last_action = action

    def reset(self) -> None:
        if hasattr(self.agent, "reset"):
            self.agent.reset()

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None


def agent_elo(agent: Any) -> float | None:
    for attr in ("elo", "rating"):
        value = getattr(agent, attr, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    meta = getattr(agent, "metadata", None) or getattr(agent, "card", None)
    if isinstance(meta, dict) and isinstance(meta.get("elo"), (int, float)):
        return float(meta["elo"])
    return None


def make_agent(spec: str, game: str, seed: int | None = None, env: Any = None) -> Any:
    """An agent from ``bot``, ``random``, a bot name or a model path (through ``agents.loading.load_agent``).

    A scripted bot that reads the env's state (its constructor takes ``env``, as the dungeon solver does) is
    built here with ``env``; ``load_agent`` cannot hand it one.
    """
    import importlib
    import inspect

    from agents.loading import BOTS, load_agent, wrong_game

    if spec == "bot":
        spec = get_spec(game).bot
    reason = wrong_game(spec, game)
    if reason is not None:  # refused here, not after the countdown when its first action would crash the env
        raise ValueError(reason)
    if spec in BOTS and spec != "random" and env is not None:
        module_name, class_name, _ = BOTS[spec]
        cls = getattr(importlib.import_module(module_name), class_name, None)
        if cls is not None:
            params = inspect.signature(cls).parameters
            if "env" in params:
                kwargs: dict[str, Any] = {"env": env}
                if "seed" in params and seed is not None:
                    kwargs["seed"] = seed
                bot = cls(**kwargs)
                if not getattr(bot, "name", None):
                    bot.name = spec
                return bot
    agent: Any = load_agent(spec, env_id=get_spec(game).play_env_id, seed=seed)  # some carry seed() and elo
    if callable(getattr(agent, "seed", None)):
        agent.seed(seed)  # a policy that samples its actions (eval.deterministic: false) replays under --seed
    if agent_elo(agent) is None:
        from agents.artifacts import model_elo

        elo = model_elo(spec)
        if elo is not None:
            try:
                agent.elo = elo
            except AttributeError:  # a slotted agent: the HUD just shows no rating
                pass
    from agents.base import for_env_frames

    return for_env_frames(
        agent
    )  # the app steps one frame at a time: a frame_skip-trained policy holds its actions


# --------------------------------------------------------------------------------------------------- levels
def resolve_level(game: str, level: str | None, legend: str = "") -> tuple[dict[str, Any], str, list[str]]:
    """Turn ``--level`` into env keyword arguments, the name of the level source and messages for the person.

    Unserved sources (``generated``, ``recommended``) fall back to the shipped levels with a message. ``corpus``
    reads the game's VGLC folder (``envs.data.vglc_dir``) in place, every ``*.txt`` but its README.
    """
    messages: list[str] = []
    game_spec = get_spec(game)
    if not game_spec.levels:
        if level not in (None, "shipped"):
            messages.append(f"{game} has no levels: --level {level} ignored")
        return {}, "none", messages
    if level in (None, "shipped"):
        return {}, "shipped", messages
    if level in ("generated", "recommended"):
        messages.append(
            f"--level {level} is not served yet (the level generator / recommender is not "
            f"trained in this build): playing the shipped levels"
        )
        return {}, "shipped", messages
    if level == "corpus":
        from envs.data import vglc_dir

        folder = vglc_dir(game_spec.corpus or game_spec.title)
        if not folder.is_dir():
            messages.append(
                f"--level corpus: no VGLC corpus at {folder} (set ARCADELAB_VGLC): playing the shipped levels"
            )
            return {}, "shipped", messages
        from envs.level import FileLevelSource

        files = sorted(p for p in folder.glob("*.txt") if not p.name.lower().startswith("readme"))
        return {"level_source": FileLevelSource(files, legend)}, "corpus", messages
    path = Path(level).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"--level {level}: no such file or folder (or use shipped, corpus, generated, recommended)"
        )
    return {"level": path}, "file", messages


def check_level(game: str, level: str | None) -> None:
    """Raise (``LevelError``, ``FileNotFoundError``) if ``--level`` names a level the game cannot load; called
    before the app opens its window. The game's env is built with the level, as its match will build it."""
    kwargs, _, _ = resolve_level(game, level)
    if not kwargs:
        return
    import gymnasium as gym

    import envs  # noqa: F401  (registers the ids)

    env = gym.make(get_spec(game).play_env_id, **kwargs)
    try:
        env.reset(seed=0)
    finally:
        env.close()


def pick_playable(
    levels: list[Any], seed: int | None, why_not: Callable[[Any], str | None], messages: list[str]
) -> Any:
    """A level drawn with ``seed`` among those ``why_not`` finds no fault with (corpus maps may be unsolvable in
    the game's rules); how many were skipped goes to ``messages``."""
    from envs.level import LevelError

    order = np.random.default_rng(seed).permutation(len(levels))
    skipped: list[str] = []
    for i in order:
        level = levels[int(i)]
        reason = why_not(level)
        if reason is None:
            if skipped:
                messages.append(
                    f"skipped {len(skipped)} level(s) the solver cannot finish "
                    f"({', '.join(skipped[:4])}{'...' if len(skipped) > 4 else ''})"
                )
            return level
        log.info("skipping level %s: %s", level.name, reason)
        skipped.append(level.name)
    raise LevelError(f"none of the {len(levels)} levels can be finished in this game's rules")


def env_surface(env: Any) -> Any:
    """The env's current frame as a pygame Surface: its own off-screen surface (``draw_surface()``, no copy), or
    for an env without that hook a surface made from ``render()``."""
    draw = getattr(env, "draw_surface", None)
    if draw is not None:
        return draw()
    import pygame

    rgb = np.ascontiguousarray(env.render())
    return pygame.image.frombuffer(rgb.tobytes(), (rgb.shape[1], rgb.shape[0]), "RGB")


# ---------------------------------------------------------------------------------------------------- match
class Match:
    """The common part of every adapter; subclasses fill in ``_step``, ``frame``, ``score_text`` and ``result``.

    ``step_rate`` is the env's ``render_fps`` (its decision rate); ``life`` counts the person's lives (a point
    lost in Pong, a death in the other games) and indexes telemetry events; ``messages`` are notes for the person
    (fallbacks, skipped levels) that the app shows and the CLI prints.
    """

    game = ""
    title = ""
    step_rate = 30  # env steps per second (the game's decision rate)
    controls: tuple[tuple[str, str], ...] = ()
    opponent_label = "vs"  # how the HUD introduces the agent
    counts_deaths = False  # the end screen shows deaths only for games played with lives (platformer, dungeon)
    sides = 1  # agents a watched match needs: 2 where an agent plays each side (Pong, Snake)
    bench_keys: tuple[tuple[str, int, str, str], ...] = ()  # what the frame-rate benchmark presses (ScriptedKeys)

    def __init__(self, setup: MatchSetup) -> None:
        self.setup = setup
        self.watch = setup.watch is not None
        self.steps = 0
        self.life = 0
        self.deaths = 0
        self.done = False
        self.messages: list[str] = []
        self.level_id: str | None = None
        self.level_source = "none"
        self._queued: deque[str] = deque(maxlen=3)  # turns / moves pressed since the last step, in order
        self.agents: list[TimedAgent] = []
        self._episode = 0
        self.holding = 0  # env steps left in a pause after a point (see ``hold``)

    # -- names for the HUD and telemetry
    @property
    def opponent(self) -> TimedAgent | None:
        return self.agents[-1] if self.agents else None

    @property
    def opponent_name(self) -> str:
        if self.watch:
            return " vs ".join(a.name for a in self.agents)
        return self.opponent.name if self.opponent else "-"

    @property
    def opponent_elo(self) -> float | None:
        return self.opponent.elo if self.opponent and not self.watch else None

    @property
    def t(self) -> float:
        """Game time in seconds (steps at the decision rate): deterministic, unlike the wall clock."""
        return self.steps / self.step_rate

    def _agent(self, spec: str, seed_offset: int = 0, env: Any = None) -> TimedAgent:
        seed = None if self.setup.seed is None else self.setup.seed + seed_offset
        agent = TimedAgent(
            make_agent(spec, self.game, seed, env), realtime=self.setup.realtime, threadable=env is None
        )
        self.agents.append(agent)
        return agent

    def _next_seed(self) -> int | None:
        """The seed of the next env reset: the match seed, then a new one derived from it for each restart."""
        self._episode += 1
        if self.setup.seed is None:
            return None
        return self.setup.seed + 1000 * (self._episode - 1)

    # -- the app's interface
    def press(self, name: str) -> str | None:
        """A key went down during the match (game keys, not P/R/Q); returns a HUD message or None.

        Arrows (and Space, as "attack") are queued, so two quick presses between two steps are two moves.
        """
        command = "attack" if name == "space" else direction_of(name)
        if command is not None:
            self._queued.append(command)
        return None

    def step(self, keys: KeyState) -> list[GameEvent]:
        if self.done:
            return []
        self.steps += 1
        if self.holding > 0:  # a breather after a point: game time runs, the game does not
            self.holding -= 1
            return []
        return self._step(keys)

    def hold(self, seconds: float) -> None:
        """Freeze the game for ``seconds`` of game time (the next serve waits for the person)."""
        self.holding = max(self.holding, round(seconds * self.step_rate))

    def _step(self, keys: KeyState) -> list[GameEvent]:
        raise NotImplementedError

    def frame(self) -> Any:
        raise NotImplementedError

    def score_text(self) -> str:
        raise NotImplementedError

    def result(self) -> MatchResult:
        raise NotImplementedError

    def status_text(self) -> str:
        """An extra HUD line (who has control, lives left, ...)."""
        return ""

    def close(self) -> None:
        for agent in self.agents:
            agent.close()
        for env in self._envs():
            try:
                env.close()
            except Exception as exc:  # noqa: BLE001 - closing must not hide the real error
                log.debug("closing %r: %s", env, exc)

    def _envs(self) -> list[Any]:
        return []


_DIRECTIONS = (("up", UP), ("down", DOWN), ("left", LEFT), ("right", RIGHT))


def direction_of(name: str) -> str | None:
    for direction, group in _DIRECTIONS:
        if name in group:
            return direction
    return None


def held_direction(keys: KeyState) -> str | None:
    for direction, group in _DIRECTIONS:
        if keys.any_held(*group):
            return direction
    return None


def make_match(game: str, setup: MatchSetup) -> Match:
    """The game's match adapter (``GameSpec.match``) for ``setup``."""
    factory = load_object(get_spec(game).match)
    return factory(setup)
