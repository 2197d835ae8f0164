"""The ``arcadelab`` command line.

Each command lives in a small function here and imports its heavy dependencies (torch, SB3, Ray) only when it
runs, so ``arcadelab --help`` and ``arcadelab envs`` answer instantly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from envs.spec import bot_entries, game_names  # the registry only: no game, pygame or RL library is imported

_GAMES_HELP = " | ".join(game_names())
_BOTS_HELP = ", ".join(bot.name for bot in bot_entries())

app = typer.Typer(
    name="arcadelab",
    help="Train, evaluate and play against game-playing agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Train, evaluate and play against game-playing agents."""


@app.command("envs")
def list_envs() -> None:
    """List every registered ArcadeLab environment with its observation and action spaces."""
    import gymnasium as gym

    import envs

    table = Table(title="ArcadeLab environments")
    for column in ("id", "observation space", "action space", "vectorized"):
        table.add_column(column)
    for env_id in envs.ENV_IDS:
        env = gym.make(env_id)
        try:
            vectorized = "batched numpy" if gym.spec(env_id).vector_entry_point else "-"
            table.add_row(env_id, str(env.observation_space), str(env.action_space), vectorized)
        finally:
            env.close()
    Console().print(table)


# ------------------------------------------------------------------------------------------ user errors

_console = Console()
_err_console = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    """Print a user-facing error (no traceback) and return the exit to raise: status 2."""
    from rich.markup import escape

    _err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _user_errors() -> tuple[type[BaseException], ...]:
    from agents.loading import AgentLoadError
    from training.checkpoints import CheckpointError
    from training.config import ConfigError
    from training.record import RecordError

    return (ConfigError, CheckpointError, AgentLoadError, RecordError, FileNotFoundError)


def _display_errors() -> tuple[type[BaseException], ...]:
    """pygame's error type (no display, no video driver), imported only by the commands that open a window."""
    import pygame

    return (pygame.error,)


def _headless() -> None:
    """Commands that never open a window (train, evaluate, record, demo) render off-screen only: SDL's dummy
    drivers, unless the user chose drivers, so SDL does not probe for a display or a sound server (and print
    errors about them) on a headless machine. Ray workers inherit the setting."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def _setup_logging(verbose: bool, torch_threads: int | None = None) -> None:
    import logging

    if torch_threads is not None:
        import torch

        # One thread: small policies on a shared CPU run several times faster than with contending threads.
        torch.set_num_threads(torch_threads)

    from rich.logging import RichHandler

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=_err_console, show_path=False)],
    )


DEVICES = ("auto", "cpu", "cuda")


@app.command("train")
def train_command(
    config: Annotated[Path, typer.Argument(help="configs/<game>/<algo>.yaml")],
    backend: str = typer.Option("sb3", help="sb3 | rllib"),
    total_steps: int | None = typer.Option(
        None, "--total-steps", help="Override the config's env-step budget."
    ),
    seed: int | None = typer.Option(None, help="Override the config's seed."),
    run_dir: Annotated[
        Path | None, typer.Option("--run-dir", help="Default: runs/<game>__<algo>__<seed>__<time>.")
    ] = None,
    resume: bool = typer.Option(
        False, "--resume", help="Continue the run in --run-dir from its last checkpoint."
    ),
    address: str | None = typer.Option(None, help="Ray cluster address (rllib backend only)."),
    device: str = typer.Option("auto", help="auto | cpu | cuda (auto = cuda if torch sees one)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show the progress bar."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log checkpoints and evaluations."),
) -> None:
    """Train an agent from a YAML config; logs, checkpoints and models go to the run folder."""
    _headless()
    _setup_logging(verbose)
    from training.backends import get_backend

    try:
        engine = get_backend(backend)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if device not in DEVICES:
        raise _fail(f"option '--device': {device!r} is not one of {', '.join(DEVICES)}")
    if total_steps is not None and total_steps <= 0:
        raise _fail(f"option '--total-steps': must be > 0, got {total_steps}")
    errors = _user_errors()
    try:
        from training.config import load_config, resolve_device
        from training.runs import prepare_run

        cfg = load_config(config, {"total_steps": total_steps, "seed": seed})
        resolved_device = resolve_device(device)
        # The command line as it would be typed (also under CliRunner, where sys.argv is pytest's).
        command = ["arcadelab", "train", str(config), "--backend", backend, "--device", device]
        for flag, value in (("--total-steps", total_steps), ("--seed", seed), ("--run-dir", run_dir),
                            ("--address", address)):  # fmt: skip
            if value is not None:
                command += [flag, str(value)]
        command += ["--resume"] if resume else []
        engine.check(cfg, address)  # before the run folder exists
        cfg, run_path = prepare_run(cfg, run_dir, resume, command, algo_label=engine.algo_label(cfg))
        final = engine.train(
            cfg, run_path, resume=resume, device=resolved_device, progress=progress, address=address
        )
    except errors as exc:
        raise _fail(str(exc)) from None
    _console.print(f"run folder: [bold]{run_path}[/]  final model: {final}")
    _console.print(f"TensorBoard: tensorboard --logdir {run_path.parent}")


@app.command("evaluate")
def evaluate_command(
    run_or_model: str = typer.Argument(
        ..., help=f"A run folder, a model .zip, or a bot name ({_BOTS_HELP})."
    ),
    episodes: int = typer.Option(10, min=1, help="Number of episodes (seeds seed_base .. seed_base+N-1)."),
    opponent: str = typer.Option(
        "bot", help="'bot' (the env's scripted opponent) or a model path / bot name."
    ),
    env: str | None = typer.Option(
        None, "--env", help="Env id, when it cannot be read from the run's config."
    ),
    seed_base: int = typer.Option(10_000, "--seed-base", help="Seed of the first episode."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Mean ± std return and win rate over a fixed list of seeds (same command, same numbers)."""
    import json

    _headless()
    _setup_logging(False, torch_threads=1)
    try:
        from training.evaluate import evaluate_agent, resolve_target

        target = resolve_target(run_or_model, env, opponent)
        result = evaluate_agent(target.agent, target.env_id, target.env_kwargs, episodes, seed_base)
    except _user_errors() as exc:
        raise _fail(str(exc)) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if json_out:
        data = result.to_dict() | {"agent": target.label, "env_id": target.env_id, "opponent": opponent}
        typer.echo(json.dumps(data))
        return
    _console.print(
        f"{target.label} on {target.env_id} vs {opponent}: return {result.mean_return:.3f} ± {result.std_return:.3f}, "
        f"win rate {result.win_rate:.0%}, mean length {result.mean_length:.1f} ({episodes} episodes)"
        + ("" if result.point_win_rate is None else f", points won {result.point_win_rate:.0%}")
    )


@app.command("record")
def record_command(
    run_or_model: Annotated[str, typer.Argument(help="A run folder, a model .zip, or a bot name.")],
    out: Annotated[Path, typer.Option("--out", help="FILE.gif or FILE.mp4")],
    env: str | None = typer.Option(
        None, "--env", help="Env id, when it cannot be read from the run's config."
    ),
    opponent: str = typer.Option("bot", help="'bot' or a model path / bot name."),
    seed: int = typer.Option(0, help="Episode seed."),
    max_frames: int = typer.Option(3000, "--max-frames", min=1),
) -> None:
    """Record one episode as a video."""
    _headless()
    _setup_logging(False, torch_threads=1)
    try:
        from training.evaluate import resolve_target
        from training.record import record_episode

        target = resolve_target(run_or_model, env, opponent)
        info = record_episode(target, out, seed=seed, max_frames=max_frames)
    except _user_errors() as exc:
        raise _fail(str(exc)) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _console.print(f"wrote {info['out']}: {info['frames']} frames, return {info['return']:.2f}")


@app.command("demo")
def demo_command(
    total_steps: int | None = typer.Option(None, "--total-steps", help="Override the demo budget."),
    seed: int | None = typer.Option(None, help="Override the demo's seed (its config's by default)."),
    run_dir: Annotated[Path | None, typer.Option("--run-dir")] = None,
    episodes: int = typer.Option(10, min=1, help="Evaluation episodes against the bot."),
) -> None:
    """Train a Pong agent with SB3 for a few minutes, evaluate it against the bot, say how to watch and play it."""
    _headless()
    _setup_logging(False)
    command = ["arcadelab", "demo"] + (["--total-steps", str(total_steps)] if total_steps else [])
    command += (["--seed", str(seed)] if seed is not None else []) + (["--run-dir", str(run_dir)] if run_dir else [])
    try:
        from training.demo import POINTS_TARGET, run_demo

        _console.print("Training PPO on Pong against the tracker bot (a few minutes) ...", soft_wrap=True)
        demo = run_demo(seed=seed, total_steps=total_steps, run_dir=run_dir, episodes=episodes, command=command)
    except _user_errors() as exc:
        raise _fail(str(exc)) from None
    r = demo.result
    _console.print(
        f"Trained {demo.total_steps:,} steps in {demo.train_seconds:.0f} s ({demo.sps:,.0f} steps/s) into "
        f"{demo.run_dir}.\nAgainst the bot (tracker at its default skill) over {episodes} games to 11: points won "
        f"{demo.points_won:.0%}, games won {r.win_rate:.0%}, return {r.mean_return:.2f} ± {r.std_return:.2f}.",
        soft_wrap=True,
    )
    if demo.met:
        _console.print(f"That meets the demo's bar of {POINTS_TARGET:.0%} of points won.", soft_wrap=True)
    else:
        _console.print(
            f"That is below the demo's bar of {POINTS_TARGET:.0%} of points won: train longer with "
            f"arcadelab train configs/pong/ppo.yaml --total-steps 40000000, or try another --seed.",
            soft_wrap=True,
        )
    _console.print(f"TensorBoard:  tensorboard --logdir {demo.run_dir.parent} --host 127.0.0.1", soft_wrap=True)
    _console.print(f"Play it:      arcadelab play pong --opponent {demo.model}", soft_wrap=True)
    _console.print(f"Watch it:     arcadelab watch pong --agents {demo.model} pong-tracker", soft_wrap=True)


@app.command("ladder")
def ladder_command(
    game: str = typer.Argument(..., help=_GAMES_HELP),
    games_per_pair: int | None = typer.Option(
        None, "--games-per-pair", min=1, help="Games between every two opponents (default: the game's)."
    ),
    seed: int = typer.Option(0, help="Seed of each pair's first game (game i: seed + i)."),
    add: list[str] | None = typer.Option(  # noqa: B008
        None, "--add", help="A model .zip or run folder to rate too (repeatable)."
    ),
    out: Annotated[Path | None, typer.Option("--out", help="JSON file (default runs/ladder/GAME.json).")] = None,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each pair's results."),
) -> None:
    """Rate the game's opponents (bots at several skills, random, models) by a seeded round robin: an Elo table."""
    _headless()
    _setup_logging(verbose, torch_threads=1 if add else None)
    from envs.spec import UnknownGameError, get_spec

    try:
        get_spec(game)
    except UnknownGameError as exc:
        raise _fail(str(exc)) from None
    try:
        from training.ladder import run_ladder, write_ladder

        result = run_ladder(game, games_per_pair, seed, add or ())
        path = write_ladder(result, out)
    except _user_errors() as exc:
        raise _fail(str(exc)) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    table = Table(
        title=f"{get_spec(game).title} ladder (seed {seed}, {result.games_per_pair} games per pair)",
        caption=f"Bradley-Terry Elo, {result.anchor} = {result.anchor_elo:g}; ± is a 95% interval",
    )
    table.add_column("rank", justify="right")
    table.add_column("opponent")
    for column in ("Elo", "W/D/L", "games"):
        table.add_column(column, justify="right")
    for rank, rating in enumerate(result.ratings, start=1):
        table.add_row(str(rank), rating.name, f"{rating.elo:.0f} ± {rating.elo_pm:.0f}",
                      f"{rating.wins}/{rating.draws}/{rating.losses}", str(rating.games))
    _console.print(table)
    _console.print(f"wrote {path}", highlight=False, soft_wrap=True)


def _run_app_command(run) -> None:
    """Run ``play``/``watch``: user errors and a missing display exit 2 with a message; then notes and summary."""
    _setup_logging(False)
    from games.cli_play import PlayError, summary

    user_errors: tuple[type[BaseException], ...] = (PlayError, *_user_errors())
    try:
        report = run()
    except user_errors as exc:
        raise _fail(str(exc)) from None
    except _display_errors() as exc:
        raise _fail(f"cannot open a window: {exc} (is there a display? check DISPLAY and SDL_VIDEODRIVER)") from None
    for message in report.messages:
        _err_console.print(f"note: {message}", highlight=False, markup=False, soft_wrap=True)
    _console.print(summary(report), highlight=False, markup=False, soft_wrap=True)


@app.command("play")
def play_command(
    game: str | None = typer.Argument(
        None, help=f"{_GAMES_HELP} (or pick it on the title screen)"),
    opponent: str = typer.Option("bot", help=f"bot | random | a bot name ({_BOTS_HELP}) | a model .zip or run folder"),
    level: str | None = typer.Option(None, help="PATH | corpus | generated | recommended (default: shipped levels)"),
    music: str = typer.Option("off", help="generated | off"),
    player: str | None = typer.Option(None, help="Your name in the telemetry (default: your user name)."),
    seed: int | None = typer.Option(None, help="Seed of the first match."),
    db: str | None = typer.Option(None, help="Telemetry database URL (default: SQLite in the user's data folder)."),
    title: bool = typer.Option(True, "--title/--no-title", help="Start on the title screen."),
    sound: bool = typer.Option(True, "--sound/--no-sound"),
    points_to_win: int | None = typer.Option(None, "--points-to-win", min=1, help="Pong: points to win (default 5)."),
    frames: int | None = typer.Option(None, "--frames", min=1, hidden=True, help="Stop after N frames (tests)."),
    fast: bool = typer.Option(False, "--fast", hidden=True, help="Do not limit the frame rate (tests)."),
) -> None:
    """Play a game against an agent in a window: title screen, HUD, pause (P/Esc), restart (R), quit (Q)."""
    from games.cli_play import play

    _run_app_command(lambda: play(game, opponent, level, music, player, seed, db, title=title, sound=sound,
                                  points_to_win=points_to_win, max_frames=frames, fast=fast))


@app.command("watch")
def watch_command(
    game: str = typer.Argument(..., help=_GAMES_HELP),
    agents: list[str] = typer.Option(..., "--agents", help="Agent A, then B: --agents A B"),  # noqa: B008
    more_agents: list[str] | None = typer.Argument(None, hidden=True),  # noqa: B008  (B of `--agents A B`)
    level: str | None = typer.Option(None, help="PATH | corpus | generated | recommended"),
    seed: int | None = typer.Option(None, help="Seed of the first match."),
    db: str | None = typer.Option(None, help="Telemetry database URL."),
    sound: bool = typer.Option(True, "--sound/--no-sound"),
    points_to_win: int | None = typer.Option(None, "--points-to-win", min=1, help="Pong: points to win (default 5)."),
    frames: int | None = typer.Option(None, "--frames", min=1, hidden=True, help="Stop after N frames (tests)."),
    fast: bool = typer.Option(False, "--fast", hidden=True, help="Do not limit the frame rate (tests)."),
) -> None:
    """Watch agent A play agent B (Platformer: A plays, B is an optional ghost; Dungeon: A plays)."""
    from games.cli_play import watch

    # click options take one value each: in `--agents A B`, B arrives as the trailing argument
    _run_app_command(lambda: watch(game, [*agents, *(more_agents or [])], level, seed, db, sound=sound,
                                   points_to_win=points_to_win, max_frames=frames, fast=fast))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
