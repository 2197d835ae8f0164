"""Self-play for two-player games with SB3: the learner plays past versions of itself, rated by Elo.

As Unity ML-Agents' ghost trainer: every ``save_every_steps`` the current policy is snapshotted into a pool of the
last ``window`` snapshots; every ``swap_every_steps`` the opponent is replaced, by the latest policy with
probability ``play_against_latest_ratio``, else by a snapshot drawn uniformly from the pool. The learner's Elo
(starting at ``initial_elo``) is updated after each finished episode against the opponent's rating (the
learner's rating when the snapshot was taken) and logged as ``selfplay/elo``.

The opponent is one :class:`GhostAgent` object shared by every env of a ``DummyVecEnv`` (the env takes it as
its ``opponent`` argument and hands it the mirrored observation), so swapping it is a ``load_state_dict``.
The pool lives in memory; the Elo and step of the last snapshot are written to ``selfplay/state.json`` so a
resumed run keeps its rating.
"""

from __future__ import annotations

import copy
import logging
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from training.checkpoints import atomic_write_json, read_metadata

logger = logging.getLogger(__name__)

_LEARNER_WINS = {"left", "agent", "player", "player_0"}


def elo_update(rating: float, opponent: float, score: float, k: float) -> float:
    """New rating after one game: ``score`` is 1 (win), 0.5 (draw) or 0 (loss)."""
    expected = 1.0 / (1.0 + 10.0 ** ((opponent - rating) / 400.0))
    return rating + k * (score - expected)


class GhostAgent:
    """The opponent in self-play: a frozen copy of the learner's policy with swappable weights."""

    def __init__(self, name: str = "ghost") -> None:
        self.name = name
        self.policy: Any = None
        self.obs_stats: tuple[np.ndarray, np.ndarray] | None = None
        self.clip_obs = 10.0
        self.rating = 1200.0
        self._fallback_rng = np.random.default_rng(0)
        self.n_actions = 3

    def load(self, policy: Any, state_dict: dict[str, Any], rating: float) -> None:
        if self.policy is None:
            self.policy = copy.deepcopy(policy)
            self.policy.set_training_mode(False)
        self.policy.load_state_dict(state_dict)
        self.rating = rating

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> int:
        if self.policy is None:  # before training starts: a random player
            return int(self._fallback_rng.integers(self.n_actions))
        if self.obs_stats is not None:
            mean, var = self.obs_stats
            obs = np.clip((obs - mean) / np.sqrt(var + 1e-8), -self.clip_obs, self.clip_obs).astype(
                np.float32
            )
        action, _ = self.policy.predict(obs, deterministic=False)
        return int(action)

    def reset(self) -> None:
        pass


def _snapshot(policy: Any) -> dict[str, Any]:
    return {k: v.detach().clone() for k, v in policy.state_dict().items()}


class SelfPlayCallback(BaseCallback):
    """Keeps the snapshot pool, swaps the ghost opponent, and updates and logs the learner's Elo."""

    def __init__(self, run_dir: Path, config: Any, ghost: GhostAgent, seed: int = 0) -> None:
        super().__init__()
        self.settings = config.selfplay
        self.ghost = ghost
        self.state_path = Path(run_dir) / "selfplay" / "state.json"
        self.elo = float(self.settings.initial_elo)
        if self.state_path.is_file():
            self.elo = float(read_metadata(self.state_path).get("elo", self.elo))
        self.pool: deque[tuple[dict[str, Any], float]] = deque(maxlen=self.settings.window)
        self.rng = np.random.default_rng(seed)
        self.games = 0
        self._last_save = 0
        self._last_swap = 0

    def _on_training_start(self) -> None:
        self._last_save = self._last_swap = self.num_timesteps
        self.pool.append((_snapshot(self.model.policy), self.elo))
        self._swap()

    def _obs_stats(self) -> None:
        from stable_baselines3.common.vec_env import VecNormalize

        env = self.model.get_vec_normalize_env()
        if isinstance(env, VecNormalize) and env.norm_obs:
            self.ghost.obs_stats = (env.obs_rms.mean.copy(), env.obs_rms.var.copy())
            self.ghost.clip_obs = env.clip_obs

    def _swap(self) -> None:
        if self.rng.random() < self.settings.play_against_latest_ratio:
            state, rating = _snapshot(self.model.policy), self.elo
        else:
            state, rating = self.pool[int(self.rng.integers(len(self.pool)))]
        self.ghost.load(self.model.policy, state, rating)
        self._obs_stats()

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"]):
            if not done:
                continue
            winner = info.get("winner")
            score = 0.5 if winner is None else (1.0 if winner in _LEARNER_WINS else 0.0)
            self.elo = elo_update(self.elo, self.ghost.rating, score, self.settings.elo_k)
            self.games += 1
        if self.num_timesteps - self._last_save >= self.settings.save_every_steps:
            self._last_save = self.num_timesteps
            self.pool.append((_snapshot(self.model.policy), self.elo))
            atomic_write_json(
                self.state_path, {"elo": self.elo, "num_timesteps": self.num_timesteps, "games": self.games}
            )
        if self.num_timesteps - self._last_swap >= self.settings.swap_every_steps:
            self._last_swap = self.num_timesteps
            self._swap()
        return True

    def _on_rollout_end(self) -> None:
        self.logger.record("selfplay/elo", self.elo)
        self.logger.record("selfplay/opponent_elo", self.ghost.rating)
        self.logger.record("selfplay/games", self.games)
        self.logger.record("selfplay/pool_size", len(self.pool))
