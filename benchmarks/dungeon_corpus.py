"""The dungeon solver on the VGLC dungeon corpus (and the shipped levels): one row per map.

For each map: its size in rooms, monsters, the start/exit/treasure cells the rules derive, how many rooms the
player can reach, whether stairs are reachable, the solver's verdict with the plan length or the reason, and for
completable maps whether the solver bot (plan + sword, monsters on, seed 0) reaches the exit.

    .venv/bin/python benchmarks/dungeon_corpus.py [--vglc PATH] [--shipped]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agents.dungeon_bot import DungeonSolverBot
from envs.data import SHIPPED_LEVELS, vglc_dir
from envs.dungeon import DungeonEnv
from envs.dungeon_solver import LEGEND, STAIR, VGLC_LEGEND, compile_map, reachable, solve
from envs.level import Level, load_level


def bot_result(level: Level, seed: int = 0) -> str:
    env = DungeonEnv(level=level, max_steps=5000)
    bot = DungeonSolverBot(env)
    obs, info = env.reset(seed=seed)
    steps, done = 0, False
    while not done:
        obs, _, terminated, truncated, info = env.step(bot.act(obs, info))
        steps += 1
        done = terminated or truncated
    return f"{'exit' if info['success'] else 'FAILED'} in {steps} steps, hp {info['hp']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--vglc", default=None, help="folder of the dungeon maps (default: the shared corpus)"
    )
    parser.add_argument("--shipped", action="store_true", help="also list the shipped levels")
    args = parser.parse_args()

    folder = vglc_dir("The Legend of Zelda") if args.vglc is None else args.vglc
    files = [(p, VGLC_LEGEND) for p in sorted(Path(folder).glob("*.txt")) if p.name != "README.txt"]
    if args.shipped:
        files += [(p, LEGEND) for p in sorted((SHIPPED_LEVELS / "dungeon").glob("*.txt"))]

    table = Table(title=f"Dungeon solver on {folder}")
    for col in (
        "map",
        "rooms",
        "monsters",
        "start",
        "exit",
        "treasures",
        "rooms reached",
        "stairs reached",
        "completable",
        "plan / reason",
        "bot (seed 0)",
    ):
        table.add_column(col, overflow="fold")
    completable = 0
    start_time = time.perf_counter()
    for path, legend in files:
        level = load_level(path, legend)
        dmap = compile_map(level)
        verdict = solve(level)
        dist = reachable(dmap)
        rooms = {dmap.room_of[i] for i in range(dmap.codes.size) if dmap.codes.flat[i]}
        stairs = [i for i in range(dmap.codes.size) if dmap.codes.flat[i] == STAIR]
        completable += verdict.completable
        table.add_row(
            level.name,
            f"{len(rooms)} in {dmap.room_rows}x{dmap.room_cols}",
            str(len(dmap.monsters)),
            "{},{}".format(*dmap.rc(dmap.start)),
            "{},{}".format(*dmap.rc(dmap.exit)),
            f"{sum(t in dist for t in dmap.treasures)}/{len(dmap.treasures)} reachable",
            f"{len({dmap.room_of[c] for c in dist})}/{len(rooms)}",
            f"{sum(s in dist for s in stairs)}/{len(stairs)}",
            "yes" if verdict.completable else "no",
            f"{len(verdict.actions)} moves" if verdict.completable else verdict.reason,
            bot_result(level) if verdict.completable else "-",
        )
    Console(width=220).print(table)
    print(f"{completable}/{len(files)} completable ({time.perf_counter() - start_time:.2f} s)")


if __name__ == "__main__":
    main()
