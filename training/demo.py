"""What ``arcadelab demo`` does, as a function the command and ``benchmarks/demo_seeds.py`` share.

Train Pong's default config (``envs.spec``: ``pong``'s ``default``) with SB3 on this machine, then score the
run's model against the default bot on held-out seeds with ``arcadelab evaluate``'s protocol. The config's
training-only shaping (its ``env_schedule`` curriculum on the tracker's skill, its ``hit_reward``) is switched
off for the score: the run is evaluated with ``eval_env_kwargs()``, the tracker at its default skill.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from training.evaluate import EvalResult

POINTS_TARGET = 0.60  # the demo's promise: at least this share of points won against the default bot
SCORE_SEED_BASE = 20_000  # never a seed the periodic evaluation chose the best model on (10,000 and up)


@dataclass
class DemoResult:
    run_dir: Path
    seed: int
    total_steps: int
    train_seconds: float
    result: EvalResult
    model: Path | None

    @property
    def sps(self) -> float:
        return self.total_steps / max(self.train_seconds, 1e-9)

    @property
    def points_won(self) -> float:
        return float(self.result.point_win_rate or 0.0)

    @property
    def met(self) -> bool:
        return self.points_won >= POINTS_TARGET


def run_demo(
    *,
    seed: int | None = None,
    total_steps: int | None = None,
    run_dir: Path | None = None,
    episodes: int = 10,
    progress: bool = True,
    command: list[str] | None = None,
) -> DemoResult:
    """Train the demo into ``run_dir`` (a fresh ``runs/pong__ppo__...`` by default) and score it."""
    from agents.artifacts import find_run_model
    from envs.spec import get_spec
    from training.config import load_config
    from training.evaluate import evaluate_agent, resolve_target
    from training.runs import prepare_run
    from training.sb3_backend import train as sb3_train

    cfg = load_config(get_spec("pong").config_path(), {"total_steps": total_steps, "seed": seed})
    cfg, run_path = prepare_run(cfg, run_dir, False, command or ["arcadelab", "demo"])
    start = time.perf_counter()
    sb3_train(cfg, run_path, device="cpu", progress=progress)
    seconds = time.perf_counter() - start
    target = resolve_target(str(run_path))
    result = evaluate_agent(target.agent, target.env_id, target.env_kwargs, episodes, SCORE_SEED_BASE)
    return DemoResult(run_path, cfg.seed, cfg.total_steps, seconds, result, find_run_model(run_path))
