"""``arcadelab evaluate`` / ``record`` and ``load_agent``: deterministic numbers, clear errors, legal actions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from typer.testing import CliRunner

from agents.loading import BOTS, AgentLoadError, load_agent
from arcadelab.cli import app
from training.checkpoints import save_model
from training.config import dump_config, parse_config

ENV_ID = "ArcadeLab/Pong-v0"
ENV_KWARGS = {"points_to_win": 1, "max_steps": 400}


def _run_folder(tmp_path: Path, env_id: str = ENV_ID, env_kwargs: dict | None = None) -> Path:
    """A run folder as ``arcadelab train`` leaves it, with an (untrained) PPO model: fast to build."""
    from stable_baselines3 import PPO

    env_kwargs = ENV_KWARGS if env_kwargs is None else env_kwargs
    config = parse_config({"env_id": env_id, "env_kwargs": env_kwargs, "algo": "ppo", "n_envs": 1})
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    dump_config(config, run_dir / "config.yaml")
    model = PPO(
        "MlpPolicy", gym.make(env_id, **env_kwargs), seed=3, device="cpu", policy_kwargs={"net_arch": [8]}
    )
    save_model(model, run_dir / "final_model.zip", {"algo": "ppo", "env_id": env_id})
    return run_dir


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_evaluate_is_deterministic(tmp_path):
    run_dir = _run_folder(tmp_path)
    first = _invoke("evaluate", str(run_dir), "--episodes", "3", "--json")
    second = _invoke("evaluate", str(run_dir / "final_model.zip"), "--episodes", "3", "--json")
    assert first.exit_code == 0, first.output
    a, b = json.loads(first.output), json.loads(second.output)
    assert a["returns"] == b["returns"] and a["seeds"] == b["seeds"] == [10_000, 10_001, 10_002]
    assert a["mean_return"] == pytest.approx(np.mean(a["returns"]))
    assert a["std_return"] == pytest.approx(np.std(a["returns"]))
    assert 0.0 <= a["win_rate"] <= 1.0 and a["env_id"] == ENV_ID
    assert 0.0 <= a["point_win_rate"] <= 1.0  # Pong is scored in points
    human = _invoke("evaluate", str(run_dir), "--episodes", "3")
    assert human.exit_code == 0 and "win rate" in human.output


def test_unknown_agent_name_lists_the_known_bots():
    result = _invoke("evaluate", "pong-grandmaster")
    assert result.exit_code == 2 and "pong-tracker" in result.output and "Traceback" not in result.output
    with pytest.raises(AgentLoadError, match="snake-greedy"):
        load_agent("pong-grandmaster")


def test_random_bot_acts_in_the_env():
    agent = load_agent("random", env_id=ENV_ID, seed=0)
    env = gym.make(ENV_ID)
    obs, info = env.reset(seed=0)
    assert env.action_space.contains(agent.act(obs, info))


def test_bot_by_name_is_evaluated_deterministically():
    results = [_invoke("evaluate", "pong-tracker", "--episodes", "2", "--json") for _ in range(2)]
    assert results[0].exit_code == 0, results[0].output
    assert json.loads(results[0].output)["returns"] == json.loads(results[1].output)["returns"]


def test_unmasked_model_still_takes_legal_actions_when_info_has_a_mask(tmp_path):
    run_dir = _run_folder(tmp_path, "ArcadeLab/Snake-v0", {"size": 6})
    agent = load_agent(run_dir)
    env = gym.make("ArcadeLab/Snake-v0", size=6)
    obs, info = env.reset(seed=0)
    for _ in range(30):
        action = agent.act(obs, info)
        assert info["action_mask"][action]
        obs, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            obs, info = env.reset()


def test_record_gif_and_mp4(tmp_path, monkeypatch):
    run_dir = _run_folder(tmp_path)
    gif = tmp_path / "episode.gif"
    result = _invoke("record", str(run_dir), "--out", str(gif), "--max-frames", "30")
    assert result.exit_code == 0, result.output
    assert gif.read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    from PIL import Image

    with Image.open(gif) as image:
        assert image.n_frames > 1
    mp4 = tmp_path / "episode.mp4"
    result = _invoke("record", str(run_dir), "--out", str(mp4), "--max-frames", "10")
    assert result.exit_code == 0, result.output
    assert mp4.read_bytes()[4:8] == b"ftyp"
    import imageio.v2 as imageio

    with imageio.get_reader(mp4) as reader:
        assert sum(1 for _ in reader) == 10
    # a trimmed install without imageio: a clear message naming what to install, no traceback
    monkeypatch.setitem(sys.modules, "imageio", None)
    monkeypatch.setitem(sys.modules, "imageio.v2", None)
    missing = _invoke("record", str(run_dir), "--out", str(tmp_path / "again.mp4"), "--max-frames", "10")
    assert missing.exit_code == 2 and "imageio" in missing.output and "Traceback" not in missing.output
    bad = _invoke("record", str(run_dir), "--out", str(tmp_path / "episode.avi"))
    assert bad.exit_code == 2 and ".gif" in bad.output


def test_known_bot_names():
    assert {"pong-tracker", "snake-greedy", "platformer-solver", "dungeon-solver", "random"} <= set(BOTS)


def test_evaluation_uses_the_configs_eval_env_kwargs(tmp_path):
    """A training-only env option (``eval.env_kwargs`` overrides it) is off when a run is evaluated."""
    from training.config import load_config
    from training.evaluate import resolve_target

    run_dir = _run_folder(tmp_path)
    config_file = run_dir / "config.yaml"
    config = load_config(config_file)
    data = config.model_dump(mode="json")
    data["eval"]["env_kwargs"] = {"max_steps": 50}
    dump_config(parse_config(data), config_file)
    target = resolve_target(str(run_dir))
    assert target.env_kwargs == ENV_KWARGS | {"max_steps": 50}
    result = _invoke("evaluate", str(run_dir), "--episodes", "2", "--json")
    assert result.exit_code == 0, result.output
    assert all(length <= 50 for length in json.loads(result.output)["lengths"])


def test_a_sampling_agent_replays_under_a_seed_and_keeps_to_legal_actions(tmp_path):
    """``eval.deterministic: false`` is saved with the model: the loaded agent samples, reproducibly per seed."""
    from agents.sb3_agent import SB3Agent

    run_dir = _run_folder(tmp_path)
    sidecar = run_dir / "final_model.json"
    meta = json.loads(sidecar.read_text())
    assert meta.get("deterministic", True) is True
    sidecar.write_text(json.dumps(meta | {"deterministic": False}))
    agent = load_agent(run_dir / "final_model.zip")
    assert isinstance(agent, SB3Agent) and agent.deterministic is False
    obs = gym.make(ENV_ID, **ENV_KWARGS).reset(seed=0)[0]

    def draws(seed: int, info: dict | None = None) -> list[int]:
        agent.seed(seed)
        return [agent.act(obs, info) for _ in range(60)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2) and len(set(draws(1))) > 1, "an untrained policy spreads its draws"
    assert set(draws(3, {"action_mask": np.array([True, False, True])})) == {0, 2}
    agent.deterministic = True
    assert len(set(draws(4))) == 1
    first = _invoke("evaluate", str(run_dir), "--episodes", "2", "--json")
    second = _invoke("evaluate", str(run_dir), "--episodes", "2", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["returns"] == json.loads(second.output)["returns"]


def test_training_saves_the_action_mode_with_the_model(tmp_path):
    from training.sb3_backend import _metadata

    config = parse_config({"env_id": ENV_ID, "algo": "ppo", "eval": {"deterministic": False}})
    assert _metadata(config)["deterministic"] is False
    assert _metadata(parse_config({"env_id": ENV_ID, "algo": "ppo"}))["deterministic"] is True


def test_record_renders_off_screen_without_display_or_sdl_settings(tmp_path):
    """Commands that never open a window pick SDL's dummy drivers themselves: no probing for a display or a
    sound server (SDL printed ``error: XDG_RUNTIME_DIR is invalid`` during ``arcadelab demo`` before)."""
    import os
    import subprocess

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SDL_") and k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR")
    }
    out = tmp_path / "bot.gif"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "arcadelab",
            "record",
            "pong-tracker",
            "--env",
            ENV_ID,
            "--out",
            str(out),
            "--max-frames",
            "20",
        ],
        env=env | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.stat().st_size > 0
    assert "error" not in (result.stdout + result.stderr).lower()


def test_repeat_action_holds_each_decision_for_its_frames():
    from agents.base import RepeatAction

    class Counting:
        name = "counting"
        deterministic = True

        def __init__(self):
            self.calls, self.resets = 0, 0

        def act(self, obs, info=None):
            self.calls += 1
            return self.calls % 2  # 1, 0, 1, ...

        def reset(self):
            self.resets += 1

    inner = Counting()
    agent = RepeatAction(inner, 3)
    assert [agent.act(None, {}) for _ in range(7)] == [1, 1, 1, 0, 0, 0, 1] and inner.calls == 3
    agent.reset()  # a new episode decides at once
    assert agent.act(None, {}) == 0 and inner.calls == 4 and inner.resets == 1
    # the held action 0 becomes illegal: decided again now, not two frames later
    assert agent.act(None, {"action_mask": np.array([False, True])}) == 1 and inner.calls == 5
    agent.deterministic = False  # settings reach the policy
    assert inner.deterministic is False and agent.name == "counting"
    with pytest.raises(ValueError, match="frames"):
        RepeatAction(inner, 0)


def test_a_frame_skip_policy_holds_its_actions_where_the_game_runs_frame_by_frame(tmp_path):
    """A model trained on ``frame_skip: 3`` decides every third frame wherever it plays: its run's env already
    skips; a bare model file (no config beside it) and the pygame app step single frames, so it holds actions."""
    import shutil

    from agents.base import RepeatAction
    from agents.sb3_agent import SB3Agent
    from games.matches import make_agent
    from training.config import load_config
    from training.evaluate import resolve_target

    env_id = "ArcadeLab/Platformer-v0"
    run_dir = _run_folder(tmp_path, env_id, {"frame_skip": 3, "max_steps": 60})
    sidecar = run_dir / "final_model.json"
    meta = json.loads(sidecar.read_text())
    config = load_config(run_dir / "config.yaml").model_dump(mode="json")
    config["policy_kwargs"]["net_arch"] = [8]  # as _run_folder built the model
    sidecar.write_text(json.dumps(meta | {"config": config}))

    agent = load_agent(run_dir / "final_model.zip")
    assert isinstance(agent, SB3Agent) and agent.frame_skip == 3
    assert isinstance(resolve_target(str(run_dir)).agent, SB3Agent)  # the run's env skips frames itself

    bare = tmp_path / "elsewhere"
    bare.mkdir()
    for f in run_dir.glob("final_model.*"):
        shutil.copy(f, bare / f.name)
    target = resolve_target(str(bare / "final_model.zip"), env_id=env_id)
    assert target.env_kwargs == {} and isinstance(target.agent, RepeatAction) and target.agent.frames == 3
    in_app = make_agent(str(bare / "final_model.zip"), "platformer", seed=0)
    assert isinstance(in_app, RepeatAction) and in_app.frames == 3
    result = _invoke("evaluate", str(bare / "final_model.zip"), "--env", env_id, "--episodes", "1", "--json")
    assert result.exit_code == 0, result.output
