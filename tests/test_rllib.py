"""The Ray RLlib backend: tiny trainings on a loopback-only Ray, checkpoints, resume, the agent, and exposure.

One local Ray serves the whole module (started once, in its own short temp folder so its session logs and
processes are ours alone). The ``--address`` test starts its own Ray head on 127.0.0.1 and trains from a
subprocess, since one process can only be connected to one Ray.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray.rllib")
pytest.importorskip("torch")

from training import ray_runtime, rllib_backend, rllib_selfplay

REPO = Path(__file__).resolve().parents[1]
PONG = "ArcadeLab/Pong-v0"
# One PPO iteration of 128 env steps, a single pass over two minibatches.
TINY_PPO = {"train_batch_size_per_learner": 128, "minibatch_size": 64, "num_epochs": 1}
# APPO wants a minibatch that is a multiple of rollout_fragment_length (50): leave it unset.
TINY_APPO = {"train_batch_size_per_learner": 100}


def _train(run_dir: Path, **overrides):
    kwargs = {
        "env_id": PONG,
        "env_kwargs": {},
        "algo": "PPO",
        "hyperparams": TINY_PPO,
        "total_steps": 100,
        "seed": 0,
        "run_dir": run_dir,
        "resume": False,
        "address": None,
        "device": "cpu",
        "checkpoint_every_steps": 100,
        "num_env_runners": 0,
        **overrides,
    }
    return rllib_backend.train(**kwargs)


def _scalar_tags(tb_dir: Path) -> set[str]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(tb_dir))
    acc.Reload()
    return set(acc.Tags()["scalars"])


def _short_tmp(prefix: str) -> Path:
    # Ray's unix socket paths live under its temp dir and must stay under ~107 characters.
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


@pytest.fixture(scope="module")
def local_ray():
    """One loopback-only local Ray for the module; yields its temp root."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
    root = _short_tmp("alray")
    try:
        ray_runtime.init_ray(None, temp_dir=root)
        yield root
    finally:
        ray_runtime.shutdown()
        ray_runtime.stop_session_processes(root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def pong_run(local_ray, tmp_path_factory):
    """A finished tiny PPO run on Pong: (run_dir, final checkpoint)."""
    run_dir = tmp_path_factory.mktemp("pong_ppo")
    final = _train(run_dir, total_steps=200)
    return run_dir, final


# --- validation (no Ray needed) --------------------------------------------------------------------------------


def test_unknown_hyperparameters_are_named(tmp_path):
    with pytest.raises(ValueError, match="learning_rat") as err:
        _train(tmp_path, hyperparams={"lr": 1e-3, "learning_rat": 1e-3, "bogus_knob": 1})
    assert "bogus_knob" in str(err.value)
    assert "'lr'" not in str(err.value).split("Allowed")[0]


def test_known_hyperparameters_cover_training_arguments():
    ppo = rllib_backend.training_arguments(rllib_backend._config_class("PPO"))
    assert {
        "lr",
        "gamma",
        "train_batch_size_per_learner",
        "minibatch_size",
        "num_epochs",
        "clip_param",
    } <= ppo
    assert {"entropy_coeff", "lambda_", "vf_loss_coeff", "grad_clip"} <= ppo
    assert "num_sgd_iter" not in ppo  # deprecated in the new API stack
    training, backend = rllib_backend.split_hyperparams("APPO", {"lambda": 0.9, "model_config": {}})
    assert training == {"lambda_": 0.9} and backend == {"model_config": {}}


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"algo": "DQN"}, "algo"),
        ({"device": "tpu"}, "device"),
        ({"total_steps": 0}, "total_steps"),
        ({"self_play": True, "env_id": "ArcadeLab/Dungeon-v0"}, "self_play"),
        ({"resume": True}, "resume"),
        ({"hyperparams": {"model_config": {"fcnet_hidden": [8]}}}, "fcnet_hidden"),
        ({"self_play": True, "env_kwargs": {"obs_type": "pixels"}}, "obs_type"),
        ({"env_kwargs": {"bogus": 1}}, "bogus"),
        ({"env_id": "ArcadeLab/Nope-v0"}, "Nope"),
    ],
)
def test_bad_arguments_refused(tmp_path, overrides, match):
    with pytest.raises(ValueError, match=match):
        _train(tmp_path, **overrides)


def test_learners_go_to_cluster_gpus(monkeypatch):
    import ray

    monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": 16.0, "GPU": 2.0})
    assert rllib_backend._learner_resources("auto") == {"num_learners": 2, "num_gpus_per_learner": 1}
    assert rllib_backend._learner_resources("cuda") == {"num_learners": 2, "num_gpus_per_learner": 1}
    assert rllib_backend._learner_resources("cpu") == {"num_learners": 0, "num_gpus_per_learner": 0}
    monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": 2.0})
    assert rllib_backend._learner_resources("auto") == {"num_learners": 0, "num_gpus_per_learner": 0}
    with pytest.raises(ValueError, match="no GPU"):
        rllib_backend._learner_resources("cuda")


def test_ray_env_fixed_even_if_ray_was_imported_first():
    """Ray caches RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER at import; without it, 127.0.0.1 resolves outward.

    Importing our modules changes nothing; the safe environment is put in place when Ray is started
    (``init_ray`` calls ``apply_ray_env``), and it corrects the flag a prior ``import ray`` cached."""
    code = (
        "import ray\n"
        "import os\n"
        "before = dict(os.environ)\n"  # ray's own import sets RAY_CLIENT_MODE; ours must set nothing
        "from training import ray_runtime, rllib_backend\n"
        "from agents import rllib_agent\n"
        "assert dict(os.environ) == before, 'importing ArcadeLab changed the environment'\n"
        "ray_runtime.apply_ray_env()\n"
        "from ray._private import services\n"
        "print(services.get_node_ip_address(), os.environ['RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER'],"
        " os.environ['RAY_USAGE_STATS_ENABLED'])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == ["127.0.0.1", "0", "0"]


# --- local training ---------------------------------------------------------------------------------------------


def test_local_train_pong_writes_checkpoint_and_tensorboard(pong_run):
    run_dir, final = pong_run
    assert final == run_dir / "checkpoints" / "final"
    assert (final / "learner_group" / "learner" / "rl_module" / "default_policy").is_dir()
    meta = json.loads((final / "arcadelab.json").read_text())
    assert meta["env_id"] == PONG and meta["algo"] == "PPO" and meta["env_steps"] >= 200
    # A periodic checkpoint at >= 100 steps, and no temp folder left behind by the atomic save.
    names = sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    assert any(n.startswith("step_") for n in names), names
    assert not [n for n in names if n.startswith(".")], names
    tags = _scalar_tags(run_dir / "tensorboard")
    for tag in ("time/fps", "time/total_timesteps", "train/policy_loss", "train/vf_loss", "train/entropy"):
        assert tag in tags, sorted(tags)


def test_resume_continues_step_counter(pong_run, tmp_path):
    run_dir, final = pong_run
    resumed_dir = tmp_path / "resumed"
    shutil.copytree(run_dir, resumed_dir)
    before = json.loads((final / "arcadelab.json").read_text())["env_steps"]
    final2 = _train(resumed_dir, resume=True, total_steps=before + 1)
    after = json.loads((final2 / "arcadelab.json").read_text())
    assert after["env_steps"] == before + TINY_PPO["train_batch_size_per_learner"]
    assert after["iteration"] == before // TINY_PPO["train_batch_size_per_learner"] + 1


def test_periodic_checkpoints_pruned(local_ray, tmp_path):
    final = _train(tmp_path, total_steps=400, hyperparams={**TINY_PPO, "keep_last_checkpoints": 1})
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["final", "step_0000000384"], names
    assert json.loads((final / "arcadelab.json").read_text())["env_steps"] == 512


def test_fresh_run_into_used_folder_refused(pong_run):
    run_dir, _ = pong_run
    with pytest.raises(ValueError, match="resume=True"):
        _train(run_dir)


def test_appo_on_dungeon(local_ray, tmp_path):
    final = _train(
        tmp_path, env_id="ArcadeLab/Dungeon-v0", algo="APPO", hyperparams=TINY_APPO, total_steps=50
    )
    meta = json.loads((final / "arcadelab.json").read_text())
    assert meta["algo"] == "APPO" and meta["env_steps"] >= 50
    assert "train/total_loss" in _scalar_tags(tmp_path / "tensorboard")

    import gymnasium as gym

    import envs  # noqa: F401
    from agents.rllib_agent import RLlibAgent

    agent = RLlibAgent(final)
    env = gym.make("ArcadeLab/Dungeon-v0")
    obs, info = env.reset(seed=3)
    for _ in range(20):
        action = agent.act(obs, info)
        if "action_mask" in info:
            assert info["action_mask"][action], (action, info["action_mask"])
        obs, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            obs, info = env.reset()


def test_ppo_on_snake_trains_with_action_masks(local_ray, tmp_path):
    """Snake has illegal actions: PPO trains through RLlib's action-masking RLModule (mask in the obs)."""
    import gymnasium as gym
    import torch

    from agents.rllib_agent import RLlibAgent

    final = _train(tmp_path, env_id="ArcadeLab/Snake-v0", total_steps=100)
    meta = json.loads((final / "arcadelab.json").read_text())
    assert meta["action_masking"] is True and meta["obs_adapter"] == "flatten_float32"
    agent = RLlibAgent(final)
    env = gym.make("ArcadeLab/Snake-v0")
    obs, info = env.reset(seed=1)
    flat = torch.from_numpy(obs.reshape(1, -1).astype(np.float32))
    mask = torch.tensor([[1.0, 1.0, 0.0, 1.0]])
    with torch.no_grad():
        logits = agent.module.forward_inference({"obs": {"observations": flat, "action_mask": mask}})
    assert logits["action_dist_inputs"][0, 2] < -1e30  # the module itself masks, not only the agent
    for _ in range(30):
        action = agent.act(obs, info)
        assert info["action_mask"][action]
        obs, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            obs, info = env.reset()


SELF_PLAY = {"save_every_steps": 128, "swap_every_steps": 128, "window": 2, "play_against_latest_ratio": 0.5}


def test_self_play_pong(local_ray, tmp_path):
    from training.selfplay import read_weights

    final = _train(
        tmp_path,
        self_play=True,
        # The single-player opponent arguments are dropped: the opponent is the frozen policy.
        env_kwargs={"opponent": "tracker", "opponent_skill": 0.5, "points_to_win": 1, "max_steps": 40},
        selfplay=SELF_PLAY,
        total_steps=128,
    )
    meta = json.loads((final / "arcadelab.json").read_text())
    assert meta["policy_ids"] == ["main", "opponent"]
    assert meta["env_kwargs"] == {"points_to_win": 1, "max_steps": 40}
    tags = _scalar_tags(tmp_path / "tensorboard")
    for tag in ("train/main/policy_loss", "selfplay/elo", "selfplay/pool_size", "selfplay/opponent_elo"):
        assert tag in tags, sorted(tags)
    assert "train/opponent/policy_loss" not in tags  # the opponent is frozen
    # The pool on disk: the initial "main" and the one after the first iteration, as plain arrays.
    state = json.loads((tmp_path / "selfplay" / "state.json").read_text())
    assert [s["step"] for s in state["pool"]["snapshots"]] == [0, 128]
    assert state["games"] >= 3 and state["elo"] == pytest.approx(1200, abs=16 * state["games"])
    files = sorted(p.stem for p in (tmp_path / "selfplay" / "snapshots").glob("*.safetensors"))
    assert files == ["snapshot_0000000000", "snapshot_0000000128"]
    assert meta["selfplay_opponent"] == state["opponent"]

    # Resume carries on: the pool and Elo from disk, the opponent module from the checkpoint.
    resumed = _train(
        tmp_path,
        self_play=True,
        resume=True,
        env_kwargs={"points_to_win": 1, "max_steps": 40},
        selfplay=SELF_PLAY,
        total_steps=256,
    )
    assert json.loads((resumed / "arcadelab.json").read_text())["env_steps"] == 256
    after = json.loads((tmp_path / "selfplay" / "state.json").read_text())
    assert [s["step"] for s in after["pool"]["snapshots"]] == [128, 256]  # window 2: the oldest evicted
    assert after["pool"]["snapshots"][0] == state["pool"]["snapshots"][1]
    assert after["games"] > state["games"]

    from agents.rllib_agent import RLlibAgent

    main = RLlibAgent(tmp_path, "main")  # a run folder stands for its final checkpoint
    opponent = RLlibAgent(resumed, "opponent")
    # The opponent module holds the opponent the state names: a pool snapshot, or "main" as it is now.
    if after["opponent"]["name"] == "latest":
        expected = {k: v.numpy() for k, v in main.module.state_dict().items()}
    else:
        expected = read_weights(tmp_path / "selfplay" / "snapshots" / f"{after['opponent']['name']}.npz")
    for name, value in opponent.module.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), expected[name], err_msg=name)
    assert main.act(np.zeros(8, dtype=np.float32), {}) in (0, 1, 2)


def test_self_play_snake_versus(local_ray, tmp_path):
    """Self-play is the game's two-player view from its spec, not Pong's: SnakeVersus trains "main" against a
    frozen "opponent", its uint8 planes flattened for RLlib's MLP, and scores finished games from ``winner``."""
    from agents.rllib_agent import RLlibAgent

    final = _train(
        tmp_path,
        env_id="ArcadeLab/SnakeVersus-v0",
        self_play=True,
        env_kwargs={"opponent": "greedy", "size": 6, "max_steps": 30},  # the single-player opponent is dropped
        selfplay=SELF_PLAY,
        total_steps=128,
    )
    meta = json.loads((final / "arcadelab.json").read_text())
    assert meta["policy_ids"] == ["main", "opponent"] and meta["obs_adapter"] == "flatten_float32"
    assert meta["env_kwargs"] == {"size": 6, "max_steps": 30}
    state = json.loads((tmp_path / "selfplay" / "state.json").read_text())
    assert state["games"] >= 1
    assert state["wins"] + state["losses"] + state["draws"] == state["games"]
    import gymnasium as gym

    env = gym.make("ArcadeLab/SnakeVersus-v0", size=6)
    obs, info = env.reset(seed=0)
    assert RLlibAgent(tmp_path, "main").act(obs, info) in range(4)


def test_self_play_settings_and_replaced_option_refused(tmp_path):
    with pytest.raises(ValueError, match="window"):
        _train(tmp_path, self_play=True, selfplay={"window": 0})
    with pytest.raises(ValueError, match="swap_every_steps"):
        _train(tmp_path, self_play=True, hyperparams={**TINY_PPO, "self_play_update_every": 1})


@pytest.mark.parametrize("winner, score", [("main", 1.0), ("opponent", 0.0), (None, 0.5)])
def test_self_play_score_of_main_from_the_episode(winner, score):
    from ray.rllib.env.multi_agent_episode import MultiAgentEpisode

    episode = MultiAgentEpisode(agent_to_module_mapping_fn=rllib_selfplay.policy_mapping(("left", "right")))
    obs = {"left": np.zeros(8, np.float32), "right": np.zeros(8, np.float32)}
    episode.add_env_reset(observations=obs, infos={"left": {}, "right": {}})
    sides = {episode.module_for(agent): agent for agent in ("left", "right")}
    won = sides.get(winner)  # the side "main" / "opponent" played, None: truncated
    ended = {"__all__": True, "left": True, "right": True}
    not_ended = {"__all__": False, "left": False, "right": False}
    episode.add_env_step(
        observations=obs,
        actions={"left": 0, "right": 1},
        rewards={"left": 0.0, "right": 0.0},
        infos={"left": {"winner": won}, "right": {"winner": won}},
        terminateds=ended if won else not_ended,
        truncateds=not_ended if won else ended,
    )
    assert rllib_selfplay.main_score(episode) == score


def test_pixels_pong_trains_with_cnn_and_agent_acts(local_ray, tmp_path):
    """Pong's pixel frames (63x84) are a size RLlib has no default CNN for: the backend supplies filters."""
    import gymnasium as gym

    from agents.rllib_agent import RLlibAgent

    hyperparams = {"train_batch_size_per_learner": 64, "minibatch_size": 32, "num_epochs": 1}
    final = _train(tmp_path, env_kwargs={"obs_type": "pixels"}, hyperparams=hyperparams, total_steps=10)
    agent = RLlibAgent(final)
    assert agent.metadata["obs_adapter"] == "image_unit"
    env = gym.make(PONG, obs_type="pixels")
    obs, info = env.reset(seed=0)
    assert agent.act(obs, info) in (0, 1, 2)


# --- the agent ------------------------------------------------------------------------------------------------


def test_agent_loads_and_acts_without_ray(pong_run):
    _, final = pong_run
    code = textwrap.dedent(
        f"""
        import gymnasium as gym, envs, ray
        from agents.rllib_agent import RLlibAgent
        agent = RLlibAgent({str(final)!r})
        env = gym.make("ArcadeLab/Pong-v0")
        obs, info = env.reset(seed=0)
        actions = []
        for _ in range(30):
            a = agent.act(obs, info)
            actions.append(a)
            obs, r, term, trunc, info = env.step(a)
        agent.reset()
        assert set(actions) <= {{0, 1, 2}}, actions
        assert agent.act(obs, {{"action_mask": [False, True, False]}}) == 1
        print("ray_initialized", ray.is_initialized(), agent.name)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ray_initialized False" in out.stdout


def test_agent_knows_the_frame_skip_it_trained_with(pong_run, tmp_path):
    """An RLlib policy trained on ``frame_skip: k`` (recorded in ``arcadelab.json``) holds its actions for k
    frames in the frame-by-frame app, as an SB3 one does."""
    from agents.base import RepeatAction, for_env_frames
    from agents.rllib_agent import RLlibAgent

    _, final = pong_run
    assert RLlibAgent(final).frame_skip == 1
    copy = tmp_path / "final"
    shutil.copytree(final, copy)
    meta_file = copy / "arcadelab.json"
    meta = json.loads(meta_file.read_text())
    meta_file.write_text(json.dumps(meta | {"env_kwargs": {**meta["env_kwargs"], "frame_skip": 2}}))
    agent = RLlibAgent(copy)
    held = for_env_frames(agent)
    assert agent.frame_skip == 2 and isinstance(held, RepeatAction) and held.frames == 2


def test_agent_refuses_missing_and_corrupt_checkpoints(pong_run, tmp_path):
    from agents.rllib_agent import RLlibAgent

    missing = tmp_path / "nope"
    with pytest.raises(ValueError, match=str(missing)):
        RLlibAgent(missing)
    with pytest.raises(ValueError, match="not an RLlib checkpoint"):
        RLlibAgent(tmp_path)
    _, final = pong_run
    broken = tmp_path / "broken"
    shutil.copytree(final, broken)
    module_dir = broken / "learner_group" / "learner" / "rl_module" / "default_policy"
    for path in module_dir.rglob("*.pkl"):
        path.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="corrupt RLlib checkpoint") as err:
        RLlibAgent(broken)
    assert str(broken) in str(err.value)
    with pytest.raises(ValueError, match="no policy 'main'"):
        RLlibAgent(final, "main")
    (broken / "arcadelab.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt"):
        RLlibAgent(broken)


# --- exposure -------------------------------------------------------------------------------------------------


def _assert_loopback_only(root: Path, extra_pids=(), gcs_address=None):
    sessions = [p for p in root.glob("session_*") if p.is_dir() and not p.is_symlink()]
    assert sessions, f"no Ray session under {root}"
    for session in sessions:
        leaks = ray_runtime.non_loopback_addresses_in_logs(session)
        assert not leaks, f"non-loopback addresses in Ray logs of {session}: {leaks}"
    pids = ray_runtime.ray_process_pids(root, gcs_address)
    assert pids, f"no Ray process found for {root}"
    listeners = ray_runtime.listening_sockets([*pids, *extra_pids])
    assert listeners, "found no listening socket at all: the check is not looking at Ray"
    bad = ray_runtime.non_loopback_listeners([*pids, *extra_pids])
    assert not bad, f"Ray listens beyond loopback: {bad}"


def test_local_ray_listens_on_loopback_only(local_ray, pong_run):
    import ray

    resources = ray.cluster_resources()
    assert resources.get("CPU") == os.cpu_count()
    assert "node:127.0.0.1" in resources, resources
    assert ray_runtime.current_session_dir().parent == local_ray
    _assert_loopback_only(local_ray, extra_pids=[os.getpid()])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ray_head():
    """A Ray head on 127.0.0.1 with token auth (a token of its own, not ~/.ray's); stopped by PID after."""
    root = _short_tmp("alhead")
    token = root / "auth_token"
    token.write_text(secrets.token_hex(32))
    env = {
        **os.environ,
        **ray_runtime.ray_env(),
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN_PATH": str(token),
    }
    port = _free_port()
    # The `ray` CLI of this interpreter's Ray (not whichever `ray` is first on PATH).
    cmd = [
        sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
        "--include-dashboard=false", "--num-cpus=2", f"--temp-dir={root}", "--disable-usage-stats",
    ]  # fmt: skip
    try:
        subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=120)
        yield f"127.0.0.1:{port}", root, env
    finally:
        # `ray stop --force` would stop every Ray on this machine (other people's too): stop ours by PID.
        t0 = time.perf_counter()
        stopped = ray_runtime.stop_session_processes(root, gcs_address=f"127.0.0.1:{port}", timeout=3)
        print(f"stopped {len(stopped)} head processes in {time.perf_counter() - t0:.1f}s")
        assert not ray_runtime.ray_process_pids(root, gcs_address=f"127.0.0.1:{port}")
        shutil.rmtree(root, ignore_errors=True)


def test_train_through_address_on_loopback_head(ray_head, tmp_path):
    address, root, env = ray_head
    run_dir = tmp_path / "cluster_run"
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        import ray
        from training import rllib_backend
        final = rllib_backend.train(
            env_id="ArcadeLab/Pong-v0", env_kwargs={{}}, algo="PPO",
            hyperparams={TINY_PPO!r}, total_steps=100, seed=0, run_dir=Path({str(run_dir)!r}),
            resume=False, address={address!r}, device="auto", checkpoint_every_steps=1000,
            num_env_runners=1,
        )
        print("FINAL", final)
        print("RAY_UP_AFTER", ray.is_initialized())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    assert f"FINAL {run_dir / 'checkpoints' / 'final'}" in out.stdout
    assert "RAY_UP_AFTER False" in out.stdout
    meta = json.loads((run_dir / "checkpoints" / "final" / "arcadelab.json").read_text())
    assert meta["env_steps"] >= 100
    # The cluster outlives the driver, and still listens on loopback only.
    _assert_loopback_only(root, gcs_address=address)
