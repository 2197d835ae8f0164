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

``base`` holds what every adapter shares; each game's adapter is one module (``pong``, ``snake``, ``platformer``,
``dungeon``), named by its ``GameSpec.match``.
"""

from __future__ import annotations

from games.matches.base import (
    GAMES,
    POINT_PAUSE_SECONDS,
    GameEvent,
    Match,
    MatchResult,
    MatchSetup,
    TimedAgent,
    check_level,
    make_agent,
    make_match,
    resolve_level,
)

__all__ = [
    "GAMES",
    "POINT_PAUSE_SECONDS",
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
