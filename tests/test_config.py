"""Training configs: every shipped file validates; a bad key or value exits 2 naming the field, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from arcadelab.cli import app
from training.config import (
    ConfigError,
    load_config,
    parse_config,
    resolve_device,
    resolve_hyperparams,
    resolve_policy_kwargs,
    validate_for_sb3,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "configs").glob("*/*.yaml"))
# Only the files whose env exists in this checkout (the games arrive one by one).
BASE = {"env_id": "CartPole-v1", "algo": "ppo", "n_envs": 2, "total_steps": 1000}


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path, monkeypatch):
    """Default run folders (runs/...) land in the test's tmp dir, never in the checkout."""
    monkeypatch.chdir(tmp_path)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _train(path: Path, *args: str):
    return CliRunner().invoke(app, ["train", str(path), "--no-progress", *args])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_configs_validate(path):
    config = load_config(path)
    validate_for_sb3(config)
    assert path.parent.name == config.game or config.game.startswith(path.parent.name)


def test_unknown_top_level_key_exits_2_naming_it_and_the_allowed_ones(tmp_path):
    result = _train(_write(tmp_path, BASE | {"n_env": 4}))
    assert result.exit_code == 2
    assert "n_env" in result.output and "n_envs" in result.output  # names the field and what is allowed
    assert "Traceback" not in result.output


def test_unknown_nested_key_names_the_path(tmp_path):
    result = _train(_write(tmp_path, BASE | {"eval": {"episodez": 3}}))
    assert result.exit_code == 2
    assert "eval.episodez" in result.output and "episodes" in result.output
    assert "Traceback" not in result.output


def test_bad_choice_lists_the_allowed_values(tmp_path):
    result = _train(_write(tmp_path, BASE | {"algo": "ppo2"}))
    assert result.exit_code == 2
    assert "algo" in result.output and "maskable_ppo" in result.output and "dqn" in result.output
    assert "Traceback" not in result.output


def test_bad_activation_name_is_refused_not_evaluated(tmp_path):
    result = _train(_write(tmp_path, BASE | {"policy_kwargs": {"activation_fn": "nn.ReLU"}}))
    assert result.exit_code == 2
    assert "policy_kwargs.activation_fn" in result.output and "tanh" in result.output


def test_unknown_hyperparameter_is_named_with_the_allowed_ones(tmp_path):
    result = _train(_write(tmp_path, BASE | {"hyperparams": {"n_stepz": 64}}))
    assert result.exit_code == 2
    assert "hyperparams.n_stepz" in result.output and "n_steps" in result.output and "PPO" in result.output
    assert "Traceback" not in result.output


def test_hyperparameter_of_another_algorithm_is_refused():
    with pytest.raises(ConfigError, match="buffer_size"):
        resolve_hyperparams(parse_config(BASE | {"hyperparams": {"buffer_size": 1000}}))


def test_hyperparameter_type_is_checked(tmp_path):
    result = _train(_write(tmp_path, BASE | {"hyperparams": {"n_steps": "many"}}))
    assert result.exit_code == 2 and "hyperparams.n_steps" in result.output
    assert not (tmp_path / "runs").exists()  # refused before any run folder is made


def test_bad_values_and_options_exit_2(tmp_path):
    for data in (BASE | {"n_envs": 0}, BASE | {"total_steps": -5}, {"algo": "ppo"}):
        result = _train(_write(tmp_path, data))
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "env_id" in _train(_write(tmp_path, {"algo": "ppo"})).output
    assert _train(tmp_path / "missing.yaml").exit_code == 2
    path = _write(tmp_path, BASE)
    for args in (["--backend", "tf"], ["--device", "tpu"], ["--total-steps", "0"], ["--address", "x:1"]):
        result = _train(path, *args)
        assert result.exit_code == 2 and "Traceback" not in result.output, (args, result.output)


def test_pixels_need_a_cnn_policy():
    with pytest.raises(ConfigError, match="CnnPolicy"):
        parse_config(BASE | {"env_kwargs": {"obs_type": "pixels"}})


def test_schedules_activations_and_net_arch_are_parsed_not_evaluated():
    from torch import nn

    config = parse_config(
        BASE
        | {
            "hyperparams": {"learning_rate": "lin_0.001", "train_freq": 4},
            "policy_kwargs": {"net_arch": {"pi": [32], "vf": [16]}, "activation_fn": "relu"},
        }
    )
    hp = resolve_hyperparams(config.model_copy(update={"hyperparams": {"learning_rate": "lin_0.001"}}))
    assert hp["learning_rate"](0.5) == pytest.approx(0.0005)
    kwargs = resolve_policy_kwargs(config)
    assert kwargs == {"net_arch": {"pi": [32], "vf": [16]}, "activation_fn": nn.ReLU}


def test_config_hash_ignores_budget_but_not_hyperparameters():
    a = parse_config(BASE)
    assert a.config_hash() == parse_config(BASE | {"total_steps": 5}).config_hash()
    assert a.config_hash() != parse_config(BASE | {"hyperparams": {"n_steps": 64}}).config_hash()


def test_device_auto_picks_cuda_only_when_available(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(ConfigError, match="cuda"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_rllib_backend_gets_the_config(tmp_path, monkeypatch):
    from training import rllib_backend

    seen = {}

    def fake_train(**kwargs):
        seen.update(kwargs)
        return kwargs["run_dir"] / "checkpoints" / "final"

    monkeypatch.setattr(rllib_backend, "train", fake_train)
    data = BASE | {"rllib": {"algo": "APPO", "hyperparams": {"lr": 0.001}, "num_env_runners": 1}}
    run_dir = tmp_path / "run"
    result = _train(
        _write(tmp_path, data), "--backend", "rllib", "--run-dir", str(run_dir), "--address", "auto"
    )
    assert result.exit_code == 0, result.output
    assert seen["algo"] == "APPO" and seen["hyperparams"] == {"lr": 0.001} and seen["address"] == "auto"
    assert seen["num_env_runners"] == 1 and seen["total_steps"] == 1000 and seen["device"] == "cpu"
    assert seen["run_dir"] == run_dir and (run_dir / "config.yaml").is_file()


def test_rllib_backend_missing_exits_2(tmp_path, monkeypatch):
    import sys

    import training

    monkeypatch.setitem(
        sys.modules, "training.rllib_backend", None
    )  # import fails as if the file were absent
    monkeypatch.delattr(training, "rllib_backend", raising=False)
    result = _train(_write(tmp_path, BASE), "--backend", "rllib", "--run-dir", str(tmp_path / "run"))
    assert result.exit_code == 2 and "rllib backend is not available" in result.output
    assert "Traceback" not in result.output
