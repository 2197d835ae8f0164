"""``SnakeVersusVectorEnv``: ``num_envs`` versus boards as one ``VersusState``, the compiled greedy planner driving
every row's other snake, stepped by one compiled call per step (``versus_core.step_batch``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs import rng
from envs.batched import reset_rows, row_seeds
from envs.checks import check_int
from envs.episode import add_vector_outcome
from envs.snake import versus_core as vc
from envs.snake.core import MASKS
from envs.snake.env import check_common
from envs.snake.render import RENDER_FPS
from envs.snake.versus import check_limits, versus_spaces
from envs.snake.versus_core import VersusState


class SnakeVersusVectorEnv(VectorEnv):
    """``num_envs`` ``SnakeVersusEnv`` games against the built-in greedy opponent, stepped together.

    Same rules, observations (vector only), rewards and arguments as ``SnakeVersusEnv`` (see its manual) with
    ``opponent="greedy"``: the planner runs inside the compiled step for every row, no Python loop over envs.
    ``action_space`` is ``MultiDiscrete([4] * num_envs)``; no rendering (``render_mode`` must be None).

    Randomness: each row draws its start row and its food from its own counter-based stream (``envs/rng.py``);
    ``reset(seed=s)`` keys row ``i`` with ``s + i`` (or ``seed[i]`` for a list). These are not the draws
    ``SnakeVersusEnv`` makes (it uses its ``np_random``), so rows do not replay single-env games; the rules are
    the same kernels.

    Autoreset: ``AutoresetMode.NEXT_STEP`` (the step after an end only restarts that row: reward 0, flags
    False). Partial reset: ``reset(options={"reset_mask": mask})`` resets only the masked rows.

    Infos: per-row arrays ``length``, ``opponent_length``, ``score``, ``heading``, ``dead`` (``(num_envs, 2)``:
    own, other), ``action_mask`` (``(num_envs, 4)``) and ``illegal_action``. Observations are a fresh
    ``(num_envs, 11, size, size)`` uint8 array per call, written once by the kernel (``copy=False``: one reused
    buffer).
    """

    metadata: dict[str, Any] = {
        "render_modes": [],
        "render_fps": RENDER_FPS,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }
    supports_reset_mask = True
    # Rows do not replay SnakeVersusEnv games (see "Randomness"); tests/test_env_conformance.py then holds each
    # row to the one-row batched env seeded s + i instead.
    replays_single_env = False

    def __init__(
        self,
        num_envs: int = 1,
        size: int = 12,
        max_steps: int | None = None,
        starvation_steps: int | None = None,
        obs_type: str = "vector",
        render_mode: str | None = None,
        opponent: str = "greedy",
        copy: bool = True,
    ) -> None:
        self.num_envs = check_int("num_envs", num_envs, 1)
        if render_mode is not None:
            raise ValueError(
                f"render_mode must be None for SnakeVersusVectorEnv (no rendering), got {render_mode!r}"
            )
        self.size = check_common(None, obs_type, size, ())
        if obs_type != "vector":
            raise ValueError(f"obs_type must be 'vector' for SnakeVersusVectorEnv, got {obs_type!r}")
        if opponent != "greedy":
            raise ValueError(f"opponent must be 'greedy' for SnakeVersusVectorEnv, got {opponent!r}")
        self.max_steps, self.starvation_steps = check_limits(self.size, max_steps, starvation_steps)
        self.render_mode = None
        self.obs_type = obs_type
        self.opponent = opponent
        self.copy = bool(copy)
        single_action, single_obs = versus_spaces(self.size, obs_type)
        self.single_action_space, self.single_observation_space = single_action, single_obs
        self.action_space = batch_space(single_action, self.num_envs)
        self.observation_space = batch_space(single_obs, self.num_envs)
        self._state = VersusState(self.num_envs, self.size)
        self._obs = np.zeros((self.num_envs, *single_obs.shape), dtype=np.uint8)
        self._seeded = False

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None):
        """Reset every row, or with ``options={"reset_mask": mask}`` only the masked rows (the others keep their
        state and streams). ``seed`` keys the reset rows; without it each row continues its stream."""
        rows, seeds = reset_rows(self.num_envs, options, self._seeded), row_seeds(self.num_envs, seed)
        s = self._state
        if seeds is not None:
            s.rng[rows, vc.KEY] = rng.key_from_seed_array(seeds[rows])
            s.rng[rows, vc.COUNTER] = 0
        elif not self._seeded:
            base = int(np.random.default_rng().integers(2**62))
            s.rng[:, vc.KEY] = rng.key_from_seed_array(np.arange(self.num_envs, dtype=np.int64) + base)
            s.rng[:, vc.COUNTER] = 0
        self._seeded = True
        vc.reset_rows_drawn(s.bodies, s.occ, s.vi, s.rng, rows, self.size)
        obs, info = self._outputs()
        vc.write_outputs(s.bodies, s.vi, self.size, obs, *self._info_arrays(info))
        info["illegal_action"] = np.zeros(self.num_envs, dtype=bool)
        return obs, info

    def step(self, actions: Any):
        if not self._seeded:
            raise RuntimeError("SnakeVersusVectorEnv: call reset() before step()")
        a = actions if type(actions) is np.ndarray else np.asarray(actions)
        e = self.num_envs
        if a.shape != (e,) or a.dtype.kind not in "iu":
            raise ValueError(f"actions must be {e} ints in {self.single_action_space}, got {actions!r}")
        s = self._state
        obs, info = self._outputs()
        rewards = np.empty(e, np.float32)
        terminated, truncated, illegal = np.empty(e, np.bool_), np.empty(e, np.bool_), np.empty(e, np.bool_)
        info["illegal_action"] = illegal
        status = vc.step_batch(
            s.bodies, s.occ, s.vi, s.rng, s.nbr, s.work, self.size, a, self.max_steps, self.starvation_steps, obs,
            rewards, terminated, truncated, illegal, *self._info_arrays(info),
        )  # fmt: skip
        if status < 0:
            raise ValueError(f"actions must be {e} ints in {self.single_action_space}, got {actions!r}")
        dead = info["dead"]  # own, other: the agent (snake_0) wins when only the other snake died
        won = dead[:, 1] & ~dead[:, 0]
        return obs, rewards, terminated, truncated, add_vector_outcome(info, terminated, truncated, won)

    def action_masks(self) -> np.ndarray:
        """``(num_envs, 4)`` bool: legal actions per row (all but reversing into the neck)."""
        return MASKS[self._state.vi[:, vc.D0]]

    def _outputs(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        e = self.num_envs
        obs = np.empty_like(self._obs) if self.copy else self._obs
        info = {
            "length": np.empty(e, np.int64),
            "opponent_length": np.empty(e, np.int64),
            "score": np.empty(e, np.int64),
            "heading": np.empty(e, np.int64),
            "dead": np.empty((e, 2), np.bool_),
            "action_mask": np.empty((e, 4), np.bool_),
        }
        return obs, info

    @staticmethod
    def _info_arrays(info: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        return (info["length"], info["opponent_length"], info["score"], info["heading"], info["dead"],
                info["action_mask"])  # fmt: skip
