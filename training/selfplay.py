"""Self-play for two-player games: a pool of past snapshots of the learner, and the learner's Elo, on both backends.

The semantics are those of Unity ML-Agents' ghost trainer (``mlagents/trainers/ghost/trainer.py`` and the
"Self-Play" section of its training-configuration docs):

- every ``save_steps`` learner steps the current policy is saved into the pool as a snapshot, carrying the
  learner's Elo at that moment; the pool is a sliding ``window``: the newest snapshot evicts the oldest;
- every ``swap_steps`` steps the opponent is replaced: with probability ``play_against_latest_ratio`` by the
  latest policy (a frozen copy of the learner as it is now), else by a snapshot drawn uniformly from the pool;
  the draws come from a generator seeded by the run's seed, whose state is saved, so a resumed run draws on;
- the learner starts at ``initial_elo`` (1200, as chess and ML-Agents) and after each finished game moves by
  ``k * (score - expected)``, ``score`` being 1 / 0.5 / 0 for a win / draw / loss and ``expected`` the logistic
  Elo expectation against the opponent's rating. A snapshot keeps the rating it was saved with (ML-Agents also
  lowers the opponent snapshot's rating by the learner's gain; a frozen policy does not get weaker, so here it
  stays an anchor).

Backend-independent pieces: :func:`elo_update`, :class:`SnapshotPool`, :class:`EloRating` and
:class:`SelfPlayState`, which keeps both on disk in the run folder::

    selfplay/state.json                        index: Elo, games, current opponent, pool (name, step, Elo, file
                                               of each snapshot), the sampling generator's state
    selfplay/snapshots/snapshot_0000012288.safetensors  one snapshot's weights (safetensors: no pickle)

Every file is written atomically (temp file, fsync, rename); a snapshot's file lands before the index that
names it, and an evicted snapshot's file is deleted only after the index stopped naming it, so a run killed at
any moment leaves a consistent pool. ``state.json`` keeps ``elo`` at its top level (the game app shows it).

Backend glue: for SB3, :class:`GhostAgent` (the opponent inside the single-player env) and
:class:`SelfPlayCallback`; for RLlib, ``training.rllib_backend`` drives the same :class:`SelfPlayState` from its
training loop.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from training.checkpoints import atomic_write, atomic_write_json

logger = logging.getLogger(__name__)

STATE_FORMAT = 1
STATE_FILE = "state.json"
SNAPSHOT_DIR = "snapshots"
#: Name of the "opponent" that is a frozen copy of the learner taken at swap time (not a pool snapshot).
LATEST = "latest"


# ------------------------------------------------------------------------------------------------------ Elo


def elo_expected(rating: float, opponent: float) -> float:
    """The expected score of a player rated ``rating`` against one rated ``opponent`` (logistic, 400 points)."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / 400.0))


def elo_update(rating: float, opponent: float, score: float, k: float) -> float:
    """New rating after one game: ``score`` is 1 (win), 0.5 (draw) or 0 (loss)."""
    return rating + k * (score - elo_expected(rating, opponent))


@dataclass
class EloRating:
    """The learner's rating and game counts."""

    rating: float = 1200.0
    k: float = 16.0
    games: int = 0
    wins: int = 0
    draws: int = 0
    losses: int = 0

    def record(self, score: float, opponent_rating: float) -> float:
        """Update after one finished game (``score`` 1 / 0.5 / 0); returns the new rating."""
        if score not in (0.0, 0.5, 1.0):
            raise ValueError(f"score must be 1 (win), 0.5 (draw) or 0 (loss), got {score!r}")
        self.rating = elo_update(self.rating, opponent_rating, score, self.k)
        self.games += 1
        if score == 1.0:
            self.wins += 1
        elif score == 0.0:
            self.losses += 1
        else:
            self.draws += 1
        return self.rating


def score_of_game(info: dict[str, Any]) -> float:
    """1 / 0.5 / 0 for the learner from a finished game's last ``info`` (the episode-end contract of
    ``envs/spec.py``): ``is_success`` is a win; no ``winner`` (None: a draw or a game cut off) is a draw."""
    if info.get("is_success"):
        return 1.0
    winner = info.get("winner")
    return 0.5 if winner is None or winner == "" else 0.0


# ----------------------------------------------------------------------------------------------------- pool


@dataclass(frozen=True)
class Snapshot:
    """One opponent: a pool snapshot (``name`` = its file stem) or the latest policy (``name`` = ``"latest"``)."""

    name: str
    step: int
    elo: float

    @property
    def is_latest(self) -> bool:
        return self.name == LATEST


def snapshot_name(step: int) -> str:
    return f"snapshot_{int(step):010d}"


class SnapshotPool:
    """The last ``window`` snapshots of the learner, saved every ``save_steps`` and drawn every ``swap_steps``.

    Weights are dicts of numpy arrays (whatever the backend's state dict holds, as arrays). Sampling is
    deterministic given ``seed`` and the order of calls.
    """

    def __init__(
        self,
        window: int = 10,
        save_steps: int = 20_000,
        swap_steps: int = 10_000,
        play_against_latest_ratio: float = 0.5,
        seed: int = 0,
    ) -> None:
        if int(window) < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if int(save_steps) < 1:
            raise ValueError(f"save_steps must be >= 1, got {save_steps}")
        if int(swap_steps) < 1:
            raise ValueError(f"swap_steps must be >= 1, got {swap_steps}")
        if not 0.0 <= float(play_against_latest_ratio) <= 1.0:
            raise ValueError(f"play_against_latest_ratio must be in [0, 1], got {play_against_latest_ratio}")
        self.window = int(window)
        self.save_steps = int(save_steps)
        self.swap_steps = int(swap_steps)
        self.play_against_latest_ratio = float(play_against_latest_ratio)
        self.rng = np.random.default_rng(seed)
        self.snapshots: list[Snapshot] = []
        self._weights: dict[str, dict[str, np.ndarray]] = {}
        self.last_save_step: int | None = None
        self.last_swap_step: int | None = None

    def __len__(self) -> int:
        return len(self.snapshots)

    @property
    def latest(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None

    def due_save(self, step: int) -> bool:
        return self.last_save_step is None or step - self.last_save_step >= self.save_steps

    def due_swap(self, step: int) -> bool:
        return self.last_swap_step is None or step - self.last_swap_step >= self.swap_steps

    def add(self, step: int, elo: float, weights: dict[str, Any]) -> tuple[Snapshot, list[Snapshot]]:
        """Save a snapshot taken at ``step`` rated ``elo``; returns it and the snapshots the window evicted."""
        snap = Snapshot(snapshot_name(step), int(step), float(elo))
        self.snapshots = [s for s in self.snapshots if s.name != snap.name]  # same step: the newer wins
        self.snapshots.append(snap)
        self._weights[snap.name] = {k: np.asarray(v) for k, v in weights.items()}
        evicted = []
        while len(self.snapshots) > self.window:
            old = self.snapshots.pop(0)
            self._weights.pop(old.name, None)
            evicted.append(old)
        self.last_save_step = int(step)
        return snap, evicted

    def weights(self, snapshot: Snapshot | str) -> dict[str, np.ndarray]:
        name = snapshot if isinstance(snapshot, str) else snapshot.name
        return self._weights[name]

    def sample(self) -> Snapshot | None:
        """The next opponent: None (play the latest policy) with probability ``play_against_latest_ratio``,
        else a snapshot drawn uniformly from the pool (the latest policy too while the pool is empty)."""
        if not self.snapshots or self.rng.random() < self.play_against_latest_ratio:
            return None
        return self.snapshots[int(self.rng.integers(len(self.snapshots)))]

    def rewind(self, step: int) -> list[Snapshot]:
        """Forget snapshots taken after ``step`` (a run resumed from an earlier checkpoint); returns them."""
        dropped = [s for s in self.snapshots if s.step > step]
        self.snapshots = [s for s in self.snapshots if s.step <= step]
        for snap in dropped:
            self._weights.pop(snap.name, None)
        if self.last_save_step is not None and self.last_save_step > step:
            latest = self.latest
            self.last_save_step = latest.step if latest is not None else None
        if self.last_swap_step is not None and self.last_swap_step > step:
            self.last_swap_step = int(step)
        return dropped

    def state_dict(self) -> dict[str, Any]:
        """JSON-ready state without the weights (those live in one file per snapshot)."""
        return {
            "window": self.window,
            "save_steps": self.save_steps,
            "swap_steps": self.swap_steps,
            "play_against_latest_ratio": self.play_against_latest_ratio,
            "last_save_step": self.last_save_step,
            "last_swap_step": self.last_swap_step,
            "rng": self.rng.bit_generator.state,
            "snapshots": [asdict(s) for s in self.snapshots],
        }

    def load_state_dict(self, state: dict[str, Any], weights: dict[str, dict[str, np.ndarray]]) -> None:
        """Restore from :meth:`state_dict` and the snapshots' weights (snapshots without weights are dropped).

        The window and step intervals stay as constructed (the run's current settings).
        """
        snaps = [
            Snapshot(str(s["name"]), int(s["step"]), float(s["elo"])) for s in state.get("snapshots", [])
        ]
        self.snapshots = [s for s in snaps if s.name in weights][-self.window :]
        self._weights = {s.name: weights[s.name] for s in self.snapshots}
        self.last_save_step = state.get("last_save_step")
        self.last_swap_step = state.get("last_swap_step")
        if state.get("rng"):
            self.rng.bit_generator.state = state["rng"]


# ---------------------------------------------------------------------------------------------- persistence


def write_weights(path: Path, weights: dict[str, Any]) -> None:
    """Weights as safetensors (plain tensors, nothing executable on load), written atomically."""
    from safetensors.numpy import save

    arrays = {key: np.ascontiguousarray(np.asarray(value)) for key, value in weights.items()}
    for key, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise ValueError(f"weight {key!r} has dtype {array.dtype}; only numeric tensors are saved")
    blob = save(arrays)
    atomic_write(path, lambda f: f.write(blob))


def read_weights(path: Path) -> dict[str, np.ndarray]:
    """Read a snapshot; a corrupt file raises ValueError naming its path."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        return load(Path(path).read_bytes())
    except SafetensorError as exc:
        raise ValueError(f"{path}: not a readable safetensors file ({exc})") from None


class SelfPlayState:
    """The pool, the learner's Elo and the current opponent of one run, kept in ``<run_dir>/selfplay``."""

    def __init__(self, directory: Path, pool: SnapshotPool, elo: EloRating) -> None:
        self.directory = Path(directory)
        self.pool = pool
        self.elo = elo
        self.opponent = Snapshot(LATEST, 0, elo.rating)
        self.step = 0

    @classmethod
    def create(cls, run_dir: Path, settings: Any, seed: int = 0) -> SelfPlayState:
        """A fresh state from a ``SelfPlaySettings`` (or anything with the same attributes)."""
        pool = SnapshotPool(
            window=settings.window,
            save_steps=settings.save_every_steps,
            swap_steps=settings.swap_every_steps,
            play_against_latest_ratio=settings.play_against_latest_ratio,
            seed=seed,
        )
        elo = EloRating(rating=float(settings.initial_elo), k=float(settings.elo_k))
        return cls(Path(run_dir) / "selfplay", pool, elo)

    @classmethod
    def load_or_create(
        cls, run_dir: Path, settings: Any, seed: int = 0, step: int | None = None
    ) -> SelfPlayState:
        """The saved state of ``run_dir`` if there is one (rewound to ``step``: the checkpoint resumed from),
        else a fresh one. Snapshots whose weight file is missing or unreadable are dropped with a warning."""
        state = cls.create(run_dir, settings, seed)
        index = state.directory / STATE_FILE
        if not index.is_file():
            return state
        try:
            data = json.loads(index.read_text())
        except (OSError, ValueError) as exc:
            logger.warning("self-play: %s is unreadable (%s); starting a new pool", index, exc)
            return state
        pool_state = data.get("pool", {})
        weights: dict[str, dict[str, np.ndarray]] = {}
        for snap in pool_state.get("snapshots", []):
            path = state.directory / SNAPSHOT_DIR / f"{snap['name']}.safetensors"
            try:
                weights[snap["name"]] = read_weights(path)
            except (OSError, ValueError) as exc:
                logger.warning("self-play: dropping snapshot %s (%s)", path, exc)
        state.pool.load_state_dict(pool_state, weights)
        state.elo = EloRating(
            rating=float(data.get("elo", state.elo.rating)),
            k=state.elo.k,
            **{key: int(data.get(key, 0)) for key in ("games", "wins", "draws", "losses")},
        )
        state.step = int(data.get("num_timesteps", 0))
        opponent = data.get("opponent")
        if opponent:
            state.opponent = Snapshot(str(opponent["name"]), int(opponent["step"]), float(opponent["elo"]))
        if step is not None:
            state.rewind(step)
        state._remove_orphans()
        logger.info(
            "self-play: restored %d snapshot(s), Elo %.1f after %d games", len(state.pool), state.elo.rating,
            state.elo.games,
        )  # fmt: skip
        return state

    # --- the game loop's side

    def record_game(self, score: float) -> float:
        """A finished game against the current opponent; returns the learner's new Elo."""
        return self.elo.record(score, self.opponent.elo)

    def save_snapshot(self, step: int, weights: dict[str, Any]) -> Snapshot:
        """Add the learner's weights at ``step`` to the pool, on disk too (file first, then the index)."""
        snap, evicted = self.pool.add(step, self.elo.rating, weights)
        write_weights(self._snapshot_path(snap.name), self.pool.weights(snap))
        self.save(step)
        for old in evicted:
            with contextlib.suppress(OSError):
                self._snapshot_path(old.name).unlink()
        return snap

    def choose_opponent(self, step: int) -> Snapshot:
        """Draw the next opponent (see :meth:`SnapshotPool.sample`); "latest" is rated the learner's Elo now.

        The caller loads its weights: ``self.pool.weights(opponent)``, or the learner's own for "latest".
        """
        drawn = self.pool.sample()
        self.opponent = drawn if drawn is not None else Snapshot(LATEST, int(step), self.elo.rating)
        self.pool.last_swap_step = int(step)
        return self.opponent

    def opponent_weights(self) -> dict[str, np.ndarray] | None:
        """Weights of the current opponent if it is a pool snapshot still in the pool, else None."""
        if self.opponent.is_latest:
            return None
        try:
            return self.pool.weights(self.opponent)
        except KeyError:
            return None

    def rewind(self, step: int) -> None:
        """Drop snapshots taken after ``step`` (their files are removed by the next orphan sweep)."""
        dropped = self.pool.rewind(step)
        if dropped:
            logger.info("self-play: resuming at step %d, dropping %d later snapshot(s)", step, len(dropped))
        if self.opponent.step > step:
            self.opponent = Snapshot(LATEST, int(step), self.elo.rating)
        self.step = min(self.step, int(step))

    # --- disk

    def state_dict(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "elo": self.elo.rating,
            "elo_k": self.elo.k,
            "games": self.elo.games,
            "wins": self.elo.wins,
            "draws": self.elo.draws,
            "losses": self.elo.losses,
            "num_timesteps": int(self.step),
            "opponent": asdict(self.opponent),
            "pool": self.pool.state_dict(),
        }

    def save(self, step: int | None = None) -> None:
        """Write the index (atomically). Snapshot files are written by :meth:`save_snapshot`."""
        if step is not None:
            self.step = int(step)
        atomic_write_json(self.directory / STATE_FILE, self.state_dict())

    def _snapshot_path(self, name: str) -> Path:
        return self.directory / SNAPSHOT_DIR / f"{name}.safetensors"

    def _remove_orphans(self) -> None:
        """Delete snapshot files the index does not name (left by a kill between file and index writes)."""
        folder = self.directory / SNAPSHOT_DIR
        if not folder.is_dir():
            return
        keep = {f"{s.name}.safetensors" for s in self.pool.snapshots}
        for path in folder.iterdir():
            if path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()


# ------------------------------------------------------------------------------------------------------ SB3


class GhostAgent:
    """The opponent in SB3 self-play: a frozen copy of the learner's policy with swappable weights."""

    def __init__(self, name: str = "ghost") -> None:
        self.name = name
        self.policy: Any = None
        self.obs_stats: tuple[np.ndarray, np.ndarray] | None = None
        self.clip_obs = 10.0
        self.rating = 1200.0
        self._fallback_rng = np.random.default_rng(0)
        self.n_actions = 3

    def load(self, policy: Any, state_dict: dict[str, Any], rating: float) -> None:
        import torch

        if self.policy is None:
            self.policy = copy.deepcopy(policy)
            self.policy.set_training_mode(False)
        self.policy.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state_dict.items()})
        self.rating = rating

    def act(self, obs: Any, info: dict[str, Any] | None = None) -> int:
        if self.policy is None:  # before training starts: a random player
            return int(self._fallback_rng.integers(self.n_actions))
        if self.obs_stats is not None:
            mean, var = self.obs_stats
            obs = np.clip((obs - mean) / np.sqrt(var + 1e-8), -self.clip_obs, self.clip_obs).astype(
                np.float32
            )
        action, _ = self.policy.predict(obs, deterministic=False)
        return int(action)

    def reset(self) -> None:
        pass


def _policy_weights(policy: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in policy.state_dict().items()}


class SelfPlayCallback(BaseCallback):
    """SB3 glue: feeds finished games to the Elo, snapshots the policy, swaps the ghost, logs ``selfplay/*``.

    The pool and Elo are restored from ``<run_dir>/selfplay`` when the run resumes, rewound to the step the
    model resumed from.
    """

    def __init__(self, run_dir: Path, config: Any, ghost: GhostAgent, seed: int = 0) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.settings = config.selfplay
        self.ghost = ghost
        self.seed = seed
        self.state: SelfPlayState | None = None

    def _started(self) -> SelfPlayState:
        """The pool and Elo, which exist from the start of training on."""
        if self.state is None:
            raise RuntimeError("SelfPlayCallback used before training started")
        return self.state

    def _on_training_start(self) -> None:
        step = int(self.num_timesteps)
        state = self.state = SelfPlayState.load_or_create(self.run_dir, self.settings, self.seed, step=step)
        if not len(state.pool):  # as ML-Agents: the initial policy is the first snapshot
            state.save_snapshot(step, _policy_weights(self.model.policy))
        weights = state.opponent_weights()
        if weights is not None:  # resumed: the same opponent as before the stop
            self._load_ghost(weights, state.opponent.elo)
        else:
            self._swap(step)

    def _load_ghost(self, weights: dict[str, np.ndarray], rating: float) -> None:
        from stable_baselines3.common.vec_env import VecNormalize

        self.ghost.load(self.model.policy, weights, rating)
        env = self.model.get_vec_normalize_env()
        if isinstance(env, VecNormalize) and env.norm_obs:
            if isinstance(env.obs_rms, dict):
                raise TypeError("the self-play ghost normalizes array observations only, not a Dict space")
            self.ghost.obs_stats = (env.obs_rms.mean.copy(), env.obs_rms.var.copy())
            self.ghost.clip_obs = env.clip_obs

    def _swap(self, step: int) -> None:
        state = self._started()
        opponent = state.choose_opponent(step)
        weights = state.opponent_weights()
        self._load_ghost(weights if weights is not None else _policy_weights(self.model.policy), opponent.elo)

    def _on_step(self) -> bool:
        state = self._started()
        for done, info in zip(self.locals["dones"], self.locals["infos"], strict=True):
            if done:
                state.record_game(score_of_game(info))
        step = int(self.num_timesteps)
        if state.pool.due_save(step):
            state.save_snapshot(step, _policy_weights(self.model.policy))
        if state.pool.due_swap(step):
            self._swap(step)
        return True

    def _on_rollout_end(self) -> None:
        state = self._started()
        self.logger.record("selfplay/elo", state.elo.rating)
        self.logger.record("selfplay/opponent_elo", state.opponent.elo)
        self.logger.record("selfplay/games", state.elo.games)
        self.logger.record("selfplay/pool_size", len(state.pool))
        state.save(self.num_timesteps)

    def _on_training_end(self) -> None:
        if self.state is not None:
            self.state.save(self.num_timesteps)
