"""Checkpoints of SB3 runs: SB3's own zip format, written atomically, with a JSON sidecar of metadata.

Layout inside a run dir::

    checkpoints/ckpt_000012288.zip    the model (SB3 zip: JSON data + torch tensors)
    checkpoints/ckpt_000012288.json   {"num_timesteps", "config_hash", "algo", "files", ...}
    checkpoints/ckpt_000012288.vecnormalize.npz   VecNormalize running stats (if used), plain arrays
    checkpoints/ckpt_000012288.replay_buffer.pkl  DQN replay buffer (SB3's own pickle format, if used)
    best_model.zip + best_model.json, final_model.zip + final_model.json

Every file goes to a temp file in the same directory, is fsync'ed, then ``os.replace``'d over its name, and the
JSON sidecar is written last: a checkpoint exists only once its JSON does, so a run killed mid-write leaves at
worst an orphan temp file and resumes from the previous checkpoint.

SB3 >= 2.x loads the tensors with ``torch.load(..., weights_only=True)`` (``stable_baselines3/common/save_util.py``,
``load_from_zip_file``); the non-tensor "data" JSON may hold cloudpickled objects (schedules), which the agent
loader replaces with ``custom_objects`` so they are never unpickled.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from agents import artifacts

logger = logging.getLogger(__name__)

CKPT_DIR = artifacts.CHECKPOINT_DIR
# re-exported: self-play and the RLlib backend write through the same atomic helpers
atomic_write = artifacts.atomic_write
atomic_write_json = artifacts.atomic_write_json


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used (corrupt, missing, from another config); the message names its path."""


def save_vecnormalize_stats(vec_normalize: Any, path: Path) -> None:
    """VecNormalize running statistics as plain arrays (no pickled objects). A VecNormalize that does not
    normalize observations (``norm_obs=False``) has no observation statistics: only the return's are saved."""
    buf = io.BytesIO()
    arrays: dict[str, np.ndarray] = {}
    for prefix, name in (("obs", "obs_rms"), ("ret", "ret_rms")):
        rms = getattr(vec_normalize, name, None)
        if rms is not None:
            arrays |= {f"{prefix}_mean": rms.mean, f"{prefix}_var": rms.var, f"{prefix}_count": np.array(rms.count)}
    np.savez(buf, allow_pickle=False, **arrays)
    atomic_write(path, lambda f: f.write(buf.getvalue()))


def load_vecnormalize_stats(vec_normalize: Any, path: Path) -> None:
    with np.load(path, allow_pickle=False) as data:
        for prefix, name in (("obs", "obs_rms"), ("ret", "ret_rms")):
            rms = getattr(vec_normalize, name, None)
            if rms is not None and f"{prefix}_mean" in data:
                rms.mean = data[f"{prefix}_mean"]
                rms.var = data[f"{prefix}_var"]
                rms.count = float(data[f"{prefix}_count"])


def save_model(
    model: Any,
    zip_path: Path,
    metadata: dict[str, Any],
    vec_normalize: Any | None = None,
    replay_buffer: bool = False,
) -> Path:
    """Save an SB3 model (+ normalization stats, + replay buffer) atomically; the JSON sidecar goes last."""
    zip_path = Path(zip_path)
    stem = zip_path.with_suffix("")
    files = {"model": zip_path.name}
    atomic_write(zip_path, lambda f: model.save(f))
    if vec_normalize is not None:
        npz = stem.with_name(stem.name + ".vecnormalize.npz")
        save_vecnormalize_stats(vec_normalize, npz)
        files["vecnormalize"] = npz.name
    if replay_buffer and getattr(model, "replay_buffer", None) is not None:
        from stable_baselines3.common.save_util import save_to_pkl

        pkl = stem.with_name(stem.name + ".replay_buffer.pkl")
        atomic_write(pkl, lambda f: save_to_pkl(f, model.replay_buffer))
        files["replay_buffer"] = pkl.name
    meta = dict(metadata)
    meta.update({"num_timesteps": int(model.num_timesteps), "files": files, "saved_at": time.time()})
    atomic_write_json(artifacts.sidecar_path(zip_path), meta)
    return zip_path


checkpoint_path = artifacts.sb3_checkpoint_path
list_checkpoints = artifacts.list_sb3_checkpoints


def prune_checkpoints(run_dir: Path, keep_last: int) -> None:
    for _, json_path in list_checkpoints(run_dir)[:-keep_last]:
        stem = json_path.with_suffix("")
        for path in json_path.parent.glob(stem.name + ".*"):
            with contextlib.suppress(OSError):
                path.unlink()


def read_metadata(json_path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(json_path).read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint metadata {json_path} is unreadable: {exc}") from None


def check_model_zip(zip_path: Path) -> None:
    """Refuse a missing or corrupt checkpoint zip (CRC check of every member), naming its path."""
    from agents.sb3_agent import ModelFileError
    from agents.sb3_agent import check_model_zip as check

    try:
        check(zip_path)
    except ModelFileError as exc:
        raise CheckpointError(f"checkpoint: {exc}; delete it to resume from an earlier one") from None


def latest_checkpoint(run_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The newest complete checkpoint's zip and metadata; raises CheckpointError if that zip is corrupt."""
    checkpoints = list_checkpoints(run_dir)
    if not checkpoints:
        return None
    _, json_path = checkpoints[-1]
    meta = read_metadata(json_path)
    zip_path = json_path.parent / meta.get("files", {}).get("model", json_path.with_suffix(".zip").name)
    check_model_zip(zip_path)
    return zip_path, meta
