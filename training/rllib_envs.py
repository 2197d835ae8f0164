"""How the RLlib backend builds its envs: one player (observations adapted, action masks riding in the
observation) or the game's two-player view for self-play. Runs inside every EnvRunner, and once in the driver
(:func:`probe_env`) so a bad argument fails before Ray starts."""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Any

from agents.obs_adapters import adapt_obs, adapted_space, is_image, obs_adapter
from envs.spec import ActionMasked

log = logging.getLogger(__name__)


#: RLlib has default CNN filters only for these (H, W); other image sizes get ``ANY_SIZE_CONV_FILTERS``.
RLLIB_DEFAULT_CNN_SIZES = {(42, 42), (84, 84), (64, 64), (10, 10)}
#: [out channels, kernel, stride] with RLlib's default "same" padding: fits any image size.
ANY_SIZE_CONV_FILTERS = [[16, 8, 4], [32, 4, 2], [64, 3, 2]]


def model_config_for(space: Any, model_config: dict[str, Any] | None) -> dict[str, Any] | None:
    """``model_config`` completed with conv filters when ``space`` is an image RLlib has no defaults for."""
    config = dict(model_config or {})
    if (
        is_image(space)
        and "conv_filters" not in config
        and tuple(space.shape[:2]) not in RLLIB_DEFAULT_CNN_SIZES
    ):
        config["conv_filters"] = ANY_SIZE_CONV_FILTERS
    return config or None


def make_single_env(env_id: str, env_config: dict[str, Any], mask_actions: bool = False) -> Any:
    """Build ``env_id`` (importing ``envs`` here, in the worker) with its observations adapted for RLlib.

    With ``mask_actions`` the observation becomes ``{"observations": ..., "action_mask": ...}``, the form
    RLlib's action-masking RLModule reads (the mask from the env's ``action_masks()``).
    """
    import gymnasium as gym

    import envs  # noqa: F401  (registers the ArcadeLab ids in this process)

    env = gym.make(env_id, **dict(env_config))
    adapter = obs_adapter(env.observation_space)
    if adapter != "none":
        space = adapted_space(env.observation_space, adapter)
        env = gym.wrappers.TransformObservation(env, functools.partial(adapt_obs, adapter=adapter), space)
    if mask_actions:
        env = _action_mask_wrapper_class()(env)
    return env


def has_action_masks(env: Any) -> bool:
    """Whether the env declares illegal actions (``action_masks()``, as the env contract says)."""
    return callable(getattr(getattr(env, "unwrapped", env), "action_masks", None))


def _action_mask_wrapper_class() -> type:
    import gymnasium as gym
    import numpy as np

    class ActionMaskDictObservation(gym.Wrapper):
        """Observation ``{"observations": obs, "action_mask": float32 0/1 per action}``."""

        def __init__(self, env: gym.Env) -> None:
            super().__init__(env)
            game, space = env.unwrapped, env.action_space
            if not isinstance(game, ActionMasked) or not isinstance(space, gym.spaces.Discrete):
                raise TypeError(f"action masking needs action_masks() and a Discrete action space: {env}")
            self._game = game
            n = int(space.n)
            self.observation_space = gym.spaces.Dict(
                {
                    "observations": env.observation_space,
                    "action_mask": gym.spaces.Box(0.0, 1.0, shape=(n,), dtype=np.float32),
                }
            )

        def _wrap(self, obs: Any) -> dict[str, Any]:
            mask = np.asarray(self._game.action_masks(), dtype=np.float32)
            return {"observations": obs, "action_mask": mask}

        def reset(self, **kwargs: Any):
            obs, info = self.env.reset(**kwargs)
            return self._wrap(obs), info

        def step(self, action: Any):
            obs, reward, terminated, truncated, info = self.env.step(action)
            return self._wrap(obs), reward, terminated, truncated, info

    return ActionMaskDictObservation


def parallel_env_class(env_id: str) -> type:
    """The two-learner PettingZoo view the game spec names for ``env_id``; ``ValueError`` for a game without one."""
    from envs.spec import env_entry, load_object, two_player_env_ids

    entry = env_entry(env_id)
    if entry is None or entry.parallel_entry_point is None:
        raise ValueError(
            f"self_play needs a two-player game; {env_id} has no two-player view "
            f"(self_play trains {', '.join(two_player_env_ids())})"
        )
    return load_object(entry.parallel_entry_point)


def _adapted_parallel_class() -> type:
    from pettingzoo.utils.wrappers import BaseParallelWrapper

    class AdaptedObservations(BaseParallelWrapper):
        """Each agent's observation adapted for RLlib's default models (``agents.obs_adapters``), as
        ``make_single_env`` does for one player: Snake's uint8 planes become a float32 vector, say."""

        def __init__(self, env: Any) -> None:
            super().__init__(env)
            self._adapters = {a: obs_adapter(env.observation_space(a)) for a in env.possible_agents}

        def observation_space(self, agent: Any) -> Any:
            return adapted_space(self.env.observation_space(agent), self._adapters[agent])

        def _adapt(self, observations: dict) -> dict:
            return {a: adapt_obs(o, self._adapters[a]) for a, o in observations.items()}

        def reset(self, seed: int | None = None, options: dict | None = None):
            observations, infos = self.env.reset(seed=seed, options=options)
            return self._adapt(observations), infos

        def step(self, actions: dict):
            observations, rewards, terminations, truncations, infos = self.env.step(actions)
            return self._adapt(observations), rewards, terminations, truncations, infos

    return AdaptedObservations


def make_parallel_env(env_id: str, env_config: dict[str, Any]) -> Any:
    """The game's PettingZoo view (Pong's "left"/"right", SnakeVersus' "snake_0"/"snake_1") with adapted
    observations, wrapped for RLlib's multi-agent API."""
    from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv

    import envs  # noqa: F401  (in the worker)

    env = parallel_env_class(env_id)(**dict(env_config))
    return ParallelPettingZooEnv(_adapted_parallel_class()(env))


def _creator(env_config: Any, *, env_id: str, self_play: bool, mask_actions: bool = False) -> Any:
    # EnvContext is a dict subclass that also carries worker_index etc.; the env gets only the user's kwargs.
    kwargs = dict(env_config)
    if self_play:
        return make_parallel_env(env_id, kwargs)
    return make_single_env(env_id, kwargs, mask_actions=mask_actions)


def register(env_id: str, self_play: bool = False, mask_actions: bool = False) -> str:
    """Register ``env_id`` with Tune under an ArcadeLab name and return that name."""
    from ray.tune.registry import register_env

    name = f"arcadelab:{env_id}" + (":selfplay" if self_play else "") + (":masked" if mask_actions else "")
    register_env(
        name, functools.partial(_creator, env_id=env_id, self_play=self_play, mask_actions=mask_actions)
    )
    return name


def probe_env(env_id: str, env_kwargs: dict, self_play: bool) -> tuple[dict, Any, bool, tuple[Any, ...]]:
    """Build the env once in the driver, before Ray starts, so a bad argument fails fast and clearly.

    Returns ``(env_kwargs to use, raw observation space, whether the env has action masks, the two agents of a
    self-play game or ())``. For self-play the game's two-player view is built, and the single-player
    arguments it does not take (the built-in opponent's: the opponent is the frozen policy) are dropped with a
    log line. ``TypeError`` for an unknown argument becomes ``ValueError`` naming the env.
    """
    import gymnasium as gym

    import envs  # noqa: F401

    kwargs = dict(env_kwargs or {})
    agents: tuple[Any, ...] = ()
    env: Any  # the game's two-player view for self-play, else a Gymnasium env
    space: gym.Space
    try:
        if self_play:
            cls = parallel_env_class(env_id)
            taken = inspect.signature(cls).parameters
            dropped = sorted(k for k in kwargs if k not in taken)
            if dropped:
                log.info("self-play: %s takes no %s; ignoring it", cls.__name__, ", ".join(dropped))
            kwargs = {k: v for k, v in kwargs.items() if k in taken}
            env = cls(**kwargs)
            agents = tuple(env.possible_agents)
            space = env.observation_space(agents[0])
            masks = False
        else:
            env = gym.make(env_id, **kwargs)
            space = env.observation_space
            masks = has_action_masks(env)
    except TypeError as exc:
        raise ValueError(f"bad env_kwargs for {env_id}: {exc}") from None
    except gym.error.Error as exc:
        raise ValueError(f"cannot make env {env_id!r}: {exc}") from None
    env.close()
    return kwargs, space, masks, agents
