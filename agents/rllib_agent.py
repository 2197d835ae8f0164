"""Play with a policy trained by the RLlib backend, without starting Ray.

The checkpoint folder is the one :func:`training.rllib_backend.train` returns (``run_dir/checkpoints/final`` or a
``step_...`` one). Only the RLModule is loaded, straight from ``learner_group/learner/rl_module/<policy_id>``;
actions are greedy (argmax of the action logits), with illegal actions masked out when ``info`` carries
``action_mask``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from agents import artifacts
from agents.obs_adapters import adapt_obs

log = logging.getLogger(__name__)

RL_MODULE_DIR = Path("learner_group") / "learner" / "rl_module"
METADATA_FILE = artifacts.RLLIB_METADATA_FILE


class RLlibAgent:
    """Greedy policy from an RLlib (new API stack) checkpoint.

    Args:
        checkpoint_dir: an algorithm checkpoint folder (holding ``learner_group/``), a run folder (its
            ``checkpoints/final`` is used), or directly an RLModule folder (``.../rl_module/<policy_id>``).
        policy_id: which module to play with: ``"default_policy"`` for single-agent runs, ``"main"`` (or
            ``"opponent"``) for self-play runs. ``None`` picks the checkpoint's first policy.

    Raises:
        ValueError: the folder is missing, is not an RLlib checkpoint, lacks ``policy_id``, or cannot be loaded;
            the message names the path.
    """

    def __init__(self, checkpoint_dir: str | Path, policy_id: str | None = "default_policy") -> None:
        self.checkpoint_dir = artifacts.rllib_run_checkpoint(checkpoint_dir)
        self.metadata = _read_metadata(self.checkpoint_dir)
        if policy_id is None or (
            policy_id == "default_policy" and policy_id not in self.metadata.get("policy_ids", [policy_id])
        ):
            policy_id = self.metadata.get("policy_ids", ["default_policy"])[0]
        self.policy_id = policy_id
        self.module_dir = _module_dir(self.checkpoint_dir, policy_id)
        self._obs_adapter = self.metadata.get("obs_adapter", "none")
        # frames per decision of the env it trained on: an app stepping single frames holds actions that long
        self.frame_skip = int((self.metadata.get("env_kwargs") or {}).get("frame_skip", 1))
        self.module = _load_module(self.module_dir)
        self._masked_module = bool(self.metadata.get("action_masking", False))
        self._num_actions = int(getattr(self.module.action_space, "n", 0))
        where = self.checkpoint_dir.resolve()
        label = (
            f"{where.parent.parent.name}/{where.name}" if where.parent.name == artifacts.CHECKPOINT_DIR else where.name
        )
        self.name = f"rllib:{label}" + ("" if policy_id == "default_policy" else f":{policy_id}")

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> int:
        """The greedy action for ``obs``; illegal actions (``info["action_mask"]`` False) are never chosen."""
        import torch

        batch = torch.from_numpy(np.asarray(adapt_obs(obs, self._obs_adapter), dtype=np.float32)[None])
        mask = (info or {}).get("action_mask")
        if mask is not None:
            mask = np.asarray(mask, dtype=bool).reshape(-1)
            if not mask.any():
                raise ValueError("action_mask allows no action")
        if self._masked_module:
            # Trained with masks: the module takes them as part of its observation (all legal if none given).
            n = self._num_actions
            module_mask = np.ones(n, dtype=np.float32) if mask is None else mask.astype(np.float32)
            obs_in: Any = {"observations": batch, "action_mask": torch.from_numpy(module_mask[None])}
        else:
            obs_in = batch
        with torch.no_grad():
            out = self.module.forward_inference({"obs": obs_in})
        logits = out["action_dist_inputs"][0].detach().cpu().numpy().astype(np.float64)
        if mask is not None:
            if mask.shape != logits.shape:
                raise ValueError(
                    f"action_mask has shape {mask.shape}, the policy has {logits.shape[0]} actions"
                )
            logits = np.where(mask, logits, -np.inf)
        return int(np.argmax(logits))

    def reset(self) -> None:
        """Nothing to clear: the default RLlib models are feed-forward."""


def _read_metadata(checkpoint_dir: Path) -> dict[str, Any]:
    if not checkpoint_dir.is_dir():
        raise ValueError(f"RLlib checkpoint not found: {checkpoint_dir}")
    path = checkpoint_dir / METADATA_FILE
    if not path.is_file():
        return {}  # a checkpoint not written by ArcadeLab: vector obs used as they are
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"corrupt RLlib checkpoint {checkpoint_dir}: cannot read {path} ({exc})") from None


def _module_dir(checkpoint_dir: Path, policy_id: str) -> Path:
    if (checkpoint_dir / "class_and_ctor_args.pkl").is_file() and (checkpoint_dir / "learner_group").is_dir():
        root = checkpoint_dir / RL_MODULE_DIR
        module_dir = root / policy_id
        if not module_dir.is_dir():
            have = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
            raise ValueError(
                f"RLlib checkpoint {checkpoint_dir} has no policy {policy_id!r} (it has: {', '.join(have) or 'none'})"
            )
        return module_dir
    if (checkpoint_dir / "class_and_ctor_args.pkl").is_file():
        return checkpoint_dir  # already an RLModule folder
    raise ValueError(
        f"not an RLlib checkpoint (no class_and_ctor_args.pkl / learner_group): {checkpoint_dir}"
    )


def _load_module(module_dir: Path) -> Any:
    from ray.rllib.core.rl_module.rl_module import RLModule
    from ray.rllib.core.rl_module.torch import TorchRLModule

    try:
        module = RLModule.from_checkpoint(str(module_dir.resolve()))
    except Exception as exc:  # noqa: BLE001  (pickle, torch and RLlib raise many kinds for a broken file)
        raise ValueError(f"corrupt RLlib checkpoint {module_dir}: {type(exc).__name__}: {exc}") from None
    if not isinstance(module, TorchRLModule):
        raise ValueError(f"{module_dir} holds a {type(module).__name__}; RLlibAgent plays torch modules only")
    module.eval()
    return module
