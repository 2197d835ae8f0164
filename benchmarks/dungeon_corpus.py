"""The dungeon solver on the VGLC dungeon corpus (and the shipped levels): one row per map, both rules.

For each map: its size in rooms, monsters, how many rooms the player can reach from the start (a room counts
when a cell of its interior is reachable) out of the map's rooms, then

* the **old rule** (before the derived goals were confined to the reachable part): exit on the stair farthest
  from the start by Manhattan distance over the whole map, whether that exit is reachable, the plan length to
  it (no treasures) or the reason;
* the **current rule** (``envs/dungeon/maps.py``): the derived start/exit/treasure cells, the verdict with
  the plan length (every reachable treasure, then the exit) or the reason, the search time (compile excluded,
  uncached ``solve_from``), and for completable maps whether the solver bot (plan + sword, monsters on, seed 0)
  reaches the exit.

Then the distribution of the reachable part's size over the corpus.

    .venv/bin/python benchmarks/dungeon_corpus.py [--vglc PATH] [--shipped]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agents.dungeon_bot import DungeonSolverBot
from envs.data import SHIPPED_LEVELS, vglc_dir
from envs.dungeon import (
    FLOOR,
    LEGEND,
    STAIR,
    VGLC_LEGEND,
    DungeonEnv,
    DungeonMap,
    compile_map,
    reachable,
    rooms_reached,
    solve,
    solve_from,
)
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


def short(reason: str) -> str:
    """A solver's reason in a few words (the full text of refusals is printed under the table)."""
    if "walled in" in reason:
        return "exit walled in"
    if "no door path" in reason:
        return "exit room: no door path"
    if "obstacles" in reason:
        return "exit room: obstacles in the way"
    if "spans" in reason:
        return "reachable part: " + reason.split("spans ")[1].split(":")[0]
    return reason


def old_rule(dmap: DungeonMap) -> tuple[bool, str]:
    """The exit rule before the reachable-part change: the farthest stair (Manhattan, whole map), else floor.

    Maps with an explicit exit kept it under both rules (plan to the exit, no treasures)."""
    if not dmap.derived_exit:
        verdict = solve_from(dataclasses.replace(dmap, treasures=()), dmap.start)
        return verdict.completable, f"{len(verdict.actions)} moves" if verdict.completable else short(
            verdict.reason
        )
    w = dmap.width
    sr, sc = dmap.rc(dmap.start)
    flat = dmap.codes.ravel()
    candidates = [i for i in range(flat.size) if flat[i] == STAIR] or [
        i for i in range(flat.size) if flat[i] == FLOOR and i != dmap.start
    ]
    exit_ = max(candidates, key=lambda i: (abs(i // w - sr) + abs(i % w - sc), -i))
    verdict = solve_from(dataclasses.replace(dmap, exit=exit_, treasures=()), dmap.start)
    return verdict.completable, f"{len(verdict.actions)} moves" if verdict.completable else short(
        verdict.reason
    )


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
        "rooms reachable",
        "old: completable",
        "old: plan / reason",
        "start",
        "exit",
        "treasures",
        "completable",
        "plan / reason",
        "solve ms",
        "bot (seed 0)",
    ):
        table.add_column(col, overflow="fold")
    completable = old_completable = 0
    sizes: Counter[int] = Counter()
    refused: list[str] = []
    start_time = time.perf_counter()
    for path, legend in files:
        level = load_level(path, legend)
        dmap = compile_map(level)
        verdict = solve(level)
        t0 = time.perf_counter()
        solve_from(dmap, dmap.start, dmap.treasures)
        solve_ms = (time.perf_counter() - t0) * 1000
        dist = reachable(dmap)
        rooms = {dmap.room_of[i] for i in range(dmap.codes.size) if dmap.codes.flat[i]}
        n_reached = len(rooms_reached(dmap))
        old_ok, old_text = old_rule(dmap)
        if legend == VGLC_LEGEND:
            sizes[n_reached] += 1
        completable += verdict.completable
        if not verdict.completable:
            refused.append(f"{level.name}: {verdict.reason}")
        old_completable += old_ok
        table.add_row(
            level.name,
            f"{len(rooms)} in {dmap.room_rows}x{dmap.room_cols}",
            str(len(dmap.monsters)),
            f"{n_reached}/{len(rooms)}",
            "yes" if old_ok else "no",
            old_text,
            "{},{}".format(*dmap.rc(dmap.start)),
            "{},{} ({})".format(
                *dmap.rc(dmap.exit), "stair" if dmap.codes.flat[dmap.exit] == STAIR else "floor"
            ),
            f"{sum(t in dist for t in dmap.treasures)}/{len(dmap.treasures)} reachable",
            "yes" if verdict.completable else "no",
            f"{len(verdict.actions)} moves" if verdict.completable else short(verdict.reason),
            f"{solve_ms:.1f}",
            bot_result(level) if verdict.completable else "-",
        )
    Console(width=200).print(table)
    for line in refused:
        print(f"refused {line}")
    print(
        f"old rule: {old_completable}/{len(files)} completable; current rule: {completable}/{len(files)} "
        f"completable ({time.perf_counter() - start_time:.2f} s)"
    )
    if sizes:
        print(
            "corpus maps by rooms reachable from the start: "
            + ", ".join(f"{n} room{'s' if n != 1 else ''}: {k}" for n, k in sorted(sizes.items()))
        )


if __name__ == "__main__":
    main()
