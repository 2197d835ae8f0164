"""The one place that knows what a run folder holds and how model files are written.

Training writes these files and the agent loaders, the evaluator and the game app read them, so the layout lives
here, at the bottom of the layers that share it (``agents`` is below ``training`` and ``games``)::

    runs/<game>__<algo>__<seed>__<time>/
        config.yaml  command.txt          the resolved config and the command that made the run
        tensorboard/                      every trainer's TensorBoard event files
        checkpoints/ckpt_000012288.zip    SB3 checkpoints, each with a JSON sidecar written last
        checkpoints/ckpt_000012288.json
        checkpoints/step_0000012288/      RLlib checkpoints (Ray's own format) + arcadelab.json
        checkpoints/final/
        best_model.zip + best_model.json  SB3: the model the periodic evaluation kept
        final_model.zip + final_model.json
        selfplay/                         the self-play snapshot pool and Elo

A model file ``name.zip`` has its metadata in ``name.json`` beside it (the "sidecar"); an RLlib checkpoint folder
has it in ``arcadelab.json`` inside it. Every write is atomic: a temp file in the same folder, fsync, rename.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

CONFIG_FILE = "config.yaml"
COMMAND_FILE = "command.txt"
TENSORBOARD_DIR = "tensorboard"
CHECKPOINT_DIR = "checkpoints"
SELFPLAY_DIR = "selfplay"
BEST_MODEL = "best_model.zip"
FINAL_MODEL = "final_model.zip"
SB3_CHECKPOINT_PREFIX = "ckpt_"
RLLIB_CHECKPOINT_PREFIX = "step_"
RLLIB_FINAL = "final"
RLLIB_METADATA_FILE = "arcadelab.json"

_SB3_CHECKPOINT_RE = re.compile(rf"^{SB3_CHECKPOINT_PREFIX}(\d+)\.json$")


def sidecar_path(model_path: str | os.PathLike) -> Path:
    """The JSON metadata beside a model file (``model.zip`` -> ``model.json``)."""
    return Path(model_path).with_suffix(".json")


def sb3_checkpoint_path(run_dir: str | os.PathLike, steps: int) -> Path:
    return Path(run_dir) / CHECKPOINT_DIR / f"{SB3_CHECKPOINT_PREFIX}{steps:09d}.zip"


def list_sb3_checkpoints(run_dir: str | os.PathLike) -> list[tuple[int, Path]]:
    """Complete SB3 checkpoints (those whose JSON sidecar exists: it is written last), oldest first, as
    ``(steps, json_path)``."""
    directory = Path(run_dir) / CHECKPOINT_DIR
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _SB3_CHECKPOINT_RE.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def find_run_model(run_dir: str | os.PathLike) -> Path | None:
    """The SB3 model a run folder stands for: the best model, else the final one, else the last checkpoint."""
    run_dir = Path(run_dir)
    for name in (BEST_MODEL, FINAL_MODEL):
        if (run_dir / name).is_file():
            return run_dir / name
    complete = list_sb3_checkpoints(run_dir)
    return complete[-1][1].with_suffix(".zip") if complete else None


def model_elo(path: str | os.PathLike) -> float | None:
    """The Elo training recorded for a model or run: ``elo`` in the model's JSON sidecar, else the self-play
    rating of its run (``<run>/selfplay/state.json``: the learner's latest Elo); None when neither says."""
    path = Path(path).expanduser()
    if not path.exists():
        return None
    if path.is_dir():
        path = find_run_model(path) or path
    candidates = [sidecar_path(path)] if path.is_file() else []
    run_dirs = [path] if path.is_dir() else [path.parent, path.parent.parent]  # a checkpoint sits one deeper
    candidates += [run / SELFPLAY_DIR / "state.json" for run in run_dirs]
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            value = json.loads(candidate.read_text()).get("elo")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def rllib_run_checkpoint(path: str | os.PathLike) -> Path:
    """An RLlib run folder stands for its ``checkpoints/final`` (failing that, its newest ``step_...``); a
    checkpoint folder (or any other) for itself."""
    path = Path(path)
    checkpoints = path / CHECKPOINT_DIR
    if not (path / "learner_group").is_dir() and checkpoints.is_dir():
        if (checkpoints / RLLIB_FINAL).is_dir():
            return checkpoints / RLLIB_FINAL
        steps = sorted(p for p in checkpoints.glob(f"{RLLIB_CHECKPOINT_PREFIX}*") if p.is_dir())
        if steps:
            return steps[-1]
    return path


def run_config_file(model_path: str | os.PathLike) -> Path | None:
    """The ``config.yaml`` of the run a model belongs to: in a run folder, beside a model, or up from a checkpoint
    (``run/checkpoints/ckpt_N.zip``, ``run/checkpoints/step_N/``)."""
    model_path = Path(model_path)
    folder = model_path if model_path.is_dir() else model_path.parent
    for candidate in (folder, folder.parent, folder.parent.parent):
        if (candidate / CONFIG_FILE).is_file():
            return candidate / CONFIG_FILE
    return None


def model_env_id(path: str | os.PathLike) -> str | None:
    """The env id a saved model or run was trained on, read from its metadata without loading it: an SB3 zip's
    sidecar, an RLlib checkpoint's ``arcadelab.json``, else the run's ``config.yaml``. None when nothing says."""
    path = Path(path).expanduser()
    candidates: list[Path] = []
    if path.is_file():
        candidates.append(sidecar_path(path))
    elif path.is_dir():
        model = find_run_model(path)
        if model is not None:
            candidates.append(sidecar_path(model))
        candidates.append(rllib_run_checkpoint(path) / RLLIB_METADATA_FILE)
    for candidate in candidates:
        try:
            meta = json.loads(candidate.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict):
            env_id = meta.get("env_id") or (meta.get("config") or {}).get("env_id")
            if isinstance(env_id, str):
                return env_id
    config = run_config_file(path)
    if config is not None:
        import yaml

        try:
            data = yaml.safe_load(config.read_text())
        except (OSError, yaml.YAMLError):
            return None
        if isinstance(data, dict) and isinstance(data.get("env_id"), str):
            return data["env_id"]
    return None


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: str | os.PathLike, write: Callable[[io.BufferedWriter], object]) -> None:
    """Write ``path`` via a temp file in the same dir + fsync + ``os.replace`` (never a half-written file).

    ``write`` gets the open binary file; what it returns (``f.write``'s byte count, say) is ignored."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write_json(path: str | os.PathLike, data: dict[str, Any]) -> None:
    payload = json.dumps(data, indent=2, sort_keys=True).encode()
    atomic_write(path, lambda f: f.write(payload))
