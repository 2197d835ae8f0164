"""Train each game with its shipped config and print one table: wall time, env steps, SPS, final score vs target.

SB3 PPO on gymnasium's CartPole-v1 (8 DummyVecEnv envs, ``configs/cartpole/ppo.yaml``) runs in the same
invocation as the reference, so the numbers of one machine can be compared with another's.

    python benchmarks/train_to_skill.py                          # every game, shipped budgets (about an hour)
    python benchmarks/train_to_skill.py --games pong --steps 200000
    python benchmarks/train_to_skill.py --steps 4096 --episodes 2   # a smoke run of the whole table

Scores are measured after training with ``arcadelab evaluate``'s deterministic protocol (fixed seeds) on the
best model (else the final one). Runs go to ``runs/bench/`` unless ``--run-root`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

# game -> (config, metric, target). The win rate is against the game's scripted opponent or goal.
GAMES: dict[str, tuple[str, str, float]] = {
    "cartpole": ("configs/cartpole/ppo.yaml", "mean_return", 475.0),
    "pong": ("configs/pong/ppo.yaml", "win_rate", 0.5),
    "snake": ("configs/snake/maskable_ppo.yaml", "mean_return", 10.0),
    "platformer": ("configs/platformer/ppo.yaml", "win_rate", 0.5),
    "dungeon": ("configs/dungeon/maskable_ppo.yaml", "win_rate", 0.5),
}


def run_one(game: str, steps: int | None, episodes: int, run_root: Path) -> dict:
    from agents.loading import find_run_model, load_agent
    from training.config import load_config
    from training.evaluate import evaluate_agent
    from training.sb3_backend import prepare_run, train

    config_path, metric, target = GAMES[game]
    config = load_config(ROOT / config_path, {"total_steps": steps})
    run_dir = run_root / f"{game}__{config.algo}__{time.strftime('%Y%m%d-%H%M%S')}"
    config, run_dir = prepare_run(config, run_dir, False, ["benchmarks/train_to_skill.py", game])
    start = time.perf_counter()
    final = train(config, run_dir, device="cpu", progress=False)
    wall = time.perf_counter() - start
    steps_done = json.loads(final.with_suffix(".json").read_text())["num_timesteps"]
    agent = load_agent(find_run_model(run_dir))
    result = evaluate_agent(
        agent,
        config.env_id,
        config.env_kwargs,
        episodes,
        config.eval.seed_base,
        config.eval.max_episode_steps,
    )
    score = result.win_rate if metric == "win_rate" else result.mean_return
    return {
        "game": game,
        "algo": config.algo,
        "n_envs": config.n_envs,
        "wall_s": wall,
        "steps": steps_done,
        "sps": steps_done / wall,
        "metric": metric,
        "score": score,
        "target": target,
        "reached": score >= target,
        "run_dir": str(run_dir),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--games", default=",".join(g for g in GAMES if g != "cartpole"), help="comma-separated"
    )
    parser.add_argument(
        "--steps", type=int, default=None, help="env-step budget per game (default: the config's)"
    )
    parser.add_argument(
        "--reference-steps", type=int, default=None, help="CartPole budget (default: --steps)"
    )
    parser.add_argument("--episodes", type=int, default=20, help="evaluation episodes per game")
    parser.add_argument("--no-reference", action="store_true", help="skip the CartPole reference run")
    parser.add_argument("--run-root", type=Path, default=Path("runs/bench"))
    parser.add_argument("--json", type=Path, default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)

    games = [g.strip() for g in args.games.split(",") if g.strip()]
    unknown = [g for g in games if g not in GAMES]
    if unknown:
        parser.error(f"unknown game(s) {unknown}; known: {', '.join(GAMES)}")
    import torch

    torch.set_num_threads(1)
    rows = []
    if not args.no_reference and "cartpole" not in games:
        ref_steps = args.reference_steps if args.reference_steps is not None else args.steps
        rows.append(run_one("cartpole", ref_steps, args.episodes, args.run_root))
    for game in games:
        rows.append(run_one(game, args.steps, args.episodes, args.run_root))

    from rich.console import Console
    from rich.table import Table

    table = Table(title="Train to skill (SB3, this machine)")
    for column in (
        "game",
        "algo",
        "envs",
        "wall time",
        "env steps",
        "SPS",
        "final score",
        "target",
        "reached",
    ):
        table.add_column(column, justify="right" if column not in ("game", "algo") else "left")
    for r in rows:
        fmt = "{:.0%}" if r["metric"] == "win_rate" else "{:.1f}"
        table.add_row(
            r["game"] + (" (reference)" if r["game"] == "cartpole" else ""),
            r["algo"],
            str(r["n_envs"]),
            f"{r['wall_s']:.1f} s",
            f"{r['steps']:,}",
            f"{r['sps']:,.0f}",
            f"{r['metric']} {fmt.format(r['score'])}",
            fmt.format(r["target"]),
            "yes" if r["reached"] else "no",
        )
    Console(width=max(Console().width, 130)).print(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
