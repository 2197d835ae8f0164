"""Record one episode of an agent as a GIF (Pillow) or MP4 (imageio + ffmpeg, if installed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from training.evaluate import Target, run_episode


class RecordError(ValueError):
    """The video cannot be written as asked; the message says what to change or install."""


def _write_gif(frames: list[np.ndarray], out: Path, fps: float) -> None:
    from training.callbacks import encode_gif

    out.write_bytes(encode_gif(frames, fps))


def _write_mp4(frames: list[np.ndarray], out: Path, fps: float) -> None:
    try:
        import imageio.v2 as imageio
    except ImportError:
        raise RecordError(
            "writing .mp4 needs the packages imageio and imageio-ffmpeg (pip install imageio imageio-ffmpeg); "
            "or record a .gif, which needs nothing extra"
        ) from None
    try:
        writer = imageio.get_writer(out, fps=fps, codec="libx264", macro_block_size=1)
        with writer:
            for frame in frames:
                writer.append_data(frame)
    except (ImportError, RuntimeError, OSError) as exc:
        raise RecordError(f"writing {out} failed ({exc}); install imageio-ffmpeg or record a .gif") from None


def record_episode(
    target: Target, out: Path, seed: int = 0, max_frames: int = 3000, fps: float | None = None
) -> dict[str, Any]:
    """Play one episode of ``target`` with ``render_mode="rgb_array"`` and write its frames to ``out``."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise RecordError(f"--out: {out} must end in .gif or .mp4")
    import envs  # noqa: F401

    env = gym.make(target.env_id, render_mode="rgb_array", **target.env_kwargs)
    frames: list[np.ndarray] = []
    agent = target.agent if hasattr(target.agent, "act") else target.agent(env)
    try:
        ret, length, won = run_episode(
            env, agent, seed, max_steps=max_frames, frames=frames, max_frames=max_frames
        )
        fps = fps or float(env.metadata.get("render_fps", 30))
    finally:
        env.close()
    frames = [np.asarray(f, dtype=np.uint8) for f in frames if f is not None]
    if not frames:
        raise RecordError(f"{target.env_id} returned no frames from render()")
    out.parent.mkdir(parents=True, exist_ok=True)
    (_write_gif if suffix == ".gif" else _write_mp4)(frames, out, fps)
    return {"out": str(out), "frames": len(frames), "return": ret, "length": length, "won": won}
