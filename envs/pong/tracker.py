"""``PongTracker``: the scripted opponent as an object, over the same compiled kernels the envs step."""

from __future__ import annotations

import numpy as np

from envs.checks import check_unit
from envs.pong import core


class PongTracker:
    """The scripted opponent: follows the ball with a reaction delay and an aiming error.

    ``skill`` in [0, 1] sets both: the tracker sees the ball's ``y`` as it was ``round((1 - skill) * 12)`` steps
    ago, and aims at that ``y`` plus an offset ``(1 - skill) * 0.12 * (2u - 1)`` where ``u`` in [0, 1) is a fresh
    random number for every ball coming its way (drawn by whoever owns the random stream). Its paddle moves at
    the learner's speed (it picks the same three actions). Plain class so ``envs`` can use it without
    ``agents``; ``agents.pong_bot.PongTrackerBot`` wraps it for any seat. The envs run the same policy inside
    their compiled step (``core.tracker_action``, ``core.tracker_observe``) on their own state arrays.
    """

    def __init__(self, skill: float = 0.7) -> None:
        self.skill = check_unit("opponent_skill", skill)
        self.delay = core.tracker_delay(self.skill)
        self.aim_scale = core.tracker_aim_scale(self.skill)
        self._hist = np.full((1, self.delay + 1), core.CENTRE_Y)
        self._iv = np.zeros((1, core.NI), dtype=np.int64)

    def reset(self, ball_y: float) -> None:
        """Start an episode: the delayed view is the current ball until ``delay`` steps have passed."""
        self._hist[:] = ball_y
        self._iv[0, core.HPOS] = 0

    def observe(self, ball_y: float) -> None:
        """Record the ball's ``y`` after a step."""
        core.tracker_observe(self._hist, self._iv, 0, float(ball_y))

    def aim_offset(self, u: float) -> float:
        return self.aim_scale * (2.0 * u - 1.0)

    def action(self, paddle_y: float, aim_offset: float) -> int:
        """0 stay, 1 up, 2 down: towards the delayed ball ``y`` plus ``aim_offset`` (court units)."""
        return core.tracker_action(self._hist, self._iv, 0, float(paddle_y), float(aim_offset), self.delay)
