"""Pong: the person is the left paddle, the agent the env's opponent (right)."""

from __future__ import annotations

import logging
from typing import Any

from games.input import KeyState
from games.matches.base import (
    DOWN,
    POINT_PAUSE_SECONDS,
    UP,
    GameEvent,
    Match,
    MatchResult,
    MatchSetup,
    TimedAgent,
    resolve_level,
)

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------------ pong
class PongMatch(Match):
    """The person is the left paddle, the agent the right one, on ``PongParallelEnv`` (first to
    ``points_to_win``, 5 unless given). In watch mode agent A is left and agent B right."""

    game = "pong"
    sides = 2
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
            right_spec = specs[1]
        else:
            self.left_agent = None
            right_spec = setup.opponent
        self.right_agent = self._agent(right_spec, 1)
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
        happened = self.infos["left"][
            "events"
        ]  # the env's own account: hit_left/right, wall, point_left/right
        score = self.infos["left"]["score"]
        if score != self.score:
            by = "left" if score[0] > self.score[0] else "right"
            self.score = score
            mine = by == "left"
            if not mine:
                self.deaths += 1  # a point lost ends one of the person's "lives" (rallies)
                self.life += 1
            events.append(
                GameEvent(
                    "point",
                    {"by": "player" if mine else "opponent", "score": list(score)},
                    sound="point" if mine else "lose_point",
                )
            )
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
