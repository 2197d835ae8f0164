"""Golden hashes of fixed-seed platformer trajectories and solver results: the dynamics trained models depend on.

Each case hashes (sha256) what one view of the platformer produces under seeded actions: ``PlatformerEnv`` on
shipped and corpus levels (vector and pixel observations, frame skip, random starts, death penalties, the time
limit, rendered frames), the physics' tuple API (``PlatformerPhysics.step``), Gymnasium's ``SyncVectorEnv`` over
``PlatformerEnv`` (the semantics the batched env reproduces: NEXT_STEP autoreset with a new level per episode,
partial resets) and the solver's plans (actions, node counts, reasons). Actions mix random play with the solver's
plans (with and without noise), so goals, deaths, stomps, bullets, broken blocks and coins all happen.

The hashes in ``tests/data/platformer_golden.json`` were recorded from the pure-Python implementation before the
numba core replaced it; ``tests/test_platformer_golden.py`` recomputes them. Never regenerate the file to make a
test pass: a changed hash means changed dynamics. Cases on the VGLC corpus are skipped when it is absent.

    python -m tests.platformer_golden --write   # record (only when dynamics change on purpose)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.golden import Hasher as _Hasher
from tests.golden import golden_main

GOLDEN_PATH = Path(__file__).parent / "data" / "platformer_golden.json"
SHIPPED_NAMES = ("01_meadow", "02_pipes", "03_bridges", "04_cannons", "05_sky", "06_gauntlet")
CORPUS_GAME = "Super Mario Bros"


class CorpusMissing(Exception):
    """The VGLC corpus is not on this machine (the test skips the case)."""


def _shipped(name: str):
    from envs.platformer import SHIPPED_PLATFORMER_LEVELS

    return SHIPPED_PLATFORMER_LEVELS / f"{name}.txt"


def _corpus(name: str):
    from envs.data import vglc_dir

    path = vglc_dir(CORPUS_GAME) / f"{name}.txt"
    if not path.exists():
        raise CorpusMissing(str(path))
    return path


def _load(path):
    from envs.level import load_level
    from envs.platformer import LEGEND

    return load_level(path, LEGEND)


def canonical_state(s: tuple) -> tuple:
    """The physics state with its sets sorted (a repr that does not depend on set iteration order)."""
    x, y, vx, vy, on_ground, t, next_enemy, enemies, bullets, changed, taken = s
    return (
        int(x), int(y), int(vx), int(vy), bool(on_ground), int(t), int(next_enemy),
        tuple(tuple(int(v) for v in e) for e in enemies), tuple(tuple(int(v) for v in b) for b in bullets),
        tuple(sorted(int(i) for i in changed)), tuple(sorted(int(i) for i in taken)),
    )  # fmt: skip


# the episode-end contract (envs/spec.py) came after the recording; tests/test_env_conformance.py checks it
LATER_INFO = ("is_success",)


def _info(h: _Hasher, info: dict) -> None:
    """Every info field the hashes were recorded with."""
    h.obj(sorted((k, info[k]) for k in info if k not in LATER_INFO))


class _Player:
    """Chooses actions per episode: the solver's plan from the episode's start (maybe with noise), or random play
    biased to the right. Deterministic given its seed and the env's states."""

    def __init__(self, seed: int, modes: tuple[str, ...], node_budget: int = 4000) -> None:
        self.rng = np.random.default_rng(seed)
        self.modes = modes
        self.node_budget = node_budget
        self.episode = -1
        self.plan: list[int] = []

    def new_episode(self, env) -> str:
        from envs.platformer.solver import solve

        self.episode += 1
        mode = self.modes[self.episode % len(self.modes)]
        self.mode = mode
        self.plan = []
        if mode.startswith("plan"):
            result = solve(
                env.physics, start=env.state, node_budget=self.node_budget,
                max_steps=max(env.max_steps - env._steps, 1),
            )  # fmt: skip
            self.plan = list(reversed(result.actions))
        return mode

    def act(self) -> int:
        noise = {"plan": 0.0, "plan-noisy": 0.08, "random": 1.0}[self.mode]
        planned = self.plan.pop() if self.plan else int(self.rng.choice([2, 5, 2, 5, 3, 0, 1, 4]))
        if noise and self.rng.random() < noise:
            return int(self.rng.choice([0, 1, 2, 3, 4, 5, 2, 5]))
        return planned


def env_case(
    kwargs: dict, seed: int, steps: int, modes: tuple[str, ...] = ("plan", "plan-noisy", "random"),
    render_every: int = 0, state_every: int = 1,
) -> str:  # fmt: skip
    """``PlatformerEnv(**kwargs)`` played for ``steps`` steps; resets alternate seeded and unseeded."""
    from envs.platformer import PlatformerEnv

    env = PlatformerEnv(**kwargs)
    h = _Hasher()
    player = _Player(seed + 4242, modes)
    obs, info = env.reset(seed=seed)
    h.arr(obs)
    _info(h, info)
    h.obj(player.new_episode(env))
    episodes = 0
    events: dict[str, int] = {}
    for t in range(steps):
        obs, reward, terminated, truncated, info = env.step(player.act())
        h.arr(obs)
        h.arr(np.float64(reward))
        h.obj((terminated, truncated))
        _info(h, info)
        if state_every and t % state_every == 0:
            h.obj(canonical_state(env.state))
        if render_every and t % render_every == 0:
            h.arr(env.render())
        if terminated or truncated:
            episodes += 1
            key = "truncated" if truncated else info["event"]
            events[key] = events.get(key, 0) + 1
            obs, info = env.reset(seed=seed + 1000 * episodes) if episodes % 2 else env.reset()
            h.arr(obs)
            _info(h, info)
            h.obj(canonical_state(env.state))
            h.obj(player.new_episode(env))
    h.obj((episodes, sorted(events.items())))
    env.close()
    return h.hexdigest()


def physics_case(path, seed: int, frames: int) -> str:
    """``PlatformerPhysics.step`` on tuple states, from the start and from standing spots, random actions."""
    from envs.platformer import PlatformerPhysics

    phys = PlatformerPhysics(_load(path))
    h = _Hasher()
    h.obj((phys.start, phys.goal_x, phys.enemy_spawns, phys.cannons, phys.standing_spots))
    rng = np.random.default_rng(seed)
    s = phys.initial_state()
    for _ in range(frames):
        a = int(rng.choice([0, 1, 2, 3, 4, 5, 2, 5, 5]))
        s, coins, event = phys.step(s, a)
        h.obj((canonical_state(s), coins, event))
        if event:
            spots = phys.standing_spots
            start = spots[int(rng.integers(len(spots)))] if spots and rng.random() < 0.5 else None
            s = phys.initial_state(start)
            h.obj(canonical_state(s))
    return h.hexdigest()


def sync_vector_case(
    n: int, kwargs: dict, seed: int, steps: int, partial_every: int = 0, batched: bool = False
) -> str:
    """Gymnasium's ``SyncVectorEnv`` over ``PlatformerEnv`` (NEXT_STEP autoreset): the reference semantics of
    the batched env (row ``i`` seeded ``seed + i``, a new level from the source at every reset). With
    ``batched``, the same run of ``PlatformerVectorEnv``, which must give the same hash."""
    from gymnasium.vector import SyncVectorEnv

    from envs.platformer import PlatformerEnv

    if batched:
        from envs.platformer import PlatformerVectorEnv

        venv = PlatformerVectorEnv(n, **kwargs)
    else:
        venv = SyncVectorEnv([lambda: PlatformerEnv(**kwargs) for _ in range(n)])
    h = _Hasher()
    rng = np.random.default_rng(seed + 777)
    obs, info = venv.reset(seed=seed)
    h.arr(obs)
    h.obj(list(info["level"]))
    ends = 0
    for t in range(steps):
        actions = rng.choice(np.array([0, 1, 2, 3, 4, 5, 2, 5, 5, 2]), size=n)
        obs, rew, term, trunc, info = venv.step(actions)
        for a in (obs, rew, term, trunc, info["coins"], info["x"], info["progress"]):
            h.arr(a)
        h.obj(list(info["level"]))
        done = term | trunc
        ends += int(done.sum())
        if partial_every and t % partial_every == 0 and done.any():
            obs, info = venv.reset(options={"reset_mask": done})
            h.arr(obs)
            h.obj([lv for lv, m in zip(info["level"], info["_level"], strict=True) if m])
    h.obj(ends)
    obs, info = venv.reset(seed=[seed + 3 * i for i in range(n)])
    h.arr(obs)
    for _ in range(60):
        obs, rew, term, trunc, info = venv.step(rng.integers(0, 6, size=n))
        for a in (obs, rew, term, trunc):
            h.arr(a)
    venv.close()
    return h.hexdigest()


def solver_case(path, **kwargs) -> str:
    from envs.platformer.solver import solve

    result = solve(_load(path), **kwargs)
    return _solve_hash([result])


def _solve_hash(results) -> str:
    h = _Hasher()
    for r in results:
        h.obj(r if isinstance(r, str) else (r.completable, r.actions, r.reason, r.nodes))
    return h.hexdigest()


def solver_midstate_case(path, seed: int) -> str:
    """Plans from states in the middle of a run (enemies awake, blocks broken), as the bot replans."""
    from envs.platformer import PlatformerPhysics
    from envs.platformer.solver import solve

    phys = PlatformerPhysics(_load(path))
    rng = np.random.default_rng(seed)
    plan = solve(phys).actions
    results = []
    for leg, frames in enumerate((60, 150, 260, 380)):
        s = phys.initial_state()
        for a in plan[:frames]:  # the plan, with a few other actions mixed in
            a = int(rng.integers(6)) if rng.random() < 0.1 else a
            s2, _, event = phys.step(s, a)
            if event:
                break
            s = s2
        results.append(solve(phys, start=s, node_budget=6000, repeat=(4, 3, 5, 4)[leg], max_steps=2500))
    return _solve_hash(results)


def solver_made_levels_case() -> str:
    """Made-up levels: impossible pits and walls, edge cases of the jump, random noise windows."""
    from envs.level import Level
    from envs.platformer.solver import check_level, solve

    def make(width=40, pits=(), walls=(), tiles=()):
        grid = [["-"] * width for _ in range(14)]
        for c in range(width):
            grid[13][c] = "X"
        for a, b in pits:
            for c in range(a, b):
                grid[13][c] = "-"
        for c, hgt in walls:
            for r in range(13 - hgt, 13):
                grid[r][c] = "X"
        for r, c, ch in tiles:
            grid[r][c] = ch
        return Level(tuple("".join(row) for row in grid), "made")

    results = [
        solve(make(pits=[(15, 22)])),
        solve(make(pits=[(15, 24)]), node_budget=3000),
        solve(make(walls=[(20, 4)])),
        solve(make(walls=[(20, 5)]), node_budget=5000),
        solve(make(pits=[(15, 40)], tiles=[(6, c, "X") for c in range(22, 40)]), node_budget=5000),
        solve(make(width=60, tiles=[(12, 20, "E"), (12, 30, "E"), (12, 40, "B"), (9, 10, "?"), (9, 11, "S"),
                                    (12, 15, "o")])),
        check_level(make(width=50, walls=[(25, 3)], tiles=[(12, 30, "E")]), max_steps=300),
        solve(make(width=50, pits=[(20, 26)]), repeat=2, weight=1.5, node_budget=8000),
    ]
    rng = np.random.default_rng(1)
    for _ in range(5):
        grid = rng.choice(list("-----XXXSS?<oEB"), size=(14, 24))
        grid[12, :2], grid[13, :2] = "-", "X"
        try:
            results.append(solve(Level.from_array(grid, "noise"), node_budget=400))
        except ValueError as exc:  # no start: the refusal's message is pinned too
            results.append(str(exc))
    return _solve_hash(results)


def cases() -> dict[str, Callable[[], str]]:
    """Every golden case by name (a name says what it covers)."""
    out: dict[str, Callable[[], str]] = {}
    for i, name in enumerate(SHIPPED_NAMES):
        out[f"env/vector/{name}"] = lambda name=name, i=i: env_case(
            {"level": _shipped(name), "max_steps": 1200}, 10 + i, 1800
        )
        out[f"physics/{name}"] = lambda name=name, i=i: physics_case(_shipped(name), 50 + i, 1500)
        out[f"solver/{name}"] = lambda name=name: solver_case(_shipped(name))
    out["env/vector/truncation"] = lambda: env_case(
        {"level": _shipped("02_pipes"), "max_steps": 90, "death_penalty": 5.0, "check_playable": False},
        3,
        600,
        modes=("random", "plan"),
    )
    out["env/vector/default-source"] = lambda: env_case({"max_steps": 1500}, 7, 3000)
    out["env/vector/frame-skip4"] = lambda: env_case(
        {"level": _shipped("06_gauntlet"), "frame_skip": 4, "max_steps": 2000, "death_penalty": 10.0}, 8, 900
    )
    out["env/vector/start-anywhere"] = lambda: env_case(
        {"level": _shipped("04_cannons"), "start_anywhere": 0.7, "max_steps": 800}, 9, 2000
    )
    out["env/vector/start-anywhere-frame-skip3-default-source"] = lambda: env_case(
        {"start_anywhere": 0.5, "frame_skip": 3, "max_steps": 1500, "death_penalty": 0.0}, 11, 1500
    )
    out["env/pixels/04_cannons"] = lambda: env_case(
        {"obs_type": "pixels", "level": _shipped("04_cannons"), "max_steps": 1000}, 12, 1200
    )
    out["env/pixels/default-source-frame-skip2"] = lambda: env_case(
        {"obs_type": "pixels", "frame_skip": 2, "start_anywhere": 0.3, "max_steps": 900}, 13, 700
    )
    out["env/rgb_array/06_gauntlet"] = lambda: env_case(
        {"render_mode": "rgb_array", "level": _shipped("06_gauntlet"), "max_steps": 900}, 14, 700,
        render_every=9,
    )  # fmt: skip
    out["env/rgb_array/03_bridges-pixels"] = lambda: env_case(
        {"render_mode": "rgb_array", "obs_type": "pixels", "level": _shipped("03_bridges"), "max_steps": 700},
        15, 400, render_every=13,
    )  # fmt: skip
    corpus_kwargs = {"level": "corpus", "check_playable": False, "start_anywhere": 0.5, "frame_skip": 4,
                     "max_steps": 3000}  # fmt: skip
    out["env/vector/corpus-training-config"] = lambda: _needs_corpus(
        lambda: env_case(corpus_kwargs, 16, 2500, modes=("random", "plan-noisy", "random", "plan"))
    )
    out["env/pixels/corpus"] = lambda: _needs_corpus(
        lambda: env_case({"obs_type": "pixels", "level": "corpus", "check_playable": False, "max_steps": 1500},
                         17, 1500)
    )
    for name in ("mario-1-1", "mario-4-1", "mario-5-1", "mario-6-1", "mario-8-1"):
        out[f"solver/corpus/{name}"] = lambda name=name: _needs_corpus(lambda: solver_case(_corpus(name)))
    out["solver/corpus/mario-1-2-small-budget"] = lambda: _needs_corpus(
        lambda: solver_case(_corpus("mario-1-2"), node_budget=3000)
    )
    out["physics/corpus/mario-1-2"] = lambda: _needs_corpus(lambda: physics_case(_corpus("mario-1-2"), 60, 3000))
    out["physics/corpus/mario-5-1"] = lambda: _needs_corpus(lambda: physics_case(_corpus("mario-5-1"), 61, 3000))
    out["solver/midstate/04_cannons"] = lambda: solver_midstate_case(_shipped("04_cannons"), 70)
    out["solver/midstate/06_gauntlet"] = lambda: solver_midstate_case(_shipped("06_gauntlet"), 71)
    out["solver/made-levels"] = solver_made_levels_case
    for name, fn in sync_vector_cases().items():
        out[name] = fn
    return out


def sync_vector_cases(batched: bool = False) -> dict[str, Callable[[], str]]:
    """The ``SyncVectorEnv`` cases; with ``batched`` the same runs of ``PlatformerVectorEnv`` (same hashes)."""
    corpus_kwargs = {"level": "corpus", "check_playable": False, "start_anywhere": 0.5, "frame_skip": 4,
                     "max_steps": 3000}  # fmt: skip
    return {
        "sync-vector/n5/default-source": lambda: sync_vector_case(
            5, {"max_steps": 400, "check_playable": False}, 100, 900, batched=batched
        ),
        "sync-vector/n7/frame-skip4-start-anywhere-partial": lambda: sync_vector_case(
            7, {"frame_skip": 4, "start_anywhere": 0.5, "max_steps": 800, "death_penalty": 3.0,
                "check_playable": False}, 200, 500, partial_every=2, batched=batched,
        ),
        "sync-vector/n4/corpus": lambda: _needs_corpus(
            lambda: sync_vector_case(4, corpus_kwargs, 300, 600, partial_every=3, batched=batched)
        ),
    }


def _needs_corpus(fn: Callable[[], str]) -> str:
    from envs.data import vglc_dir

    if not vglc_dir(CORPUS_GAME).is_dir():
        raise CorpusMissing(str(vglc_dir(CORPUS_GAME)))
    return fn()


def main() -> None:
    golden_main(__doc__, cases, GOLDEN_PATH)


if __name__ == "__main__":
    main()
