"""``SnakeVectorEnv``: ``num_envs`` Snake boards as one ``SnakeState``, stepped by one compiled call per step.

The rules are the kernels ``SnakeEnv`` runs on its one-row state, so row ``i`` after ``reset(seed=s)`` is
bit-identical to ``SnakeEnv().reset(seed=s + i)`` stepped with the same actions (``tests/test_snake.py``).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs import rng
from envs.batched import reset_rows, row_seeds
from envs.checks import check_int
from envs.episode import add_vector_outcome
from envs.snake import core
from envs.snake.core import MASKS, SnakeState
from envs.snake.env import check_common, observation_space
from envs.snake.render import PALETTE, RENDER_FPS, checker, pixels


class SnakeVectorEnv(VectorEnv):
    """``num_envs`` Snake games stepped together by one compiled call (``core.step_batch``, no Python loop).

    Same rules, spaces, rewards and arguments as ``SnakeEnv`` (see its manual); ``action_space`` is
    ``MultiDiscrete([4] * num_envs)``. State is the ``SnakeState`` arrays with a leading env axis that ``SnakeEnv``
    keeps for its one row, stepped by the same kernels, so the two cannot drift apart. Food goes on a random free
    cell drawn per env from ``envs/rng.py`` (rejection sampling, then the k-th free cell).

    Seeding: ``reset(seed=s)`` seeds env ``i`` with ``s + i`` (a list seeds each env with its entry); env ``i``
    then replays ``SnakeEnv().reset(seed=s + i)`` exactly, including the episodes after each autoreset
    (``SnakeEnv.reset()`` without a seed continues the same random stream).

    Autoreset: ``AutoresetMode.NEXT_STEP`` (Gymnasium's default). The step that ends an episode returns its
    real last observation with ``terminated``/``truncated`` set; the next ``step`` resets that env (its action
    is ignored) and returns the first observation of the new episode with reward 0 and both flags False.

    Partial reset: ``reset(options={"reset_mask": mask})`` resets only the masked envs (as Gymnasium's
    ``SyncVectorEnv`` does; ``supports_reset_mask = True`` tells ``training/vec_env.py``), e.g. right after they
    finished, so no reset step is spent on them. Their new games come from the same per-env random streams as an
    autoreset; the other envs are untouched. No Python loop over envs either.

    Observations: by default each call returns a ``(num_envs, 6, size, size)`` uint8 array no one else holds, as
    Gymnasium's vector envs do: a new one, or the one returned last time if the caller has dropped every reference
    to it (nobody can see it change; a fresh 3.5 MB array per step at 4096 envs would cost page faults). The
    kernel writes it from the state, so there is no copy to make. ``copy=False`` always reuses the env's own
    buffer, overwritten by the next ``step``: safe for a trainer that copies into its rollout buffer at once,
    wrong for one that keeps references.

    Speed: one compiled call per step (rules, autoreset, observations and info arrays, action check included).

    ``infos`` holds per-env arrays ``length``, ``score``, ``illegal_action`` and ``action_mask``
    (``(num_envs, 4)``); every env has every key, so there are no ``_key`` masks. Rendering is numpy frames only
    (``render()``), no pygame ``draw_surface()``.
    """

    metadata: dict[str, Any] = {
        "render_modes": ["rgb_array"],
        "render_fps": RENDER_FPS,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }
    single_action_space: spaces.Discrete
    single_observation_space: spaces.Box
    supports_reset_mask = True  # reset(options={"reset_mask": mask}) resets only those envs

    def __init__(
        self,
        num_envs: int = 1,
        size: int = 12,
        max_steps: int | None = None,
        starvation_steps: int | None = None,
        obs_type: str = "vector",
        render_mode: str | None = None,
        copy: bool = True,
    ) -> None:
        self.num_envs = check_int("num_envs", num_envs, 1)
        self.size = check_common(render_mode, obs_type, size, self.metadata["render_modes"])
        n = self.size
        self.max_steps = check_int("max_steps", 100 * n * n if max_steps is None else max_steps, 1)
        self.starvation_steps = check_int(
            "starvation_steps", 4 * n * n if starvation_steps is None else starvation_steps, 1
        )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.copy = bool(copy)
        self.single_action_space = spaces.Discrete(4)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.single_observation_space = observation_space(n, obs_type)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self._state = SnakeState(self.num_envs, n)
        self._vector = obs_type == "vector"
        self._floor = checker(n)
        # The kernel writes vector observations here (copy=False) or into a fresh array (copy=True); pixel envs
        # pass a placeholder it never touches.
        obs_shape = (self.num_envs, *self.single_observation_space.shape) if self._vector else (1, 1, 1, 1)
        self._obs = np.zeros(obs_shape, dtype=np.uint8)
        self._fresh = (
            self._vector and self.copy
        )  # an array per call no one else holds (else the kernel writes _obs)
        self._given: np.ndarray | None = None  # the observation array returned last (see _out_obs)
        self._seeded = False

    # State columns, as views (tools and tests read them).
    @property
    def _codes2d(self) -> np.ndarray:
        return self._state.codes

    @property
    def _keys(self) -> np.ndarray | None:
        return self._state.rng[:, core.KEY] if self._seeded else None

    @property
    def _counters(self) -> np.ndarray:
        return self._state.rng[:, core.COUNTER]

    @property
    def _length(self) -> np.ndarray:
        return self._state.iv[:, core.LENGTH]

    @property
    def _dir(self) -> np.ndarray:
        """Heading per env (0 up, 1 right, 2 down, 3 left)."""
        return self._state.iv[:, core.DIR]

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None):
        """Reset every env, or with ``options={"reset_mask": mask}`` (a ``(num_envs,)`` bool array) only the
        masked envs, as Gymnasium's ``SyncVectorEnv`` does: the other envs keep their state and random streams
        (their rows of the returned observation are unchanged), and the next ``step`` steps them as usual.

        A reset env draws its new game from its own stream exactly as a NEXT_STEP autoreset would, so env ``i``
        still equals a ``SnakeEnv`` that calls ``reset()`` at the same moment. ``seed`` keys env ``i`` with
        ``seed + i`` (or ``seed[i]`` for a list); with a mask only the masked envs are re-keyed. The first reset
        starts every env whatever the mask.
        """
        rows, seeds = reset_rows(self.num_envs, options, self._seeded), row_seeds(self.num_envs, seed)
        s = self._state
        if seeds is not None:
            s.rng[rows, core.KEY] = rng.key_from_seed_array(seeds[rows])
            s.rng[rows, core.COUNTER] = 0
        elif not self._seeded:
            base = int(np.random.default_rng().integers(2**62))
            s.rng[:, core.KEY] = rng.key_from_seed_array(np.arange(self.num_envs, dtype=np.int64) + base)
            s.rng[:, core.COUNTER] = 0
        self._seeded = True
        core.reset_rows(s.codes, s.iv, s.rng, s.tab, rows, self.size)
        e = self.num_envs
        obs = self._out_obs()
        length, score, masks = np.empty(e, np.int64), np.empty(e, np.int64), np.empty((e, 4), np.bool_)
        core.write_outputs(s.codes, s.iv, s.tab, self.size, self._vector, obs, length, score, masks)
        info = {
            "length": length,
            "score": score,
            "action_mask": masks,
            "illegal_action": np.zeros(e, dtype=bool),
        }
        return self._observation(obs), info

    def step(self, actions: Any):
        if not self._seeded:
            raise RuntimeError("SnakeVectorEnv: call reset() before step()")
        a = actions if type(actions) is np.ndarray else np.asarray(actions)
        e = self.num_envs
        if a.shape != (e,) or a.dtype.kind not in "iu":
            raise ValueError(f"actions must be {e} ints in {self.single_action_space}, got {actions!r}")
        s = self._state
        obs = self._out_obs()
        rewards = np.empty(e, np.float32)
        terminated, truncated, illegal = np.empty(e, np.bool_), np.empty(e, np.bool_), np.empty(e, np.bool_)
        length, score, masks = np.empty(e, np.int64), np.empty(e, np.int64), np.empty((e, 4), np.bool_)
        status = core.step_batch(
            s.codes, s.iv, s.rng, s.tab, self.size, a, self.max_steps, self.starvation_steps, self._vector, obs,
            rewards, terminated, truncated, illegal, length, score, masks,
        )  # fmt: skip
        if status < 0:
            raise ValueError(f"actions must be {e} ints in {self.single_action_space}, got {actions!r}")
        info = {"length": length, "score": score, "action_mask": masks, "illegal_action": illegal}
        full = terminated & (length == self.size * self.size)  # the episode-end contract: a full board wins
        info = add_vector_outcome(info, terminated, truncated, full)
        return self._observation(obs), rewards, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """``(num_envs, 4)`` bool: legal actions per env (all but reversing into the neck)."""
        return MASKS[self._state.iv[:, core.DIR]]

    def render(self):
        """A tuple with one ``(H, W, 3)`` uint8 frame per env (numpy palette frames, upscaled)."""
        if self.render_mode != "rgb_array":
            return None
        codes = self._state.codes
        return tuple(
            np.repeat(np.repeat(pixels(codes[i], self._floor, PALETTE, self.size), 2, 0), 2, 1)
            for i in range(self.num_envs)
        )

    # -- internals ---------------------------------------------------------------------------------------------

    def _out_obs(self) -> np.ndarray:
        """Where the kernel writes this step's vector observations (it writes every byte).

        With ``copy=True`` every call must return an array no one else can see change. If the caller dropped the
        last one (only this env still refers to it), no one can, so it is reused: a fresh 3.5 MB array per step
        at 4096 envs is a fresh mmap, whose page faults cost more than the whole step. Otherwise a new one.
        """
        if not self._fresh:
            return self._obs
        if self._given is None or sys.getrefcount(self._given) > 2:  # 2: this attribute + the argument
            self._given = np.empty_like(self._obs)
        return self._given

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_given"] = None
        return state

    def _observation(self, obs: np.ndarray) -> np.ndarray:
        if self._vector:
            return obs
        frames = pixels(self._state.codes, self._floor, PALETTE, self.size)
        return frames.reshape(self.num_envs, *self.single_observation_space.shape)
