"""Dungeon: the person plays; Tab hands control to the agent and back."""

from __future__ import annotations

import logging
from typing import Any

from games.input import KeyState
from games.matches.base import (
    GameEvent,
    Match,
    MatchResult,
    MatchSetup,
    held_direction,
    pick_playable,
    resolve_level,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------------- dungeon
class DungeonMatch(Match):
    """The person explores the dungeon; Tab hands control to the agent (it plays on from where you are) and back.

    Turn-based like the env: without a key (and without the agent in control) the dungeon waits. Reaching the exit
    wins; hit points at 0 cost a life (the level restarts); out of lives or steps loses. In watch mode agent A
    plays throughout.
    """

    game = "dungeon"
    bench_keys = (("match", 1, "press", "tab"),)  # Tab hands control to the agent
    title = "Dungeon"
    opponent_label = "helper:"
    counts_deaths = True
    controls = (
        ("Arrows/WASD", "move"),
        ("Space", "sword"),
        ("Tab", "agent takes over / give back"),
        ("P/Esc", "pause"),
        ("R", "restart"),
        ("Q", "quit"),
    )

    def __init__(self, setup: MatchSetup) -> None:
        super().__init__(setup)
        from envs import dungeon

        self._dungeon = dungeon
        self.step_rate = int(dungeon.DungeonEnv.metadata["render_fps"])
        kwargs, self.level_source, msgs = resolve_level(self.game, setup.level, dungeon.LEGEND)
        self.messages += msgs
        if "level_source" in kwargs:  # the corpus: one map the solver can finish, drawn with the seed
            from envs.dungeon import solve

            def why_not(level: Any) -> str | None:
                try:
                    verdict = solve(level)
                except Exception as exc:  # noqa: BLE001 - a map the compiler refuses is skipped too
                    return str(exc)
                return None if verdict.completable else verdict.reason

            kwargs = {
                "level": pick_playable(kwargs["level_source"].levels, setup.seed, why_not, self.messages)
            }
        self.env = dungeon.DungeonEnv(render_mode="rgb_array", **kwargs)
        specs = list(setup.watch or ())
        spec = specs[0] if self.watch else setup.opponent
        if self.watch and len(specs) > 1:
            self.messages.append(f"dungeon is a one-player game: agent B ({specs[1]}) sits this one out")
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
        command = self._queued.popleft() if self._queued else held_direction(keys)
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
            action: int | None = int(self.helper.act(self.obs, self.info))
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
            events.append(
                GameEvent(
                    "exit", {"by": by, "agent_steps": self.agent_steps, "player_steps": self.human_steps}
                )
            )
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
        return (
            f"treasure {self.collected}   hp {self.info['hp']}   left {self.info['treasures_left']}   "
            f"rooms {self.info['rooms_visited']}"
        )

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
