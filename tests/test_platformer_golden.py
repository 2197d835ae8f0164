"""The platformer's dynamics, observations and solver are bit-identical to the recorded golden trajectories (trained
models and the solver's plans stay valid): see ``tests/platformer_golden.py`` for what each case covers."""

from __future__ import annotations

import json

import pytest

from tests.platformer_golden import GOLDEN_PATH, CorpusMissing, cases, sync_vector_cases

_GOLDEN: dict[str, str] = json.loads(GOLDEN_PATH.read_text())


def test_every_case_has_a_golden_hash():
    assert set(cases()) == set(_GOLDEN)


@pytest.mark.parametrize("name", sorted(_GOLDEN))
def test_trajectory_matches_golden_hash(name):
    try:
        digest = cases()[name]()
    except CorpusMissing as missing:
        pytest.skip(f"VGLC corpus not found ({missing}; set ARCADELAB_VGLC)")
    assert digest == _GOLDEN[name], f"{name}: the platformer's dynamics, observations or solver changed"


@pytest.mark.parametrize("name", sorted(sync_vector_cases(batched=True)))
def test_vector_env_reproduces_sync_vector_env(name):
    """``PlatformerVectorEnv`` gives the hash recorded from ``SyncVectorEnv`` over ``PlatformerEnv``: same
    observations, rewards, flags, infos, autoreset levels and partial resets, row for row."""
    try:
        digest = sync_vector_cases(batched=True)[name]()
    except CorpusMissing as missing:
        pytest.skip(f"VGLC corpus not found ({missing}; set ARCADELAB_VGLC)")
    assert digest == _GOLDEN[name], f"{name}: PlatformerVectorEnv differs from SyncVectorEnv over PlatformerEnv"
