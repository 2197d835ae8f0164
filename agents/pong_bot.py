"""A scripted Pong player for any seat: the env's tracker policy, driven by the observation alone."""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.pong import (
    BALL_COLOUR,
    COURT_H,
    COURT_W,
    OWN_COLOUR,
    PADDLE_GAP,
    PIX_SCALE,
    PongTracker,
)


class PongTrackerBot:
    """Follows the ball like ``PongEnv``'s built-in ``"tracker"`` opponent, with the same ``skill`` knob.

    ``skill`` in [0, 1] sets a reaction delay (it acts on the ball's height as it was up to 12 steps ago) and an
    aiming error (a fresh random offset, from ``seed``, each time the ball starts coming its way). It reads
    only the observation, from its own perspective (own paddle on the left, as every seat of ``PongEnv`` and
    ``PongParallelEnv`` sees it), so it can play the learner's seat, be passed as ``PongEnv(opponent=...)``, or
    play either agent of the parallel env. Works with ``obs_type="vector"`` and ``"pixels"``.
    """

    def __init__(self, skill: float = 0.7, seed: int | None = None, name: str | None = None) -> None:
        self.tracker = PongTracker(skill)
        self.skill = self.tracker.skill
        self.name = name or f"pong-tracker-{self.skill:g}"
        self._rng = np.random.default_rng(seed)
        self._started = False
        self._approaching = False
        self._aim = 0.0
        self._last_x = 0.5

    def reset(self) -> None:
        self._started = False
        self._approaching = False
        self._aim = 0.0

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> int:
        _, ball_y, approaching, paddle_y = self._read(np.asarray(obs))
        if self._started:
            self.tracker.observe(ball_y)
        else:
            self.tracker.reset(ball_y)
            self._started = True
        if approaching and not self._approaching:
            self._aim = self.tracker.aim_offset(float(self._rng.random()))
        self._approaching = approaching
        return self.tracker.action(paddle_y, self._aim)

    def _read(self, obs: np.ndarray) -> tuple[float, float, bool, float]:
        """Ball x, ball y, ball coming towards own paddle, own paddle y; in court units."""
        if obs.ndim == 1:  # vector features
            return (
                float(obs[0]) * COURT_W,
                float(obs[1]) * COURT_H,
                float(obs[2]) < 0.0,
                float(obs[4]) * COURT_H,
            )
        ball = np.flatnonzero(np.all(obs == BALL_COLOUR, axis=2))
        width = obs.shape[1]
        if len(ball):
            rows, cols = np.divmod(ball, width)
            x, y = (cols.mean() + 0.5) / PIX_SCALE, (rows.mean() + 0.5) / PIX_SCALE
        else:
            x, y = self._last_x, COURT_H / 2
        approaching = x < self._last_x
        self._last_x = x
        col = round(PADDLE_GAP * PIX_SCALE)
        paddle = np.flatnonzero(np.all(obs[:, col] == OWN_COLOUR, axis=1))
        paddle_y = (paddle.mean() + 0.5) / PIX_SCALE if len(paddle) else COURT_H / 2
        return float(x), float(y), bool(approaching), float(paddle_y)
