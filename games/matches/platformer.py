"""Platformer: the person races the agent on one level; the agent is a ghost in the person's view."""

from __future__ import annotations

import logging
from typing import Any

from games.input import KeyState
from games.matches.base import (
    JUMP,
    LEFT,
    RIGHT,
    GameEvent,
    Match,
    MatchResult,
    MatchSetup,
    env_surface,
    pick_playable,
    resolve_level,
)

log = logging.getLogger(__name__)


class PlatformerMatch(Match):
    """The person races the agent on one level; the agent is a translucent ghost in the person's view.

    The person has ``lives`` lives: a death restarts them at the level's start (the ghost runs on). The match ends
    when the person finishes (a win if the ghost had not finished yet), runs out of lives or time (a loss).
    In watch mode agent A plays and agent B (optional) is the ghost.
    """

    game = "platformer"
    title = "Platformer race"
    counts_deaths = True
    controls = (
        ("Left/Right or A/D", "run"),
        ("Space/Up/W", "jump (hold: higher)"),
        ("P/Esc", "pause"),
        ("R", "restart"),
        ("Q", "quit"),
    )

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

        level = pick_playable(source.levels, self.setup.seed, completable, self.messages)
        return {"level": level, "check_playable": False}

    def reset(self) -> None:
        seed = self._next_seed()
        self.obs, self.info = self.env.reset(seed=seed)
        assert self.env.level is not None  # reset() loads one
        self.level_id = self.env.level.name
        self._ghost_action: int | None = None
        if self.ghost_agent is not None and self.ghost_env is not None:
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
        return {(0, False): 0, (-1, False): 1, (1, False): 2, (0, True): 3, (-1, True): 4, (1, True): 5}[
            (move, jump)
        ]

    def _step(self, keys: KeyState) -> list[GameEvent]:
        plat = self._plat
        events: list[GameEvent] = []
        if self.player_agent is not None:
            action = int(self.player_agent.act(self.obs, self.info))
        else:
            action = self._human_action(keys)
        assert self.env.state is not None  # the env was reset before the match's first step
        was_on_ground = self.env.state[plat.ON_GROUND]
        self.obs, _, terminated, truncated, self.info = self.env.step(action)
        if was_on_ground and self.env.state[plat.VY] < 0:
            events.append(GameEvent("jump", sound="jump", log=False))
        if self.info["coins"] > self.coins:
            self.coins = self.info["coins"]
            events.append(GameEvent("coin", {"coins": self.coins}, sound="coin"))
        self.best_progress = max(self.best_progress, float(self.info["progress"]))
        if self.ghost_env is not None and not (terminated and self.info.get("event") == "finished"):
            events += (
                self._step_ghost()
            )  # after the person's step: a finish on the same step goes to the person
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
                events.append(
                    GameEvent("death", {"cause": cause, "x": round(float(self.info["x"]), 2)}, sound="death")
                )
                if self.deaths >= self.setup.lives or truncated:
                    self.done = True
                else:
                    self.life += 1
                    self.obs, self.info = self.env.reset(seed=self.setup.seed)
        return events

    def _step_ghost(self) -> list[GameEvent]:
        agent, env = self.ghost_agent, self.ghost_env
        if self.ghost_finished_at is not None or agent is None or env is None:
            return []
        if self._ghost_action is not None:
            action, self._ghost_action = self._ghost_action, None
        else:
            action = int(agent.act(self.ghost_obs, self.ghost_info))
        self.ghost_obs, _, terminated, truncated, self.ghost_info = env.step(action)
        if not (terminated or truncated):
            return []
        if self.ghost_info.get("event") == "finished":
            self.ghost_finished_at = self.t
            return [GameEvent("opponent_finish", {"t": round(self.t, 3)}, sound="lose_point")]
        self.ghost_deaths += 1
        self.ghost_obs, self.ghost_info = env.reset(seed=self.setup.seed)
        agent.reset()
        return [GameEvent("opponent_death", {"deaths": self.ghost_deaths})]

    def frame(self) -> Any:
        import pygame

        surf = env_surface(self.env)
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
        ghost = (
            "ghost: finished"
            if self.ghost_finished_at is not None
            else (
                f"ghost {100 * float(self.ghost_info['progress']):.0f}%" if self.ghost_env is not None else ""
            )
        )
        return (
            f"coins {self.coins}   you {100 * float(self.info['progress']):.0f}%   {ghost}   t {self.t:.1f}s"
        )

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
        return MatchResult("win" if won else "loss", self.coins, None, self.deaths, summary)
