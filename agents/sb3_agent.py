"""A trained Stable-Baselines3 policy behind the ``Agent`` interface."""

from __future__ import annotations

import inspect
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # SB3 is imported when a model loads, not with the package
    from stable_baselines3.common.base_class import BaseAlgorithm

logger = logging.getLogger(__name__)

# Algorithm class per name written in the JSON sidecar of every zip the trainer saves.
_ALGOS = {
    "ppo": ("stable_baselines3", "PPO"),
    "a2c": ("stable_baselines3", "A2C"),
    "dqn": ("stable_baselines3", "DQN"),
    "maskable_ppo": ("sb3_contrib", "MaskablePPO"),
}
# Training-only objects SB3 keeps cloudpickled in the zip's "data"; an agent never needs them.
_TRAINING_ONLY = {
    "learning_rate": 0.0,
    "lr_schedule": lambda _: 0.0,
    "clip_range": lambda _: 0.0,
    "clip_range_vf": None,
    "exploration_schedule": lambda _: 0.0,
    "_last_obs": None,
    "_last_original_obs": None,
    "_last_episode_starts": None,
    "ep_info_buffer": None,
    "ep_success_buffer": None,
    "rollout_buffer_class": None,
    "replay_buffer_class": None,
    "action_noise": None,
    "train_freq": 1,
}


ACTIVATIONS = ("tanh", "relu", "elu", "leaky_relu", "gelu", "silu")


def policy_kwargs_from_dict(policy_kwargs: dict[str, Any]) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` from their config form: activation names -> torch classes, ``None``s dropped."""
    from torch import nn

    activations = {
        "tanh": nn.Tanh,
        "relu": nn.ReLU,
        "elu": nn.ELU,
        "leaky_relu": nn.LeakyReLU,
        "gelu": nn.GELU,
        "silu": nn.SiLU,
    }
    kwargs: dict[str, Any] = {}
    for key, value in policy_kwargs.items():
        if value is None:
            continue
        if key == "activation_fn":
            value = activations[value]
        elif key == "net_arch":
            value = {k: list(v) for k, v in value.items()} if isinstance(value, dict) else list(value)
        elif key == "features_extractor":
            from agents.features import FEATURES_EXTRACTORS

            key, value = "features_extractor_class", FEATURES_EXTRACTORS[value]
        kwargs[key] = value
    return kwargs


class ModelFileError(ValueError):
    """A model file that cannot be used (missing, corrupt, not SB3); the message names its path."""


def check_model_zip(zip_path: str | Path) -> None:
    """Refuse a missing or corrupt SB3 zip before SB3 tries it (CRC check of every member)."""
    import zipfile

    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise ModelFileError(f"model file {zip_path} is missing")
    try:
        with zipfile.ZipFile(zip_path) as archive:
            bad = archive.testzip()
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"model file {zip_path} is corrupt ({exc})") from None
    if bad is not None:
        raise ModelFileError(f"model file {zip_path} is corrupt (bad CRC in {bad})")
    if "data" not in names or "policy.pth" not in names:
        raise ModelFileError(f"{zip_path} is not an SB3 model zip (no 'data' / 'policy.pth' inside)")


def read_obs_stats(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Observation mean and variance from a ``.vecnormalize.npz`` file, or None if absent."""
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        if "obs_mean" not in data:  # trained with normalize.norm_obs: false (returns normalized only)
            return None
        return np.array(data["obs_mean"]), np.array(data["obs_var"])


def serialized_keys(zip_path: Path) -> set[str]:
    """Keys of the zip's "data" JSON that SB3 would unpickle with cloudpickle."""
    import zipfile

    with zipfile.ZipFile(zip_path) as archive:
        data = json.loads(archive.read("data"))
    return {k for k, v in data.items() if isinstance(v, dict) and ":serialized:" in v}


def data_only_objects(
    zip_path: Path, algo_cls: type[BaseAlgorithm], meta: dict[str, Any]
) -> dict[str, Any] | None:
    """``custom_objects`` that replace every cloudpickled entry of an ArcadeLab zip with values rebuilt from
    its JSON sidecar (config: env id, env kwargs, policy, policy kwargs), so loading unpickles no code.

    None when the sidecar lacks the config (a zip from elsewhere: SB3's own loader then unpickles it, which
    is only safe for files you trust).
    """
    config = meta.get("config")
    if not config:
        return None
    import gymnasium as gym
    from stable_baselines3.common.preprocessing import is_image_space, is_image_space_channels_first
    from stable_baselines3.common.vec_env import VecTransposeImage

    import envs  # noqa: F401

    env = gym.make(config["env_id"], **config.get("env_kwargs", {}))
    try:
        obs_space, act_space = env.observation_space, env.action_space
    finally:
        env.close()
    if (
        isinstance(obs_space, gym.spaces.Box)
        and is_image_space(obs_space)
        and not is_image_space_channels_first(obs_space)
    ):
        obs_space = VecTransposeImage.transpose_space(obs_space)
    known = dict(_TRAINING_ONLY)
    known.update(
        {
            "observation_space": obs_space,
            "action_space": act_space,
            "policy_class": algo_cls.policy_aliases[config["policy"]],
            "policy_kwargs": policy_kwargs_from_dict(config.get("policy_kwargs") or {}),
        }
    )
    missing = serialized_keys(zip_path) - set(known)
    if missing:
        logger.warning("%s: no data-only value for %s; SB3 unpickles them", zip_path, sorted(missing))
    return known


def _algo_from_zip(path: Path) -> str:
    """Guess the algorithm from the policy class recorded in the zip's ``data`` JSON (no unpickling)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data"))
    policy = json.dumps(data.get("policy_class", ""))
    if "maskable" in policy:
        return "maskable_ppo"
    if "dqn" in policy or "QNetwork" in policy:
        return "dqn"
    return "ppo"


class SB3Agent:
    """Acts with an SB3 model; applies VecNormalize statistics and the env's action mask when present.

    A model trained without masking (PPO, A2C, DQN) still never picks an illegal action when ``info`` carries an
    ``action_mask``: it takes the legal action its policy (or Q-function) scores highest.

    ``deterministic=True`` takes the policy's most likely action. ``False`` samples from the policy as it was
    trained (RL Baselines3 Zoo evaluates Atari agents this way; a run's ``eval.deterministic`` sets it and
    ``from_path`` reads it back): the draws come from the agent's own generator, reseeded by :meth:`seed`, so a
    seeded episode plays the same twice.

    ``frame_skip``: the frames per decision of the env it was trained on (its config's ``env_kwargs``); an app
    stepping frame by frame holds each action that long (``agents.base.for_env_frames``).
    """

    def __init__(
        self,
        model: Any,
        name: str = "sb3",
        obs_stats: tuple[np.ndarray, np.ndarray] | None = None,
        clip_obs: float = 10.0,
        deterministic: bool = True,
        seed: int | None = None,
        frame_skip: int = 1,
    ) -> None:
        self.model = model
        self.frame_skip = frame_skip
        self.name = name
        self.obs_stats = obs_stats
        self.clip_obs = clip_obs
        self.deterministic = deterministic
        self._maskable = "action_masks" in inspect.signature(model.predict).parameters
        self._rng = np.random.default_rng(seed)

    def seed(self, seed: int | None) -> None:
        """Reseed the draws of a sampling agent (evaluation calls it with each episode's seed)."""
        self._rng = np.random.default_rng(seed)

    @classmethod
    def from_path(cls, path: str | Path, device: str = "cpu") -> SB3Agent:
        """Load a zip saved by ``arcadelab train`` (data only, see :func:`data_only_objects`), or any SB3 zip."""
        import importlib

        path = Path(path)
        check_model_zip(path)
        sidecar = path.with_suffix(".json")
        meta = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
        algo = meta.get("algo") or _algo_from_zip(path)
        module, cls_name = _ALGOS[algo]
        algo_cls = getattr(importlib.import_module(module), cls_name)
        custom = data_only_objects(path, algo_cls, meta) or dict(_TRAINING_ONLY)
        try:
            model = algo_cls.load(path, device=device, custom_objects=custom)
        except Exception as exc:  # noqa: BLE001  (SB3 raises many types for a bad file; the user needs the path)
            raise ModelFileError(f"model file {path} cannot be loaded as {cls_name}: {exc}") from None
        stats_name = meta.get("files", {}).get("vecnormalize")
        obs_stats = read_obs_stats(path.parent / stats_name) if stats_name else None
        return cls(
            model,
            name=f"{cls_name}:{path.name}",
            obs_stats=obs_stats,
            clip_obs=meta.get("clip_obs", 10.0),
            deterministic=bool(meta.get("deterministic", True)),
            frame_skip=int(((meta.get("config") or {}).get("env_kwargs") or {}).get("frame_skip", 1)),
        )

    def _prepare(self, obs: Any) -> Any:
        if self.obs_stats is None:
            return obs
        mean, var = self.obs_stats
        return np.clip(
            (np.asarray(obs, dtype=np.float32) - mean) / np.sqrt(var + 1e-8), -self.clip_obs, self.clip_obs
        ).astype(np.float32)

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> int:
        obs = self._prepare(obs)
        mask = None if not info else info.get("action_mask")
        if mask is not None:
            mask = np.array(mask, dtype=bool)  # a writable copy: torch warns on the env's read-only views
        if not self.deterministic and not hasattr(self.model.policy, "q_net"):
            return self._sample(obs, mask)
        if self._maskable:
            action, _ = self.model.predict(obs, deterministic=self.deterministic, action_masks=mask)
            return int(action)
        if mask is None or mask.all():
            action, _ = self.model.predict(obs, deterministic=self.deterministic)
            return int(action)
        return self._best_legal(obs, mask)

    def _scores(self, obs: Any) -> np.ndarray:
        """Per-action scores of one observation: Q-values (DQN) or the policy's logits, as float64."""
        import torch as th

        policy = self.model.policy
        obs_tensor, _ = policy.obs_to_tensor(obs)
        with th.no_grad():
            if hasattr(policy, "q_net"):
                scores = policy.q_net(obs_tensor)[0]
            else:
                scores = policy.get_distribution(obs_tensor).distribution.logits[0]
        return scores.double().cpu().numpy()

    def _sample(self, obs: Any, mask: np.ndarray | None) -> int:
        """An action drawn from the policy's distribution (legal actions only) with the agent's generator."""
        logits = self._scores(obs)
        if mask is not None and mask.any():
            logits = np.where(mask, logits, -np.inf)
        probs = np.exp(logits - logits.max())
        return int(self._rng.choice(len(probs), p=probs / probs.sum()))

    def _best_legal(self, obs: Any, mask: np.ndarray) -> int:
        return int(np.argmax(np.where(mask, self._scores(obs), -np.inf)))

    def reset(self) -> None:
        pass
