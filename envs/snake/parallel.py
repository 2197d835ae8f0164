"""``SnakeVersusParallelEnv``: the versus game for two learners, a PettingZoo ``ParallelEnv`` over ``VersusGame``."""

from __future__ import annotations

from typing import Any

from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from envs.snake.env import check_common, coerce_action
from envs.snake.render import RENDER_FPS, BoardRenderer
from envs.snake.versus import AGENTS, VersusGame, VersusRendering, check_limits, versus_spaces, versus_winner


class SnakeVersusParallelEnv(VersusRendering, ParallelEnv):
    """The versus game for two learners: a PettingZoo ``ParallelEnv`` with agents ``snake_0`` and ``snake_1``.

    Same rules, rewards and arguments as ``SnakeVersusEnv`` (both run ``VersusGame``), minus ``opponent``.
    Each agent observes from its own perspective (its snake in planes 0-4); ``infos[agent]`` has the same keys
    as ``SnakeVersusEnv``'s info, from that agent's side (``dead`` is ``(own, other)``, ``length`` its own
    snake's), and ``action_mask`` gives its legal moves. When the game ends both agents are done and ``agents``
    becomes empty. ``draw_surface()`` gives the current frame as a pygame ``Surface``.
    """

    metadata: dict[str, Any] = {
        "render_modes": ["human", "rgb_array"],
        "render_fps": RENDER_FPS,
        "name": "snake_versus_v0",
    }

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        size: int = 12,
        max_steps: int | None = None,
        starvation_steps: int | None = None,
    ) -> None:
        self.size = check_common(render_mode, obs_type, size, self.metadata["render_modes"])
        n = self.size
        self.max_steps, self.starvation_steps = check_limits(n, max_steps, starvation_steps)
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        action_space, observation_space = versus_spaces(n, obs_type)
        self.observation_spaces = {a: observation_space for a in self.possible_agents}
        self.action_spaces = {a: action_space for a in self.possible_agents}
        self._game = VersusGame(n, self.max_steps, self.starvation_steps)
        self._np_random, _ = seeding.np_random(None)
        self._renderer: BoardRenderer | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._np_random, _ = seeding.np_random(seed)
        self._game.reset(self._np_random)
        self.agents = list(self.possible_agents)
        if self.render_mode == "human":
            self._show()
        observations = {
            a: self._game.observation(k, self.obs_type) for k, a in enumerate(self.possible_agents)
        }
        infos = {a: self._info(k, False) for k, a in enumerate(self.possible_agents)}
        return observations, infos

    def step(self, actions: dict[str, Any]):
        if not self.agents:
            raise RuntimeError("SnakeVersusParallelEnv: the game has ended; call reset() before step()")
        missing = [a for a in self.possible_agents if a not in actions]
        if missing:
            raise ValueError(f"actions needed for every agent, missing {missing}")
        a0, a1 = (coerce_action(actions[a], self.action_spaces[a]) for a in self.possible_agents)
        rewards, terminated, truncated, illegal, _ = self._game.step((a0, a1), self._np_random)
        agents = self.possible_agents
        observations = {a: self._game.observation(k, self.obs_type) for k, a in enumerate(agents)}
        infos = {a: self._info(k, illegal[k]) for k, a in enumerate(agents)}
        if terminated or truncated:  # the episode-end contract (envs/spec.py)
            dead = self._game.dead
            winner = versus_winner(bool(dead[0]), bool(dead[1]))
            for agent, info in infos.items():
                info["winner"] = winner
                info["is_success"] = winner == agent
        result = (
            observations,
            {a: rewards[k] for k, a in enumerate(agents)},
            dict.fromkeys(agents, terminated),
            dict.fromkeys(agents, truncated),
            infos,
        )
        if terminated or truncated:
            self.agents = []
        if self.render_mode == "human":
            self._show()
        return result

    def _info(self, who: int, illegal: bool) -> dict[str, Any]:
        info = self._game.info(who)
        info["illegal_action"] = illegal
        return info
