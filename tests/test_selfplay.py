"""The backend-independent self-play bookkeeping: snapshot pool (window, save/swap intervals, play-latest
probability, seeded draws), Elo, and the pool's state on disk."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from training.selfplay import (
    LATEST,
    EloRating,
    SelfPlayState,
    SnapshotPool,
    elo_expected,
    elo_update,
    read_weights,
    score_of_game,
    write_weights,
)


def _weights(value: float) -> dict[str, np.ndarray]:
    return {"pi.0.weight": np.full((2, 3), value, dtype=np.float32), "pi.0.bias": np.full(2, value)}


def _settings(**overrides):
    base = {
        "window": 3,
        "save_every_steps": 100,
        "swap_every_steps": 50,
        "play_against_latest_ratio": 0.5,
        "initial_elo": 1200.0,
        "elo_k": 16.0,
    }
    return SimpleNamespace(**(base | overrides))


# ---------------------------------------------------------------------------------------------------- Elo


def test_elo_expected_score_and_update():
    assert elo_expected(1200, 1200) == pytest.approx(0.5)
    assert elo_expected(1600, 1200) == pytest.approx(1 / (1 + 10**-1))  # 400 points: 10 to 1 odds
    assert elo_expected(1200, 1600) + elo_expected(1600, 1200) == pytest.approx(1.0)
    assert elo_update(1200, 1200, 1.0, 16) == pytest.approx(1208)
    assert elo_update(1200, 1200, 0.5, 16) == pytest.approx(1200)
    assert elo_update(1200, 1200, 0.0, 32) == pytest.approx(1184)


@pytest.mark.parametrize("a, b, score", [(1200, 1200, 1.0), (1350, 1100, 0.0), (1000, 1500, 0.5)])
def test_elo_update_is_symmetric(a, b, score):
    """What one player gains the other loses: the update of each side from its own view is zero-sum."""
    gain = elo_update(a, b, score, 24) - a
    loss = elo_update(b, a, 1.0 - score, 24) - b
    assert gain == pytest.approx(-loss)


def test_elo_rating_counts_games_and_refuses_bad_scores():
    elo = EloRating(rating=1200, k=16)
    for score in (1.0, 1.0, 0.5, 0.0):
        elo.record(score, 1200)
    assert (elo.games, elo.wins, elo.draws, elo.losses) == (4, 2, 1, 1)
    assert elo.rating > 1200
    with pytest.raises(ValueError, match="score"):
        elo.record(2.0, 1200)


def test_score_of_a_game_follows_the_episode_end_contract():
    assert score_of_game({"winner": "left", "is_success": True}) == 1.0  # Pong's learner plays left
    assert score_of_game({"winner": "right", "is_success": False}) == 0.0
    assert score_of_game({"winner": None, "is_success": False}) == 0.5  # cut off: a draw
    assert score_of_game({"winner": "snake_0", "is_success": True}) == 1.0  # SnakeVersus' learner is snake_0
    assert score_of_game({"winner": "snake_1", "is_success": False}) == 0.0


# --------------------------------------------------------------------------------------------------- pool


def test_pool_window_evicts_the_oldest():
    pool = SnapshotPool(window=3, save_steps=10, swap_steps=10)
    evicted_all = []
    for i in range(5):
        snap, evicted = pool.add(step=10 * i, elo=1200 + i, weights=_weights(i))
        assert pool.latest == snap
        evicted_all += evicted
        assert len(pool) == min(i + 1, 3)
    assert [s.step for s in pool.snapshots] == [20, 30, 40]
    assert [s.step for s in evicted_all] == [0, 10]
    assert pool.latest.elo == 1204  # a snapshot keeps the Elo it was saved with
    assert pool.weights(pool.snapshots[0])["pi.0.bias"][0] == 2
    with pytest.raises(KeyError):
        pool.weights("snapshot_0000000000")


def test_pool_save_and_swap_intervals():
    pool = SnapshotPool(window=2, save_steps=100, swap_steps=30)
    assert pool.due_save(0) and pool.due_swap(0)  # nothing saved or drawn yet
    pool.add(0, 1200, _weights(0))
    pool.last_swap_step = 0
    assert not pool.due_save(99) and pool.due_save(100)
    assert not pool.due_swap(29) and pool.due_swap(30)


def test_play_against_latest_ratio_over_many_draws():
    pool = SnapshotPool(window=4, play_against_latest_ratio=0.3, seed=1)
    for i in range(4):
        pool.add(i, 1200, _weights(i))
    draws = [pool.sample() for _ in range(20_000)]
    latest = sum(d is None for d in draws) / len(draws)
    assert latest == pytest.approx(0.3, abs=0.015)
    # The others are uniform over the pool.
    counts = np.bincount([d.step for d in draws if d is not None], minlength=4) / (len(draws) * 0.7)
    np.testing.assert_allclose(counts, 0.25, atol=0.02)


@pytest.mark.parametrize("ratio, latest", [(1.0, True), (0.0, False)])
def test_play_against_latest_ratio_extremes(ratio, latest):
    pool = SnapshotPool(window=3, play_against_latest_ratio=ratio)
    assert pool.sample() is None  # an empty pool can only offer the latest policy
    pool.add(0, 1200, _weights(0))
    assert all((pool.sample() is None) == latest for _ in range(200))


def test_pool_draws_are_deterministic_given_the_seed():
    def draws(seed):
        pool = SnapshotPool(window=5, seed=seed)
        for i in range(5):
            pool.add(i, 1200, _weights(i))
        return [getattr(pool.sample(), "step", None) for _ in range(50)]

    assert draws(3) == draws(3)
    assert draws(3) != draws(4)


def test_pool_rejects_bad_settings():
    for kwargs, name in [
        ({"window": 0}, "window"),
        ({"save_steps": 0}, "save_steps"),
        ({"swap_steps": -1}, "swap_steps"),
        ({"play_against_latest_ratio": 1.5}, "play_against_latest_ratio"),
    ]:
        with pytest.raises(ValueError, match=name):
            SnapshotPool(**kwargs)


# -------------------------------------------------------------------------------------------- persistence


def test_weights_round_trip_without_pickle(tmp_path):
    weights = _weights(1.5) | {"file": np.arange(3)}  # a name np.savez would take for its own argument
    write_weights(tmp_path / "w.safetensors", weights)
    back = read_weights(tmp_path / "w.safetensors")
    assert set(back) == set(weights)
    for key in weights:
        np.testing.assert_array_equal(back[key], weights[key])
    with pytest.raises(ValueError):
        write_weights(tmp_path / "bad.safetensors", {"x": np.array([{"a": 1}], dtype=object)})


def test_state_round_trips_through_json_and_snapshot_files(tmp_path):
    settings = _settings(window=2)
    state = SelfPlayState.create(tmp_path, settings, seed=7)
    for step in (0, 100, 200):
        state.save_snapshot(step, _weights(step))
        state.record_game(1.0)
    opponent = state.choose_opponent(200)
    state.save(250)

    index = json.loads((tmp_path / "selfplay" / "state.json").read_text())
    assert index["elo"] == pytest.approx(state.elo.rating) and index["games"] == 3
    assert [s["name"] for s in index["pool"]["snapshots"]] == ["snapshot_0000000100", "snapshot_0000000200"]
    files = sorted(p.name for p in (tmp_path / "selfplay" / "snapshots").iterdir())
    assert files == ["snapshot_0000000100.safetensors", "snapshot_0000000200.safetensors"]  # the evicted one is gone
    assert not list((tmp_path / "selfplay").rglob("*.tmp"))

    restored = SelfPlayState.load_or_create(tmp_path, settings, seed=999)
    assert restored.elo == state.elo
    assert restored.pool.snapshots == state.pool.snapshots
    assert restored.opponent == opponent and restored.step == 250
    assert restored.pool.last_save_step == 200 and restored.pool.last_swap_step == 200
    for snap in state.pool.snapshots:
        np.testing.assert_array_equal(
            restored.pool.weights(snap)["pi.0.weight"], _weights(snap.step)["pi.0.weight"]
        )
    # The generator carries on where it was, not from the new seed.
    assert [restored.pool.sample() for _ in range(20)] == [state.pool.sample() for _ in range(20)]


def test_state_rewinds_to_the_resumed_step_and_drops_orphans(tmp_path):
    settings = _settings(window=5)
    state = SelfPlayState.create(tmp_path, settings)
    for step in (0, 100, 200, 300):
        state.save_snapshot(step, _weights(step))
    state.opponent = state.pool.snapshots[-1]
    state.save(300)
    orphan = tmp_path / "selfplay" / "snapshots" / "snapshot_0000000400.safetensors"  # killed before its index landed
    write_weights(orphan, _weights(4))
    (tmp_path / "selfplay" / "snapshots" / "snapshot_0000000100.safetensors").unlink()  # lost: dropped, not fatal

    restored = SelfPlayState.load_or_create(tmp_path, settings, step=250)  # resumed from a checkpoint at 250
    assert [s.step for s in restored.pool.snapshots] == [0, 200]
    assert restored.opponent.name == LATEST  # its snapshot (step 300) is in the future of the checkpoint
    assert restored.pool.last_save_step == 200
    assert not orphan.exists()


def test_missing_or_broken_state_starts_fresh(tmp_path):
    settings = _settings()
    fresh = SelfPlayState.load_or_create(tmp_path, settings)
    assert fresh.elo.rating == 1200 and len(fresh.pool) == 0 and fresh.opponent.name == LATEST
    (tmp_path / "selfplay").mkdir()
    (tmp_path / "selfplay" / "state.json").write_text("{not json")
    assert SelfPlayState.load_or_create(tmp_path, settings).elo.games == 0


def test_a_smaller_window_on_resume_keeps_the_newest(tmp_path):
    state = SelfPlayState.create(tmp_path, _settings(window=4))
    for step in range(0, 400, 100):
        state.save_snapshot(step, _weights(step))
    restored = SelfPlayState.load_or_create(tmp_path, _settings(window=2))
    assert [s.step for s in restored.pool.snapshots] == [200, 300]
