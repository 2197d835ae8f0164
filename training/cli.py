"""The ``arcadelab`` command line.

Each command lives in a small function here and imports its heavy dependencies (torch, SB3, Ray) only when it
runs, so ``arcadelab --help`` and ``arcadelab envs`` answer instantly.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
