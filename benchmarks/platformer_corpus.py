"""The platformer solver on the VGLC platformer corpus: completable or not, search size and time, per level.

Run: ``.venv/bin/python benchmarks/platformer_corpus.py [--budget N] [--repeat K] [--levels DIR]``. Each plan found
is replayed in ``PlatformerEnv`` to confirm it reaches the goal. The corpus is read from where ``envs.data``
finds it (``$ARCADELAB_VGLC`` overrides); ``--levels envs/levels/platformer`` runs the shipped levels instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from envs.data import vglc_dir
from envs.level import load_level
from envs.platformer import LEGEND, PlatformerEnv
from envs.platformer.solver import DEFAULT_NODE_BUDGET, solve


def replay(level, actions) -> str:
    env = PlatformerEnv(level=level, check_playable=False)
    env.reset(seed=0)
    info = {"event": "none"}
    for a in actions:
        _, _, terminated, truncated, info = env.step(a)
        if terminated or truncated:
            break
    return info["event"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--budget", type=int, default=DEFAULT_NODE_BUDGET, help="search node budget per level"
    )
    parser.add_argument("--repeat", type=int, default=4, help="frames each search edge holds its action")
    parser.add_argument(
        "--levels", type=Path, default=None, help="folder of *.txt levels (default: the corpus)"
    )
    args = parser.parse_args()
    folder = args.levels or vglc_dir("Super Mario Bros")
    files = sorted(folder.glob("*.txt"))
    if not files:
        print(f"no levels found in {folder} (set ARCADELAB_VGLC)", file=sys.stderr)
        return 1
    header = f"{'level':<14}{'width':>6}  {'completable':<12}{'nodes':>8}{'seconds':>9}{'frames':>8}  replay"
    print(header)
    print("-" * len(header))
    done, total_time = 0, 0.0
    for f in files:
        level = load_level(f, LEGEND)
        t0 = time.perf_counter()
        result = solve(level, node_budget=args.budget, repeat=args.repeat)
        seconds = time.perf_counter() - t0
        total_time += seconds
        outcome = replay(level, result.actions) if result.completable else "-"
        done += result.completable and outcome == "finished"
        print(
            f"{level.name:<14}{level.width:>6}  {result.completable!s:<12}{result.nodes:>8}{seconds:>9.2f}"
            f"{len(result.actions):>8}  {outcome}"
        )
        if not result.completable:
            print(f"{'':14}{result.reason}")
    print("-" * len(header))
    print(
        f"{done}/{len(files)} completable (plans replayed to the goal), {total_time:.1f} s in total, "
        f"node budget {args.budget}, {args.repeat} frames per search edge"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
