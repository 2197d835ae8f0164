"""Environment throughput, measured in one run beside gymnasium's CartPole-v1 (single and vector).

Prints one table: steps/s per env (single env, vector obs), batched steps/s at 1, 64, 1024 and 4096 envs
(agent-steps/s = envs x batched steps/s), rgb_array frames/s, each with its target and the ratio to the CartPole
reference measured in the same process. Pinned to one core so the numbers mean "per core".

    .venv/bin/python benchmarks/env_throughput.py [--seconds 2] [--batch-sizes 1 64 1024 4096]
"""

from __future__ import annotations

import argparse
import os
import time

# Set before numpy and pygame are imported, which read them once at import.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import gymnasium as gym
import numpy as np
from rich.console import Console
from rich.table import Table

import envs

SINGLE_TARGET = 30_000
BATCHED_TARGET = 10_000_000  # agent-steps/s at 4096 envs
FRAMES_TARGET = 2_000


def _timed(fn, seconds: float) -> float:
    """Calls of ``fn`` per second, over at least ``seconds`` (after a short warm-up)."""
    for _ in range(3):
        fn()
    calls, start = 0, time.perf_counter()
    batch = 1
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed
        batch = min(batch * 2, 4096)


def single_env_sps(env_id: str, seconds: float) -> float:
    env = gym.make(env_id, disable_env_checker=True).unwrapped
    env.reset(seed=0)
    n = env.action_space.n
    actions = np.random.default_rng(0).integers(n, size=1 << 16).tolist()
    state = {"i": 0}

    def step() -> None:
        i = state["i"] = (state["i"] + 1) & 0xFFFF
        _, _, terminated, truncated, _ = env.step(actions[i])
        if terminated or truncated:
            env.reset()

    return _timed(step, seconds)


def frames_per_second(env_id: str, seconds: float) -> float:
    env = gym.make(env_id, render_mode="rgb_array", disable_env_checker=True).unwrapped
    env.reset(seed=0)
    rng = np.random.default_rng(0)

    def frame() -> None:
        _, _, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
        if terminated or truncated:
            env.reset()
        env.render()

    fps = _timed(frame, seconds)
    env.close()
    return fps


def batched_sps(env_id: str, num_envs: int, seconds: float) -> float:
    """Agent-steps per second of the env's batched (vector_entry_point) version."""
    venv = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point")
    venv.reset(seed=0)
    n = venv.single_action_space.n
    actions = np.random.default_rng(0).integers(n, size=(64, num_envs))
    state = {"i": 0}

    def step() -> None:
        state["i"] = (state["i"] + 1) & 63
        venv.step(actions[state["i"]])

    rate = _timed(step, seconds) * num_envs
    venv.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64, 1024, 4096])
    parser.add_argument("--envs", nargs="*", default=list(envs.ENV_IDS))
    parser.add_argument("--all-cores", action="store_true", help="do not pin the process to one core")
    args = parser.parse_args()
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    ref_single = single_env_sps("CartPole-v1", args.seconds)
    ref_batched = {n: batched_sps("CartPole-v1", n, args.seconds) for n in args.batch_sizes}

    table = Table(title=f"ArcadeLab env throughput (one core, numpy {np.__version__}, gymnasium {gym.__version__})")
    table.add_column("env")
    table.add_column("measure")
    table.add_column("rate /s", justify="right")
    table.add_column("vs CartPole", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")

    def row(env_id: str, measure: str, rate: float, ref: float | None, target: float | None) -> None:
        ratio = f"{rate / ref:.2f}x" if ref else "-"
        met = "-" if target is None else ("yes" if rate >= target else "NO")
        table.add_row(env_id, measure, f"{rate:,.0f}", ratio, f"{target:,.0f}" if target else "-", met)

    row("CartPole-v1", "single env steps/s", ref_single, None, None)
    for n, rate in ref_batched.items():
        row("CartPole-v1 (vector)", f"batched x{n} agent-steps/s", rate, None, None)
    for env_id in args.envs:
        row(env_id, "single env steps/s (vector obs)", single_env_sps(env_id, args.seconds), ref_single,
            SINGLE_TARGET)
        if gym.spec(env_id).vector_entry_point:
            for n in args.batch_sizes:
                target = BATCHED_TARGET if n == 4096 else None
                row(env_id, f"batched x{n} agent-steps/s", batched_sps(env_id, n, args.seconds), ref_batched[n],
                    target)
        row(env_id, "rgb_array frames/s", frames_per_second(env_id, args.seconds), None, FRAMES_TARGET)
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
