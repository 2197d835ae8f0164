"""SB3 training through the real CLI with tiny budgets: files, TensorBoard tags, loadable models; the VecEnv adapter."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import yaml
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from stable_baselines3.common.vec_env import DummyVecEnv
from typer.testing import CliRunner

from agents.loading import load_agent
from arcadelab.cli import app
from training.vec_env import GymnasiumVectorEnvAdapter


def _tags(run_dir: Path) -> dict[str, list[str]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tags: dict[str, list[str]] = {"scalars": [], "images": []}
    for events_dir in {p.parent for p in (run_dir / "tensorboard").rglob("events.out.tfevents.*")}:
        acc = EventAccumulator(str(events_dir), size_guidance={"images": 0, "scalars": 0})
        acc.Reload()
        for kind in tags:
            tags[kind] += acc.Tags()[kind]
    return tags


def _train(tmp_path: Path, config: dict, *args: str):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(config))
    run_dir = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", str(cfg), "--run-dir", str(run_dir), "--no-progress", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return run_dir


def _load_without_unpickling(path: Path):
    """``load_agent`` with cloudpickle disabled: an ArcadeLab zip loads from data only."""
    from stable_baselines3.common import save_util

    def refuse(*args, **kwargs):
        raise AssertionError(f"cloudpickle.loads called while loading {path}")

    original = save_util.cloudpickle.loads
    save_util.cloudpickle.loads = refuse
    try:
        return load_agent(path)
    finally:
        save_util.cloudpickle.loads = original


# ------------------------------------------------------------------------------------------- VecEnv adapter


def _cartpole_vector(mode: AutoresetMode) -> SyncVectorEnv:
    return SyncVectorEnv(
        [lambda: gym.make("CartPole-v1", max_episode_steps=30) for _ in range(3)], autoreset_mode=mode
    )


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_adapter_matches_dummy_vec_env(mode):
    """Same seeds and actions: the adapter over a gymnasium VectorEnv == SB3's DummyVecEnv, step for step."""
    adapter = GymnasiumVectorEnvAdapter(_cartpole_vector(mode))
    dummy = DummyVecEnv([lambda: gym.make("CartPole-v1", max_episode_steps=30) for _ in range(3)])
    adapter.seed(5)
    dummy.seed(5)
    np.testing.assert_array_equal(adapter.reset(), dummy.reset())
    rng = np.random.default_rng(0)
    ends = 0
    for _ in range(120):
        actions = rng.integers(2, size=3)
        o1, r1, d1, i1 = adapter.step(actions)
        o2, r2, d2, i2 = dummy.step(actions)
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_array_equal(r1, r2)
        np.testing.assert_array_equal(d1, d2)
        for a, b in zip(i1, i2, strict=True):
            if "terminal_observation" in b:
                ends += 1
                np.testing.assert_array_equal(a["terminal_observation"], b["terminal_observation"])
                assert a["TimeLimit.truncated"] == b["TimeLimit.truncated"]
                assert a["episode"]["l"] > 0
    assert ends > 3


def test_adapter_over_batched_pong_reports_episodes_and_truncation():
    vec = gym.make_vec("ArcadeLab/Pong-v0", num_envs=4, vectorization_mode="vector_entry_point", max_steps=25)
    adapter = GymnasiumVectorEnvAdapter(vec)
    adapter.seed(1)
    obs = adapter.reset()
    assert obs.shape == (4, *adapter.observation_space.shape)
    lengths = []
    for _ in range(80):
        obs, _, _, infos = adapter.step(np.ones(4, dtype=np.int64))
        for info in infos:
            if "episode" in info:
                lengths.append(info["episode"]["l"])
                assert info["terminal_observation"].shape == adapter.observation_space.shape
                assert info["TimeLimit.truncated"] or "winner" in info
    # Truncated after exactly max_steps env steps: the reset step of NEXT_STEP autoreset is not counted.
    assert lengths and set(lengths) <= set(range(1, 26)) and 25 in lengths
    assert len(adapter.env_method("action_masks") if adapter.has_attr("action_masks") else [0] * 4) == 4


# ------------------------------------------------------------------------------------------ smoke training

PONG_TINY = {
    "env_id": "ArcadeLab/Pong-v0",
    "env_kwargs": {"points_to_win": 1, "max_steps": 300},
    "n_envs": 8,
    "algo": "ppo",
    "total_steps": 4096,
    "hyperparams": {"n_steps": 64, "batch_size": 256, "n_epochs": 2},
    "policy_kwargs": {"net_arch": [32, 32], "activation_fn": "tanh"},
    "checkpoint": {"every_steps": 1024, "keep_last": 2},
    "eval": {
        "every_steps": 2048,
        "episodes": 2,
        "video_every": 1,
        "video_max_frames": 20,
        "max_episode_steps": 300,
    },
}
CARTPOLE_TINY = PONG_TINY | {"env_id": "CartPole-v1", "env_kwargs": {}, "n_envs": 4, "vec_env": "dummy"}


def test_smoke_train_ppo_writes_run_folder_tags_and_a_loadable_model(tmp_path):
    config = PONG_TINY
    run_dir = _train(tmp_path, config)
    for name in ("config.yaml", "command.txt", "final_model.zip", "final_model.json", "best_model.zip"):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "command.txt").read_text().startswith(f"arcadelab train {tmp_path / 'cfg.yaml'} ")
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert saved["env_id"] == config["env_id"] and saved["total_steps"] == 4096
    checkpoints = sorted((run_dir / "checkpoints").glob("ckpt_*.zip"))
    assert 1 <= len(checkpoints) <= 2  # keep_last
    meta = json.loads(checkpoints[-1].with_suffix(".json").read_text())
    assert meta["num_timesteps"] >= 4096 and meta["algo"] == "ppo" and len(meta["config_hash"]) == 16
    assert not list(run_dir.rglob("*.tmp"))

    tags = _tags(run_dir)
    for tag in (
        "rollout/ep_rew_mean",
        "rollout/ep_len_mean",
        "time/fps",
        "eval/mean_reward",
        "eval/win_rate",
        "train/value_loss",
        "train/policy_gradient_loss",
    ):
        assert tag in tags["scalars"], tag
    assert "eval/video" in tags["images"]

    agent = _load_without_unpickling(run_dir / "best_model.zip")
    env = gym.make(config["env_id"], **config["env_kwargs"])
    obs, info = env.reset(seed=0)
    for _ in range(5):
        action = agent.act(obs, info)
        assert env.action_space.contains(action)
        obs, *_, info = env.step(action)
    assert load_agent(run_dir).name.endswith("best_model.zip")  # a run folder stands for its best model


def test_smoke_train_maskable_ppo_on_batched_snake(tmp_path):
    config = {
        "env_id": "ArcadeLab/Snake-v0",
        "env_kwargs": {"size": 6},
        "n_envs": 8,
        "algo": "maskable_ppo",
        "total_steps": 1024,
        "hyperparams": {"n_steps": 64, "batch_size": 256, "n_epochs": 1},
        "policy_kwargs": {"net_arch": [32]},
        "checkpoint": {"every_steps": 512},
        "eval": {"every_steps": 512, "episodes": 1, "video_every": 0, "max_episode_steps": 200},
    }
    run_dir = _train(tmp_path, config)
    agent = _load_without_unpickling(run_dir / "final_model.zip")
    env = gym.make("ArcadeLab/Snake-v0", size=6)
    obs, info = env.reset(seed=3)
    for _ in range(20):
        action = agent.act(obs, info)
        assert info["action_mask"][action], "masked agent picked an illegal action"
        obs, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            obs, info = env.reset()


def test_smoke_train_dqn_checkpoints_its_replay_buffer_and_normalization(tmp_path):
    config = CARTPOLE_TINY | {
        "algo": "dqn",
        "n_envs": 2,
        "total_steps": 600,
        "hyperparams": {"learning_starts": 100, "buffer_size": 2000, "train_freq": 4},
        "policy_kwargs": {"net_arch": [16]},
        "normalize": {"norm_reward": False},
        "checkpoint": {"every_steps": 300},
        "eval": {"every_steps": 300, "episodes": 1, "video_every": 0},
    }
    run_dir = _train(tmp_path, config)
    meta = json.loads(max((run_dir / "checkpoints").glob("ckpt_*.json")).read_text())
    assert set(meta["files"]) == {"model", "vecnormalize", "replay_buffer"}
    agent = _load_without_unpickling(run_dir / "final_model.zip")
    assert agent.obs_stats is not None  # VecNormalize statistics travel with the model
    assert agent.act(np.zeros(4, dtype=np.float32), {}) in (0, 1)


def test_smoke_train_cnn_policy_on_pixels(tmp_path):
    config = PONG_TINY | {
        "env_kwargs": {"points_to_win": 1, "max_steps": 100, "obs_type": "pixels"},
        "policy": "CnnPolicy",
        "n_envs": 2,
        "total_steps": 128,
        "hyperparams": {"n_steps": 64, "batch_size": 64, "n_epochs": 1},
        "policy_kwargs": {},
        "checkpoint": {"every_steps": 128},
        "eval": {"every_steps": 128, "episodes": 1, "video_every": 0, "max_episode_steps": 100},
    }
    run_dir = _train(tmp_path, config)
    agent = _load_without_unpickling(run_dir / "final_model.zip")
    env = gym.make("ArcadeLab/Pong-v0", obs_type="pixels")
    obs, info = env.reset(seed=0)
    assert obs.shape[-1] == 3  # channel-last from the env; SB3 transposes it (VecTransposeImage / predict)
    assert env.action_space.contains(agent.act(obs, info))


def test_selfplay_logs_elo_and_resume_restores_pool_and_elo(tmp_path):
    config = PONG_TINY | {
        "n_envs": 4,
        "vec_env": "dummy",
        "total_steps": 1024,
        "eval": {"every_steps": 100_000, "episodes": 1, "video_every": 0},
        "selfplay": {"save_every_steps": 256, "swap_every_steps": 128, "window": 4},
    }
    run_dir = _train(tmp_path, config)
    tags = _tags(run_dir)["scalars"]
    for tag in ("selfplay/elo", "selfplay/opponent_elo", "selfplay/pool_size", "selfplay/games"):
        assert tag in tags, tag
    state = json.loads((run_dir / "selfplay" / "state.json").read_text())
    assert state["games"] > 0 and state["elo"] != 1200.0
    pool = [s["name"] for s in state["pool"]["snapshots"]]
    # Saved at steps 0, 256, ..., 1024; the window keeps the last 4, on disk as plain arrays.
    assert pool == [f"snapshot_{step:010d}" for step in (256, 512, 768, 1024)]
    files = sorted(p.stem for p in (run_dir / "selfplay" / "snapshots").glob("*.safetensors"))
    assert files == pool
    assert not list((run_dir / "selfplay").rglob("*.tmp"))

    from training.selfplay import read_weights

    weights = read_weights(run_dir / "selfplay" / "snapshots" / f"{pool[-1]}.safetensors")
    agent = _load_without_unpickling(run_dir / "final_model.zip")
    final = {k: v.numpy() for k, v in agent.model.policy.state_dict().items()}
    assert {k: v.shape for k, v in weights.items()} == {k: v.shape for k, v in final.items()}

    result = CliRunner().invoke(
        app, ["train", str(tmp_path / "cfg.yaml"), "--run-dir", str(run_dir), "--no-progress", "--resume",
              "--total-steps", "1536"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output + repr(result.exception)
    resumed = json.loads((run_dir / "selfplay" / "state.json").read_text())
    # The pool carried on from the saved one (its two newest survive the window), and so did the games.
    assert [s["step"] for s in resumed["pool"]["snapshots"]] == [768, 1024, 1280, 1536]
    assert resumed["pool"]["snapshots"][1] == state["pool"]["snapshots"][-1]  # with the Elo it was saved with
    assert resumed["games"] > state["games"] and resumed["num_timesteps"] == 1536


def test_selfplay_resume_from_an_older_checkpoint_rewinds_the_pool(tmp_path):
    """As after a SIGKILL: the pool on disk is ahead of the newest checkpoint; snapshots past it are dropped."""
    config = PONG_TINY | {
        "n_envs": 4,
        "vec_env": "dummy",
        "total_steps": 1024,
        "checkpoint": {"every_steps": 512, "keep_last": 3},
        "eval": {"every_steps": 100_000, "episodes": 1, "video_every": 0},
        "selfplay": {"save_every_steps": 256, "swap_every_steps": 128, "window": 8},
    }
    run_dir = _train(tmp_path, config)
    before = json.loads((run_dir / "selfplay" / "state.json").read_text())
    assert [s["step"] for s in before["pool"]["snapshots"]] == [0, 256, 512, 768, 1024]
    from training.selfplay import read_weights

    snapshot_768 = run_dir / "selfplay" / "snapshots" / "snapshot_0000000768.safetensors"
    weights_768 = read_weights(snapshot_768)
    for path in (run_dir / "checkpoints").glob("ckpt_000001024.*"):
        path.unlink()  # the run "died" before its checkpoint at 1024 landed
    result = CliRunner().invoke(
        app, ["train", str(tmp_path / "cfg.yaml"), "--run-dir", str(run_dir), "--no-progress", "--resume"]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    after = json.loads((run_dir / "selfplay" / "state.json").read_text())
    snapshots = after["pool"]["snapshots"]
    assert [s["step"] for s in snapshots] == [0, 256, 512, 768, 1024]
    assert snapshots[:3] == before["pool"]["snapshots"][:3]  # kept as saved, Elo included
    # 768 and 1024 were taken again by the policy resumed from step 512, not kept from the lost future.
    retaken = read_weights(snapshot_768)
    assert any(not np.array_equal(retaken[k], weights_768[k]) for k in weights_768)
    assert after["games"] > before["games"]
    files = sorted(p.stem for p in (run_dir / "selfplay" / "snapshots").glob("*.safetensors"))
    assert files == [s["name"] for s in snapshots]


def test_elo_update_is_zero_sum_in_expectation():
    from training.selfplay import elo_update

    assert elo_update(1200, 1200, 1.0, 16) == pytest.approx(1208)
    assert elo_update(1200, 1200, 0.0, 16) == pytest.approx(1192)
    assert elo_update(1400, 1200, 1.0, 16) - 1400 < 8  # beating a weaker player earns less


def test_default_run_dir_name_and_resume_without_run_dir(tmp_path, monkeypatch):
    import re

    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "cfg.yaml"
    config = CARTPOLE_TINY | {"n_envs": 2, "total_steps": 256, "seed": 7}
    config |= {
        "hyperparams": {"n_steps": 64, "batch_size": 64, "n_epochs": 1},
        "checkpoint": {"every_steps": 128},
    }
    cfg.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["train", str(cfg), "--no-progress"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert re.fullmatch(r"cartpole__ppo__7__\d{8}-\d{6}", run_dir.name)
    result = CliRunner().invoke(app, ["train", str(cfg), "--no-progress", "--resume", "--total-steps", "512"])
    assert result.exit_code == 0, result.output
    assert json.loads((run_dir / "final_model.json").read_text())["num_timesteps"] == 512


def test_smoke_train_platformer_with_tile_embedding_and_random_starts(tmp_path):
    """The platformer's shipped recipe in miniature: tile codes embedded, random starts in training only, a
    sampling agent; the saved model loads from data (the extractor is named, not pickled) and acts the same."""
    import torch

    from agents.features import TileEmbedding

    config = {
        "env_id": "ArcadeLab/Platformer-v0",
        "env_kwargs": {"max_steps": 300, "start_anywhere": 0.5, "check_playable": False},
        "n_envs": 2,
        "vec_env": "dummy",
        "algo": "ppo",
        "total_steps": 512,
        "hyperparams": {"n_steps": 128, "batch_size": 128, "n_epochs": 1},
        "policy_kwargs": {
            "net_arch": [32],
            "features_extractor": "tile_embedding",
            "features_extractor_kwargs": {"n_tiles": 224, "n_codes": 12, "embed_dim": 2},
        },
        "normalize": {"norm_obs": False, "norm_reward": True},
        "checkpoint": {"every_steps": 256},
        "eval": {
            "every_steps": 256,
            "episodes": 1,
            "video_every": 0,
            "max_episode_steps": 300,
            "deterministic": False,
            "env_kwargs": {"start_anywhere": 0.0},
        },
    }
    run_dir = _train(tmp_path, config)
    agent = _load_without_unpickling(run_dir / "final_model.zip")
    assert isinstance(agent.model.policy.features_extractor, TileEmbedding)
    assert agent.deterministic is False
    env = gym.make("ArcadeLab/Platformer-v0")
    obs, info = env.reset(seed=0)
    features = agent.model.policy.extract_features(torch.as_tensor(obs[None]), agent.model.policy.features_extractor)
    assert features.shape == (1, 224 * 2 + 4)
    agent.seed(5)
    first = [agent.act(obs, info) for _ in range(30)]
    agent.seed(5)
    assert [agent.act(obs, info) for _ in range(30)] == first


@pytest.mark.parametrize(
    "change, field",
    [
        ({"normalize": {"norm_obs": True}}, "normalize.norm_obs"),
        ({"policy_kwargs": {"features_extractor": "tile_embedding"}}, "features_extractor_kwargs"),
        ({"policy_kwargs": {"features_extractor_kwargs": {"n_tiles": 4}}}, "set features_extractor"),
    ],
)
def test_tile_embedding_config_errors_name_the_field(tmp_path, change, field):
    base = {
        "env_id": "ArcadeLab/Platformer-v0",
        "algo": "ppo",
        "policy_kwargs": {
            "features_extractor": "tile_embedding",
            "features_extractor_kwargs": {"n_tiles": 224, "n_codes": 12},
        },
    }
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(base | change))
    result = CliRunner().invoke(app, ["train", str(cfg), "--run-dir", str(tmp_path / "run"), "--no-progress"])
    assert result.exit_code == 2 and field in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------------------------------- env schedule


def test_a_schedule_is_linear_then_held():
    from training.config import ScheduleEntry

    entry = ScheduleEntry(start=0.0, end=0.8, until=0.5)
    assert [entry.value(p) for p in (0.0, 0.25, 0.5, 0.9, 1.0)] == pytest.approx([0.0, 0.4, 0.8, 0.8, 0.8])


@pytest.mark.parametrize("vec_env", ["batched", "dummy"])
def test_env_schedule_moves_the_training_opponent_and_logs_it(tmp_path, monkeypatch, vec_env):
    """Pong's tracker skill rises as training goes: set on the live envs before each rollout, logged, and the
    envs end at the scheduled value (the batched env behind the adapter, or each wrapped sub-env)."""
    from training import callbacks

    seen: list[list[float]] = []
    real = callbacks.set_env_attr

    def spy(venv, name, value):
        real(venv, name, value)
        inner = venv.venv if hasattr(venv, "venv") else venv
        got = [inner.env.opponent_skill] if hasattr(inner, "env") else [
            e.get_wrapper_attr("opponent_skill") for e in inner.envs]  # fmt: skip
        seen.append(got)

    monkeypatch.setattr(callbacks, "set_env_attr", spy)
    config = {
        "env_id": "ArcadeLab/Pong-v0",
        "env_kwargs": {"points_to_win": 1, "max_steps": 300},
        "n_envs": 4,
        "vec_env": vec_env,
        "algo": "ppo",
        "total_steps": 1024,
        "hyperparams": {"n_steps": 64, "batch_size": 128, "n_epochs": 1},
        "policy_kwargs": {"net_arch": [16]},
        "checkpoint": {"every_steps": 1024},
        "eval": {"every_steps": 1024, "episodes": 1, "video_every": 0, "max_episode_steps": 300},
        "env_schedule": {"opponent_skill": {"start": 0.0, "end": 0.6, "until": 0.5}},
    }
    run_dir = _train(tmp_path, config)
    values = [v for vs in seen for v in vs]
    assert values[0] == 0.0 and values[-1] == pytest.approx(0.6)
    assert values == sorted(values) and len(set(values)) > 2  # it rose in steps, then held
    assert "schedule/opponent_skill" in _tags(run_dir)["scalars"]


def test_an_env_schedule_of_an_attribute_the_env_lacks_names_the_field(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump({**PONG_TINY, "env_schedule": {"bogus_knob": {"start": 0, "end": 1}}}))
    result = CliRunner().invoke(app, ["train", str(cfg), "--run-dir", str(tmp_path / "run"), "--no-progress"])
    assert result.exit_code == 2
    assert "env_schedule.bogus_knob" in result.output


def test_demo_trains_scores_against_the_bot_and_says_what_next(tmp_path):
    """``arcadelab demo`` end to end on a tiny budget: honest numbers, the bar, and how to watch and play."""
    run_dir = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--total-steps", "4096", "--episodes", "1", "--seed", "3", "--run-dir", str(run_dir)]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    out = " ".join(result.output.split())
    assert "points won" in out and "demo's bar of 60%" in out
    assert f"arcadelab play pong --opponent {run_dir}" in out
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert saved["seed"] == 3 and saved["total_steps"] == 4096
