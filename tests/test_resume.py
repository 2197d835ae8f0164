"""A run killed with SIGKILL resumes from its last checkpoint with the same step counter; a corrupt one is refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
INTERVAL = 2048

CONFIG = {
    "env_id": "ArcadeLab/Pong-v0",
    "env_kwargs": {"points_to_win": 1, "max_steps": 300},
    "n_envs": 8,
    "vec_env": "auto",
    "algo": "ppo",
    "total_steps": 2_000_000,  # far more than the test lets it run before the kill
    "hyperparams": {"n_steps": 64, "batch_size": 256, "n_epochs": 1},
    "policy_kwargs": {"net_arch": [16]},
    "normalize": {},
    "checkpoint": {"every_steps": INTERVAL, "keep_last": 3},
    "eval": {"every_steps": 1_000_000, "episodes": 1, "video_every": 0},
}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "arcadelab", *args]


def _env() -> dict[str, str]:
    return os.environ | {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYTHONPATH": str(ROOT)}


def _checkpoint_steps(run_dir: Path) -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in (run_dir / "checkpoints").glob("ckpt_*.json"))


@pytest.fixture
def killed_run(tmp_path):
    """A training run SIGKILLed right after its second checkpoint landed."""
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(CONFIG))
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        _cli("train", str(cfg), "--run-dir", str(run_dir), "--no-progress"),
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 90
    try:
        while len(_checkpoint_steps(run_dir)) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.time() < deadline, "no checkpoint within 90 s"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return cfg, run_dir


def test_sigkill_then_resume_continues_the_step_counter(killed_run):
    cfg, run_dir = killed_run
    before = _checkpoint_steps(run_dir)
    last = before[-1]
    assert last >= INTERVAL and not (run_dir / "final_model.zip").exists()
    target = last + 2 * INTERVAL
    result = subprocess.run(  # noqa: PLW1510  (the return code is asserted)
        _cli(
            "train",
            str(cfg),
            "--run-dir",
            str(run_dir),
            "--resume",
            "--total-steps",
            str(target),
            "--no-progress",
            "--verbose",
        ),
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    log = " ".join(result.stderr.split())
    assert f"at step {last}" in log  # loaded the last checkpoint, kept its counter
    after = _checkpoint_steps(run_dir)
    assert [s for s in after if s > last], "no checkpoint after resuming"
    final = json.loads((run_dir / "final_model.json").read_text())
    rollout = CONFIG["n_envs"] * CONFIG["hyperparams"]["n_steps"]
    assert target <= final["num_timesteps"] < target + rollout  # finished the budget, did not restart at 0
    assert final["files"]["vecnormalize"]
    tb_runs = [p for p in (run_dir / "tensorboard").iterdir() if p.is_dir()]
    assert len(tb_runs) == 1  # the resumed run logs into the same TensorBoard folder
    assert len((run_dir / "command.txt").read_text().splitlines()) == 2


def test_corrupt_checkpoint_is_refused_with_its_path(killed_run):
    cfg, run_dir = killed_run
    last = _checkpoint_steps(run_dir)[-1]
    bad = run_dir / "checkpoints" / f"ckpt_{last:09d}.zip"
    bad.write_bytes(bad.read_bytes()[: len(bad.read_bytes()) // 2])
    result = subprocess.run(  # noqa: PLW1510  (the return code is asserted)
        _cli("train", str(cfg), "--run-dir", str(run_dir), "--resume", "--no-progress"),
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert str(bad) in message.replace(" ", "") or bad.name in message
    assert "Traceback" not in result.stderr + result.stdout
