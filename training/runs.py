"""Run folders: where a training run lives, made or found once for every backend (layout: ``agents.artifacts``)."""

from __future__ import annotations

import logging
import shlex
import time
from pathlib import Path

from agents import artifacts
from training.config import ConfigError, TrainConfig, dump_config, load_config

logger = logging.getLogger(__name__)


def default_run_dir(config: TrainConfig, root: Path = Path("runs"), algo_label: str | None = None) -> Path:
    """``runs/<game>__<algo>__<seed>__<YYYYmmdd-HHMMSS>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / f"{config.game}__{algo_label or config.algo}__{config.seed}__{stamp}"


def has_checkpoints(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a checkpoint of either backend (then only ``--resume`` may continue it)."""
    directory = Path(run_dir) / artifacts.CHECKPOINT_DIR
    if artifacts.list_sb3_checkpoints(run_dir):
        return True
    return directory.is_dir() and any(
        p.is_dir() and (p.name.startswith(artifacts.RLLIB_CHECKPOINT_PREFIX) or p.name == artifacts.RLLIB_FINAL)
        for p in directory.iterdir()
    )


def prepare_run(
    config: TrainConfig,
    run_dir: Path | None,
    resume: bool,
    command: list[str] | None = None,
    algo_label: str | None = None,
) -> tuple[TrainConfig, Path]:
    """Pick/create the run dir and write ``config.yaml`` + ``command.txt`` (on resume: read the saved config).

    ``--resume`` without ``--run-dir`` continues the newest ``runs/<game>__<algo>__<seed>__*``.
    """
    label = algo_label or config.algo
    if resume:
        if run_dir is None:
            candidates = sorted(Path("runs").glob(f"{config.game}__{label}__{config.seed}__*"))
            if not candidates:
                raise ConfigError(f"--resume: no run of {config.game}/{label}/seed {config.seed} under runs/")
            run_dir = candidates[-1]
        saved = Path(run_dir) / artifacts.CONFIG_FILE
        if not saved.is_file():
            raise ConfigError(f"--resume: {saved} not found (is {run_dir} a run folder?)")
        saved_config = load_config(saved, {"total_steps": config.total_steps})
        if saved_config.config_hash() != config.config_hash():
            logger.warning("resuming %s with its saved config (the given config differs)", run_dir)
        config = saved_config
    else:
        run_dir = Path(run_dir) if run_dir is not None else default_run_dir(config, algo_label=label)
        if has_checkpoints(run_dir):
            raise ConfigError(f"--run-dir: {run_dir} already holds checkpoints; pass --resume to continue it")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    dump_config(config, run_dir / artifacts.CONFIG_FILE)
    if command:
        with open(run_dir / artifacts.COMMAND_FILE, "a") as f:
            f.write(shlex.join(command) + "\n")
    return config, run_dir
