"""The difficulty ladder: Bradley-Terry ratings, seeded round robins, level races and ``arcadelab ladder``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from arcadelab.cli import app
from envs.spec import game_names, get_spec
from training.ladder import (
    ANCHOR,
    Opponent,
    _winner,
    bradley_terry,
    ladder_opponents,
    level_score,
    play_level_match,
    player_elo_update,
    read_ladder,
    run_ladder,
    write_ladder,
)


def _by_name(ratings):
    return {r.name: r for r in ratings}


# ---------------------------------------------------------------------------------------------- ratings


def test_a_90_percent_winner_is_about_380_elo_above():
    games = [("A", "B", 1.0)] * 90 + [("A", "B", 0.0)] * 10
    r = _by_name(bradley_terry(["A", "B"], games, anchor="B", prior_draws=0.0))
    assert r["A"].elo - r["B"].elo == pytest.approx(400 * math.log10(9), abs=1.0)  # 381.7
    assert (r["A"].wins, r["A"].draws, r["A"].losses) == (90, 0, 10)
    assert (r["B"].wins, r["B"].losses) == (10, 90)
    # 95% interval of a log-odds estimate from 100 games: 1.96 * sqrt(1 / (100 * 0.9 * 0.1)) nats
    assert r["A"].elo_pm == pytest.approx(1.96 * 400 / math.log(10) / math.sqrt(9), rel=0.02)


def test_known_strengths_are_recovered_from_simulated_games():
    true = {"random": 1000.0, "B": 1200.0, "C": 1500.0, "D": 1650.0}
    names = list(true)
    rng = np.random.default_rng(3)
    games = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            p = 1.0 / (1.0 + 10 ** ((true[b] - true[a]) / 400))
            games += [(a, b, float(s)) for s in rng.random(600) < p]
    r = _by_name(bradley_terry(names, games, prior_draws=0.0))
    for name, elo in true.items():
        assert r[name].elo == pytest.approx(elo, abs=max(3 * r[name].elo_pm / 1.96, 1e-9)), name
        assert r[name].elo == pytest.approx(elo, abs=60), name


def test_the_anchor_sits_at_1000_whoever_else_plays():
    games = [("x", "random", 1.0), ("x", "random", 0.0), ("x", "random", 1.0), ("y", "x", 1.0), ("y", "random", 0.5)]
    r = _by_name(bradley_terry(["x", "y", ANCHOR], games))
    assert r[ANCHOR].elo == 1000.0 and r[ANCHOR].elo_pm == 0.0
    assert r["y"].elo > r["x"].elo > 1000.0
    shifted = _by_name(bradley_terry(["x", "y", ANCHOR], games, anchor="x", anchor_elo=1500.0))
    assert shifted["x"].elo == 1500.0
    assert shifted["y"].elo - shifted["x"].elo == pytest.approx(r["y"].elo - r["x"].elo, abs=1e-3)
    with pytest.raises(ValueError, match="anchor"):
        bradley_terry(["x", "y"], [("x", "y", 1.0)])


def test_a_draw_counts_half_a_win_each():
    draws = _by_name(bradley_terry(["A", "B"], [("A", "B", 0.5)] * 4, anchor="B", prior_draws=0.0))
    split = _by_name(bradley_terry(["A", "B"], [("A", "B", 1.0), ("A", "B", 0.0)] * 2, anchor="B", prior_draws=0.0))
    assert draws["A"].elo == pytest.approx(1000.0, abs=0.01) and split["A"].elo == pytest.approx(1000.0, abs=0.01)
    assert (draws["A"].wins, draws["A"].draws, draws["A"].losses) == (0, 4, 0)
    # 1.5 points of 2 and 3 points of 4 are the same 3:1 odds
    half = _by_name(bradley_terry(["A", "B"], [("A", "B", 1.0), ("A", "B", 0.5)], anchor="B", prior_draws=0.0))
    whole = _by_name(bradley_terry(["A", "B"], [("A", "B", 1.0)] * 3 + [("A", "B", 0.0)], anchor="B", prior_draws=0.0))
    assert half["A"].elo == pytest.approx(whole["A"].elo, abs=0.5)
    assert half["A"].elo == pytest.approx(1000 + 400 * math.log10(3), abs=0.5)


def test_a_clean_sweep_gets_a_finite_gap_from_the_prior_draws():
    r = _by_name(bradley_terry(["A", "random"], [("A", "random", 1.0)] * 10))
    assert r["A"].elo == pytest.approx(1000 + 400 * math.log10(10.5 / 0.5), abs=1.0)
    assert math.isfinite(r["A"].elo_pm)


def test_the_player_rating_moves_by_self_plays_elo_rule():
    from training.selfplay import elo_update

    table = {"random": 1000.0, "pong-tracker@1": 1600.0}
    assert player_elo_update(1600.0, "pong-tracker@1", 1.0, table, k=32) == pytest.approx(1616.0)
    assert player_elo_update(1200.0, "random", 0.0, table, k=16) == elo_update(1200.0, 1000.0, 0.0, 16)
    with pytest.raises(KeyError, match="not on the ladder"):
        player_elo_update(1200.0, "nobody", 1.0, table)


# ------------------------------------------------------------------------------------------- opponents


@pytest.mark.parametrize("game", game_names())
def test_every_game_has_at_least_three_opponents_with_random(game, tmp_path):
    opponents = ladder_opponents(game, models_root=tmp_path)  # no models/<game>/: only bots
    names = [o.name for o in opponents]
    assert len(names) >= 3 and len(set(names)) == len(names) and ANCHOR in names
    assert all(o.kind == "bot" for o in opponents)


def test_pong_bots_are_the_tracker_at_its_skills():
    names = [o.name for o in ladder_opponents("pong", models_root=None)]
    assert names == ["pong-tracker@0.3", "pong-tracker@0.7", "pong-tracker@1", "random"]


def _fake_model(folder, name, env_id):
    """A model file whose sidecar names its env: enough for the game check, which reads metadata only."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.zip").write_bytes(b"not read")
    (folder / f"{name}.json").write_text(json.dumps({"env_id": env_id}))
    return folder / f"{name}.zip"


def test_shipped_and_added_models_join_and_another_games_model_is_refused(tmp_path):
    from agents.loading import AgentLoadError

    _fake_model(tmp_path / "models" / "pong", "champ", "ArcadeLab/Pong-v0")
    extra = _fake_model(tmp_path / "elsewhere", "champ", "ArcadeLab/Pong-v0")
    opponents = ladder_opponents("pong", add=[extra], models_root=tmp_path / "models")
    models = [o for o in opponents if o.kind == "model"]
    assert [o.name for o in models] == ["champ", "champ#2"]
    snake_model = _fake_model(tmp_path / "snake", "s", "ArcadeLab/Snake-v0")
    with pytest.raises(AgentLoadError, match="plays snake"):
        ladder_opponents("pong", add=[snake_model], models_root=None)
    with pytest.raises(AgentLoadError, match="no such"):
        ladder_opponents("pong", add=[tmp_path / "missing.zip"], models_root=None)


# --------------------------------------------------------------------------------------------- matches


def _bots(*names_and_skills):
    return [Opponent(n if s is None else f"{n}@{s:g}", n, "bot", s) for n, s in names_and_skills]


def test_a_tiny_pong_ladder_rates_the_best_tracker_above_random_and_repeats_exactly():
    roster = _bots(("pong-tracker", 1.0), ("pong-tracker", 0.3), ("random", None))
    first = run_ladder("pong", 4, seed=5, opponents=roster)
    again = run_ladder("pong", 4, seed=5, opponents=roster)
    assert first.to_dict() == again.to_dict()
    r = _by_name(first.ratings)
    assert first.ratings[0].name == "pong-tracker@1"
    assert r["pong-tracker@1"].elo > r["pong-tracker@0.3"].elo > r["random"].elo == 1000.0
    assert all(x.games == 8 for x in first.ratings)
    # seats alternate: the same pair's games do not all start on the same side with the same seed
    pair = [g for g in first.games if {g.a, g.b} == {"pong-tracker@1", "random"}]
    assert [g.seed for g in pair] == [5, 6, 7, 8]


def test_winner_follows_the_contract_then_points():
    assert _winner({"left": {"winner": "right"}, "right": {"winner": "right"}}, True) == "right"
    cut = {"left": {"winner": None, "score": (1, 0)}, "right": {"winner": None, "score": (0, 1)}}
    assert _winner(cut, False) == "left"
    level = {"left": {"winner": None, "score": (1, 1)}, "right": {"winner": None, "score": (1, 1)}}
    assert _winner(level, False) is None
    from envs.snake.versus import versus_winner  # what SnakeVersus' views report as ``winner``

    assert (versus_winner(True, False), versus_winner(False, True), versus_winner(True, True)) == (
        "snake_1", "snake_0", None)  # fmt: skip
    snake = {a: {"winner": versus_winner(True, False), "score": 0} for a in ("snake_0", "snake_1")}
    assert _winner(snake, True) == "snake_1"


def test_level_races_are_decided_by_finishing_then_steps_then_progress():
    assert level_score((True, 500, 1.0), (False, 100, 0.9)) == 1.0
    assert level_score((False, 100, 0.9), (True, 500, 1.0)) == 0.0
    assert level_score((True, 300, 1.0), (True, 400, 1.0)) == 1.0
    assert level_score((True, 400, 1.0), (True, 400, 1.0)) == 0.5
    assert level_score((False, 50, 0.2), (False, 900, 0.4)) == 0.0
    assert level_score((False, 50, 0.4), (False, 900, 0.4)) == 0.5


def test_a_dungeon_race_goes_to_the_solver_and_the_solver_draws_itself():
    spec = get_spec("dungeon")
    solver, rand = _bots(("dungeon-solver", None), ("random", None))
    kwargs = {"max_steps": 400}
    results = play_level_match(spec, solver, rand, 2, seed=0, env_kwargs=kwargs)
    assert [g.score_a for g in results] == [1.0, 1.0]
    assert all(g.steps[0] < 400 for g in results)  # the solver finished
    mirror = play_level_match(spec, solver, Opponent("solver-too", "dungeon-solver", "bot"), 2, 0, kwargs)
    assert [g.score_a for g in mirror] == [0.5, 0.5]
    assert all(g.steps[0] == g.steps[1] for g in mirror)


def test_the_ladder_file_is_json_the_app_can_read(tmp_path):
    roster = _bots(("snake-greedy", None), ("snake-greedy", 0.5), ("random", None))
    result = run_ladder("snake", 2, seed=0, opponents=roster)
    path = write_ladder(result, tmp_path / "deep" / "snake.json")
    data = json.loads(path.read_text())
    assert data["game"] == "snake" and data["anchor"] == "random" and len(data["games"]) == 6
    assert [o["rank"] for o in data["opponents"]] == [1, 2, 3]
    assert {o["name"]: o["skill"] for o in data["opponents"]}["snake-greedy@0.5"] == 0.5
    assert read_ladder(path) == {r.name: r.elo for r in result.ratings}
    assert not list(path.parent.glob(".*.tmp"))


# ------------------------------------------------------------------------------------------------- CLI


def test_cli_prints_the_table_and_writes_the_file(tmp_path):
    out = tmp_path / "snake.json"
    result = CliRunner().invoke(app, ["ladder", "snake", "--games-per-pair", "2", "--out", str(out)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "random" in result.output and "1000 ± 0" in result.output and "random = 1000" in result.output
    assert read_ladder(out)["random"] == 1000.0


def test_cli_unknown_game_and_foreign_model_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["ladder", "chess"])
    assert result.exit_code == 2
    assert "unknown game 'chess'" in result.output and "pong" in result.output
    model = _fake_model(tmp_path, "s", "ArcadeLab/Snake-v0")
    result = CliRunner().invoke(app, ["ladder", "pong", "--add", str(model), "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "plays snake" in result.output
    assert not (tmp_path / "x.json").exists()


def _model_run(tmp_path, env_id, env_kwargs=None):
    """A run folder with an untrained PPO model, as ``arcadelab train`` leaves it (fast to build)."""
    import gymnasium as gym
    from stable_baselines3 import PPO

    from training.checkpoints import save_model
    from training.config import dump_config, parse_config

    config = parse_config({"env_id": env_id, "env_kwargs": env_kwargs or {}, "algo": "ppo", "n_envs": 1})
    run_dir = tmp_path / env_id.split("/")[-1]
    run_dir.mkdir()
    dump_config(config, run_dir / "config.yaml")
    model = PPO("MlpPolicy", gym.make(env_id, **(env_kwargs or {})), seed=3, device="cpu",
                policy_kwargs={"net_arch": [8]})
    save_model(model, run_dir / "final_model.zip", {"algo": "ppo", "env_id": env_id})
    return run_dir


def test_an_added_model_is_rated_and_one_for_other_observations_is_refused(tmp_path):
    from agents.loading import AgentLoadError

    run_dir = _model_run(tmp_path, "ArcadeLab/Pong-v0")
    roster = [*_bots(("pong-tracker", 1.0), ("random", None)), Opponent("mine", str(run_dir), "model")]
    result = run_ladder("pong", 2, seed=0, opponents=roster)
    assert {r.name for r in result.ratings} == {"pong-tracker@1", "random", "mine"}
    assert _by_name(result.ratings)["mine"].games == 4
    single = _model_run(tmp_path, "ArcadeLab/Snake-v0", {"size": 12})  # the one-snake env: other planes
    with pytest.raises(AgentLoadError, match="observations of shape"):
        run_ladder("snake", 1, opponents=[*_bots(("random", None)), Opponent("solo", str(single), "model")])
