"""SB3 callbacks of an ArcadeLab run: progress bar, atomic checkpoints, periodic evaluation with video.

Everything numeric goes through SB3's logger (``self.logger.record``) so TensorBoard is the one sink; the episode
video is written as an animated GIF image summary (what ``SummaryWriter.add_video`` produces), encoded with
Pillow, because ``add_video`` needs moviepy, which ArcadeLab does not depend on.
"""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from agents import artifacts
from training import checkpoints
from training.evaluate import evaluate_agent, run_episode

logger = logging.getLogger(__name__)


def _vec_normalize(model: Any) -> Any | None:
    from stable_baselines3.common.vec_env import VecNormalize

    return model.get_vec_normalize_env() if isinstance(model.get_vec_normalize_env(), VecNormalize) else None


def _tensorboard_writer(sb3_logger: Any) -> Any | None:
    from stable_baselines3.common.logger import TensorBoardOutputFormat

    for fmt in sb3_logger.output_formats:
        if isinstance(fmt, TensorBoardOutputFormat):
            return fmt.writer
    return None


def encode_gif(frames: list[np.ndarray], fps: float) -> bytes:
    from PIL import Image

    images = [Image.fromarray(np.asarray(f, dtype=np.uint8)) for f in frames]
    buf = io.BytesIO()
    images[0].save(
        buf, format="GIF", save_all=True, append_images=images[1:], duration=max(1, int(1000 / fps)), loop=0
    )
    return buf.getvalue()


def write_video_summary(writer: Any, tag: str, frames: list[np.ndarray], fps: float, step: int) -> None:
    """An animated GIF as a TensorBoard image summary (shown, animated, in the Images tab)."""
    from tensorboard.compat.proto.summary_pb2 import Summary

    h, w = frames[0].shape[:2]
    image = Summary.Image(height=h, width=w, colorspace=3, encoded_image_string=encode_gif(frames, fps))
    writer.file_writer.add_summary(Summary(value=[Summary.Value(tag=tag, image=image)]), step)
    writer.flush()


class RichProgressCallback(BaseCallback):
    """A rich progress bar with steps per second and the current score (mean return of recent episodes)."""

    def __init__(self, total_steps: int, description: str = "training", refresh_seconds: float = 0.5) -> None:
        super().__init__()
        self.total_steps = total_steps
        self.description = description
        self.refresh_seconds = refresh_seconds
        self._progress: Any = None
        self._task: Any = None

    def _on_training_start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[sps]:>7} SPS"),
            TextColumn("score {task.fields[score]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._progress.start()
        self._task = self._progress.add_task(
            self.description, total=self.total_steps, completed=self.num_timesteps, sps="-", score="-"
        )
        self._start_steps, self._start_time, self._last = self.num_timesteps, time.time(), 0.0

    def _on_step(self) -> bool:
        now = time.time()
        if now - self._last >= self.refresh_seconds:
            self._last = now
            self._refresh(now)
        return True

    def _refresh(self, now: float) -> None:
        sps = (self.num_timesteps - self._start_steps) / max(now - self._start_time, 1e-9)
        buffer = self.model.ep_info_buffer
        score = f"{np.mean([e['r'] for e in buffer]):.2f}" if buffer else "-"
        self._progress.update(
            self._task, completed=min(self.num_timesteps, self.total_steps), sps=f"{sps:,.0f}", score=score
        )

    def _on_training_end(self) -> None:
        if self._progress is not None:
            self._refresh(time.time())
            self._progress.stop()


def set_env_attr(venv: Any, name: str, value: Any) -> None:
    """Set ``name`` on every training env, wherever it lives: ArcadeLab's batched env behind its adapter, or the
    innermost env of each wrapped sub-env (SB3's ``set_attr`` would set it on the outermost wrapper only)."""
    from stable_baselines3.common.vec_env import VecEnvWrapper

    from training.vec_env import GymnasiumVectorEnvAdapter

    while isinstance(venv, VecEnvWrapper):  # VecNormalize and friends
        venv = venv.venv
    if isinstance(venv, GymnasiumVectorEnvAdapter):
        if not hasattr(venv.env, name):
            raise AttributeError(f"{type(venv.env).__name__} has no attribute {name!r}")
        venv.set_attr(name, value)
    elif not all(venv.env_method("set_wrapper_attr", name, value, force=False)):
        raise AttributeError(f"the training envs have no attribute {name!r}")


class EnvScheduleCallback(BaseCallback):
    """A curriculum: before each rollout, every scheduled env attribute is set to its value at the current
    progress (``TrainConfig.env_schedule``) and logged as ``schedule/<name>``. The value depends only on the
    step count, so a resumed run continues the schedule where it stopped."""

    def __init__(self, schedule: dict[str, Any], total_steps: int) -> None:
        super().__init__()
        self.schedule = dict(schedule)
        self.total_steps = total_steps
        self.values: dict[str, float] = {}

    def _on_training_start(self) -> None:
        from training.config import ConfigError

        for name in self.schedule:  # a name the env does not have, or a value it refuses, is the config's fault
            try:
                self._apply(name)
            except (AttributeError, ValueError, TypeError) as exc:
                raise ConfigError(f"field 'env_schedule.{name}': {exc}") from None

    def _apply(self, name: str) -> None:
        value = float(self.schedule[name].value(self.num_timesteps / self.total_steps))
        set_env_attr(self.training_env, name, value)
        self.values[name] = value

    def _on_rollout_start(self) -> None:
        for name in self.schedule:
            self._apply(name)
            self.logger.record(f"schedule/{name}", self.values[name])

    def _on_step(self) -> bool:
        return True


class AtomicCheckpointCallback(BaseCallback):
    """Every ``every_steps`` env steps: model zip (+ VecNormalize stats, + replay buffer) and JSON metadata."""

    def __init__(self, run_dir: Path, every_steps: int, keep_last: int, metadata: dict[str, Any]) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.every_steps = every_steps
        self.keep_last = keep_last
        self.metadata = metadata
        self._last_saved = 0

    def _on_training_start(self) -> None:
        self._last_saved = self.num_timesteps

    def _on_step(self) -> bool:
        if self.num_timesteps - self._last_saved >= self.every_steps:
            self.save()
        return True

    def save(self) -> Path:
        path = checkpoints.checkpoint_path(self.run_dir, self.num_timesteps)
        checkpoints.save_model(
            self.model,
            path,
            self.metadata,
            vec_normalize=_vec_normalize(self.model),
            replay_buffer=hasattr(self.model, "replay_buffer"),
        )
        self._last_saved = self.num_timesteps
        checkpoints.prune_checkpoints(self.run_dir, self.keep_last)
        logger.info("checkpoint %s", path)
        return path


class PeriodicEvalCallback(BaseCallback):
    """Evaluate the current policy on fixed seeds; log ``eval/*``, keep ``best_model.zip``, log a video every K."""

    def __init__(
        self,
        run_dir: Path,
        env_id: str,
        env_kwargs: dict[str, Any],
        every_steps: int,
        episodes: int,
        seed_base: int,
        max_episode_steps: int,
        video_every: int,
        video_max_frames: int,
        metadata: dict[str, Any],
    ) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.env_id, self.env_kwargs = env_id, dict(env_kwargs)
        self.every_steps, self.episodes, self.seed_base = every_steps, episodes, seed_base
        self.max_episode_steps = max_episode_steps
        self.video_every, self.video_max_frames = video_every, video_max_frames
        self.metadata = metadata
        self.best_mean = -np.inf
        self.n_evals = 0
        self._last_eval = 0
        best_meta = artifacts.sidecar_path(self.run_dir / artifacts.BEST_MODEL)
        if best_meta.is_file():  # resuming: only a better policy replaces the saved best
            self.best_mean = float(checkpoints.read_metadata(best_meta).get("eval_mean_reward", -np.inf))

    def _on_training_start(self) -> None:
        self._last_eval = self.num_timesteps

    def _on_step(self) -> bool:
        if self.num_timesteps - self._last_eval >= self.every_steps:
            self.evaluate()
        return True

    def _agent(self) -> Any:
        from agents.sb3_agent import SB3Agent

        vec_normalize = _vec_normalize(self.model)
        stats = None
        clip = 10.0
        if vec_normalize is not None and vec_normalize.norm_obs:
            stats = (vec_normalize.obs_rms.mean.copy(), vec_normalize.obs_rms.var.copy())
            clip = vec_normalize.clip_obs
        deterministic = bool(self.metadata.get("deterministic", True))
        return SB3Agent(self.model, name="learner", obs_stats=stats, clip_obs=clip, deterministic=deterministic)

    def evaluate(self) -> None:
        self._last_eval = self.num_timesteps
        self.n_evals += 1
        agent = self._agent()
        result = evaluate_agent(
            agent, self.env_id, self.env_kwargs, self.episodes, self.seed_base, self.max_episode_steps
        )
        self.logger.record("eval/mean_reward", result.mean_return)
        self.logger.record("eval/std_reward", result.std_return)
        self.logger.record("eval/win_rate", result.win_rate)
        if result.point_win_rate is not None:
            self.logger.record("eval/point_win_rate", result.point_win_rate)
        self.logger.record("eval/mean_ep_length", result.mean_length)
        if result.mean_return > self.best_mean:
            self.best_mean = result.mean_return
            meta = dict(self.metadata, eval_mean_reward=result.mean_return, eval_win_rate=result.win_rate)
            checkpoints.save_model(
                self.model, self.run_dir / artifacts.BEST_MODEL, meta, _vec_normalize(self.model)
            )
        if self.video_every and self.n_evals % self.video_every == 1 % self.video_every:
            self._log_video(agent)
        self.logger.dump(self.num_timesteps)

    def _log_video(self, agent: Any) -> None:
        import gymnasium as gym

        writer = _tensorboard_writer(self.logger)
        if writer is None:
            return
        env = gym.make(self.env_id, render_mode="rgb_array", **self.env_kwargs)
        frames: list[np.ndarray] = []
        try:
            run_episode(env, agent, self.seed_base, self.max_episode_steps, frames, self.video_max_frames)
            fps = float(env.metadata.get("render_fps", 30))
        finally:
            env.close()
        frames = [f for f in frames if f is not None]
        if frames:
            write_video_summary(writer, "eval/video", frames, fps, self.num_timesteps)
