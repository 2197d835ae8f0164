"""Golden hashes of fixed-seed Dungeon trajectories and solver results: what trained models and bots depend on.

Each env case steps a ``DungeonEnv`` (shipped levels through the default source, single shipped levels, the
completable VGLC corpus maps as the tests load them; vector and pixel observations; monsters on and off) with
seeded actions that mix uniform random moves and the solver bot's moves (so treasures, exits, kills, hits, deaths
and truncations all happen), and hashes (sha256) every observation, reward, terminated/truncated flag, info,
``action_masks()`` and ``snapshot()``. Solver cases hash ``compile_map``, ``solve``, ``solve_from``,
``reachable`` and ``rooms_reached`` on shipped, corpus and hand-built maps. The hashes in
``tests/data/dungeon_golden.json`` were recorded from the pure-Python implementation before the numba core
replaced it; ``tests/test_dungeon_golden.py`` recomputes them. Never regenerate the file to make a test pass: a
changed hash means changed dynamics, observations or solver plans.

Corpus cases need the VGLC corpus (``envs.data.vglc_dir``); their names start with ``corpus/``.

    python -m tests.dungeon_golden --write   # record (only when dynamics change on purpose)
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.golden import Hasher as _Hasher
from tests.golden import golden_main

GOLDEN_PATH = Path(__file__).parent / "data" / "dungeon_golden.json"
CORPUS_MAPS = ("tloz1_1", "tloz2_2", "tloz3_1", "tloz5_1", "tloz7_2", "tloz8_1")


# the episode-end contract (envs/spec.py) came after the recording; tests/test_env_conformance.py checks it
LATER_INFO = ("is_success",)


def _info(h: _Hasher, info: dict) -> None:
    """Every info field the hashes were recorded with."""
    h.arr(info["action_mask"])
    h.obj(sorted((k, v) for k, v in info.items() if k != "action_mask" and k not in LATER_INFO))


def _snap(h: _Hasher, env: Any) -> None:
    h.arr(env.action_masks())
    h.obj(sorted(env.snapshot().items()))


def _shipped() -> list:
    from envs.data import SHIPPED_LEVELS
    from envs.dungeon import LEGEND
    from envs.level import load_levels

    return load_levels([SHIPPED_LEVELS / "dungeon"], LEGEND)


def _corpus(names: tuple[str, ...] = CORPUS_MAPS) -> list:
    from envs.data import vglc_dir
    from envs.dungeon import VGLC_LEGEND
    from envs.level import load_level

    folder = vglc_dir("The Legend of Zelda")
    return [load_level(folder / f"{name}.txt", VGLC_LEGEND) for name in names]


def env_case(
    kwargs: dict | Callable[[], dict], seed: int, steps: int, p_bot: float, render_every: int = 0
) -> str:
    """Step ``DungeonEnv(**kwargs)``: with probability ``p_bot`` the solver bot's move, else a uniform action."""
    from agents.dungeon_bot import DungeonSolverBot
    from envs.dungeon import DungeonEnv

    env = DungeonEnv(**(kwargs() if callable(kwargs) else kwargs))
    bot = DungeonSolverBot(env)
    h = _Hasher()
    rng = np.random.default_rng(seed + 4242)
    obs, info = env.reset(seed=seed)
    bot.reset()
    h.arr(obs)
    _info(h, info)
    _snap(h, env)
    episodes = 0
    for t in range(steps):
        bot_action = bot.act(obs, info) if p_bot else 0  # asked every step, so its plan follows the game
        a = bot_action if rng.random() < p_bot else int(rng.integers(5))
        if t % 7 == 3:  # numpy actions are accepted too
            a = np.int64(a)
        obs, reward, terminated, truncated, info = env.step(a)
        h.arr(obs)
        h.arr(np.float64(reward))
        h.obj((terminated, truncated))
        _info(h, info)
        _snap(h, env)
        if render_every and t % render_every == 0:
            h.arr(env.render())
        if terminated or truncated:
            episodes += 1
            h.obj(("end", episodes, info["success"], info["hp"], env.level.name))
            # alternate seeded and unseeded resets (the unseeded one continues the stream)
            obs, info = env.reset(seed=seed + 1000 * episodes) if episodes % 2 else env.reset()
            bot.reset()
            h.arr(obs)
            _info(h, info)
            _snap(h, env)
    h.obj(episodes)
    return h.hexdigest()


def pickle_case(level_index: int, seed: int) -> str:
    """A pickled env mid-episode continues exactly like the original (monster draws included)."""
    from envs.dungeon import DungeonEnv

    env = DungeonEnv(level=_shipped()[level_index], max_hp=16)
    h = _Hasher()
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    for _ in range(300):
        env.step(int(rng.integers(5)))
    clone = pickle.loads(pickle.dumps(env))
    for e in (env, clone):
        r = np.random.default_rng(seed + 1)
        for _ in range(1500):
            obs, reward, terminated, truncated, _ = e.step(int(r.integers(5)))
            h.arr(obs)
            h.obj((reward, terminated, truncated))
            _snap(h, e)
            if terminated or truncated:
                e.reset()
    return h.hexdigest()


def _dmap(h: _Hasher, dmap: Any) -> None:
    h.arr(dmap.codes)
    h.arr(dmap.masks)
    h.obj((dmap.name, dmap.start, dmap.exit, dmap.treasures, dmap.monsters, dmap.room_rows, dmap.room_cols))
    h.obj((dmap.next_cell, dmap.monster_next, dmap.room_of, dmap.local, dmap.derived_exit))


def _solution(h: _Hasher, sol: Any) -> None:
    h.obj((sol.completable, sol.reason, sol.actions, sol.cells, sol.treasures))


def solver_case(levels: Callable[[], list]) -> str:
    from envs.dungeon import compile_map, reachable, rooms_reached, solve, solve_from

    h = _Hasher()
    for level in levels():
        try:
            dmap = compile_map(level)
        except Exception as exc:  # noqa: BLE001 - the refusal message is part of what is pinned
            h.obj(("refused", type(exc).__name__, str(exc)))
            continue
        _dmap(h, dmap)
        _solution(h, solve(level))
        _solution(h, solve(dmap))
        dist = reachable(dmap)
        h.obj(sorted(dist.items()))
        h.obj(sorted(rooms_reached(dmap)))
        cells = sorted(dist)
        for cell in cells[:: max(1, len(cells) // 5)]:
            _solution(h, solve_from(dmap, cell, dmap.treasures))
            h.obj(sorted(rooms_reached(dmap, cell)))
    return h.hexdigest()


def _built_levels() -> list:
    """Hand-built maps (as tests/test_dungeon.py builds them) and noise maps, refusals included."""
    from envs.dungeon import VGLC_LEGEND
    from envs.level import Level

    def room(marks: dict[str, str], doors: str = "") -> list[list[str]]:
        g = [["W"] * 11 for _ in range(16)]
        for r in range(12):
            g[2 + r][2:9] = ["F"] * 7
        for ch, cells in marks.items():
            for cell in cells.split():
                r, c = map(int, cell.split(","))
                g[2 + r][2 + c] = ch
        for side in doors:
            if side in "UD":
                for c in (4, 5, 6):
                    g[1 if side == "U" else 14][c] = "D"
            else:
                for r in (7, 8):
                    g[r][1 if side == "L" else 9] = "D"
        return g

    def side(*rooms: list[list[str]], name: str) -> Level:
        return Level(tuple("".join(ch for g in rooms for ch in g[r]) for r in range(16)), name)

    out = [
        side(room({"A": "5,3", "E": "11,6", "M": "4,3 5,4 1,1"}), name="one"),
        side(room({"A": "5,6"}, "R"), room({"E": "11,6", "T": "3,3"}, "L"), name="two"),
        side(
            room({}, "UR"),
            room({"S": "1,1"}, "LR"),
            room({"S": "11,6"}, "L"),
            room({"S": "11,6"}),
            name="stairs",
        ),
        side(room({}, "UR"), room({"B": "4,1 5,1 6,1 7,1"}, "L"), name="no-stairs"),
        side(room({}, "U"), room({"S": "5,3"}, "L"), name="one-room"),
    ]
    top = [room({}, "UR"), room({}, "LRD"), room({"S": "11,6"}, "L")]
    bottom = [room({}), room({}, "U"), room({})]
    rows = tuple("".join(ch for g in top for ch in g[r]) for r in range(16))
    rows += tuple("".join(ch for g in bottom for ch in g[r]) for r in range(16))
    out.append(Level(rows, "side-room"))
    rng = np.random.default_rng(0)
    tiles = np.array(list(VGLC_LEGEND))
    for i in range(40):
        grid = rng.choice(tiles, size=(16, 22))
        cells = rng.choice(16 * 22, size=2, replace=False)
        grid.flat[cells[0]], grid.flat[cells[1]] = "A", "E"
        out.append(Level.from_array(grid, name=f"noise{i}"))
    return out


def _corpus_source() -> dict:
    from envs.level import LevelListSource

    return {"level_source": LevelListSource(_corpus()), "max_steps": 800}


def cases() -> dict[str, Callable[[], str]]:
    """Every golden case by name (a name says what it covers; ``corpus/`` ones need the VGLC corpus)."""
    out: dict[str, Callable[[], str]] = {}
    for obs_type in ("vector", "pixels"):
        for seed, p_bot in ((0, 0.0), (1, 0.7), (2, 0.95)):
            out[f"env/shipped-source/{obs_type}/seed{seed}/bot{p_bot}"] = (
                lambda obs_type=obs_type, seed=seed, p_bot=p_bot: env_case(
                    {"obs_type": obs_type, "max_steps": 400, "max_hp": 4}, seed, 2500, p_bot
                )
            )
    for i in range(5):
        out[f"env/shipped{i}/vector/bot"] = lambda i=i: env_case(
            lambda: {"level": _shipped()[i], "max_steps": 3000}, 10 + i, 3000, 0.9
        )
        out[f"env/shipped{i}/vector/no-monsters"] = lambda i=i: env_case(
            lambda: {"level": _shipped()[i], "monsters": False, "max_steps": 250, "max_hp": 16}, 20 + i, 1500,
            0.6,
        )  # fmt: skip
    out["env/shipped2/pixels/hp1"] = lambda: env_case(
        lambda: {"level": _shipped()[2], "obs_type": "pixels", "max_hp": 1}, 30, 1500, 0.5
    )
    out["env/shipped3/vector/hp16-random"] = lambda: env_case(
        lambda: {"level": _shipped()[3], "max_hp": 16, "max_steps": 5000}, 31, 3000, 0.0
    )
    out["env/defaults/seed7"] = lambda: env_case({}, 7, 2000, 0.8)
    out["env/shipped4/rgb_array"] = lambda: env_case(
        lambda: {"level": _shipped()[4], "render_mode": "rgb_array", "max_steps": 300}, 8, 400, 0.8,
        render_every=25,
    )  # fmt: skip
    for i, seed in ((1, 3), (4, 9)):
        out[f"env/pickle/shipped{i}"] = lambda i=i, seed=seed: pickle_case(i, seed)
    for obs_type in ("vector", "pixels"):
        for seed, p_bot in ((40, 0.0), (41, 0.9)):
            out[f"corpus/env/{obs_type}/seed{seed}/bot{p_bot}"] = (
                lambda obs_type=obs_type, seed=seed, p_bot=p_bot: env_case(
                    lambda: {**_corpus_source(), "obs_type": obs_type}, seed, 2500, p_bot
                )
            )
    out["corpus/env/tloz3_1/hp2"] = lambda: env_case(
        lambda: {"level": _corpus(("tloz3_1",))[0], "max_hp": 2}, 42, 2000, 0.3
    )
    out["solver/shipped"] = lambda: solver_case(_shipped)
    out["solver/built-and-noise"] = lambda: solver_case(_built_levels)
    out["corpus/solver/all"] = lambda: solver_case(
        lambda: _corpus(tuple(f"tloz{i}_{j}" for i in range(1, 10) for j in (1, 2)))
    )
    return out


def main() -> None:
    golden_main(__doc__, cases, GOLDEN_PATH)


if __name__ == "__main__":
    main()
