"""Training configs: one YAML file per game and algorithm (``configs/<game>/<algo>.yaml``), validated here.

The shape follows RL Baselines3 Zoo's hyperparameter files (env id, env kwargs, number of envs, algorithm,
policy, hyperparameters, policy kwargs) plus ArcadeLab's checkpoint, evaluation and self-play settings. Nothing
is ``eval``-ed: activation functions are names looked up in a table, ``net_arch`` is a plain list, learning-rate
schedules are the string ``"lin_<float>"``.

Every problem becomes a :class:`ConfigError` whose message names the field and what is allowed; the CLI prints it
and exits with status 2.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

if TYPE_CHECKING:  # SB3 is imported when a trainer asks for its class, not with the config
    from stable_baselines3.common.base_class import BaseAlgorithm

AlgoName = Literal["ppo", "a2c", "dqn", "maskable_ppo"]

# Arguments of the SB3 constructors that the trainer sets itself, so a config may not.
_RESERVED_ARGS = frozenset(
    {
        "self",
        "policy",
        "env",
        "policy_kwargs",
        "seed",
        "device",
        "tensorboard_log",
        "verbose",
        "_init_setup_model",
        "stats_window_size",
    }
)
_LINEAR_SCHEDULE = re.compile(r"^lin_([0-9.eE+-]+)$")


class ConfigError(ValueError):
    """A config (file or command line override) that cannot be used; the message is for the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class NetArch(_Strict):
    """Separate actor (``pi``) and critic (``vf``) layer sizes."""

    pi: list[int] = Field(default_factory=lambda: [64, 64])
    vf: list[int] = Field(default_factory=lambda: [64, 64])


class PolicyKwargs(_Strict):
    net_arch: list[int] | NetArch | None = None
    activation_fn: Literal["tanh", "relu", "elu", "leaky_relu", "gelu", "silu"] | None = None
    ortho_init: bool | None = None
    normalize_images: bool | None = None
    share_features_extractor: bool | None = None
    # A named extractor from agents/features.py (e.g. tile_embedding for tile-window observations) and its
    # arguments; None: SB3's default for the policy.
    features_extractor: Literal["tile_embedding"] | None = None
    features_extractor_kwargs: dict[str, Any] | None = None


class CheckpointSettings(_Strict):
    every_steps: int = Field(50_000, gt=0)
    keep_last: int = Field(3, ge=1)


class EvalSettings(_Strict):
    every_steps: int = Field(25_000, gt=0)
    episodes: int = Field(10, ge=1)
    # An episode video is logged every ``video_every`` evaluations (0 = never).
    video_every: int = Field(4, ge=0)
    video_max_frames: int = Field(600, ge=1)
    # Seeds of the evaluation episodes are ``seed_base + i``: the same list every time.
    seed_base: int = 10_000
    max_episode_steps: int = Field(10_000, ge=1)
    # How the trained agent acts wherever it is used (evaluation, ``arcadelab evaluate``/``play``, benchmarks):
    # its most likely action (True), or an action sampled from the policy as trained (False), as RL Baselines3
    # Zoo evaluates its Atari agents. Saved with every model.
    deterministic: bool = True
    # Overrides of ``env_kwargs`` for evaluation (periodic, ``arcadelab evaluate``/``record``, benchmarks): e.g.
    # a training-only curriculum such as the platformer's ``start_anywhere`` is switched off here.
    env_kwargs: dict[str, Any] = Field(default_factory=dict)


class NormalizeSettings(_Strict):
    norm_obs: bool = True
    norm_reward: bool = True
    clip_obs: float = Field(10.0, gt=0)
    gamma: float = Field(0.99, gt=0, le=1)


class SelfPlaySettings(_Strict):
    """Self-play against a pool of past snapshots (as Unity ML-Agents' ghost trainer), on both backends.

    ``save_every_steps`` (ML-Agents' ``save_steps``): learner env steps between snapshots of the policy;
    ``window``: how many of the newest snapshots the pool keeps; ``swap_every_steps`` (``swap_steps``): steps
    between opponent draws; ``play_against_latest_ratio`` (``play_against_latest_model_ratio``): probability a
    draw picks the current policy rather than a pool snapshot; ``initial_elo`` and ``elo_k``: the learner's
    starting Elo and K factor. See :mod:`training.selfplay`.
    """

    enabled: bool = True
    save_every_steps: int = Field(20_000, gt=0)
    swap_every_steps: int = Field(10_000, gt=0)
    window: int = Field(10, ge=1)
    play_against_latest_ratio: float = Field(0.5, ge=0, le=1)
    initial_elo: float = 1200.0
    elo_k: float = Field(16.0, gt=0)
    opponent_kwarg: str = "opponent"


class ScheduleEntry(_Strict):
    """One env attribute moved with training progress: linearly from ``start`` to ``end`` over the first
    ``until`` of the step budget, then held at ``end``."""

    start: float
    end: float
    until: float = Field(1.0, gt=0, le=1)

    def value(self, progress: float) -> float:
        """The attribute's value after ``progress`` (0 to 1) of the budget."""
        t = min(max(progress / self.until, 0.0), 1.0)
        return self.start + (self.end - self.start) * t


class RllibSettings(_Strict):
    algo: Literal["PPO", "APPO"] = "PPO"
    hyperparams: dict[str, Any] = Field(default_factory=dict)
    num_env_runners: int | None = Field(None, ge=0)


class TrainConfig(_Strict):
    """One training run: what to train on, with which algorithm, and how to log and checkpoint it."""

    env_id: str
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    n_envs: int = Field(8, ge=1)
    vec_env: Literal["auto", "batched", "dummy", "subproc"] = "auto"
    algo: AlgoName
    policy: Literal["MlpPolicy", "CnnPolicy", "MultiInputPolicy"] = "MlpPolicy"
    total_steps: int = Field(100_000, gt=0)
    seed: int = Field(0, ge=0)
    # Small MLPs on a shared CPU train several times faster on one thread than on contending ones.
    torch_threads: int | None = Field(1, ge=1)
    hyperparams: dict[str, Any] = Field(default_factory=dict)
    policy_kwargs: PolicyKwargs = Field(default_factory=PolicyKwargs)
    normalize: NormalizeSettings | None = None
    checkpoint: CheckpointSettings = Field(default_factory=CheckpointSettings)
    eval: EvalSettings = Field(default_factory=EvalSettings)
    selfplay: SelfPlaySettings | None = None
    rllib: RllibSettings = Field(default_factory=RllibSettings)
    # A curriculum: training env attributes moved with progress (e.g. Pong's ``opponent_skill`` from 0 to its
    # evaluated value), set on the live envs before each rollout; evaluation uses ``env_kwargs`` as they are.
    env_schedule: dict[str, ScheduleEntry] = Field(default_factory=dict)

    def eval_env_kwargs(self) -> dict[str, Any]:
        """The env arguments evaluation uses: ``env_kwargs`` with ``eval.env_kwargs`` over them."""
        return dict(self.env_kwargs) | dict(self.eval.env_kwargs)

    @model_validator(mode="after")
    def _pixels_need_cnn(self) -> TrainConfig:
        if self.env_kwargs.get("obs_type") == "pixels" and self.policy == "MlpPolicy":
            raise ValueError("env_kwargs.obs_type 'pixels' needs policy 'CnnPolicy'")
        return self

    @property
    def game(self) -> str:
        """Short lowercase game name for run folders: ``ArcadeLab/Pong-v0`` -> ``pong``."""
        return game_name(self.env_id)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def config_hash(self) -> str:
        """Hash of everything that shapes the learned policy (not the budget): resume checks it."""
        data = self.to_dict()
        for key in ("total_steps", "torch_threads"):
            data.pop(key, None)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def game_name(env_id: str) -> str:
    base = env_id.split("/")[-1]
    return re.sub(r"-v\d+$", "", base).lower()


# ---------------------------------------------------------------------------------------------------- loading


def _allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """Field names of the (sub)model at ``loc`` so an 'extra field' error can list what is allowed."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        sub = None
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                sub = candidate
        if sub is None:
            return None
        current = sub
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return None


def format_validation_error(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid config"]
    for item in error.errors():
        loc = tuple(
            p for p in item["loc"] if not (isinstance(p, str) and p.startswith(("function-", "list[")))
        )
        # pydantic adds the union member name to the location (e.g. 'NetArch'); it is noise to a user.
        loc = tuple(p for p in loc if not (isinstance(p, str) and p[:1].isupper() and p.isidentifier()))
        field = ".".join(str(p) for p in loc) or "(top level)"
        if item["type"] == "extra_forbidden":
            allowed = _allowed_fields(TrainConfig, loc[:-1])
            hint = f"; allowed: {', '.join(allowed)}" if allowed else ""
            lines.append(f"  field '{field}': unknown key{hint}")
        elif item["type"] == "missing":
            lines.append(f"  field '{field}': required but missing")
        else:
            lines.append(f"  field '{field}': {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


def parse_config(data: Any, source: str = "config") -> TrainConfig:
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: expected a mapping of fields at the top level, got {type(data).__name__}"
        )
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from None


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read, override (``total_steps``, ``seed``) and validate a YAML config."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if isinstance(data, dict):
        data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return parse_config(data, str(path))


def dump_config(config: TrainConfig, path: Path) -> None:
    path.write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))


# ------------------------------------------------------------------------------------------ SB3 resolution


def algo_class(algo: str) -> type[BaseAlgorithm]:
    """The SB3 class for an algorithm name (imports SB3)."""
    if algo == "maskable_ppo":
        from sb3_contrib import MaskablePPO

        return MaskablePPO
    import stable_baselines3 as sb3

    classes: dict[str, type[BaseAlgorithm]] = {"ppo": sb3.PPO, "a2c": sb3.A2C, "dqn": sb3.DQN}
    return classes[algo]


def _linear_schedule(start: float):
    def schedule(progress_remaining: float) -> float:
        return progress_remaining * start

    return schedule


def resolve_hyperparams(config: TrainConfig) -> dict[str, Any]:
    """Check ``hyperparams`` against the SB3 constructor signature and convert values SB3 wants typed."""
    cls = algo_class(config.algo)
    params = inspect.signature(cls.__init__).parameters
    allowed = sorted(name for name in params if name not in _RESERVED_ARGS)
    resolved: dict[str, Any] = {}
    for key, value in config.hyperparams.items():
        if key not in params or key in _RESERVED_ARGS:
            raise ConfigError(
                f"field 'hyperparams.{key}': unknown hyperparameter for {cls.__name__}; allowed: {', '.join(allowed)}"
            )
        default = params[key].default
        if isinstance(value, str) and (match := _LINEAR_SCHEDULE.match(value)):
            try:
                value = _linear_schedule(float(match.group(1)))
            except ValueError:
                raise ConfigError(
                    f"field 'hyperparams.{key}': bad schedule {value!r} (use 'lin_<float>')"
                ) from None
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"field 'hyperparams.{key}': expected true or false, got {value!r}")
        elif isinstance(default, (int, float)) and (
            isinstance(value, bool) or not isinstance(value, (int, float))
        ):
            raise ConfigError(
                f"field 'hyperparams.{key}': expected a number (or 'lin_<float>' schedule), got {value!r}"
            )
        if key == "train_freq" and isinstance(value, list):
            value = tuple(value)
        resolved[key] = value
    return resolved


def resolve_policy_kwargs(config: TrainConfig) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` (activation names mapped to torch classes, never ``eval``-ed)."""
    from agents.sb3_agent import policy_kwargs_from_dict

    pk = config.policy_kwargs
    if config.algo == "dqn":
        if isinstance(pk.net_arch, NetArch):
            raise ConfigError("field 'policy_kwargs.net_arch': DQN takes a list of layer sizes, not pi/vf")
        for name in ("ortho_init", "share_features_extractor"):
            if getattr(pk, name) is not None:
                raise ConfigError(f"field 'policy_kwargs.{name}': not a DQN policy option")
    return policy_kwargs_from_dict(pk.model_dump(mode="json"))


def validate_for_sb3(config: TrainConfig) -> None:
    """Everything that can be checked before building envs; raises ConfigError."""
    resolve_hyperparams(config)
    resolve_policy_kwargs(config)
    if config.selfplay is not None and config.selfplay.enabled and config.vec_env == "subproc":
        raise ConfigError(
            "field 'selfplay': self-play needs vec_env 'auto', 'batched' or 'dummy' (not 'subproc')"
        )
    pk = config.policy_kwargs
    if pk.features_extractor == "tile_embedding":
        if config.normalize is not None and config.normalize.norm_obs:
            raise ConfigError(
                "field 'normalize.norm_obs': must be false with features_extractor tile_embedding (tile codes "
                "are indices, not numbers to normalize)"
            )
        missing = {"n_tiles", "n_codes"} - set(pk.features_extractor_kwargs or {})
        if missing:
            raise ConfigError(
                f"field 'policy_kwargs.features_extractor_kwargs': tile_embedding needs {', '.join(sorted(missing))}"
            )
    elif pk.features_extractor_kwargs and pk.features_extractor is None:
        raise ConfigError("field 'policy_kwargs.features_extractor_kwargs': set features_extractor too")


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``."""
    if device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"option '--device': {device!r} is not one of auto, cpu, cuda")
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("option '--device': cuda requested but torch.cuda.is_available() is False")
    return device
