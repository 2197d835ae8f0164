"""Train ArcadeLab agents with Ray RLlib (new API stack: RLModule, Learner, EnvRunner).

One entry point, :func:`train`, called by ``arcadelab train --backend rllib``. It

- starts a loopback-only local Ray sized to this machine, or joins the cluster at ``address``
  (:mod:`training.ray_runtime`), putting learners on the cluster's GPUs when it has them;
- registers the env with Tune through a creator that imports ``envs`` inside each worker;
- trains PPO or APPO until ``total_steps`` env steps, saving an RLlib checkpoint into ``run_dir/checkpoints``
  every ``checkpoint_every_steps`` steps (atomically: saved beside, then renamed into place) and at the end;
- writes namespaced TensorBoard scalars (``rollout/``, ``time/``, ``train/``, ``selfplay/``) to
  ``run_dir/tensorboard``;
- resumes from the newest checkpoint with ``resume=True``, the env-step counter carrying on;
- with ``self_play=True`` on a game with a two-player view (its spec's ``parallel_entry_point``: Pong,
  SnakeVersus), trains a "main" policy against a frozen "opponent" on the PettingZoo view of
  the game, with the self-play semantics of the SB3 backend (:mod:`training.selfplay`): a pool of "main"'s past
  snapshots (``selfplay.window``, saved every ``save_every_steps``), the opponent swapped every
  ``swap_every_steps`` for the latest "main" (probability ``play_against_latest_ratio``) or a pool snapshot,
  and "main"'s Elo from every finished game, all kept in ``run_dir/selfplay`` so ``resume`` restores them;
- adapts observations to RLlib's default models (uint8 grids flattened to float32, uint8 frames scaled to
  [0, 1], conv filters for frame sizes RLlib has no defaults for) and, for PPO on envs with ``action_masks()``,
  trains through RLlib's action-masking RLModule (the mask rides in the observation).

``hyperparams`` are the algorithm's ``.training()`` arguments (``lambda`` is accepted for ``lambda_``) plus the
few backend options in :data:`BACKEND_KEYS`; any other name is refused with a ``ValueError`` naming it.

Each checkpoint also holds ``arcadelab.json`` (env id and arguments, algorithm, env steps, policy ids, how
observations were adapted) so :class:`agents.rllib_agent.RLlibAgent` can rebuild the inputs it needs.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

from agents import artifacts
from agents.obs_adapters import obs_adapter
from training import ray_runtime
from training.rllib_envs import model_config_for, parallel_env_class, probe_env, register
from training.rllib_selfplay import (
    MAIN_POLICY,
    OPPONENT_POLICY,
    policy_mapping,
    self_play_callback_class,
    self_play_start,
    self_play_step,
)

log = logging.getLogger(__name__)

ALGOS = ("PPO", "APPO")
DEVICES = ("auto", "cpu", "cuda")
CHECKPOINT_PREFIX = artifacts.RLLIB_CHECKPOINT_PREFIX
FINAL_NAME = artifacts.RLLIB_FINAL
METADATA_FILE = artifacts.RLLIB_METADATA_FILE
METADATA_FORMAT = 1
DEFAULT_POLICY = "default_policy"

#: Keys accepted in ``hyperparams`` besides the algorithm's ``.training()`` arguments.
BACKEND_KEYS = {
    # dict for ``DefaultModelConfig`` (e.g. ``{"fcnet_hiddens": [64, 64]}``), goes to ``.rl_module()``.
    "model_config",
    # how many periodic ``step_...`` checkpoints to keep (``final`` is always kept).
    "keep_last_checkpoints",
}
#: YAML-friendly spellings of ``.training()`` arguments whose Python names carry a trailing underscore.
ALIASES = {"lambda": "lambda_"}
#: Former backend options and what replaced them (refused with this hint).
REPLACED_KEYS = {
    "self_play_update_every": "the selfplay settings (swap_every_steps, save_every_steps, window, "
    "play_against_latest_ratio)",
}
DEFAULT_KEEP_LAST_CHECKPOINTS = 3


# --------------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------------


def _config_class(algo: str) -> type:
    if algo == "PPO":
        from ray.rllib.algorithms.ppo import PPOConfig

        return PPOConfig
    if algo == "APPO":
        from ray.rllib.algorithms.appo import APPOConfig

        return APPOConfig
    raise ValueError(f"algo={algo!r} is not supported by the rllib backend; choose one of {', '.join(ALGOS)}")


def training_arguments(config_cls: type) -> set[str]:
    """Names ``config_cls().training(...)`` accepts, over its class hierarchy, without deprecated ones."""
    from ray._common.deprecation import DEPRECATED_VALUE

    names: set[str] = set()
    for klass in config_cls.__mro__:
        method = klass.__dict__.get("training")
        if method is None:
            continue
        for param in inspect.signature(method).parameters.values():
            if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or param.name == "self":
                continue
            if param.default is DEPRECATED_VALUE:
                continue
            names.add(param.name)
    # Moved to ``.learners()`` in the new API stack; not hyperparameters of the algorithm.
    names -= {"learner_class", "learner_connector", "add_default_connectors_to_learner_pipeline"}
    return names


def split_hyperparams(algo: str, hyperparams: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(training kwargs, backend options)``; unknown names raise ``ValueError`` naming each of them."""
    allowed = training_arguments(_config_class(algo))
    training: dict[str, Any] = {}
    backend: dict[str, Any] = {}
    unknown = []
    for key, value in (hyperparams or {}).items():
        name = ALIASES.get(key, key)
        if name in REPLACED_KEYS:
            raise ValueError(
                f"hyperparameter {key!r} is no longer used: it was replaced by {REPLACED_KEYS[name]}"
            )
        if name in BACKEND_KEYS:
            backend[name] = value
        elif name in allowed:
            training[name] = value
        else:
            unknown.append(key)
    if "model_config" in backend:
        from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

        fields = {f.name for f in dataclasses.fields(DefaultModelConfig)}
        bad = sorted(set(dict(backend["model_config"])) - fields)
        if bad:
            raise ValueError(
                f"unknown model_config key(s): {', '.join(bad)}. Allowed: {', '.join(sorted(fields))}"
            )
    if unknown:
        raise ValueError(
            f"unknown {algo} hyperparameter(s): {', '.join(sorted(unknown))}. "
            f"Allowed: {', '.join(sorted(allowed | BACKEND_KEYS | set(ALIASES)))}"
        )
    return training, backend


# --------------------------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------------------------


def read_metadata(checkpoint_dir: Path) -> dict[str, Any]:
    """The ``arcadelab.json`` of a checkpoint; ``ValueError`` naming the path when it is missing or broken."""
    path = Path(checkpoint_dir) / METADATA_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{checkpoint_dir} is not an ArcadeLab RLlib checkpoint ({path}: {exc})") from None


def list_checkpoints(checkpoints_dir: Path) -> list[tuple[int, Path]]:
    """``(env steps, path)`` of every complete checkpoint in ``checkpoints_dir``, oldest first."""
    found: list[tuple[int, Path]] = []
    if not checkpoints_dir.is_dir():
        return found
    for path in checkpoints_dir.iterdir():
        if not path.is_dir() or path.name.startswith("."):
            continue
        try:
            meta = read_metadata(path)
        except ValueError:
            log.warning("ignoring %s: no readable %s", path, METADATA_FILE)
            continue
        found.append((int(meta.get("env_steps", 0)), path))
    # "final" sorts after a step_ checkpoint of the same step count.
    found.sort(key=lambda item: (item[0], item[1].name == FINAL_NAME))
    return found


def save_checkpoint(algorithm: Any, target: Path, metadata: dict[str, Any]) -> Path:
    """Save ``algorithm`` to ``target`` atomically: into a hidden sibling folder, then renamed into place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{target.name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    algorithm.save_to_path(str(tmp.resolve()))
    (tmp / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True, default=str))
    if target.exists():
        # os.replace cannot overwrite a non-empty folder: move the old one aside first.
        old = target.parent / f".old-{target.name}-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)
    return target


def prune_checkpoints(checkpoints_dir: Path, keep_last: int) -> None:
    """Delete all but the newest ``keep_last`` periodic (``step_...``) checkpoints."""
    periodic = [
        path for _, path in list_checkpoints(checkpoints_dir) if path.name.startswith(CHECKPOINT_PREFIX)
    ]
    for path in periodic[:-keep_last]:
        shutil.rmtree(path, ignore_errors=True)


def _save_on_interrupt(
    algorithm: Any, checkpoints_dir: Path, metadata: dict, steps: int, last_saved_steps: int
) -> None:
    """On Ctrl+C, keep the progress made since the last checkpoint, so ``resume`` starts from here."""
    if steps <= max(last_saved_steps, 0):
        return
    try:
        save_checkpoint(algorithm, checkpoints_dir / f"{CHECKPOINT_PREFIX}{steps:010d}", metadata)
        log.warning("interrupted: saved a checkpoint at %d env steps", steps)
    except Exception as exc:  # noqa: BLE001  (Ray may already be going down with the interrupt)
        log.warning("interrupted: could not save a checkpoint (%s)", exc)


# --------------------------------------------------------------------------------------------------------------
# TensorBoard
# --------------------------------------------------------------------------------------------------------------


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def scalars_from_result(result: dict[str, Any], fps: float | None) -> dict[str, float]:
    """Namespaced scalars from one ``Algorithm.train()`` result of the new API stack."""
    from ray.rllib.utils.metrics import (
        ENV_RUNNER_RESULTS,
        EPISODE_LEN_MEAN,
        EPISODE_RETURN_MEAN,
        LEARNER_RESULTS,
        NUM_ENV_STEPS_SAMPLED_LIFETIME,
    )

    out: dict[str, float] = {}

    def put(tag: str, value: Any) -> None:
        number = _finite(value)
        if number is not None:
            out[tag] = number

    runners = result.get(ENV_RUNNER_RESULTS, {}) or {}
    put("rollout/ep_rew_mean", runners.get(EPISODE_RETURN_MEAN))
    put("rollout/ep_len_mean", runners.get(EPISODE_LEN_MEAN))
    for module_id, value in (runners.get("module_episode_returns_mean") or {}).items():
        put(f"rollout/{module_id}/ep_rew_mean", value)
    put("time/fps", fps)
    put("time/iterations", result.get("training_iteration"))
    put("time/total_timesteps", result.get(NUM_ENV_STEPS_SAMPLED_LIFETIME))
    for module_id, stats in (result.get(LEARNER_RESULTS, {}) or {}).items():
        if not isinstance(stats, dict):
            continue
        prefix = "train/" if module_id in (DEFAULT_POLICY, "__all_modules__") else f"train/{module_id}/"
        if module_id == "__all_modules__":
            prefix = "train/all_modules/"
        for key, value in stats.items():
            if not isinstance(value, dict):
                put(prefix + key, value)
    return out


# --------------------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------------------


def _learner_resources(device: str) -> dict[str, Any]:
    """``.learners()`` arguments for ``device`` on the Ray that is up now."""
    import ray

    gpus = int(ray.cluster_resources().get("GPU", 0))
    if device in ("auto", "cuda") and gpus > 0:
        return {"num_learners": gpus, "num_gpus_per_learner": 1}
    if device == "cuda":
        raise ValueError("device='cuda' but the Ray cluster has no GPU; use device='cpu' or 'auto'")
    return {"num_learners": 0, "num_gpus_per_learner": 0}


def _default_env_runners(address: str | None) -> int:
    import ray

    cpus = int(ray.cluster_resources().get("CPU", 1))
    # One CPU for the driver's local learner; the rest sample.
    return max(0, cpus - 1) if address else max(0, min(cpus - 1, (os.cpu_count() or 1) - 1))


def build_config(
    *,
    env_name: str,
    env_id: str,
    env_kwargs: dict[str, Any],
    algo: str,
    training_kwargs: dict[str, Any],
    backend_opts: dict[str, Any],
    seed: int,
    num_env_runners: int,
    learner_resources: dict[str, Any],
    self_play: bool,
    obs_space: Any = None,
    mask_actions: bool = False,
    agents: tuple[Any, ...] = (),
) -> Any:
    """The RLlib ``AlgorithmConfig`` for one run (new API stack); ``obs_space`` is the env's raw one; ``agents``
    the two agents of a self-play game."""
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

    config = (
        _config_class(algo)()
        .api_stack(enable_rl_module_and_learner=True, enable_env_runner_and_connector_v2=True)
        .framework("torch")
        .environment(env_name, env_config=dict(env_kwargs))
        .env_runners(num_env_runners=num_env_runners, num_envs_per_env_runner=1)
        .learners(**learner_resources)
        .debugging(seed=seed, log_level="WARN")
    )
    if training_kwargs:
        config = config.training(**training_kwargs)
    model_config = backend_opts.get("model_config")
    if obs_space is not None:
        model_config = model_config_for(obs_space, model_config)
    if model_config:
        config = config.rl_module(model_config=DefaultModelConfig(**dict(model_config)))
    if mask_actions:
        from ray.rllib.core.rl_module.rl_module import RLModuleSpec
        from ray.rllib.examples.rl_modules.classes.action_masking_rlm import ActionMaskingTorchRLModule

        config = config.rl_module(rl_module_spec=RLModuleSpec(module_class=ActionMaskingTorchRLModule))
    if self_play:
        from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
        from ray.rllib.core.rl_module.rl_module import RLModuleSpec

        config = (
            config.multi_agent(
                policies={MAIN_POLICY, OPPONENT_POLICY},
                policy_mapping_fn=policy_mapping(agents),
                policies_to_train=[MAIN_POLICY],
            )
            .rl_module(
                rl_module_spec=MultiRLModuleSpec(
                    rl_module_specs={MAIN_POLICY: RLModuleSpec(), OPPONENT_POLICY: RLModuleSpec()}
                )
            )
            .callbacks(self_play_callback_class())
        )
    return config


def train(
    *,
    env_id: str,
    env_kwargs: dict,
    algo: str,
    hyperparams: dict,
    total_steps: int,
    seed: int,
    run_dir: Path,
    resume: bool,
    address: str | None,
    device: str,
    checkpoint_every_steps: int,
    num_env_runners: int | None,
    self_play: bool = False,
    selfplay: Any = None,
) -> Path:
    """Train ``algo`` on ``env_id`` with RLlib until ``total_steps`` env steps; return the final checkpoint dir.

    ``selfplay`` holds the self-play settings (a ``training.config.SelfPlaySettings`` or a dict of its fields;
    its defaults when None) used with ``self_play=True``.

    Raises:
        ValueError: unknown algorithm, device or hyperparameter (each named), non-positive budgets, self-play on
            a game without a two-player view, ``resume`` without a checkpoint, or a fresh run into a folder that
            has checkpoints.
    """
    algo = algo.upper()
    training_kwargs, backend_opts = split_hyperparams(algo, hyperparams)
    _check_train_args(
        env_id=env_id,
        env_kwargs=env_kwargs,
        device=device,
        total_steps=total_steps,
        checkpoint_every_steps=checkpoint_every_steps,
        num_env_runners=num_env_runners,
        self_play=self_play,
    )
    run_dir = Path(run_dir)
    checkpoints_dir = run_dir / artifacts.CHECKPOINT_DIR
    existing = _checkpoints_to_continue(checkpoints_dir, resume)

    env_kwargs, obs_space, env_has_masks, agents = probe_env(env_id, env_kwargs, self_play)
    # RLlib's action-masking RLModule is a PPO module; APPO trains unmasked (the agent still masks when playing).
    mask_actions = env_has_masks and algo == "PPO"
    if env_has_masks and not mask_actions:
        log.info("%s has action masks; %s trains without them (RLlibAgent still applies them)", env_id, algo)

    keep_last = int(backend_opts.get("keep_last_checkpoints", DEFAULT_KEEP_LAST_CHECKPOINTS))
    if keep_last < 1:
        raise ValueError(f"keep_last_checkpoints must be >= 1, got {keep_last}")
    selfplay_settings = _selfplay_settings(selfplay) if self_play else None

    import ray

    started_ray = not ray.is_initialized()
    ray_runtime.init_ray(address)
    writer = None
    algorithm = None
    try:
        env_name = register(env_id, self_play, mask_actions)
        if num_env_runners is None:
            num_env_runners = _default_env_runners(address)
        config = build_config(
            env_name=env_name,
            env_id=env_id,
            env_kwargs=env_kwargs,
            algo=algo,
            training_kwargs=training_kwargs,
            backend_opts=backend_opts,
            seed=seed,
            num_env_runners=num_env_runners,
            learner_resources=_learner_resources(device),
            self_play=self_play,
            obs_space=obs_space,
            mask_actions=mask_actions,
            agents=agents,
        )
        algorithm = config.build_algo()
        if resume:
            last = existing[-1][1]
            log.info("resuming from %s", last)
            algorithm.restore_from_path(str(last.resolve()))

        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir=str(run_dir / artifacts.TENSORBOARD_DIR))
        metadata_base = _metadata_base(env_id, env_kwargs, algo, seed, self_play, obs_space)
        metadata_base["action_masking"] = mask_actions
        steps = _lifetime_steps(algorithm)
        selfplay_state = None
        if selfplay_settings is not None:
            from training.selfplay import SelfPlayState

            selfplay_state = SelfPlayState.load_or_create(
                run_dir, selfplay_settings, seed, step=steps if resume else None
            )
            resumed_opponent = read_metadata(existing[-1][1]).get("selfplay_opponent") if resume else None
            self_play_start(algorithm, selfplay_state, steps, resumed_opponent)

        steps, last_saved_steps = _train_until(
            algorithm,
            writer,
            steps=steps,
            total_steps=total_steps,
            last_saved_steps=existing[-1][0] if existing else -1,
            checkpoint_every_steps=checkpoint_every_steps,
            checkpoints_dir=checkpoints_dir,
            keep_last=keep_last,
            metadata_base=metadata_base,
            selfplay_state=selfplay_state,
        )
        final = checkpoints_dir / FINAL_NAME
        if last_saved_steps != steps or not final.exists():
            # A resumed run with nothing left to train keeps the final checkpoint it already has.
            final = save_checkpoint(
                algorithm, final, _checkpoint_metadata(metadata_base, algorithm, selfplay_state, steps)
            )
        return final
    finally:
        if writer is not None:
            writer.close()
        if algorithm is not None:
            algorithm.stop()
        if started_ray:
            ray_runtime.shutdown()


def _check_train_args(
    *,
    env_id: str,
    env_kwargs: dict,
    device: str,
    total_steps: int,
    checkpoint_every_steps: int,
    num_env_runners: int | None,
    self_play: bool,
) -> None:
    """Refuse bad ``train`` arguments before Ray starts, each by name."""
    if device not in DEVICES:
        raise ValueError(f"device={device!r} is not one of {', '.join(DEVICES)}")
    if total_steps <= 0:
        raise ValueError(f"total_steps must be > 0, got {total_steps}")
    if checkpoint_every_steps <= 0:
        raise ValueError(f"checkpoint_every_steps must be > 0, got {checkpoint_every_steps}")
    if num_env_runners is not None and num_env_runners < 0:
        raise ValueError(f"num_env_runners must be >= 0, got {num_env_runners}")
    if self_play:
        parallel_env_class(env_id)  # ValueError naming the games self-play trains
    if self_play and dict(env_kwargs).get("obs_type", "vector") != "vector":
        raise ValueError("self_play trains on vector observations only: drop obs_type from env_kwargs")


def _checkpoints_to_continue(checkpoints_dir: Path, resume: bool) -> list[tuple[int, Path]]:
    """The run's checkpoints, oldest first: some for a resume, none for a fresh run (else ValueError)."""
    existing = list_checkpoints(checkpoints_dir)
    if resume and not existing:
        raise ValueError(f"resume=True but {checkpoints_dir} holds no checkpoint to resume from")
    if not resume and existing:
        raise ValueError(f"{checkpoints_dir} already holds checkpoints; pass resume=True or use a new run_dir")
    return existing


def _checkpoint_metadata(
    metadata_base: dict[str, Any], algorithm: Any, selfplay_state: Any, steps: int
) -> dict[str, Any]:
    """What a checkpoint records beside the weights: the run's settings, its progress, the self-play opponent."""
    meta = {**metadata_base, "env_steps": steps, "iteration": int(algorithm.iteration or 0)}
    if selfplay_state is not None:
        # The opponent the checkpoint's "opponent" module holds, so a resume knows its name and Elo.
        meta["selfplay_opponent"] = dataclasses.asdict(selfplay_state.opponent)
        meta["selfplay_elo"] = selfplay_state.elo.rating
    return meta


def _train_until(
    algorithm: Any,
    writer: Any,
    *,
    steps: int,
    total_steps: int,
    last_saved_steps: int,
    checkpoint_every_steps: int,
    checkpoints_dir: Path,
    keep_last: int,
    metadata_base: dict[str, Any],
    selfplay_state: Any,
) -> tuple[int, int]:
    """Run training iterations from ``steps`` env steps until ``total_steps``; return ``(steps, last saved steps)``.

    Each iteration's scalars go to ``writer``; a checkpoint is written every ``checkpoint_every_steps`` (the last
    ``keep_last`` kept), and on Ctrl+C the progress since the last one is saved before the interrupt goes on.
    """
    next_checkpoint = (steps // checkpoint_every_steps + 1) * checkpoint_every_steps
    while steps < total_steps:
        tick, before = time.perf_counter(), steps
        try:
            result = algorithm.train()
        except KeyboardInterrupt:
            metadata = _checkpoint_metadata(metadata_base, algorithm, selfplay_state, steps)
            _save_on_interrupt(algorithm, checkpoints_dir, metadata, steps, last_saved_steps)
            raise
        steps = int(result.get("num_env_steps_sampled_lifetime", steps))
        elapsed = time.perf_counter() - tick
        fps = (steps - before) / elapsed if elapsed > 0 else None
        scalars = scalars_from_result(result, fps)
        if selfplay_state is not None:
            scalars.update(self_play_step(algorithm, selfplay_state, result, steps))
        for tag, value in scalars.items():
            writer.add_scalar(tag, value, steps)
        writer.flush()
        log.info("iteration %s: %d env steps", result.get("training_iteration"), steps)
        if steps >= next_checkpoint and steps < total_steps:
            metadata = _checkpoint_metadata(metadata_base, algorithm, selfplay_state, steps)
            save_checkpoint(algorithm, checkpoints_dir / f"{CHECKPOINT_PREFIX}{steps:010d}", metadata)
            last_saved_steps = steps
            next_checkpoint = (steps // checkpoint_every_steps + 1) * checkpoint_every_steps
            prune_checkpoints(checkpoints_dir, keep_last)
    return steps, last_saved_steps


def _selfplay_settings(selfplay: Any) -> Any:
    """The self-play settings as a validated ``SelfPlaySettings`` (its defaults for None)."""
    from training.config import SelfPlaySettings

    if selfplay is None:
        return SelfPlaySettings()
    if isinstance(selfplay, SelfPlaySettings):
        return selfplay
    try:
        return SelfPlaySettings(**dict(selfplay))
    except Exception as exc:  # noqa: BLE001  (pydantic's ValidationError names the bad field)
        raise ValueError(f"bad selfplay settings: {exc}") from None


def _lifetime_steps(algorithm: Any) -> int:
    """Env steps sampled so far (restored with the checkpoint's metrics on resume)."""
    from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME

    for key in (NUM_ENV_STEPS_SAMPLED_LIFETIME, (ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME)):
        try:
            value = algorithm.metrics.peek(key, default=None)
        except Exception:  # noqa: BLE001  (peek of an absent key differs across Ray versions)
            value = None
        if value is not None and _finite(value) is not None:
            return int(value)
    return 0


def _metadata_base(
    env_id: str, env_kwargs: dict, algo: str, seed: int, self_play: bool, obs_space: Any
) -> dict[str, Any]:
    import ray

    policies = [MAIN_POLICY, OPPONENT_POLICY] if self_play else [DEFAULT_POLICY]
    adapter = obs_adapter(obs_space)
    return {
        "format": METADATA_FORMAT,
        "backend": "rllib",
        "ray_version": ray.__version__,
        "env_id": env_id,
        "env_kwargs": dict(env_kwargs),  # JSON-dumped with default=str
        "algo": algo,
        "seed": seed,
        "self_play": self_play,
        "policy_ids": policies,
        "obs_adapter": adapter,
        "rl_module_dir": "learner_group/learner/rl_module",
    }
