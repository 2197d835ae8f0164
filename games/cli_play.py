"""What ``arcadelab play`` and ``arcadelab watch`` run: argument checks, then the app, then a closing line.

``arcadelab/cli.py`` defines the two typer commands that call these;
everything heavy (pygame, the games, agents) is imported only when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from games.matches import GAMES

__all__ = ["LEVEL_CHOICES", "MUSIC_CHOICES", "PlayError", "play", "summary", "watch"]

LEVEL_CHOICES = ("shipped", "corpus", "generated", "recommended")  # or a path
MUSIC_CHOICES = ("generated", "off")


class PlayError(ValueError):
    """A bad argument to play/watch, said the way the person typed it."""


def _check_common(game: str | None, level: str | None, music: str) -> None:
    if game is not None and game not in GAMES:
        raise PlayError(f"argument 'GAME': {game!r} is not one of {', '.join(GAMES)}")
    if level is not None and level not in LEVEL_CHOICES and not Path(level).expanduser().exists():
        raise PlayError(f"option '--level': {level!r} is neither a level file/folder nor one of "
                        f"{', '.join(LEVEL_CHOICES)}")
    if music not in MUSIC_CHOICES:
        raise PlayError(f"option '--music': {music!r} is not one of {', '.join(MUSIC_CHOICES)}")


def _check_agent(option: str, spec: str, game: str | None = None) -> None:
    from agents.loading import BOTS, wrong_game

    if spec not in ("bot", "random") and spec not in BOTS and not Path(spec).expanduser().exists():
        raise PlayError(f"option '{option}': {spec!r} is not bot, random, a bot name ({', '.join(BOTS)}) or an "
                        f"existing model file / run folder")
    reason = wrong_game(spec, game) if game is not None else None
    if reason is not None:
        raise PlayError(f"option '{option}': {reason}")


def _check_level(game: str, level: str | None) -> None:
    """Refuse a level file the game cannot use before any window opens (the app would only show the error)."""
    if level is None or level in LEVEL_CHOICES:
        return
    from envs.spec import get_spec

    if not get_spec(game).levels:
        return  # the app says "--level ignored" for a game without levels
    from games.matches import check_level

    try:
        check_level(game, level)
    except (OSError, ValueError) as exc:
        raise PlayError(f"option '--level': {exc}") from None


def _run(config: Any, script: Any = None) -> Any:
    from games.app import run_app
    from games.telemetry import TelemetryError

    try:
        report = run_app(config, script)
    except TelemetryError as exc:
        raise PlayError(str(exc)) from None
    if not config.title_screen and (report.quit_reason or "").startswith("error: "):
        # without a title screen to go back to, a match that cannot start is the command's failure
        raise PlayError(report.quit_reason.removeprefix("error: "))
    return report


def play(game: str | None = None, opponent: str = "bot", level: str | None = None, music: str = "off",
         player: str | None = None, seed: int | None = None, db: str | None = None, *, title: bool = True,
         fast: bool = False, max_frames: int | None = None, points_to_win: int | None = None, sound: bool = True,
         script: Any = None) -> Any:
    """Open the app to play ``game`` (or pick one on the title screen) against ``opponent``; returns an
    ``AppReport``. ``opponent`` is ``bot``, ``random``, a bot name or a model path / run folder."""
    from games.app import AppConfig

    _check_common(game, level, music)
    _check_agent("--opponent", opponent, game)
    if not title and game is None:
        raise PlayError("argument 'GAME' is needed without the title screen")
    if game is not None:
        _check_level(game, level)
    config = AppConfig(game=game, opponent=opponent, level=level, music=music, seed=seed, db=db,
                       title_screen=title, fast=fast, max_frames=max_frames, points_to_win=points_to_win,
                       sound=sound)
    if player:
        config.player = player
    return _run(config, script)


def watch(game: str, agents: list[str] | tuple[str, ...], level: str | None = None, seed: int | None = None,
          db: str | None = None, *, fast: bool = False, max_frames: int | None = None,
          points_to_win: int | None = None, sound: bool = True, player: str | None = None,
          script: Any = None) -> Any:
    """Agent A against agent B (Pong, Snake); for one-player games A plays and B (optional) is the ghost
    (Platformer) or ignored (Dungeon)."""
    from games.app import AppConfig

    _check_common(game, level, "off")
    agents = tuple(agents)
    if not agents:
        raise PlayError("option '--agents': give one or two agents (bot, random, a bot name or a model path)")
    from envs.spec import get_spec, load_object

    if load_object(get_spec(game).match).sides == 2 and len(agents) < 2:
        raise PlayError(f"option '--agents': {game} needs two agents, got {len(agents)}")
    if len(agents) > 2:
        raise PlayError(f"option '--agents': at most two agents, got {len(agents)}")
    for spec in agents:
        _check_agent("--agents", spec, game)
    _check_level(game, level)
    config = AppConfig(game=game, level=level, seed=seed, db=db, watch=agents, title_screen=False, fast=fast,
                       max_frames=max_frames, points_to_win=points_to_win, sound=sound)
    if player:
        config.player = player
    return _run(config, script)


def summary(report: Any) -> str:
    """The closing line the CLI prints."""
    if not report.results:
        return f"no match finished ({report.quit_reason or 'closed'})"
    wins = sum(r.outcome == "win" for r in report.results)
    last = report.results[-1]
    return (f"{len(report.results)} match(es), {wins} won; last: {last.outcome} ({last.summary}); "
            f"{len(report.sessions)} session(s) recorded")

