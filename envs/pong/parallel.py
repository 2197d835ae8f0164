"""``PongParallelEnv``: two-player Pong as a PettingZoo ``ParallelEnv`` over the same compiled core."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from envs.pong import core
from envs.pong.core import EVENTS, N_FEATURES
from envs.pong.env import check_action, check_common, pixel_space, vector_space
from envs.pong.game import PongGame
from envs.pong.render import PongRenderer, PongRendering


class PongParallelEnv(PongRendering, ParallelEnv):
    """Two-player Pong as a PettingZoo ``ParallelEnv``: agents ``"left"`` and ``"right"``.

    Same rules (the compiled core, through ``PongGame``), arguments and observations as ``PongEnv``, minus the
    opponent: both seats are agents. Each agent observes from its own perspective (``"right"`` sees the court
    mirrored left-right, its own paddle first and on the left), so one policy can play both seats. Rewards: +1
    to the side that wins a point, ``-loss_penalty`` to the other (zero-sum at the default 1.0), plus
    ``hit_reward`` to whoever hits the ball. The episode ends for both agents together; ``infos[agent]["score"]``
    is ``(own, opponent)``, ``infos[agent]["winner"]`` at the end is the winning agent's name (None when
    truncated) and ``infos[agent]["is_success"]`` whether that agent won; ``infos[agent]["events"]`` is the
    step's events as in ``PongEnv`` (court sides ``"left"``/``"right"``, the same tuple for both agents).
    Renders the left player's view; ``draw_surface()`` gives that frame as a pygame ``Surface``.
    """

    metadata: dict[str, Any] = {
        "render_modes": ["human", "rgb_array"],
        "render_fps": 60,
        "name": "arcadelab_pong_v0",
        "is_parallelizable": True,
    }

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        points_to_win: int = 11,
        max_steps: int = 10_000,
        hit_reward: float = 0.0,
        loss_penalty: float = 1.0,
    ) -> None:
        check_common(
            render_mode, obs_type, points_to_win, max_steps, hit_reward, self.metadata["render_modes"],
            loss_penalty,
        )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.points_to_win = int(points_to_win)
        self.max_steps = int(max_steps)
        self.hit_reward = float(hit_reward)
        self.loss_penalty = float(loss_penalty)
        self.possible_agents = ["left", "right"]
        self.agents: list[str] = []
        self._obs_space = vector_space() if obs_type == "vector" else pixel_space()
        self._act_space: spaces.Discrete = spaces.Discrete(3)
        self._game = PongGame(self.points_to_win, self.max_steps)
        self._seeded = False
        self._renderer: PongRenderer | None = None

    def observation_space(self, agent: str) -> spaces.Box:
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Discrete:
        return self._act_space

    def reset(self, seed: int | None = None, options: dict | None = None):
        game = self._game
        if seed is not None:
            game.seed(seed)
        elif not self._seeded:
            game.seed(int(cast(int, np.random.SeedSequence().entropy) % 2**63))
        self._seeded = True
        game.new_episode()
        self.agents = self.possible_agents[:]
        if self.render_mode == "human":
            self._render_frame()
        infos = {"left": {"score": (0, 0), "events": ()}, "right": {"score": (0, 0), "events": ()}}
        return self._observations(), infos

    def step(self, actions: dict[str, Any]):
        if not self.agents:
            raise RuntimeError("step() called after the episode ended; call reset()")
        game = self._game
        a_l = check_action(actions.get("left"), self._act_space, "action for 'left'")
        a_r = check_action(actions.get("right"), self._act_space, "action for 'right'")
        s = game.state
        ev = core.physics_row(s.f, s.iv, s.rng, 0, a_l, a_r)
        point_l, point_r = float(ev & core.EV_POINT_LEFT), float(ev >> 1 & 1)
        lp = self.loss_penalty
        rewards = {
            "left": point_l - lp * point_r + self.hit_reward * float(ev >> 2 & 1),
            "right": point_r - lp * point_l + self.hit_reward * float(ev >> 3 & 1),
        }
        sl, sr = int(s.iv[0, core.SCORE_L]), int(s.iv[0, core.SCORE_R])
        terminated = sl >= self.points_to_win or sr >= self.points_to_win
        truncated = not terminated and int(s.iv[0, core.STEPS]) >= self.max_steps
        events = EVENTS[ev]
        infos: dict[str, dict[str, Any]] = {
            "left": {"score": (sl, sr), "events": events},
            "right": {"score": (sr, sl), "events": events},
        }
        if terminated or truncated:
            winner = ("left" if sl > sr else "right") if terminated else None
            for agent, info in infos.items():  # the episode-end contract (envs/spec.py)
                info["winner"] = winner
                info["is_success"] = winner == agent
        obs = self._observations()
        terms = {"left": terminated, "right": terminated}
        truncs = {"left": truncated, "right": truncated}
        if terminated or truncated:
            self.agents = []
        if self.render_mode == "human":
            self._render_frame()
        return obs, rewards, terms, truncs, infos

    def state(self) -> np.ndarray:
        return self._game.vector_obs(np.zeros(N_FEATURES, dtype=np.float32), "left")

    def _observations(self) -> dict[str, np.ndarray]:
        game, space = self._game, self._obs_space
        observe = game.vector_obs if self.obs_type == "vector" else game.pixel_obs
        return {seat: observe(np.empty(space.shape, dtype=space.dtype), seat) for seat in ("left", "right")}
