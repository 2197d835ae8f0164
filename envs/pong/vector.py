"""``PongVectorEnv``: ``num_envs`` courts as one ``PongState``, stepped by one compiled call per step.

The rules are the same kernels ``PongEnv`` runs on its one-row state, so row ``i`` after ``reset(seed=s)`` is
bit-identical to ``PongEnv().reset(seed=s + i)`` stepped with the same actions (``tests/test_pong.py``).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs.batched import reset_rows, row_seeds, scalar_seed
from envs.checks import check_int
from envs.episode import add_vector_outcome
from envs.pong import core
from envs.pong.core import N_FEATURES, OPPONENTS, PongState
from envs.pong.env import TrackerSkill, check_common, vector_space
from envs.rng import key_from_seed_array


def _column(col: int, doc: str) -> property:
    return property(lambda self: self._state.f[:, col], doc=doc + " of every row (a view of the state)")


class PongVectorEnv(TrackerSkill, VectorEnv):
    """``num_envs`` Pong games against the built-in opponent, stepped together by one compiled call
    (``core.step_batch``).

    Same rules, observations, rewards, infos and arguments as ``PongEnv`` (see its docstring), with these limits:
    ``opponent`` is ``"tracker"`` or ``"random"`` only (no Agent objects: they would need a Python loop),
    ``obs_type`` is ``"vector"`` only, and there is no rendering (``render_mode`` must be None).

    Autoreset: ``AutoresetMode.NEXT_STEP`` (Gymnasium's default). The step that ends an episode returns its last
    observation with ``terminated``/``truncated`` set; the next step ignores that row's action, resets it
    (continuing its random stream, like ``PongEnv.reset()`` without a seed) and returns the first observation of
    the new episode with reward 0 and both flags False.

    Partial reset: ``reset(options={"reset_mask": mask})`` resets only the masked rows (as Gymnasium's
    ``SyncVectorEnv`` does), e.g. right after they finished, so no reset step is spent on them.

    Seeding rule: ``reset(seed=s)`` keys row ``i`` with ``s + i`` (a list of ``num_envs`` seeds is also accepted),
    so row ``i`` reproduces ``PongEnv(...).reset(seed=s + i)`` bit for bit under the same actions.

    Infos: ``score`` is an ``(num_envs, 2)`` int array (left, right) with mask ``_score``; on steps where some row
    terminates, ``winner`` (``"left"``/``"right"``, ``""`` elsewhere) with mask ``_winner`` marks those rows,
    and on steps where some row ends, ``is_success`` (the agent won) with mask ``_is_success`` on those rows.
    There is no ``events`` (the single envs' per-step hits, bounces and points): per-row event arrays would cost
    every step, and rewards and ``score`` already carry the points.
    Returned arrays are never changed by later calls (written once by the compiled step, not copied); the
    observation array is reused only once the caller has let go of it.
    """

    metadata: dict[str, Any] = {
        "render_modes": [],
        "render_fps": 60,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }
    supports_reset_mask = True  # reset(options={"reset_mask": mask}) resets only those rows

    bx = _column(core.BX, "ball centre x")
    by = _column(core.BY, "ball centre y")
    vx = _column(core.VX, "ball x velocity")
    vy = _column(core.VY, "ball y velocity")
    speed = _column(core.SPEED, "ball speed")
    pl = _column(core.PL, "left paddle centre y")
    pr = _column(core.PR, "right paddle centre y")

    def __init__(
        self,
        num_envs: int = 1,
        render_mode: str | None = None,
        obs_type: str = "vector",
        points_to_win: int = 11,
        max_steps: int = 10_000,
        opponent: str = "tracker",
        opponent_skill: float = 0.7,
        hit_reward: float = 0.0,
        loss_penalty: float = 1.0,
    ) -> None:
        n = check_int("num_envs", num_envs, 1)
        if render_mode is not None:
            raise ValueError(
                f"render_mode must be None for PongVectorEnv (no rendering), got {render_mode!r}"
            )
        check_common(None, obs_type, points_to_win, max_steps, hit_reward, (), loss_penalty)
        if obs_type != "vector":
            raise ValueError(f"obs_type must be 'vector' for PongVectorEnv, got {obs_type!r}")
        if not isinstance(opponent, str) or opponent not in OPPONENTS:
            raise ValueError(f"opponent must be one of {OPPONENTS} for PongVectorEnv, got {opponent!r}")
        self.num_envs = n
        self.render_mode = None
        self.obs_type = obs_type
        self.points_to_win = int(points_to_win)
        self.max_steps = int(max_steps)
        self.opponent = opponent
        self.opponent_skill = opponent_skill  # checked, and the tracker's aim and delay derived (TrackerSkill)
        self.hit_reward = float(hit_reward)
        self.loss_penalty = float(loss_penalty)
        self._opp_mode = core.OPP_TRACKER if opponent == "tracker" else core.OPP_RANDOM
        self.single_action_space = spaces.Discrete(3)
        self.action_space = batch_space(self.single_action_space, n)
        self.single_observation_space = vector_space()
        self.observation_space = batch_space(self.single_observation_space, n)
        self._state = PongState(n, core.HIST_LEN)
        self._pending = np.zeros(n, dtype=bool)  # rows that ended last step: NEXT_STEP autoreset
        self._score_mask = np.ones(n, dtype=bool)
        self._seeded = False
        self._given: np.ndarray | None = None  # the last observations returned (see _out_obs)

    @property
    def score(self) -> np.ndarray:
        """``(num_envs, 2)`` points (left, right), a view of the state."""
        return self._state.iv[:, core.SCORE_L : core.SCORE_R + 1]

    @property
    def steps(self) -> np.ndarray:
        return self._state.iv[:, core.STEPS]

    @property
    def keys(self) -> np.ndarray:
        return self._state.rng[:, core.KEY]

    @property
    def counters(self) -> np.ndarray:
        return self._state.rng[:, core.COUNTER]

    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        """Reset every row, or with ``options={"reset_mask": mask}`` only the masked rows (the others keep
        their state; their rows of the returned observation are unchanged). ``seed`` keys row ``i`` with
        ``seed + i`` (only the reset rows are re-keyed); without it each row continues its stream."""
        n = self.num_envs
        rows = reset_rows(n, options, self._seeded)
        seeds = row_seeds(n, seed)
        super().reset(seed=scalar_seed(seed))
        s = self._state
        if seeds is not None:
            s.rng[rows, core.KEY] = key_from_seed_array(seeds[rows].astype(np.uint64))
            s.rng[rows, core.COUNTER] = 0
        elif not self._seeded:
            s.rng[:, core.KEY] = key_from_seed_array(self.np_random.integers(2**63, size=n, dtype=np.uint64))
            s.rng[:, core.COUNTER] = 0
        self._seeded = True
        core.reset_rows(s.f, s.iv, s.rng, s.hist, rows)
        self._pending[rows] = False
        obs = np.empty((n, N_FEATURES), dtype=np.float32)
        score = np.empty((n, 2), dtype=np.int64)
        core.write_outputs(s.f, s.iv, obs, score)
        return obs, {"score": score, "_score": self._score_mask.copy()}

    def _out_obs(self) -> np.ndarray:
        """Where this step's observations go: last step's array again if the caller dropped every reference to
        it (only this env still refers to it, so no one can see it change), else a new one. At 4096 envs a new
        128 KiB array each step is a fresh mmap whose page faults cost more than a tenth of the step."""
        given = self._given
        if given is None or sys.getrefcount(given) > 3:  # 3: the attribute, the local and getrefcount's argument
            given = self._given = np.empty((self.num_envs, N_FEATURES), dtype=np.float32)
        return given

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_given"] = None
        return state

    def step(self, actions):
        if not self._seeded:
            raise RuntimeError("PongVectorEnv.step() called before reset()")
        n = self.num_envs
        a = actions if type(actions) is np.ndarray else np.asarray(actions)
        if a.shape != (n,) or a.dtype.kind not in "iu":
            raise ValueError(f"invalid actions {actions!r}: expected {n} ints in {self.single_action_space}")
        s = self._state
        # outputs no caller can see change (they may keep them), written once by the kernel: no copies
        obs = self._out_obs()
        rewards = np.empty(n, dtype=np.float64)
        terminated = np.empty(n, dtype=np.bool_)
        truncated = np.empty(n, dtype=np.bool_)
        score = np.empty((n, 2), dtype=np.int64)
        n_term = core.step_batch(
            s.f, s.iv, s.rng, s.hist, a, self._pending, self._opp_mode, self._aim_scale, self._delay,
            self.points_to_win, self.max_steps, self.hit_reward, self.loss_penalty, obs, rewards, terminated,
            truncated, score,
        )  # fmt: skip
        if n_term < 0:
            raise ValueError(f"invalid actions {actions!r}: expected {n} ints in {self.single_action_space}")
        infos: dict[str, Any] = {"score": score, "_score": self._score_mask.copy()}
        if n_term:  # with thousands of rows some row ends on most steps, so this path is hot too
            winner = np.zeros(n, dtype="<U5")  # "" everywhere; np.full(n, "") would be 4x slower
            rows = np.flatnonzero(terminated)
            winner[rows] = np.where(score[rows, 0] > score[rows, 1], "left", "right")
            infos["winner"], infos["_winner"] = winner, terminated.copy()
        won = terminated & (score[:, 0] > score[:, 1])  # the episode-end contract (envs/spec.py)
        return obs, rewards, terminated, truncated, add_vector_outcome(infos, terminated, truncated, won)
