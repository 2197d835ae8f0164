"""Snake: versus mode; the person is snake_0, the agent its opponent (snake_1)."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from envs.spec import get_spec
from games.input import KeyState
from games.matches.base import (
    GameEvent,
    Match,
    MatchResult,
    MatchSetup,
    TimedAgent,
    env_surface,
    resolve_level,
)

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------------- snake
class SnakeMatch(Match):
    """Versus snake: the person steers ``snake_0`` (green), the agent ``snake_1`` (blue), on
    ``SnakeVersusParallelEnv``. The snake keeps going straight until an arrow turns it (a press between two steps
    counts). The match ends when a snake dies (the survivor wins; both dead: the longer one) or the board fills
    up. In watch mode agent A is green and agent B blue."""

    game = "snake"
    sides = 2
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
            spec_1 = specs[1]
        else:
            self.agent_0 = None
            spec_1 = setup.opponent
        self.agent_1 = self._snake_agent(spec_1, 1)
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
                events.append(
                    GameEvent(
                        "eat",
                        {"by": who, "length": self.infos[f"snake_{k}"]["length"]},
                        sound="eat" if k == 0 else None,
                    )
                )
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
        return env_surface(self.env)

    def score_text(self) -> str:
        who = "A" if self.watch else "you"
        info = self.infos["snake_0"]
        return (
            f"{who} (green) length {info['length']}   {self.agent_1.name if self.watch else 'agent'} "
            f"(blue) length {info['opponent_length']}"
        )

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
        return MatchResult(
            outcome, self.scores[0], self.scores[1], self.deaths, f"{why}: length {l0} vs {l1}"
        )
