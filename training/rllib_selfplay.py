"""RLlib self-play glue: which module plays which agent, the score of "main" per finished game, and the
opponent's weights swapped between training iterations; the pool and Elo are :mod:`training.selfplay`'s."""

from __future__ import annotations

import functools
import logging
import zlib
from typing import Any

log = logging.getLogger(__name__)

MAIN_POLICY = "main"
OPPONENT_POLICY = "opponent"


def agent_to_module(agent_id: Any, episode: Any, agents: tuple[Any, ...] = (), **kwargs: Any) -> str:
    """Per episode, "main" plays one of the game's two ``agents`` at random (by episode id), "opponent" the other.
    RLlib gets it bound to the game's agents by :func:`policy_mapping`."""
    main_side = agents[zlib.crc32(str(episode.id_).encode()) % 2]
    return MAIN_POLICY if agent_id == main_side else OPPONENT_POLICY


def policy_mapping(agents: Any) -> Any:
    """RLlib's ``policy_mapping_fn`` for a game whose two agents are ``agents`` (picklable, for the workers)."""
    agents = tuple(agents)
    if len(agents) != 2:
        raise ValueError(f"self_play needs a game of two agents, not {list(agents)}")
    return functools.partial(agent_to_module, agents=agents)


#: Key (under the env runners' results) of the list of finished games' scores for "main" (1 / 0.5 / 0).
SELF_PLAY_SCORES = "selfplay_main_scores"


def main_score(episode: Any) -> float | None:
    """1 / 0.5 / 0 for "main" from a finished episode's last infos (``winner``: the winning agent's name or
    None when truncated); None when the episode did not finish or "main" did not play in it.

    Runs in the EnvRunners: as ``training.selfplay.score_of_game``, without importing it (and SB3) there.
    """
    if not (episode.is_terminated or episode.is_truncated):
        return None
    main_agent = next((a for a in episode.agent_ids if episode.module_for(a) == MAIN_POLICY), None)
    if main_agent is None:
        return None
    last = episode.get_infos(-1) or {}
    winner = next((info.get("winner") for info in last.values() if isinstance(info, dict)), None)
    if winner is None or winner == "":
        return 0.5
    return 1.0 if winner == main_agent else 0.0


def self_play_callback_class() -> type:
    from ray.rllib.callbacks.callbacks import RLlibCallback

    class SelfPlayCallback(RLlibCallback):
        """In every EnvRunner: logs each finished game's score for "main"; the driver turns them into Elo."""

        def on_episode_end(self, *, episode: Any, metrics_logger: Any = None, **kwargs: Any) -> None:
            score = main_score(episode)
            if score is not None and metrics_logger is not None:
                metrics_logger.log_value(SELF_PLAY_SCORES, score, reduce="item_series")

    return SelfPlayCallback


def scores_from_result(result: dict[str, Any]) -> list[float]:
    """The scores the EnvRunners logged this iteration (see :class:`SelfPlayCallback`)."""
    from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS

    value = (result.get(ENV_RUNNER_RESULTS) or {}).get(SELF_PLAY_SCORES)
    if value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    return [float(v) for v in value]


def main_weights(algorithm: Any) -> dict[str, Any]:
    """The weights of "main" from the learner (the env runners' copy may lag one update behind), as arrays."""
    return algorithm.learner_group.get_weights(module_ids=[MAIN_POLICY])[MAIN_POLICY]


def set_opponent_weights(algorithm: Any, weights: dict[str, Any]) -> None:
    """Load ``weights`` into "opponent" in the learner and in every EnvRunner."""
    algorithm.learner_group.set_weights({OPPONENT_POLICY: weights})
    algorithm.env_runner_group.sync_weights(
        from_worker_or_learner_group=algorithm.learner_group,
        policies=[OPPONENT_POLICY],
        inference_only=True,
    )


def copy_main_to_opponent(algorithm: Any) -> None:
    """Load "main"'s current weights into "opponent" (the learner's and every EnvRunner's)."""
    set_opponent_weights(algorithm, main_weights(algorithm))


def swap_opponent(algorithm: Any, state: Any, step: int) -> None:
    """Draw the next opponent from the pool (or the latest "main") and load it into "opponent"."""
    state.choose_opponent(step)
    weights = state.opponent_weights()
    if weights is None:
        copy_main_to_opponent(algorithm)
    else:
        set_opponent_weights(algorithm, weights)


def self_play_step(algorithm: Any, state: Any, result: dict[str, Any], step: int) -> dict[str, float]:
    """After one training iteration: Elo from the finished games, snapshot and swap when due, save the state.

    Returns the ``selfplay/`` scalars for TensorBoard.
    """
    scores = scores_from_result(result)
    opponent_elo = state.opponent.elo  # the opponent these games were played against
    for score in scores:
        state.record_game(score)
    if state.pool.due_save(step):
        state.save_snapshot(step, main_weights(algorithm))
    if state.pool.due_swap(step):
        swap_opponent(algorithm, state, step)
    state.save(step)
    return {
        "selfplay/elo": state.elo.rating,
        "selfplay/opponent_elo": opponent_elo,
        "selfplay/pool_size": float(len(state.pool)),
        "selfplay/games": float(state.elo.games),
        "selfplay/iteration_games": float(len(scores)),
    }


def self_play_start(algorithm: Any, state: Any, step: int, resumed_opponent: dict | None) -> None:
    """Before the first iteration: a fresh run snapshots the initial "main" and draws its first opponent; a
    resumed run keeps the opponent its checkpoint restored (named in the checkpoint's metadata)."""
    from training.selfplay import Snapshot

    if not len(state.pool):
        state.save_snapshot(step, main_weights(algorithm))
    if resumed_opponent:
        state.opponent = Snapshot(
            str(resumed_opponent["name"]), int(resumed_opponent["step"]), float(resumed_opponent["elo"])
        )
    else:
        swap_opponent(algorithm, state, step)
    state.save(step)
