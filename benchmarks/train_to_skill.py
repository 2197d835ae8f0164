"""Train each game with its shipped config and print one table: wall time, env steps, SPS, score vs target.

SB3 PPO on gymnasium's CartPole-v1 runs in the same invocation as the reference (``configs/cartpole/ppo.yaml``:
8 DummyVecEnv envs, RL Baselines3 Zoo's tuned CartPole-v1 hyperparameters, 100k steps), so the numbers of one
machine can be compared with another's; the ``x ref`` column is a game's training SPS over the reference's.

    python benchmarks/train_to_skill.py                          # every game, shipped budgets (well over an hour)
    python benchmarks/train_to_skill.py --games pong             # CartPole reference + Pong (about 12 minutes)
    python benchmarks/train_to_skill.py --steps 4096 --episodes 2   # a smoke run of the whole table

The targets (each game's acceptance line):

* Pong: the agent wins >= 90% of the *points* it plays against the env's default opponent (the tracker at
  ``opponent_skill`` 0.7, games to 11, whatever the training env was), within 15 minutes of training, at a
  training SPS >= 5x the CartPole reference's.
* Snake (12 x 12): mean final snake length (``info["length"]``) >= 25 within 30 minutes.
* Platformer: finishes >= 8 of the VGLC corpus levels (``envs.data.vglc_dir("Super Mario Bros")``, one episode
  each) within 60 minutes.
* Dungeon: win rate >= 50% on the shipped levels (no time limit).

Training wall time is the whole ``arcadelab train`` loop (rollouts, updates, periodic evaluations, checkpoints).
Scores are then measured on the run's ``best_model.zip`` (the model the periodic evaluation kept, the one
``arcadelab demo`` and ``play`` point to; ``--model final`` scores the final one) with ``arcadelab evaluate``'s
protocol on *held-out* seeds: episode ``i`` has seed ``SCORE_SEED_BASE + i``, never a seed the periodic
evaluation picked the best model on (``eval.seed_base + i``, 10,000 and up). The agent acts as its config's
``eval.deterministic`` says (argmax by default); the Pong and Platformer rows also show the other mode. Runs go
to ``runs/bench/`` unless ``--run-root`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


# ------------------------------------------------------------------------------------------------- scores
# Each takes (agent, config, episodes) and returns the game's score.
SCORE_SEED_BASE = 1_000_000  # scoring seeds: disjoint from the periodic evaluation's (eval.seed_base + i)


def _episodes(agent: Any, env_id: str, env_kwargs: dict[str, Any], seeds: list[int], max_steps: int):
    """Final infos of one deterministic episode per seed (``arcadelab evaluate``'s protocol)."""
    import gymnasium as gym

    import envs  # noqa: F401
    from training.evaluate import run_episode

    env = gym.make(env_id, **env_kwargs)
    infos = []
    try:
        for seed in seeds:
            info: dict[str, Any] = {}
            run_episode(env, agent, seed, max_steps, final_info=info)
            infos.append(info)
    finally:
        env.close()
    return infos


def _evaluate(agent: Any, config: Any, episodes: int) -> Any:
    """The deterministic evaluation protocol on the config's own env (fixed seeds)."""
    from training.evaluate import evaluate_agent

    return evaluate_agent(
        agent,
        config.env_id,
        config.eval_env_kwargs(),
        episodes,
        SCORE_SEED_BASE,
        config.eval.max_episode_steps,
    )


def mean_return(agent: Any, config: Any, episodes: int) -> float:
    """Mean episode return on the training env (the CartPole reference)."""
    return _evaluate(agent, config, episodes).mean_return


def win_rate(agent: Any, config: Any, episodes: int) -> float:
    return _evaluate(agent, config, episodes).win_rate


def pong_points_won(agent: Any, config: Any, episodes: int) -> float:
    """Points won / points played against the env's *default* opponent (tracker, skill 0.7, games to 11,
    truncated at the env's default 10,000 steps), whatever the training env's opponent, score or shaping."""
    seeds = [SCORE_SEED_BASE + i for i in range(episodes)]
    infos = _episodes(agent, config.env_id, {"obs_type": "vector"}, seeds, max_steps=10**9)
    won = sum(int(info["score"][0]) for info in infos)
    lost = sum(int(info["score"][1]) for info in infos)
    return won / max(won + lost, 1)


def other_action_mode(score: Callable[[Any, Any, int], float]) -> Callable[[Any, Any, int], float]:
    """``score`` with the agent's other action mode (argmax if it samples, sampled if it takes the argmax)."""

    def scored(agent: Any, config: Any, episodes: int) -> float:
        agent.deterministic = not agent.deterministic
        try:
            return score(agent, config, episodes)
        finally:
            agent.deterministic = not agent.deterministic

    return scored


def snake_mean_length(agent: Any, config: Any, episodes: int) -> float:
    """Mean final snake length (``info["length"]``) on the default 12 x 12 board."""
    seeds = [SCORE_SEED_BASE + i for i in range(episodes)]
    infos = _episodes(agent, config.env_id, {"obs_type": "vector", "size": 12}, seeds, max_steps=10**9)
    return sum(int(info["length"]) for info in infos) / len(infos)


def platformer_corpus_finished(agent: Any, config: Any, episodes: int) -> float:
    """How many VGLC corpus levels the agent finishes, one episode each from the level's start (``episodes``
    unused)."""
    from envs.data import vglc_dir

    files = sorted(Path(vglc_dir("Super Mario Bros")).glob("*.txt"))
    if not files:
        raise FileNotFoundError(
            "no VGLC platformer levels found (see envs/data.py; $ARCADELAB_VGLC overrides)"
        )
    finished = 0
    for path in files:
        kwargs = config.eval_env_kwargs() | {"level": str(path), "check_playable": False}
        (info,) = _episodes(agent, config.env_id, kwargs, [SCORE_SEED_BASE], max_steps=10**9)
        finished += info.get("event") == "finished"
    return float(finished)


@dataclass(frozen=True)
class Game:
    config: str
    metric: str  # what the score is, as the table shows it
    score: Callable[[Any, Any, int], float]
    target: float
    minutes: float | None = None  # training wall-time limit of the target
    sps_ratio: float | None = None  # minimum training SPS over the CartPole reference's
    percent: bool = False
    # A second number shown beside the score, not judged (e.g. the sampled policy's): (label, function).
    also: tuple[str, Callable[[Any, Any, int], float]] | None = None


GAMES: dict[str, Game] = {
    "cartpole": Game("configs/cartpole/ppo.yaml", "mean return", mean_return, 475.0),
    "pong": Game(
        "configs/pong/ppo.yaml",
        "points won vs default bot",
        pong_points_won,
        0.90,
        15,
        5.0,
        percent=True,
        also=("other action mode", other_action_mode(pong_points_won)),
    ),
    "snake": Game("configs/snake/maskable_ppo.yaml", "mean length 12x12", snake_mean_length, 25.0, 30),
    "platformer": Game(
        "configs/platformer/ppo.yaml",
        "corpus levels finished",
        platformer_corpus_finished,
        8.0,
        60,
        also=("other action mode", other_action_mode(platformer_corpus_finished)),
    ),
    "dungeon": Game("configs/dungeon/maskable_ppo.yaml", "win rate", win_rate, 0.5, percent=True),
}
# Training budgets of the benchmark where they differ from the config's: the Pong config's own budget is what
# `arcadelab demo` trains in a few minutes; the benchmark gives it the time its target allows.
BENCH_STEPS: dict[str, int] = {"pong": 40_000_000}


def run_one(game: str, steps: int | None, episodes: int, run_root: Path, which: str = "best") -> dict:
    from agents.loading import load_agent
    from training.config import load_config
    from training.runs import prepare_run
    from training.sb3_backend import train

    spec = GAMES[game]
    config = load_config(ROOT / spec.config, {"total_steps": steps or BENCH_STEPS.get(game)})
    run_dir = run_root / f"{game}__{config.algo}__{time.strftime('%Y%m%d-%H%M%S')}"
    config, run_dir = prepare_run(config, run_dir, False, ["benchmarks/train_to_skill.py", game])
    start = time.perf_counter()
    final = train(config, run_dir, device="cpu", progress=False)
    wall = time.perf_counter() - start
    steps_done = json.loads(final.with_suffix(".json").read_text())["num_timesteps"]
    eval_start = time.perf_counter()
    best = run_dir / "best_model.zip"
    scored = best if which == "best" and best.is_file() else final
    agent = load_agent(scored)
    score = spec.score(agent, config, episodes)
    also = None if spec.also is None else spec.also[1](agent, config, episodes)
    return {
        "game": game,
        "algo": config.algo,
        "n_envs": config.n_envs,
        "wall_s": wall,
        "steps": steps_done,
        "sps": steps_done / wall,
        "metric": spec.metric,
        "score": score,
        "also": also,
        "actions": "argmax" if getattr(agent, "deterministic", True) else "sampled",
        "target": spec.target,
        "time_limit_s": None if spec.minutes is None else 60.0 * spec.minutes,
        "eval_s": time.perf_counter() - eval_start,
        "run_dir": str(run_dir),
        "model": scored.name,
        "model_steps": json.loads(scored.with_suffix(".json").read_text())["num_timesteps"],
    }


def judge(row: dict, ref_sps: float | None) -> str:
    """'yes', or 'no' with the reasons (score, time, SPS)."""
    spec = GAMES[row["game"]]
    misses = []
    if row["score"] < row["target"]:
        misses.append("score")
    if row["time_limit_s"] is not None and row["wall_s"] > row["time_limit_s"]:
        misses.append("time")
    if spec.sps_ratio is not None:
        if ref_sps is None:
            misses.append("no ref")
        elif row["sps"] < spec.sps_ratio * ref_sps:
            misses.append("SPS")
    return "yes" if not misses else f"no ({', '.join(misses)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--games", default=",".join(g for g in GAMES if g != "cartpole"), help="comma-separated"
    )
    parser.add_argument(
        "--steps", type=int, default=None, help="env-step budget per game (default: the benchmark's/config's)"
    )
    parser.add_argument(
        "--reference-steps",
        type=int,
        default=None,
        help="CartPole budget (default: --steps, else its config's)",
    )
    parser.add_argument("--episodes", type=int, default=20, help="evaluation episodes per game")
    parser.add_argument("--no-reference", action="store_true", help="skip the CartPole reference run")
    parser.add_argument(
        "--model", choices=("best", "final"), default="best", help="which model of each run to score"
    )
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
        rows.append(run_one("cartpole", ref_steps, args.episodes, args.run_root, args.model))
    for game in games:
        rows.append(run_one(game, args.steps, args.episodes, args.run_root, args.model))
    ref_sps = next((r["sps"] for r in rows if r["game"] == "cartpole"), None)
    for r in rows:
        r["sps_vs_ref"] = r["sps"] / ref_sps if ref_sps else None
        r["reached"] = judge(r, ref_sps)

    from rich.console import Console
    from rich.table import Table

    table = Table(title="Train to skill (SB3, this machine)")
    columns = ("game", "algo", "envs", "wall time", "limit", "env steps", "SPS", "x ref",
               "scored model", "score (held-out seeds)", "target", "reached")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column in ("game", "algo", "score (held-out seeds)") else "right")
    for r in rows:
        spec = GAMES[r["game"]]
        fmt = "{:.1%}" if spec.percent else "{:.1f}"
        target = f">= {fmt.format(r['target'])}"
        if spec.sps_ratio is not None:
            target += f", >= {spec.sps_ratio:g}x ref SPS"
        table.add_row(
            r["game"] + (" (reference)" if r["game"] == "cartpole" else ""),
            r["algo"],
            str(r["n_envs"]),
            f"{r['wall_s']:.0f} s",
            "-" if r["time_limit_s"] is None else f"{r['time_limit_s']:.0f} s",
            f"{r['steps']:,}",
            f"{r['sps']:,.0f}",
            "-" if r["sps_vs_ref"] is None else f"{r['sps_vs_ref']:.1f}x",
            f"{r['model'].removesuffix('.zip')} @ {r['model_steps']:,}",
            f"{r['metric']} {fmt.format(r['score'])}"
            + ("" if r["also"] is None else
               f" ({r['actions']} actions; {'sampled' if r['actions'] == 'argmax' else 'argmax'}: "
               f"{fmt.format(r['also'])})"),
            target,
            r["reached"],
        )
    Console(width=max(Console().width, 150)).print(table)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
