"""Environment throughput, measured in one run beside gymnasium's CartPole-v1 (single and vector).

Prints one table: steps/s of each single env through ``gym.make`` (its wrappers included, vector obs), batched
agent-steps/s (envs x batched steps/s) at 1, 64, 1024 and 4096 envs, rgb_array frames/s, each with its target and
its ratio to the CartPole reference measured in the same process. Pinned to one core so the numbers mean "per
core". ``--compile`` also times a cold numba compile (an empty cache directory, as after a fresh install) against
a warm start from that cache, each in a fresh interpreter.

    .venv/bin/python benchmarks/env_throughput.py [--seconds 2] [--batch-sizes 1 64 1024 4096] [--compile]

Targets (issue 9): batched Snake and Pong >= 2x CartPoleVectorEnv at 1024 and 4096 envs; batched Platformer and
Dungeon >= 1M agent-steps/s at 1024 envs; every single env >= 200k steps/s, SnakeVersus with its default bot
>= 100k; rgb_array frames >= 2,000/s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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

REPO = Path(__file__).resolve().parent.parent
SINGLE_TARGET = {"ArcadeLab/SnakeVersus-v0": 100_000}  # steps/s through gym.make; the others:
SINGLE_DEFAULT = 200_000
RATIO_TARGET = {"ArcadeLab/Pong-v0": 2.0, "ArcadeLab/Snake-v0": 2.0}  # x CartPoleVectorEnv at 1024 and 4096
RATIO_SIZES = (1024, 4096)
ABSOLUTE_TARGET = {"ArcadeLab/Platformer-v0": 1_000_000, "ArcadeLab/Dungeon-v0": 1_000_000}  # at 1024 envs
ABSOLUTE_SIZE = 1024
FRAMES_TARGET = 2_000

_COMPILE_SNIPPET = """
import time
t0 = time.perf_counter()
import gymnasium as gym, numpy as np, envs
for env_id in envs.ENV_IDS:
    env = gym.make(env_id, disable_env_checker=True)
    env.reset(seed=0)
    for _ in range(3):
        env.step(env.action_space.sample())
    if gym.spec(env_id).vector_entry_point:
        venv = gym.make_vec(env_id, num_envs=4, vectorization_mode="vector_entry_point")
        venv.reset(seed=0)
        venv.step(venv.action_space.sample())
print(time.perf_counter() - t0)
"""


def _timed(fn: Callable[[], object], seconds: float) -> float:
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
    """Steps/s of ``gym.make(env_id)`` as a user gets it (TimeLimit and OrderEnforcing included)."""
    env = gym.make(env_id, disable_env_checker=True)
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


def compile_seconds() -> tuple[float, float]:
    """(cold, warm) seconds to import every env and take a few steps, each in a fresh interpreter: cold with an
    empty numba cache directory, warm from the cache the cold run wrote."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(REPO)}
        times = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", _COMPILE_SNIPPET], env=env, check=True, capture_output=True,
                                 text=True, cwd=REPO)  # fmt: skip
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64, 1024, 4096])
    parser.add_argument("--envs", nargs="*", default=list(envs.ENV_IDS))
    parser.add_argument("--all-cores", action="store_true", help="do not pin the process to one core")
    parser.add_argument("--compile", action="store_true", help="also time a cold and a warm numba start")
    args = parser.parse_args()
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    sizes = sorted(set(args.batch_sizes))
    ref_single = single_env_sps("CartPole-v1", args.seconds)
    ref_batched = {n: batched_sps("CartPole-v1", n, args.seconds) for n in sizes}

    table = Table(title=f"ArcadeLab env throughput (one core, numpy {np.__version__}, gymnasium {gym.__version__})")
    for name, justify in (("env", "left"), ("measure", "left"), ("rate /s", "right"), ("vs CartPole", "right"),
                          ("target", "right"), ("met", "center")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]

    def row(env_id: str, measure: str, rate: float, ref: float | None, target: str = "-", met: bool | None = None):
        ratio = f"{rate / ref:.2f}x" if ref else "-"
        table.add_row(env_id, measure, f"{rate:,.0f}", ratio, target, "-" if met is None else ("yes" if met else "NO"))

    row("CartPole-v1", "single env steps/s", ref_single, None)
    for n, rate in ref_batched.items():
        row("CartPole-v1 (vector)", f"batched x{n} agent-steps/s", rate, None)
    for env_id in args.envs:
        target = SINGLE_TARGET.get(env_id, SINGLE_DEFAULT)
        rate = single_env_sps(env_id, args.seconds)
        row(env_id, "single env steps/s (gym.make)", rate, ref_single, f"{target:,}", rate >= target)
        if gym.spec(env_id).vector_entry_point:
            for n in sizes:
                rate = batched_sps(env_id, n, args.seconds)
                if env_id in RATIO_TARGET and n in RATIO_SIZES:
                    ratio = RATIO_TARGET[env_id]
                    row(env_id, f"batched x{n} agent-steps/s", rate, ref_batched[n], f"{ratio:.1f}x CartPole",
                        rate >= ratio * ref_batched[n])  # fmt: skip
                elif env_id in ABSOLUTE_TARGET and n == ABSOLUTE_SIZE:
                    goal = ABSOLUTE_TARGET[env_id]
                    row(env_id, f"batched x{n} agent-steps/s", rate, ref_batched[n], f"{goal:,}", rate >= goal)
                else:
                    row(env_id, f"batched x{n} agent-steps/s", rate, ref_batched[n])
        else:
            row(env_id, "batched", 0.0, None, "a VectorEnv", False)
        fps = frames_per_second(env_id, args.seconds)
        row(env_id, "rgb_array frames/s", fps, None, f"{FRAMES_TARGET:,}", fps >= FRAMES_TARGET)
    if args.compile:
        cold, warm = compile_seconds()
        table.add_row("all envs", "cold numba compile, s (empty cache)", f"{cold:.1f}", "-", "-", "-")
        table.add_row("all envs", "warm start, s (from the cache)", f"{warm:.1f}", "-", "-", "-")
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
