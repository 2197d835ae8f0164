"""Train with Stable-Baselines3: build the envs, the model and the callbacks from a validated config, run, save."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

from agents import artifacts
from training import checkpoints
from training.config import (
    ConfigError,
    TrainConfig,
    algo_class,
    resolve_hyperparams,
    resolve_policy_kwargs,
    validate_for_sb3,
)

logger = logging.getLogger(__name__)

# Training-time objects the SB3 zip keeps cloudpickled; on resume they come from the config instead.
_FROM_CONFIG_KEYS = ("learning_rate", "clip_range", "clip_range_vf", "train_freq")


def _metadata(config: TrainConfig) -> dict[str, Any]:
    import stable_baselines3

    return {
        "algo": config.algo,
        "env_id": config.env_id,
        "config_hash": config.config_hash(),
        "sb3_version": stable_baselines3.__version__,
        "clip_obs": config.normalize.clip_obs if config.normalize else 10.0,
        "deterministic": config.eval.deterministic,  # how the agent acts when loaded (SB3Agent.from_path)
        # Lets loaders rebuild spaces, policy class and kwargs from data instead of unpickling them.
        "config": config.to_dict(),
    }


def _build_env(config: TrainConfig, ghost: Any | None = None):
    """The training VecEnv; with self-play, every env gets the shared ghost as its opponent (DummyVecEnv)."""
    import gymnasium as gym
    from stable_baselines3.common.preprocessing import is_image_space
    from stable_baselines3.common.vec_env import VecNormalize

    from training.vec_env import build_vec_env

    if ghost is not None:
        assert config.selfplay is not None  # the ghost exists only for self-play
        env_kwargs = dict(config.env_kwargs) | {config.selfplay.opponent_kwarg: ghost}
        venv = build_vec_env(config.env_id, env_kwargs, config.n_envs, config.seed, "dummy")
        if not isinstance(venv.action_space, gym.spaces.Discrete):
            venv.close()
            raise ConfigError(f"field 'selfplay': {config.env_id} has no discrete actions for the ghost to play")
        ghost.n_actions = int(venv.action_space.n)
    else:
        venv = build_vec_env(config.env_id, config.env_kwargs, config.n_envs, config.seed, config.vec_env)
    if config.algo == "maskable_ppo" and not venv.has_attr("action_masks"):
        raise ConfigError(
            f"field 'algo': maskable_ppo needs an env with action_masks(); {config.env_id} has none"
        )
    if config.normalize is not None:
        n = config.normalize
        venv = VecNormalize(
            venv,
            norm_obs=n.norm_obs and not is_image_space(venv.observation_space),
            norm_reward=n.norm_reward,
            clip_obs=n.clip_obs,
            gamma=n.gamma,
        )
    return venv


def _resume_objects(
    config: TrainConfig, hyperparams: dict[str, Any], zip_path: Path, meta: dict[str, Any]
) -> dict[str, Any]:
    """Everything SB3 would unpickle from the checkpoint, rebuilt from the config instead."""
    from agents.sb3_agent import data_only_objects

    cls = algo_class(config.algo)
    params = inspect.signature(cls.__init__).parameters
    custom = data_only_objects(zip_path, cls, meta) or {}
    custom.update({"lr_schedule": lambda _: 0.0, "exploration_schedule": lambda _: 0.0})
    for key in _FROM_CONFIG_KEYS:
        if key in params:
            custom[key] = hyperparams.get(key, params[key].default)
    return custom


def train(
    config: TrainConfig,
    run_dir: Path,
    *,
    resume: bool = False,
    device: str = "cpu",
    progress: bool = True,
) -> Path:
    """Train ``config`` into ``run_dir`` (prepared by :func:`prepare_run`); returns the final model's path."""
    from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

    from training.callbacks import AtomicCheckpointCallback, PeriodicEvalCallback, RichProgressCallback

    validate_for_sb3(config)
    if config.torch_threads is not None and device == "cpu":
        import torch

        torch.set_num_threads(config.torch_threads)
    hyperparams = resolve_hyperparams(config)
    policy_kwargs = resolve_policy_kwargs(config)
    cls = algo_class(config.algo)
    metadata = _metadata(config)
    tb_dir = run_dir / artifacts.TENSORBOARD_DIR

    ghost = None
    if config.selfplay is not None and config.selfplay.enabled:
        from training.selfplay import GhostAgent

        ghost = GhostAgent()
    venv = _build_env(config, ghost)
    try:
        latest = checkpoints.latest_checkpoint(run_dir) if resume else None
        if latest is not None:
            zip_path, meta = latest
            if meta.get("config_hash") != metadata["config_hash"]:
                raise checkpoints.CheckpointError(
                    f"checkpoint {zip_path} was made with config {meta.get('config_hash')}, "
                    f"not {metadata['config_hash']} ({run_dir / artifacts.CONFIG_FILE})"
                )
            try:
                model = cls.load(
                    zip_path,
                    env=venv,
                    device=device,
                    tensorboard_log=str(tb_dir),
                    custom_objects=_resume_objects(config, hyperparams, zip_path, meta),
                )
            except Exception as exc:  # noqa: BLE001  (SB3 raises many types for a bad zip; the user needs the path)
                raise checkpoints.CheckpointError(f"checkpoint {zip_path} cannot be loaded: {exc}") from None
            files = meta.get("files", {})
            if "vecnormalize" in files and model.get_vec_normalize_env() is not None:
                checkpoints.load_vecnormalize_stats(
                    model.get_vec_normalize_env(), zip_path.parent / files["vecnormalize"]
                )
            if "replay_buffer" in files and isinstance(model, OffPolicyAlgorithm):  # saved only by those
                model.load_replay_buffer(zip_path.parent / files["replay_buffer"])
            # Fresh episodes, not a replay of the first ones: the env seed moves on with the step counter.
            venv.seed(config.seed + model.num_timesteps)
            logger.info("resuming %s from %s at step %d", run_dir, zip_path, model.num_timesteps)
        else:
            if resume:
                logger.warning("--resume: no checkpoint in %s yet, starting from step 0", run_dir)
            model = cls(
                config.policy,
                venv,
                seed=config.seed,
                device=device,
                tensorboard_log=str(tb_dir),
                verbose=0,
                policy_kwargs=policy_kwargs or None,
                **hyperparams,
            )

        remaining = config.total_steps - model.num_timesteps
        callbacks = [
            AtomicCheckpointCallback(
                run_dir, config.checkpoint.every_steps, config.checkpoint.keep_last, metadata
            ),
            PeriodicEvalCallback(
                run_dir,
                config.env_id,
                config.eval_env_kwargs(),
                config.eval.every_steps,
                config.eval.episodes,
                config.eval.seed_base,
                config.eval.max_episode_steps,
                config.eval.video_every,
                config.eval.video_max_frames,
                metadata,
            ),
        ]
        if config.env_schedule:
            from training.callbacks import EnvScheduleCallback

            callbacks.append(EnvScheduleCallback(config.env_schedule, config.total_steps))
        if ghost is not None:
            from training.selfplay import SelfPlayCallback

            callbacks.append(SelfPlayCallback(run_dir, config, ghost, seed=config.seed))
        if progress:
            callbacks.append(RichProgressCallback(config.total_steps, f"{config.game} {config.algo}"))
        if remaining > 0:
            model.learn(
                total_timesteps=remaining,
                callback=callbacks,
                reset_num_timesteps=latest is None,
                tb_log_name=config.algo,
            )
        vec_normalize = _vecnorm(model)
        final = checkpoints.save_model(model, run_dir / artifacts.FINAL_MODEL, metadata, vec_normalize)
        # A last checkpoint at the final step, so a later --resume with a bigger --total-steps continues from it.
        last = checkpoints.checkpoint_path(run_dir, model.num_timesteps)
        if not last.with_suffix(".json").exists():
            checkpoints.save_model(
                model, last, metadata, vec_normalize, replay_buffer=hasattr(model, "replay_buffer")
            )
            checkpoints.prune_checkpoints(run_dir, config.checkpoint.keep_last)
        return final
    finally:
        venv.close()


def _vecnorm(model: Any) -> Any | None:
    from stable_baselines3.common.vec_env import VecNormalize

    env = model.get_vec_normalize_env()
    return env if isinstance(env, VecNormalize) else None
