"""Frames per second of the play app's match loop with the shipped bots, the clock not limiting it.

Each frame is input, the env steps due (the person idle; in the dungeon the agent has control), the HUD and the
960x720 frame drawn, and the flip. Headless (SDL dummy drivers).

    .venv/bin/python benchmarks/play_fps.py [--frames 1500]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from rich.console import Console
from rich.table import Table

from games.app import benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1500, help="frames per game")
    args = parser.parse_args()
    table = Table(title="arcadelab play: match-loop frame rate (clock not limiting)")
    for column in ("game", "frames", "fps", "p99 frame ms", "slowest frame ms", "steps", "matches", "agent ms/call"):
        table.add_column(column, justify="left" if column in ("game", "agent ms/call") else "right")
    for row in benchmark(frames=args.frames):
        agents = ", ".join(f"{k} {v:.3f}" for k, v in row["agent_ms"].items())
        table.add_row(row["game"], str(row["frames"]), f"{row['fps']:.0f}", f"{row['p99_frame_ms']:.2f}",
                      f"{row['slowest_frame_ms']:.2f}", str(row["steps"]), str(row["matches"]), agents)
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
