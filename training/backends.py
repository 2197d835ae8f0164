"""One ``Backend`` protocol for the training engines, so the command line calls both the same way.

``arcadelab train CONFIG --backend NAME`` resolves ``NAME`` in :data:`BACKENDS`, lets the backend refuse what it
cannot train before the run folder exists (:meth:`Backend.check`), names the run folder after the backend's
algorithm label, and calls :meth:`Backend.train` with the validated config. Stable-Baselines3 trains on this
machine; RLlib trains on a local loopback Ray or on the cluster at ``address``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from training.config import ConfigError, TrainConfig


class Backend(Protocol):
    """A training engine: validates a config, then trains it into a prepared run folder."""

    name: str

    def check(self, config: TrainConfig, address: str | None) -> None:
        """Raise ``ConfigError`` naming the field (or option) this backend cannot use; before any file is made."""

    def algo_label(self, config: TrainConfig) -> str:
        """The algorithm part of the run folder's name (``runs/<game>__<label>__<seed>__<time>``)."""

    def train(
        self, config: TrainConfig, run_dir: Path, *, resume: bool, device: str, progress: bool, address: str | None
    ) -> Path:
        """Train into ``run_dir`` (resuming from its last checkpoint with ``resume``); return the final model."""


class SB3Backend:
    """Stable-Baselines3 on this machine's vectorized envs (the default)."""

    name = "sb3"

    def check(self, config: TrainConfig, address: str | None) -> None:
        from training.config import validate_for_sb3

        if address is not None:
            raise ConfigError("option '--address' is for --backend rllib (SB3 trains on this machine)")
        validate_for_sb3(config)

    def algo_label(self, config: TrainConfig) -> str:
        return config.algo

    def train(
        self, config: TrainConfig, run_dir: Path, *, resume: bool, device: str, progress: bool, address: str | None
    ) -> Path:
        from training.sb3_backend import train

        return train(config, run_dir, resume=resume, device=device, progress=progress)


class RLlibBackend:
    """Ray RLlib (new API stack): a local loopback-only Ray by default, a Ray cluster by ``address``."""

    name = "rllib"

    def check(self, config: TrainConfig, address: str | None) -> None:
        if config.env_schedule:
            raise ConfigError("field 'env_schedule': a curriculum is trained with --backend sb3 (not rllib yet)")
        try:
            import training.rllib_backend  # noqa: F401  (Ray and RLlib are importable)
        except ImportError as exc:
            raise ConfigError(f"the rllib backend is not available (training/rllib_backend.py: {exc})") from None

    def algo_label(self, config: TrainConfig) -> str:
        return f"rllib-{config.rllib.algo.lower()}"

    def train(
        self, config: TrainConfig, run_dir: Path, *, resume: bool, device: str, progress: bool, address: str | None
    ) -> Path:
        from training import rllib_backend

        try:
            return rllib_backend.train(
                env_id=config.env_id,
                env_kwargs=dict(config.env_kwargs),
                algo=config.rllib.algo,
                hyperparams=dict(config.rllib.hyperparams),
                total_steps=config.total_steps,
                seed=config.seed,
                run_dir=run_dir,
                resume=resume,
                address=address,
                device=device,
                checkpoint_every_steps=config.checkpoint.every_steps,
                num_env_runners=config.rllib.num_env_runners,
                self_play=bool(config.selfplay and config.selfplay.enabled),
                selfplay=config.selfplay,
            )
        except ValueError as exc:  # RLlib's own refusals of hyperparameters: the user's to fix
            raise ConfigError(str(exc)) from None


BACKENDS: dict[str, Backend] = {backend.name: backend for backend in (SB3Backend(), RLlibBackend())}


def get_backend(name: str) -> Backend:
    """The backend called ``name``; ``ConfigError`` listing the known ones otherwise."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ConfigError(f"option '--backend': {name!r} is not one of {', '.join(BACKENDS)}") from None
