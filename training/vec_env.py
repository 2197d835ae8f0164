"""Vectorized envs for SB3: ArcadeLab's batched numpy envs behind SB3's ``VecEnv`` API, or Dummy/SubprocVecEnv.

Gymnasium 1.x vector envs return ``(obs, reward, terminated, truncated, infos)`` with ``infos`` a dict of arrays,
and reset finished sub-envs according to ``metadata["autoreset_mode"]``:

* ``SAME_STEP``: the returned obs is already the first obs of the next episode; the last obs of the finished one
  is in ``infos["final_obs"][i]`` (and its info in ``infos["final_info"]``).
* ``NEXT_STEP`` (gymnasium's default): the returned obs is the last obs; the sub-env resets on the *next* call to
  ``step`` and ignores that action. When the vector env supports gymnasium's partial reset
  (``reset(options={"reset_mask": done})``, as ``SyncVectorEnv``/``AsyncVectorEnv`` do, or any env with
  ``supports_reset_mask = True``, as ArcadeLab's batched Snake and Pong do) the adapter resets the finished
  sub-envs right away, which is exact. Otherwise the finished row keeps its last obs for one more step; the next
  step is the env's reset step, whose action is ignored and whose reward is 0. SB3 then stores one extra
  transition per episode (last obs -> first obs, reward 0, not done) - the same approximation as feeding
  NEXT_STEP envs to SB3 directly; the episode statistics reported here skip that step.
* ``DISABLED``: partial reset (required).

SB3 wants a four-tuple with ``dones = terminated | truncated``, the obs of the new episode in the batch, and for
each finished env ``infos[i]["terminal_observation"]`` and ``infos[i]["TimeLimit.truncated"]`` (so it bootstraps
truncated episodes). Episode return and length are tracked here with numpy and reported as ``infos[i]["episode"]``
the way SB3's ``Monitor`` does, so no Python loop over envs runs per step except over finished ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from stable_baselines3.common.vec_env import VecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices, VecEnvStepReturn

from envs.spec import ActionMasked

logger = logging.getLogger(__name__)


def _autoreset_mode(env: VectorEnv) -> AutoresetMode:
    mode = env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
    return mode if isinstance(mode, AutoresetMode) else AutoresetMode(mode)


def _index(obs: Any, idx: int) -> Any:
    if isinstance(obs, dict):
        return {k: _index(v, idx) for k, v in obs.items()}
    return np.array(obs[idx], copy=True)


def _copy(obs: Any) -> Any:
    if isinstance(obs, dict):
        return {k: _copy(v) for k, v in obs.items()}
    return np.array(obs, copy=True)


def _assign(batch: Any, mask: np.ndarray, fresh: Any) -> Any:
    if isinstance(batch, dict):
        return {k: _assign(batch[k], mask, fresh[k]) for k in batch}
    batch[mask] = fresh[mask]
    return batch


def _unbatch_info(batched: dict[str, Any], i: int) -> dict[str, Any]:
    """Row ``i`` of a gymnasium vector info dict (arrays with ``_key`` presence masks, maybe nested)."""
    out: dict[str, Any] = {}
    for key, value in batched.items():
        if key.startswith("_") or key in ("final_obs", "final_info", "episode"):
            continue
        present = batched.get("_" + key)
        if present is not None and not present[i]:
            continue
        if isinstance(value, dict):
            out[key] = _unbatch_info(value, i)
        else:
            try:
                out[key] = value[i]
            except (TypeError, IndexError):
                out[key] = value
    return out


def supports_reset_mask(env: VectorEnv) -> bool:
    """Whether ``env.reset(options={"reset_mask": mask})`` resets only the masked sub-envs."""
    from gymnasium.vector import AsyncVectorEnv, SyncVectorEnv

    flag = getattr(env.unwrapped, "supports_reset_mask", None)
    if flag is not None:
        return bool(flag)
    return isinstance(env.unwrapped, (SyncVectorEnv, AsyncVectorEnv))


class GymnasiumVectorEnvAdapter(VecEnv):
    """Expose a gymnasium 1.x ``VectorEnv`` (e.g. ``envs.pong:PongVectorEnv``) as an SB3 ``VecEnv``."""

    def __init__(self, env: VectorEnv) -> None:
        self.env = env
        super().__init__(env.num_envs, env.single_observation_space, env.single_action_space)
        self.autoreset_mode = _autoreset_mode(env)
        self.partial_reset = self.autoreset_mode is AutoresetMode.DISABLED or supports_reset_mask(env)
        if self.autoreset_mode is AutoresetMode.NEXT_STEP and not self.partial_reset:
            logger.info(
                "%s: NEXT_STEP autoreset without reset_mask support; one reset step per episode is passed to SB3",
                type(env.unwrapped).__name__,
            )
        self._pending = np.zeros(self.num_envs, dtype=bool)
        self.render_mode = getattr(env, "render_mode", None)
        self._actions: np.ndarray | None = None
        self._returns = np.zeros(self.num_envs, dtype=np.float64)
        self._lengths = np.zeros(self.num_envs, dtype=np.int64)
        self._t0 = time.time()

    # -------------------------------------------------------------------------------------------- stepping

    def reset(self):
        seed = self._seeds[0] if self._seeds and self._seeds[0] is not None else None
        options = self._options[0] if self._options and self._options[0] else None
        obs, _ = self.env.reset(seed=seed, options=options)
        obs = _copy(obs)
        self._reset_seeds()
        self._reset_options()
        self._returns[:] = 0
        self._lengths[:] = 0
        self._pending[:] = False
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, vinfos = self.env.step(self._actions)
        # Batched envs may return their own state buffer; SB3 (DQN's replay buffer) keeps references to obs.
        obs = _copy(obs)
        terminated = np.asarray(terminated, dtype=bool)
        truncated = np.asarray(truncated, dtype=bool)
        rewards = np.asarray(rewards, dtype=np.float32)
        dones = terminated | truncated
        self._returns += rewards
        if self._pending.any():  # rows that just did the env's NEXT_STEP reset step (not part of an episode)
            self._lengths += ~self._pending
            self._pending[:] = False
        else:
            self._lengths += 1
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if dones.any():
            done_idx = np.flatnonzero(dones)
            if self.autoreset_mode is AutoresetMode.SAME_STEP:
                final_info = vinfos.get("final_info", {})
                terminal = {i: _index(vinfos["final_obs"], i) for i in done_idx}
            else:
                final_info = vinfos
                terminal = {i: _index(obs, i) for i in done_idx}
                if self.partial_reset:
                    # Only the finished sub-envs start a new episode; the others are untouched.
                    fresh, _ = self.env.reset(options={"reset_mask": dones.copy()})
                    obs = _assign(obs, dones, _copy(fresh))
                else:
                    self._pending = dones.copy()
            elapsed = round(time.time() - self._t0, 6)
            for i in done_idx:
                info = infos[i]
                info.update(_unbatch_info(final_info, i))
                info["terminal_observation"] = terminal[i]
                info["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
                info["episode"] = {"r": float(self._returns[i]), "l": int(self._lengths[i]), "t": elapsed}
            self._returns[dones] = 0
            self._lengths[dones] = 0
        return obs, rewards, dones, infos

    def close(self) -> None:
        self.env.close()

    # --------------------------------------------------------------------------------------- attributes

    def _target(self, indices: VecEnvIndices) -> list[int]:
        return list(self._get_indices(indices))

    def has_attr(self, attr_name: str) -> bool:
        return hasattr(self.env, attr_name)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self.env, attr_name)
        return [value for _ in self._target(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.env, attr_name, value)

    def env_method(
        self, method_name: str, *method_args, indices: VecEnvIndices = None, **method_kwargs
    ) -> list[Any]:
        """Call the batched method once; a per-env result (leading axis = num_envs) is split per env.

        ``env_method("action_masks")`` (what MaskablePPO calls) returns the rows of the ``(num_envs, n)`` mask.
        """
        result = getattr(self.env, method_name)(*method_args, **method_kwargs)
        targets = self._target(indices)
        if isinstance(result, np.ndarray) and result.ndim >= 1 and result.shape[0] == self.num_envs:
            return [result[i] for i in targets]
        return [result for _ in targets]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._target(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        if self.render_mode != "rgb_array":
            return [None] * self.num_envs
        frame: Any = self.env.render()  # gymnasium types it with an unbound TypeVar
        if frame is None:
            return [None] * self.num_envs
        frames = np.asarray(frame)
        return list(frames) if frames.ndim == 4 else [frames] + [None] * (self.num_envs - 1)

    def action_masks(self) -> np.ndarray:
        if not isinstance(self.env, ActionMasked):
            raise AttributeError(f"{type(self.env).__name__} has no action_masks()")
        return np.asarray(self.env.action_masks(), dtype=bool)


def uses_batched_env(env_id: str, vec_env: str, n_envs: int) -> bool:
    """Whether ``env_id`` will be run as one batched numpy env (its spec has a ``vector_entry_point``)."""
    spec = gym.spec(env_id)
    if vec_env == "batched" and not spec.vector_entry_point:
        from training.config import ConfigError

        raise ConfigError(
            f"field 'vec_env': {env_id} has no batched version; use 'auto', 'dummy' or 'subproc'"
        )
    return vec_env in ("auto", "batched") and bool(spec.vector_entry_point)


def _make_single(env_id: str, env_kwargs: dict[str, Any], render_mode: str | None = None):
    from stable_baselines3.common.monitor import Monitor

    def factory() -> gym.Env:
        import envs  # noqa: F401  (registers the ids in subprocesses)

        kwargs = dict(env_kwargs)
        if render_mode is not None:
            kwargs["render_mode"] = render_mode
        return Monitor(gym.make(env_id, **kwargs))

    return factory


def build_vec_env(
    env_id: str,
    env_kwargs: dict[str, Any],
    n_envs: int,
    seed: int,
    vec_env: str = "auto",
) -> VecEnv:
    """Batched numpy env behind the adapter when the env has one, else Dummy/SubprocVecEnv of Monitor'ed envs.

    Images are made channel-first with ``VecTransposeImage`` here (as SB3 would do itself) so the training
    and evaluation envs have the same wrappers.
    """
    from stable_baselines3.common.preprocessing import is_image_space, is_image_space_channels_first
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecTransposeImage

    import envs  # noqa: F401

    venv: VecEnv | None = None
    if uses_batched_env(env_id, vec_env, n_envs):
        try:
            venv = GymnasiumVectorEnvAdapter(
                gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="vector_entry_point", **env_kwargs)
            )
        except ValueError as exc:
            if vec_env == "batched":
                from training.config import ConfigError

                raise ConfigError(
                    f"field 'vec_env': the batched {env_id} refuses these env_kwargs: {exc}"
                ) from None
            # e.g. pixel observations: the batched envs are vector-only; one env per game then.
            logger.info("batched %s refused env_kwargs (%s); using DummyVecEnv", env_id, exc)
    if venv is None and vec_env == "subproc" and n_envs > 1:
        venv = SubprocVecEnv([_make_single(env_id, env_kwargs) for _ in range(n_envs)])
    elif venv is None:
        venv = DummyVecEnv([_make_single(env_id, env_kwargs) for _ in range(n_envs)])
    venv.seed(seed)
    space = venv.observation_space
    if isinstance(space, gym.spaces.Box) and is_image_space(space) and not is_image_space_channels_first(space):
        venv = VecTransposeImage(venv)
    return venv
