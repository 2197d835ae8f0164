"""One adapter per game: turns a person's keys and an agent into env steps, and says what happened.

A ``Match`` owns the env(s) of one game, the agent(s) and the match rules the app needs on top of the env (points
to win, lives, who won the race). The app calls, at the game's decision rate, ``step(keys)`` which returns the
``GameEvent``s of that step (for sound, the HUD and telemetry), and at its own frame rate ``frame()`` for the
picture. ``make_match(game, ...)`` builds the right adapter.

Games and sides
---------------
- Pong: the person is the left paddle (the env's learner), the agent is the env's ``opponent`` (right paddle).
- Snake: versus mode, the person is ``snake_0`` (the env's learner), the agent its ``opponent`` (``snake_1``).
- Platformer: the person races the agent on the same level; the agent runs in a second env instance and is drawn
  as a translucent ghost over the person's view.
- Dungeon: the person plays; Tab hands control to the agent and back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from envs.spec import game_names, get_spec, load_object
from games.input import KeyState

__all__ = [
    "GAMES",
    "GameEvent",
    "Match",
    "MatchResult",
    "MatchSetup",
    "TimedAgent",
    "check_level",
    "make_agent",
    "make_match",
    "resolve_level",
]

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

    def __init__(self, agent: Any, budget_ms: float = 4.0, realtime: bool = True, default_action: Any = 0,
                 threadable: bool = True):
        self.agent = agent
        self.threadable = threadable
        self.name = str(getattr(agent, "name", type(agent).__name__))
        self.elo = _agent_elo(agent)
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
                if self._stop:
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


def _agent_elo(agent: Any) -> float | None:
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
                agent = cls(**kwargs)
                if not getattr(agent, "name", None):
                    agent.name = spec
                return agent
    agent = load_agent(spec, env_id=get_spec(game).play_env_id, seed=seed)
    if callable(getattr(agent, "seed", None)):
        agent.seed(seed)  # a policy that samples its actions (eval.deterministic: false) replays under --seed
    if _agent_elo(agent) is None:
        elo = _sidecar_elo(spec)
        if elo is not None:
            try:
                agent.elo = elo
            except AttributeError:  # a slotted agent: the HUD just shows no rating
                pass
    from agents.base import for_env_frames

    return for_env_frames(agent)  # the app steps one frame at a time: a frame_skip-trained policy holds its actions


def _sidecar_elo(spec: str) -> float | None:
    """The Elo training recorded for a model: ``elo`` in its JSON sidecar (``model.zip`` -> ``model.json``), else
    the self-play rating of its run (``<run>/selfplay/state.json``, the learner's latest Elo)."""
    import json

    path = Path(spec).expanduser()
    if not path.exists():
        return None
    if path.is_dir():
        for name in ("best_model.zip", "final_model.zip"):
            if (path / name).is_file():
                path = path / name
                break
    candidates = [path.with_suffix(".json")] if path.is_file() else []
    run_dirs = [path] if path.is_dir() else [path.parent, path.parent.parent]
    candidates += [run / "selfplay" / "state.json" for run in run_dirs]
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            value = json.loads(candidate.read_text()).get("elo")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


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
        messages.append(f"--level {level} is not served yet (the level generator / recommender is not "
                        f"trained in this build): playing the shipped levels")
        return {}, "shipped", messages
    if level == "corpus":
        from envs.data import vglc_dir

        folder = vglc_dir(game_spec.corpus or game_spec.title)
        if not folder.is_dir():
            messages.append(f"--level corpus: no VGLC corpus at {folder} (set ARCADELAB_VGLC): playing the "
                            f"shipped levels")
            return {}, "shipped", messages
        from envs.level import FileLevelSource

        files = sorted(p for p in folder.glob("*.txt") if not p.name.lower().startswith("readme"))
        return {"level_source": FileLevelSource(files, legend)}, "corpus", messages
    path = Path(level).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"--level {level}: no such file or folder (or use shipped, corpus, generated, "
                                f"recommended)")
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


def _pick_playable(levels: list[Any], seed: int | None, why_not: Callable[[Any], str | None],
                   messages: list[str]) -> Any:
    """A level drawn with ``seed`` among those ``why_not`` finds no fault with (corpus maps may be unsolvable in
    the game's rules); how many were skipped goes to ``messages``."""
    from envs.level import LevelError

    order = np.random.default_rng(seed).permutation(len(levels))
    skipped = []
    for i in order:
        level = levels[int(i)]
        reason = why_not(level)
        if reason is None:
            if skipped:
                messages.append(f"skipped {len(skipped)} level(s) the solver cannot finish "
                                f"({', '.join(skipped[:4])}{'...' if len(skipped) > 4 else ''})")
            return level
        log.info("skipping level %s: %s", level.name, reason)
        skipped.append(level.name)
    raise LevelError(f"none of the {len(levels)} levels can be finished in this game's rules")


def _env_surface(env: Any) -> Any:
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
        agent = TimedAgent(make_agent(spec, self.game, seed, env), realtime=self.setup.realtime,
                           threadable=env is None)
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
        command = "attack" if name == "space" else _direction_of(name)
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


def _direction_of(name: str) -> str | None:
    for direction, group in _DIRECTIONS:
        if name in group:
            return direction
    return None


def _held_direction(keys: KeyState) -> str | None:
    for direction, group in _DIRECTIONS:
        if keys.any_held(*group):
            return direction
    return None


# ------------------------------------------------------------------------------------------------ platformer
class PlatformerMatch(Match):
    """The person races the agent on one level; the agent is a translucent ghost in the person's view.

    The person has ``lives`` lives: a death restarts them at the level's start (the ghost runs on). The match ends
    when the person finishes (a win if the ghost had not finished yet), runs out of lives or time (a loss).
    In watch mode agent A plays and agent B (optional) is the ghost.
    """

    game = "platformer"
    title = "Platformer race"
    counts_deaths = True
    controls = (("Left/Right or A/D", "run"), ("Space/Up/W", "jump (hold: higher)"), ("P/Esc", "pause"),
                ("R", "restart"), ("Q", "quit"))

    def __init__(self, setup: MatchSetup) -> None:
        super().__init__(setup)
        from envs import platformer as plat

        self._plat = plat
        self.step_rate = int(plat.PlatformerEnv.metadata["render_fps"])
        kwargs, self.level_source, msgs = resolve_level(self.game, setup.level, plat.LEGEND)
        self.messages += msgs
        level_kwargs = self._one_level(kwargs)
        self.env = plat.PlatformerEnv(render_mode="rgb_array", **level_kwargs)
        if self.watch:
            specs = list(setup.watch or ())
            ghost_spec = specs[1] if len(specs) > 1 else None
        else:
            ghost_spec = setup.opponent
        self.ghost_env = None
        if ghost_spec:
            self.ghost_env = plat.PlatformerEnv(level=level_kwargs["level"], check_playable=False)
        self.player_agent = self._agent(specs[0], 0, self.env) if self.watch else None
        self.ghost_agent = self._agent(ghost_spec, 1, self.ghost_env) if ghost_spec else None
        self.reset()

    def _one_level(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """One level for the whole match (both racers), drawn from the source with the match seed."""
        from envs.level import FileLevelSource, LevelError

        plat = self._plat
        if not kwargs:
            probe = plat.PlatformerEnv(check_playable=False)
            probe.reset(seed=self.setup.seed)
            # a shipped level: the env's own tests prove every one completable, no need to solve it again here
            return {"level": probe.level, "check_playable": False}
        source = kwargs.get("level_source") or FileLevelSource(kwargs["level"], plat.LEGEND)

        def completable(level: Any) -> str | None:
            try:
                plat.require_playable(level, 4000)
            except LevelError as exc:
                return str(exc)
            return None

        level = _pick_playable(source.levels, self.setup.seed, completable, self.messages)
        return {"level": level, "check_playable": False}

    def reset(self) -> None:
        seed = self._next_seed()
        self.obs, self.info = self.env.reset(seed=seed)
        self.level_id = self.env.level.name
        self._ghost_action: int | None = None
        if self.ghost_agent is not None:
            self.ghost_obs, self.ghost_info = self.ghost_env.reset(seed=seed)
            self.ghost_agent.reset()
            # its first move now, while the match is being set up: a planning bot plans here, not in frame 1
            self._ghost_action = int(self.ghost_agent.act(self.ghost_obs, self.ghost_info))
        if self.player_agent is not None:
            self.player_agent.reset()
        self.ghost_finished_at: float | None = None
        self.ghost_deaths = 0
        self.finished_at: float | None = None
        self.coins = 0
        self.best_progress = 0.0

    def _envs(self) -> list[Any]:
        return [e for e in (self.env, self.ghost_env) if e is not None]

    def _human_action(self, keys: KeyState) -> int:
        move = keys.axis(LEFT, RIGHT)
        jump = keys.any_held(*JUMP)
        return {(0, False): 0, (-1, False): 1, (1, False): 2, (0, True): 3, (-1, True): 4, (1, True): 5}[(move, jump)]

    def _step(self, keys: KeyState) -> list[GameEvent]:
        plat = self._plat
        events: list[GameEvent] = []
        if self.player_agent is not None:
            action = int(self.player_agent.act(self.obs, self.info))
        else:
            action = self._human_action(keys)
        was_on_ground = self.env.state[plat.ON_GROUND]
        self.obs, _, terminated, truncated, self.info = self.env.step(action)
        if was_on_ground and self.env.state[plat.VY] < 0:
            events.append(GameEvent("jump", sound="jump", log=False))
        if self.info["coins"] > self.coins:
            self.coins = self.info["coins"]
            events.append(GameEvent("coin", {"coins": self.coins}, sound="coin"))
        self.best_progress = max(self.best_progress, float(self.info["progress"]))
        if self.ghost_env is not None and not (terminated and self.info.get("event") == "finished"):
            events += self._step_ghost()  # after the person's step: a finish on the same step goes to the person
        if terminated or truncated:
            event = self.info.get("event")
            if event == "finished":
                self.finished_at = self.t
                won = self.ghost_finished_at is None
                events.append(GameEvent("finish", {"t": round(self.t, 3), "won_race": won}))
                self.done = True
            else:
                self.deaths += 1
                cause = "fell or was hit" if event == "died" else "time up"
                events.append(GameEvent("death", {"cause": cause, "x": round(float(self.info["x"]), 2)},
                                        sound="death"))
                if self.deaths >= self.setup.lives or truncated:
                    self.done = True
                else:
                    self.life += 1
                    self.obs, self.info = self.env.reset(seed=self.setup.seed)
        return events

    def _step_ghost(self) -> list[GameEvent]:
        if self.ghost_finished_at is not None:
            return []
        if self._ghost_action is not None:
            action, self._ghost_action = self._ghost_action, None
        else:
            action = int(self.ghost_agent.act(self.ghost_obs, self.ghost_info))
        self.ghost_obs, _, terminated, truncated, self.ghost_info = self.ghost_env.step(action)
        if not (terminated or truncated):
            return []
        if self.ghost_info.get("event") == "finished":
            self.ghost_finished_at = self.t
            return [GameEvent("opponent_finish", {"t": round(self.t, 3)}, sound="lose_point")]
        self.ghost_deaths += 1
        self.ghost_obs, self.ghost_info = self.ghost_env.reset(seed=self.setup.seed)
        self.ghost_agent.reset()
        return [GameEvent("opponent_death", {"deaths": self.ghost_deaths})]

    def frame(self) -> Any:
        import pygame

        surf = _env_surface(self.env)
        if self.ghost_env is None or self.ghost_finished_at is not None:
            return surf
        # the ghost's box seen through the person's camera (the env's camera follows the person's player)
        rect = pygame.Rect(self.env.player_rect(self.ghost_env.state))
        width, height = surf.get_size()
        if rect.right < 0 or rect.left > width:  # off screen: an arrow at the edge says where the ghost is
            y = min(max(rect.centery, 8), height - 8)
            x = 2 if rect.right < 0 else width - 2
            d = 10 if rect.right < 0 else -10
            marker = pygame.Surface((width, height), pygame.SRCALPHA)
            pygame.draw.polygon(marker, (240, 240, 255, 170), [(x, y), (x + d, y - 7), (x + d, y + 7)])
            surf.blit(marker, (0, 0))
            return surf
        ghost = pygame.Surface(rect.size, pygame.SRCALPHA)
        pygame.draw.rect(ghost, (240, 240, 255, 130), ghost.get_rect(), border_radius=3)
        pygame.draw.rect(ghost, (60, 60, 200, 200), ghost.get_rect(), width=1, border_radius=3)
        surf.blit(ghost, rect)
        return surf

    def score_text(self) -> str:
        ghost = "ghost: finished" if self.ghost_finished_at is not None else (
            f"ghost {100 * float(self.ghost_info['progress']):.0f}%" if self.ghost_env is not None else "")
        return f"coins {self.coins}   you {100 * float(self.info['progress']):.0f}%   {ghost}   t {self.t:.1f}s"

    def status_text(self) -> str:
        return f"lives {self.setup.lives - self.deaths}"

    def result(self) -> MatchResult:
        finished = self.finished_at is not None
        won = finished and self.ghost_finished_at is None
        who = self.player_agent.name if self.player_agent is not None else "You"
        if won and self.ghost_env is None:
            summary = f"{who} finished in {self.finished_at:.1f}s"
        elif won:
            summary = f"{who} won the race in {self.finished_at:.1f}s"
        elif finished:
            summary = f"Finished in {self.finished_at:.1f}s, but the ghost was first ({self.ghost_finished_at:.1f}s)"
        else:
            summary = f"Out of lives at {100 * self.best_progress:.0f}% of the level"
        return MatchResult("win" if won else "loss", self.coins,
                           None, self.deaths, summary)


# ------------------------------------------------------------------------------------------------------ pong
class PongMatch(Match):
    """The person is the left paddle, the agent the right one, on ``PongParallelEnv`` (first to
    ``points_to_win``, 5 unless given). In watch mode agent A is left and agent B right."""

    game = "pong"
    title = "Pong"
    controls = (("Up/Down or W/S", "move paddle"), ("P/Esc", "pause"), ("R", "restart"), ("Q", "quit"))

    def __init__(self, setup: MatchSetup) -> None:
        super().__init__(setup)
        from envs import pong

        self._pong = pong
        self.step_rate = int(pong.PongParallelEnv.metadata["render_fps"])
        self.points_to_win = setup.points_to_win or 5
        _, self.level_source, msgs = resolve_level(self.game, setup.level)
        self.messages += msgs
        self.env = pong.PongParallelEnv(render_mode="rgb_array", points_to_win=self.points_to_win)
        if self.watch:
            specs = list(setup.watch or ())
            if len(specs) < 2:
                raise ValueError("watch pong needs two agents: --agents A B")
            self.left_agent: TimedAgent | None = self._agent(specs[0], 0)
        else:
            self.left_agent = None
        self.right_agent = self._agent(setup.watch[1] if self.watch else setup.opponent, 1)
        self.reset()

    def reset(self) -> None:
        self.obs, self.infos = self.env.reset(seed=self._next_seed())
        for agent in self.agents:
            agent.reset()
        self.score = (0, 0)
        self.holding = 0

    def _envs(self) -> list[Any]:
        return [self.env]

    def _step(self, keys: KeyState) -> list[GameEvent]:
        if self.left_agent is not None:
            a_left = int(self.left_agent.act(self.obs["left"], self.infos["left"]))
        else:
            a_left = {-1: 1, 0: 0, 1: 2}[keys.axis(UP, DOWN)]
        a_right = int(self.right_agent.act(self.obs["right"], self.infos["right"]))
        self.obs, _, terms, truncs, self.infos = self.env.step({"left": a_left, "right": a_right})
        events: list[GameEvent] = []
        happened = self.infos["left"]["events"]  # the env's own account: hit_left/right, wall, point_left/right
        score = self.infos["left"]["score"]
        if score != self.score:
            by = "left" if score[0] > self.score[0] else "right"
            self.score = score
            mine = by == "left"
            if not mine:
                self.deaths += 1  # a point lost ends one of the person's "lives" (rallies)
                self.life += 1
            events.append(GameEvent("point", {"by": "player" if mine else "opponent", "score": list(score)},
                                    sound="point" if mine else "lose_point"))
            self.hold(POINT_PAUSE_SECONDS)
        elif "hit_left" in happened or "hit_right" in happened:
            by = "player" if "hit_left" in happened else "opponent"
            events.append(GameEvent("hit", {"by": by}, sound="hit", log=False))
        elif "wall" in happened:
            events.append(GameEvent("wall", sound="wall", log=False))
        if terms["left"] or truncs["left"]:
            self.done = True
        return events

    def frame(self) -> Any:
        return self.env.draw_surface()

    def score_text(self) -> str:
        who = "A" if self.watch else "you"
        return f"{who} {self.score[0]}  :  {self.score[1]}   (first to {self.points_to_win})"

    def result(self) -> MatchResult:
        mine, theirs = self.score
        outcome = "win" if mine > theirs else "loss" if theirs > mine else "draw"
        left = self.left_agent.name if self.left_agent is not None else "you"
        right = self.right_agent.name
        summary = f"{left} {mine} : {theirs} {right}   (first to {self.points_to_win})"
        return MatchResult(outcome, mine, theirs, self.deaths, summary)


# --------------------------------------------------------------------------------------------------- dungeon
class DungeonMatch(Match):
    """The person explores the dungeon; Tab hands control to the agent (it plays on from where you are) and back.

    Turn-based like the env: without a key (and without the agent in control) the dungeon waits. Reaching the exit
    wins; hit points at 0 cost a life (the level restarts); out of lives or steps loses. In watch mode agent A
    plays throughout.
    """

    game = "dungeon"
    title = "Dungeon"
    opponent_label = "helper:"
    counts_deaths = True
    controls = (("Arrows/WASD", "move"), ("Space", "sword"), ("Tab", "agent takes over / give back"),
                ("P/Esc", "pause"), ("R", "restart"), ("Q", "quit"))

    def __init__(self, setup: MatchSetup) -> None:
        super().__init__(setup)
        from envs import dungeon

        self._dungeon = dungeon
        self.step_rate = int(dungeon.DungeonEnv.metadata["render_fps"])
        kwargs, self.level_source, msgs = resolve_level(self.game, setup.level, dungeon.LEGEND)
        self.messages += msgs
        if "level_source" in kwargs:  # the corpus: one map the solver can finish, drawn with the seed
            from envs.dungeon_solver import solve

            def why_not(level: Any) -> str | None:
                try:
                    verdict = solve(level)
                except Exception as exc:  # noqa: BLE001 - a map the compiler refuses is skipped too
                    return str(exc)
                return None if verdict.completable else verdict.reason

            kwargs = {"level": _pick_playable(kwargs["level_source"].levels, setup.seed, why_not, self.messages)}
        self.env = dungeon.DungeonEnv(render_mode="rgb_array", **kwargs)
        spec = setup.watch[0] if self.watch else setup.opponent
        if self.watch and len(setup.watch or ()) > 1:
            self.messages.append(f"dungeon is a one-player game: agent B ({setup.watch[1]}) sits this one out")
        self.helper = self._agent(spec, 0, self.env)
        self.agent_in_control = self.watch
        self.handovers = 0
        self.agent_steps = 0
        self.human_steps = 0
        self.reset()

    def reset(self) -> None:
        self._seed = self._next_seed()
        self.obs, self.info = self.env.reset(seed=self._seed)
        self.level_id = self.env.level.name
        self.helper.reset()
        self.treasures_total = int(self.info["treasures_left"])
        self.collected = 0
        self.finished = False

    def _envs(self) -> list[Any]:
        return [self.env]

    def press(self, name: str) -> str | None:
        if name == "tab" and not self.watch:
            self.agent_in_control = not self.agent_in_control
            self.handovers += 1
            self._handover = True
            if self.agent_in_control:
                self.helper.reset()  # it replans from where the person left it
                return f"{self.helper.name} has control (Tab to take it back)"
            return "you have control"
        return super().press(name)

    def _human_action(self, keys: KeyState) -> int | None:
        """A queued press first (one move per press), else a held key (moves repeat at the step rate)."""
        command = self._queued.popleft() if self._queued else _held_direction(keys)
        if command is None and keys.any_held("space"):
            command = "attack"
        if command is None:
            return None
        return ("up", "down", "left", "right", "attack").index(command)

    def _step(self, keys: KeyState) -> list[GameEvent]:
        events: list[GameEvent] = []
        if getattr(self, "_handover", False):
            self._handover = False
            events.append(GameEvent("handover", {"to": "agent" if self.agent_in_control else "player"}))
        if self.agent_in_control:
            action = int(self.helper.act(self.obs, self.info))
            self.agent_steps += 1
        else:
            action = self._human_action(keys)
            if action is None:
                return events  # turn-based: nothing happens until the person acts
            self.human_steps += 1
        hp0, left0 = self.info["hp"], self.info["treasures_left"]
        self.obs, _, terminated, truncated, self.info = self.env.step(action)
        if self.info["treasures_left"] < left0:
            self.collected += left0 - self.info["treasures_left"]
            events.append(GameEvent("treasure", {"left": int(self.info["treasures_left"])}, sound="coin"))
        if self.info["hp"] < hp0:
            events.append(GameEvent("hurt", {"hp": int(self.info["hp"])}, sound="hit"))
        if terminated and self.info["success"]:
            self.finished = True
            by = "agent" if self.agent_in_control else "player"
            events.append(GameEvent("exit", {"by": by, "agent_steps": self.agent_steps,
                                             "player_steps": self.human_steps}))
            self.done = True
        elif terminated or truncated:
            self.deaths += 1
            events.append(GameEvent("death", {"cause": "time up" if truncated else "killed"}, sound="death"))
            if self.deaths >= self.setup.lives or truncated:
                self.done = True
            else:
                self.life += 1
                self.obs, self.info = self.env.reset(seed=self._seed)
                self.helper.reset()
        return events

    def frame(self) -> Any:
        return self.env.draw_surface()

    def score_text(self) -> str:
        return (f"treasure {self.collected}   hp {self.info['hp']}   left {self.info['treasures_left']}   "
                f"rooms {self.info['rooms_visited']}")

    def status_text(self) -> str:
        who = f"{self.helper.name} playing" if self.agent_in_control else "you playing (Tab: hand over)"
        return f"{who}   lives {self.setup.lives - self.deaths}"

    @property
    def opponent_name(self) -> str:
        return self.helper.name

    def result(self) -> MatchResult:
        if self.finished:
            if self.watch:
                summary = f"{self.helper.name} reached the exit"
            elif self.agent_steps and not self.human_steps:
                summary = f"{self.helper.name} solved it for you"
            elif self.agent_steps:
                summary = f"Exit reached ({self.human_steps} moves by you, {self.agent_steps} by the agent)"
            else:
                summary = f"You reached the exit in {self.human_steps} moves"
            return MatchResult("win", self.collected, None, self.deaths, summary)
        return MatchResult("loss", self.collected, None, self.deaths, "The dungeon won this time")


# ----------------------------------------------------------------------------------------------------- snake
class SnakeMatch(Match):
    """Versus snake: the person steers ``snake_0`` (green), the agent ``snake_1`` (blue), on
    ``SnakeVersusParallelEnv``. The snake keeps going straight until an arrow turns it (a press between two steps
    counts). The match ends when a snake dies (the survivor wins; both dead: the longer one) or the board fills
    up. In watch mode agent A is green and agent B blue."""

    game = "snake"
    title = "Snake versus"
    controls = (("Arrows/WASD", "turn"), ("P/Esc", "pause"), ("R", "restart"), ("Q", "quit"))
    _ACTIONS: ClassVar[dict[str, int]] = {"up": 0, "right": 1, "down": 2, "left": 3}

    def __init__(self, setup: MatchSetup) -> None:
        super().__init__(setup)
        from envs import snake

        self._snake = snake
        self.step_rate = int(snake.SnakeVersusParallelEnv.metadata["render_fps"])
        _, self.level_source, msgs = resolve_level(self.game, setup.level)
        self.messages += msgs
        self.env = snake.SnakeVersusParallelEnv(render_mode="rgb_array")
        if self.watch:
            specs = list(setup.watch or ())
            if len(specs) < 2:
                raise ValueError("watch snake needs two agents: --agents A B")
            self.agent_0: TimedAgent | None = self._snake_agent(specs[0], 0)
        else:
            self.agent_0 = None
        self.agent_1 = self._snake_agent(setup.watch[1] if self.watch else setup.opponent, 1)
        self.reset()

    def _snake_agent(self, spec: str, seed_offset: int) -> TimedAgent:
        try:
            return self._agent(spec, seed_offset)
        except Exception as exc:
            if spec not in ("bot", get_spec(self.game).bot):
                raise
            # the agents/ wrapper is missing: the env's own greedy planner is the same bot
            log.info("snake bot from agents/ not available (%s): using envs.snake.planner directly", exc)
            agent = TimedAgent(self._snake.GreedySnakePolicy(), realtime=self.setup.realtime)
            self.agents.append(agent)
            return agent

    def reset(self) -> None:
        self.obs, self.infos = self.env.reset(seed=self._next_seed())
        for agent in self.agents:
            agent.reset()
        self.scores = [0, 0]
        self.dead = [False, False]
        self.over_reason = ""

    def _envs(self) -> list[Any]:
        return [self.env]

    def _step(self, keys: KeyState) -> list[GameEvent]:
        if self.agent_0 is not None:
            a0 = int(self.agent_0.act(self.obs["snake_0"], self.infos["snake_0"]))
        else:
            # straight on, unless a queued turn is a real turn (not ahead, not back)
            a0 = self.infos["snake_0"]["heading"]
            while self._queued:
                command = self._queued.popleft()
                turn = self._ACTIONS.get(command)
                if turn is not None and turn != a0 and (turn ^ a0) != 2:
                    a0 = turn
                    break
        a1 = int(self.agent_1.act(self.obs["snake_1"], self.infos["snake_1"]))
        self.obs, _, terms, truncs, self.infos = self.env.step({"snake_0": a0, "snake_1": a1})
        events: list[GameEvent] = []
        for k, who in enumerate(("player", "opponent")):
            if self.infos[f"snake_{k}"]["score"] > self.scores[k]:
                self.scores[k] = self.infos[f"snake_{k}"]["score"]
                events.append(GameEvent("eat", {"by": who, "length": self.infos[f"snake_{k}"]["length"]},
                                        sound="eat" if k == 0 else None))
        if terms["snake_0"] or truncs["snake_0"]:
            self.done = True
            info = self.infos["snake_0"]
            # A death freezes the board, so the lengths are the ones the snakes died with; a game that ends with
            # nobody dead (and not by time) ended on a full board.
            lengths = (info["length"], info["opponent_length"])
            self.dead = list(info["dead"])
            if truncs["snake_0"]:
                self.over_reason = "time up"
            elif not any(self.dead):
                self.over_reason = "board full"
            if self.dead[0]:
                self.deaths = 1
                events.append(GameEvent("death", {"length": lengths[0]}, sound="death"))
            if self.dead[1]:
                events.append(GameEvent("opponent_death", {"length": lengths[1]}, sound="point"))
        return events

    def frame(self) -> Any:
        return _env_surface(self.env)

    def score_text(self) -> str:
        who = "A" if self.watch else "you"
        info = self.infos["snake_0"]
        return (f"{who} (green) length {info['length']}   {self.agent_1.name if self.watch else 'agent'} "
                f"(blue) length {info['opponent_length']}")

    def result(self) -> MatchResult:
        l0, l1 = self.infos["snake_0"]["length"], self.infos["snake_0"]["opponent_length"]
        d0, d1 = self.dead
        if d0 != d1:
            outcome = "loss" if d0 else "win"
        elif l0 != l1:
            outcome = "win" if l0 > l1 else "loss"
        else:
            outcome = "draw"
        if self.over_reason:
            why = self.over_reason
        elif d0 and d1:
            why = "both snakes crashed"
        elif d0:
            why = "your snake crashed" if not self.watch else "green crashed"
        elif d1:
            why = "the agent's snake crashed" if not self.watch else "blue crashed"
        else:
            why = ""
        return MatchResult(outcome, self.scores[0], self.scores[1], self.deaths, f"{why}: length {l0} vs {l1}")


def make_match(game: str, setup: MatchSetup) -> Match:
    """The game's match adapter (``GameSpec.match``) for ``setup``."""
    factory = load_object(get_spec(game).match)
    return factory(setup)
