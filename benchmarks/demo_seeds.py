"""``arcadelab demo`` on several seeds, one after the other: does the demo always learn?

Each row is one full demo (``training.demo.run_demo``: Pong's default config, SB3 on this machine, then the
share of points won against the default bot over held-out games). The demo promises at least 60% of points for
every seed 0-4 within 5 minutes of wall time on 2 cores.

    .venv/bin/python benchmarks/demo_seeds.py [--seeds 0 1 2 3 4] [--episodes 10] [--run-root runs/bench/demo]
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from rich.console import Console
from rich.table import Table

from training.demo import POINTS_TARGET, run_demo

WALL_TARGET_SECONDS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--episodes", type=int, default=10, help="games to 11 against the bot, per seed")
    parser.add_argument("--total-steps", type=int, default=None, help="override the demo budget")
    parser.add_argument("--run-root", type=Path, default=Path("runs/bench/demo"))
    args = parser.parse_args()

    table = Table(title=f"arcadelab demo per seed (target: >= {POINTS_TARGET:.0%} of points, <= 5 min)")
    for name in ("seed", "steps", "train s", "steps/s", "points won", "games won", "return", "met"):
        table.add_column(name, justify="right")
    points = []
    for seed in args.seeds:
        demo = run_demo(seed=seed, total_steps=args.total_steps, run_dir=args.run_root / f"seed_{seed}",
                        episodes=args.episodes, progress=False)  # fmt: skip
        r = demo.result
        met = demo.met and demo.train_seconds <= WALL_TARGET_SECONDS
        points.append(demo.points_won)
        table.add_row(str(seed), f"{demo.total_steps:,}", f"{demo.train_seconds:.0f}", f"{demo.sps:,.0f}",
                      f"{demo.points_won:.0%}", f"{r.win_rate:.0%}", f"{r.mean_return:.1f} ± {r.std_return:.1f}",
                      "yes" if met else "NO")  # fmt: skip
    console = Console(width=130)
    console.print(table)
    if len(points) > 1:
        console.print(f"points won over seeds: mean {statistics.mean(points):.0%}, min {min(points):.0%}, "
                      f"max {max(points):.0%}, stdev {statistics.stdev(points):.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
