"""A difficulty ladder: every game's opponents rated on one Elo scale from a seeded round robin.

``arcadelab ladder GAME`` builds a game's opponents (its scripted bots at a few skill levels, ``random``, any
shipped models in ``models/<game>/`` and the models given with ``--add``), plays ``games_per_pair`` games
between every two of them, and fits one Bradley-Terry strength per opponent by maximum likelihood. Strengths
are reported on the Elo scale (400 points = odds of 10 to 1), anchored so that ``random`` is rated 1000; the
``±`` is a 95% interval from the likelihood's curvature (the Hessian), relative to that anchor.

How a game is played:

- two-player games (those whose spec names a PettingZoo ``parallel_entry_point``: Pong, SnakeVersus) play on
  that view, each side acting on its own observation; the two opponents swap seats from game to game and game
  ``i`` of every pair uses episode seed ``seed + i``; the winner is ``info["winner"]`` (the episode-end
  contract of ``envs/spec.py``); a game the time limit cut off goes to the side ahead on points when the game
  counts points (Pong's ``info["score"]``), else it is a draw;
- single-player level games (Platformer, Dungeon): both opponents play the same seeded episode (same level,
  same monster draws) in two envs; the one that finishes wins; both finishing, the faster one; neither, the
  one that got further (``info["progress"]`` when the game reports it, else the episode return); ties draw.

Everything is seeded (env, bots, blunders, sampling models), so the same command gives the same table. The
result is written atomically as JSON (``runs/ladder/<game>.json`` by default) for the app: each opponent's
``name``, how to build it (``source``, ``skill``) and its ``elo``.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from envs.spec import GameSpec, get_spec, load_object

__all__ = [
    "ANCHOR",
    "ANCHOR_ELO",
    "LADDER_FORMAT",
    "SETTINGS",
    "Blunder",
    "GameResult",
    "LadderResult",
    "LadderSettings",
    "Opponent",
    "Rating",
    "bradley_terry",
    "default_out",
    "ladder_opponents",
    "player_elo_update",
    "play_level_match",
    "play_two_player",
    "run_ladder",
    "write_ladder",
]

logger = logging.getLogger(__name__)

LADDER_FORMAT = 1
ANCHOR = "random"
ANCHOR_ELO = 1000.0
ELO_PER_NAT = 400.0 / math.log(10.0)  # Bradley-Terry strength (natural log odds) -> Elo points
MODELS_ROOT = Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True)
class LadderSettings:
    """How one game's ladder is played: env arguments that keep a match short and the skill levels of its bots.

    ``skills`` are used for bots that take a ``skill`` argument (Pong's tracker); ``blunder_skills`` for bots
    that do not, which are then wrapped in :class:`Blunder` (the bot's own move with probability ``skill``,
    else a random legal move). The full-strength bot is always in the ladder too.
    """

    env_kwargs: dict[str, Any] = field(default_factory=dict)
    skills: tuple[float, ...] = (0.3, 0.7, 1.0)
    blunder_skills: tuple[float, ...] = (0.5, 0.8)
    games_per_pair: int = 10


# Per game because the knobs are the game's own (Pong's points, each game's step cap). A game missing here gets
# the defaults. The platformer's solver replans after every blunder (a search), so its blunders stay rare.
SETTINGS: dict[str, LadderSettings] = {
    "pong": LadderSettings(env_kwargs={"points_to_win": 3, "max_steps": 3000}),
    "snake": LadderSettings(env_kwargs={"max_steps": 1000}),
    "platformer": LadderSettings(env_kwargs={"max_steps": 2000}, blunder_skills=(0.98,), games_per_pair=6),
    "dungeon": LadderSettings(env_kwargs={"max_steps": 1000}),
}


def settings_for(game: str) -> LadderSettings:
    return SETTINGS.get(game, LadderSettings())


# ------------------------------------------------------------------------------------------------ opponents


@dataclass(frozen=True)
class Opponent:
    """One rung of the ladder: a bot at a skill (``source`` = the bot's name) or a model (``source`` = its path).

    ``name`` is what the table shows and the JSON keys on: ``pong-tracker@0.3``, ``random``, a model's stem.
    """

    name: str
    source: str
    kind: str  # "bot" | "model"
    skill: float | None = None


class Blunder:
    """A bot that plays its own move with probability ``skill`` and otherwise a uniformly random legal move
    (``info["action_mask"]`` when given): a skill knob for bots that have none. Seeded, so games repeat."""

    def __init__(self, agent: Any, skill: float, n_actions: int, seed: int | None = None) -> None:
        if not 0.0 <= skill <= 1.0:
            raise ValueError(f"skill must be in [0, 1], got {skill!r}")
        self.agent = agent
        self.skill = float(skill)
        self.n_actions = int(n_actions)
        self.name = f"{getattr(agent, 'name', 'bot')}@{skill:g}"
        self._rng = np.random.default_rng(seed)

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> Any:
        action = self.agent.act(obs, info or {})  # always asked, so a planning bot keeps its state current
        if self._rng.random() < self.skill:
            return action
        mask = (info or {}).get("action_mask")
        legal = np.flatnonzero(mask) if mask is not None else np.arange(self.n_actions)
        return int(self._rng.choice(legal)) if len(legal) else action

    def reset(self) -> None:
        self.agent.reset()


def _skill_name(bot: str, skill: float) -> str:
    return f"{bot}@{skill:g}"


def _takes(cls: type, parameter: str) -> bool:
    try:
        return parameter in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def _model_paths(folder: Path) -> list[Path]:
    """The models shipped in ``folder``: its ``*.zip`` files and its sub-folders (run folders), sorted."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p.is_file() and p.suffix == ".zip") or p.is_dir())


def ladder_opponents(
    game: str, add: Iterable[str | Path] = (), models_root: Path | None = MODELS_ROOT
) -> list[Opponent]:
    """The opponents of ``game``: each scripted bot at the game's skill levels and at full strength, ``random``,
    the models shipped in ``<models_root>/<game>/`` (none is fine) and the models in ``add``.

    A model made for another game is refused with ``AgentLoadError`` (before anything is played)."""
    from agents.loading import AgentLoadError, wrong_game

    spec = get_spec(game)
    settings = settings_for(game)
    opponents: list[Opponent] = []
    for bot in spec.bots:
        cls = load_object(bot.entry_point)
        levels = settings.skills if _takes(cls, "skill") else (*settings.blunder_skills, 1.0)
        for skill in sorted(set(levels)):
            if skill == 1.0 and not _takes(cls, "skill"):
                opponents.append(Opponent(bot.name, bot.name, "bot"))
            else:
                opponents.append(Opponent(_skill_name(bot.name, skill), bot.name, "bot", float(skill)))
    opponents.append(Opponent(ANCHOR, ANCHOR, "bot"))
    shipped = _model_paths(models_root / game) if models_root is not None else []
    taken = {o.name for o in opponents}
    for path in [*shipped, *(Path(p).expanduser() for p in add)]:
        if not path.exists():
            raise AgentLoadError(f"{path}: no such model file or run folder")
        reason = wrong_game(path, game)
        if reason is not None:
            raise AgentLoadError(f"cannot add {path} to the {game} ladder: {reason}")
        name, n = path.stem if path.is_file() else path.name, 2
        while name in taken:
            name, n = f"{path.stem if path.is_file() else path.name}#{n}", n + 1
        taken.add(name)
        opponents.append(Opponent(name, str(path), "model"))
    return opponents


class _Builder:
    """Makes each opponent's agent for one game: bots afresh from the game's seed (so a game does not depend on
    the games before it), models loaded once and reseeded per game when they sample."""

    def __init__(self, spec: GameSpec, env_frame_skip: int = 1) -> None:
        self.spec = spec
        self.env_frame_skip = env_frame_skip
        self._models: dict[str, Any] = {}
        self._bot_classes = {bot.name: load_object(bot.entry_point) for bot in spec.bots}

    def load_models(self, roster: Iterable[Opponent], observation_space: Any) -> None:
        """Load every model of ``roster`` before a game is played, refusing one that takes other observations
        than the ladder's env gives (a model of the single-snake env in the versus ladder, pixels for vectors)."""
        from agents.base import for_env_frames
        from agents.loading import AgentLoadError, load_agent

        want = tuple(getattr(observation_space, "shape", None) or ())
        for opponent in roster:
            if opponent.kind != "model" or opponent.source in self._models:
                continue
            agent = load_agent(opponent.source)
            space = getattr(getattr(agent, "model", None), "observation_space", None)
            shape = tuple(getattr(space, "shape", None) or ())
            if shape and want and shape != want:
                raise AgentLoadError(
                    f"{opponent.source} takes observations of shape {shape}; the {self.spec.name} ladder plays "
                    f"{want} (its env's default observations)"
                )
            self._models[opponent.source] = for_env_frames(agent, self.env_frame_skip)

    def agent(self, opponent: Opponent, action_space: Any, seed: int, env: Any | None = None) -> Any:
        from agents.base import RandomAgent

        if opponent.kind == "model":
            if opponent.source not in self._models:
                raise RuntimeError(f"model {opponent.source} was not loaded (call load_models first)")
            model = self._models[opponent.source]
            if callable(getattr(model, "seed", None)):
                model.seed(seed)
            return model
        if opponent.source == ANCHOR:
            return RandomAgent(action_space, seed=seed)
        cls = self._bot_classes[opponent.source]
        kwargs: dict[str, Any] = {}
        if _takes(cls, "seed"):
            kwargs["seed"] = seed
        if _takes(cls, "env") and env is not None:
            kwargs["env"] = env
        if opponent.skill is not None and _takes(cls, "skill"):
            return cls(skill=opponent.skill, **kwargs)
        bot = cls(**kwargs)
        if opponent.skill is not None:
            return Blunder(bot, opponent.skill, int(action_space.n), seed=seed + 7_919)
        return bot


# ------------------------------------------------------------------------------------------------- matches


@dataclass(frozen=True)
class GameResult:
    """One game of the round robin: ``score_a`` is 1 (a won), 0.5 (draw) or 0 (b won)."""

    a: str
    b: str
    seed: int
    score_a: float
    steps: tuple[int, int] = (0, 0)  # a's and b's episode lengths (the same number in a two-player game)


def _points_leader(infos: dict[str, dict[str, Any]]) -> str | None:
    """A game cut off without a winner goes to the side ahead on points, for games that keep a score of points
    (``info["score"]`` = (own, other), Pong); level on points, or no such score, is a draw."""
    (first, info0), (second, _) = infos.items()
    score = info0.get("score")
    if not (isinstance(score, (tuple, list)) and len(score) == 2) or score[0] == score[1]:
        return None
    return first if score[0] > score[1] else second


def _winner(infos: dict[str, dict[str, Any]], terminated: bool) -> str | None:
    """The winning agent's name or None for a draw: ``info["winner"]`` (the episode-end contract); a game without
    one (cut off by the time limit) goes to the side ahead on points (:func:`_points_leader`)."""
    reported = [info["winner"] for info in infos.values() if "winner" in info]
    winner = reported[0] if reported else None
    if winner in (None, ""):
        return _points_leader(infos)
    return str(winner)


def _parallel_entry(spec: GameSpec) -> str | None:
    return next((entry.parallel_entry_point for entry in spec.envs if entry.parallel_entry_point), None)


def play_two_player(
    spec: GameSpec,
    a: Opponent,
    b: Opponent,
    games: int,
    seed: int,
    env_kwargs: dict[str, Any] | None = None,
    builder: _Builder | None = None,
    max_steps: int = 100_000,
) -> list[GameResult]:
    """``games`` games of ``a`` against ``b`` on the game's PettingZoo view: seats swap every game, game ``i``
    has seed ``seed + i``; a game still running after ``max_steps`` steps is a draw."""
    entry = _parallel_entry(spec)
    if entry is None:
        raise ValueError(f"{spec.name} has no two-player view (parallel_entry_point)")
    env = load_object(entry)(**(env_kwargs or {}))
    seat0, seat1 = env.possible_agents
    results = []
    try:
        builder = builder or _Builder(spec)
        builder.load_models((a, b), env.observation_space(seat0))
        for i in range(games):
            game_seed = seed + i
            players = {seat0: a, seat1: b} if i % 2 == 0 else {seat0: b, seat1: a}
            agents = {
                seat: builder.agent(opp, env.action_space(seat), game_seed * 2 + k)
                for k, (seat, opp) in enumerate(players.items())
            }
            observations, infos = env.reset(seed=game_seed)
            for agent in agents.values():
                agent.reset()
            steps, terminated = 0, False
            while env.agents and steps < max_steps:
                actions = {seat: agents[seat].act(observations[seat], infos[seat]) for seat in env.agents}
                observations, _, terms, truncs, infos = env.step(actions)
                steps += 1
                if any(terms.values()) or any(truncs.values()):
                    terminated = any(terms.values())
                    break
            winner = _winner(infos, terminated) if not env.agents or terminated else None
            seat_of_a = seat0 if i % 2 == 0 else seat1
            score = 0.5 if winner is None else 1.0 if winner == seat_of_a else 0.0
            results.append(GameResult(a.name, b.name, game_seed, score, (steps, steps)))
    finally:
        env.close()
    return results


def _finished(info: dict[str, Any]) -> bool:
    """Whether a level episode's last info says the level was completed (the episode-end contract)."""
    return bool(info.get("is_success", False))


def _level_episode(env: Any, agent: Any, seed: int, max_steps: int) -> tuple[bool, int, float]:
    """(finished, steps, progress): progress is ``info["progress"]`` when the game gives it, else the return."""
    obs, info = env.reset(seed=seed)
    agent.reset()
    total, steps = 0.0, 0
    while steps < max_steps:
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        total += float(reward)
        steps += 1
        if terminated or truncated:
            break
    progress = float(info["progress"]) if "progress" in info else total
    return _finished(info), steps, progress


def level_score(first: tuple[bool, int, float], second: tuple[bool, int, float]) -> float:
    """Score of the first of two runs of the same episode: finishing beats not; both finished, fewer steps win;
    neither, more progress wins; a tie is a draw (0.5)."""
    (done_a, steps_a, prog_a), (done_b, steps_b, prog_b) = first, second
    if done_a != done_b:
        return 1.0 if done_a else 0.0
    if done_a:
        return 0.5 if steps_a == steps_b else 1.0 if steps_a < steps_b else 0.0
    return 0.5 if math.isclose(prog_a, prog_b) else 1.0 if prog_a > prog_b else 0.0


def play_level_match(
    spec: GameSpec,
    a: Opponent,
    b: Opponent,
    games: int,
    seed: int,
    env_kwargs: dict[str, Any] | None = None,
    builder: _Builder | None = None,
    max_steps: int = 100_000,
) -> list[GameResult]:
    """``games`` races of ``a`` against ``b``: in game ``i`` both play the episode of seed ``seed + i`` (same
    level, same random draws) in envs of their own; scored by :func:`level_score`."""
    import gymnasium as gym

    import envs  # noqa: F401  (registers the ids)

    made = [gym.make(spec.play_env_id, **(env_kwargs or {})) for _ in range(2)]
    results = []
    try:
        builder = builder or _Builder(spec)
        builder.load_models((a, b), made[0].observation_space)
        for i in range(games):
            game_seed = seed + i
            runs = []
            for k, (opp, env) in enumerate(((a, made[0]), (b, made[1]))):
                agent = builder.agent(opp, env.action_space, game_seed * 2 + k, env=env)
                runs.append(_level_episode(env, agent, game_seed, max_steps))
            results.append(GameResult(a.name, b.name, game_seed, level_score(runs[0], runs[1]),
                                      (runs[0][1], runs[1][1])))
    finally:
        for env in made:
            env.close()
    return results


# -------------------------------------------------------------------------------------------------- ratings


@dataclass(frozen=True)
class Rating:
    """One opponent's line of the table: Elo, the 95% interval half-width, and its record."""

    name: str
    elo: float
    elo_pm: float
    wins: int
    draws: int
    losses: int

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses


def bradley_terry(
    names: Sequence[str],
    results: Iterable[tuple[str, str, float]],
    anchor: str = ANCHOR,
    anchor_elo: float = ANCHOR_ELO,
    prior_draws: float = 1.0,
) -> list[Rating]:
    """Maximum-likelihood Bradley-Terry strengths from ``(a, b, score_a)`` games (a draw is half a win each), on
    the Elo scale with ``anchor`` at ``anchor_elo``; in the order of ``names``.

    ``prior_draws`` adds that many virtual drawn games to every pair that played, so a pair won 10-0 gets a
    large finite gap instead of an infinite one (the MLE does not exist under perfect separation). ``elo_pm``
    is 1.96 standard errors from the inverse Hessian of the negative log-likelihood, relative to the anchor.
    """
    from scipy.optimize import minimize
    from scipy.special import expit, log_expit

    index = {name: i for i, name in enumerate(names)}
    if len(index) != len(names):
        raise ValueError(f"opponent names must be unique: {list(names)}")
    if anchor not in index:
        raise ValueError(f"the anchor {anchor!r} is not among the opponents {list(names)}")
    n = len(names)
    points = np.zeros((n, n))  # points[i, j]: what i scored against j
    played = np.zeros((n, n))
    record = np.zeros((n, 3), dtype=np.int64)  # wins, draws, losses
    for a, b, score in results:
        if score not in (0.0, 0.5, 1.0):
            raise ValueError(f"a game's score is 1, 0.5 or 0, got {score!r}")
        i, j = index[a], index[b]
        if i == j:
            raise ValueError(f"{a} cannot play itself")
        points[i, j] += score
        points[j, i] += 1.0 - score
        played[i, j] += 1.0
        played[j, i] += 1.0
        outcome = {1.0: 0, 0.5: 1, 0.0: 2}[score]
        record[i, outcome] += 1
        record[j, 2 - outcome] += 1
    met = played > 0
    points = points + met * prior_draws / 2.0
    played = played + met * prior_draws
    free = np.array([i for i in range(n) if i != index[anchor]], dtype=np.int64)

    def full(x: np.ndarray) -> np.ndarray:
        theta = np.zeros(n)
        theta[free] = x
        return theta

    def nll(x: np.ndarray) -> tuple[float, np.ndarray]:
        theta = full(x)
        diff = theta[:, None] - theta[None, :]
        value = -float(np.sum(points * log_expit(diff)))
        grad = -(points - played * expit(diff)).sum(axis=1)
        return value, grad[free]

    def hessian(x: np.ndarray) -> np.ndarray:
        theta = full(x)
        p = expit(theta[:, None] - theta[None, :])
        w = played * p * p.T
        h = np.diag(w.sum(axis=1)) - w
        return h[np.ix_(free, free)]

    theta = np.zeros(n)
    pm = np.zeros(n)
    if len(free):
        fit = minimize(nll, np.zeros(len(free)), jac=True, hess=hessian, method="trust-exact")
        theta = full(fit.x)
        try:
            cov = np.linalg.inv(hessian(fit.x))
            pm[free] = 1.96 * np.sqrt(np.clip(np.diag(cov), 0.0, None))
        except np.linalg.LinAlgError:  # an opponent that never played: no information about it
            pm[free] = math.inf
    return [
        Rating(name, anchor_elo + ELO_PER_NAT * float(theta[i]), ELO_PER_NAT * float(pm[i]), *map(int, record[i]))
        for i, name in enumerate(names)
    ]


# --------------------------------------------------------------------------------------------------- ladder


@dataclass
class LadderResult:
    """A finished ladder: the opponents, their ratings (best first) and every game played."""

    game: str
    seed: int
    games_per_pair: int
    env_kwargs: dict[str, Any]
    opponents: list[Opponent]
    ratings: list[Rating]
    games: list[GameResult]
    anchor: str = ANCHOR
    anchor_elo: float = ANCHOR_ELO

    def to_dict(self) -> dict[str, Any]:
        by_name = {o.name: o for o in self.opponents}
        return {
            "format": LADDER_FORMAT,
            "game": self.game,
            "seed": self.seed,
            "games_per_pair": self.games_per_pair,
            "env_kwargs": self.env_kwargs,
            "anchor": self.anchor,
            "anchor_elo": self.anchor_elo,
            "rating": "Bradley-Terry MLE on the Elo scale (400 * log10 odds); elo_pm: 95% interval vs the anchor",
            "opponents": [
                {**asdict(by_name[r.name]), **asdict(r), "games": r.games, "rank": rank}
                for rank, r in enumerate(self.ratings, start=1)
            ],
            "games": [asdict(g) for g in self.games],
        }


def run_ladder(
    game: str,
    games_per_pair: int | None = None,
    seed: int = 0,
    add: Iterable[str | Path] = (),
    models_root: Path | None = MODELS_ROOT,
    opponents: Sequence[Opponent] | None = None,
    on_pair: Callable[[Opponent, Opponent, list[GameResult]], None] | None = None,
) -> LadderResult:
    """Play ``game``'s round robin (every pair ``games_per_pair`` games, the game's default when None) and rate
    it. ``opponents`` replaces the default list (:func:`ladder_opponents`); ``on_pair`` hears each finished pair."""
    spec = get_spec(game)
    settings = settings_for(game)
    per_pair = settings.games_per_pair if games_per_pair is None else int(games_per_pair)
    if per_pair < 1:
        raise ValueError(f"games per pair must be at least 1, got {per_pair}")
    roster = list(opponents) if opponents is not None else ladder_opponents(game, add, models_root)
    env_kwargs = dict(settings.env_kwargs)
    builder = _Builder(spec, int(env_kwargs.get("frame_skip", 1)))
    if any(o.kind == "model" for o in roster):
        builder.load_models(roster, _observation_space(spec, env_kwargs))
    play = play_two_player if _parallel_entry(spec) else play_level_match
    games: list[GameResult] = []
    for i, a in enumerate(roster):
        for b in roster[i + 1:]:
            pair = play(spec, a, b, per_pair, seed, env_kwargs, builder)
            logger.info("%s vs %s: %s", a.name, b.name, " ".join(f"{g.score_a:g}" for g in pair))
            if on_pair is not None:
                on_pair(a, b, pair)
            games += pair
    ratings = bradley_terry([o.name for o in roster], ((g.a, g.b, g.score_a) for g in games))
    ratings.sort(key=lambda r: (-r.elo, r.name))
    return LadderResult(game, seed, per_pair, env_kwargs, roster, ratings, games)


def _observation_space(spec: GameSpec, env_kwargs: dict[str, Any]) -> Any:
    """What each player of the ladder observes: one side of the two-player view, or the level env's space."""
    entry = _parallel_entry(spec)
    if entry is not None:
        env = load_object(entry)(**env_kwargs)
        try:
            return env.observation_space(env.possible_agents[0])
        finally:
            env.close()
    import gymnasium as gym

    import envs  # noqa: F401  (registers the ids)

    made = gym.make(spec.play_env_id, **env_kwargs)
    try:
        return made.observation_space
    finally:
        made.close()


def default_out(game: str) -> Path:
    return Path("runs") / "ladder" / f"{game}.json"


def write_ladder(result: LadderResult, path: str | Path | None = None) -> Path:
    """Write the ladder as JSON, atomically (the app may be reading the previous one)."""
    from agents.artifacts import atomic_write_json

    out = Path(path) if path is not None else default_out(result.game)
    atomic_write_json(out, result.to_dict())
    return out


def read_ladder(path: str | Path) -> dict[str, float]:
    """Each opponent's Elo from a ladder file: ``{name: elo}``."""
    import json

    data = json.loads(Path(path).read_text())
    return {str(o["name"]): float(o["elo"]) for o in data.get("opponents", [])}


def player_elo_update(
    rating: float, opponent: str, score: float, ladder: dict[str, float] | LadderResult, k: float = 32.0
) -> float:
    """A player's new Elo after one game (``score`` 1 / 0.5 / 0) against a ladder opponent, with self-play's
    update rule (:func:`training.selfplay.elo_update`); the opponent's rating stays fixed (it is measured)."""
    from training.selfplay import elo_update  # imported here: self-play pulls in SB3

    table = {r.name: r.elo for r in ladder.ratings} if isinstance(ladder, LadderResult) else ladder
    if opponent not in table:
        raise KeyError(f"{opponent!r} is not on the ladder; its opponents: {', '.join(table)}")
    return elo_update(rating, table[opponent], score, k)
