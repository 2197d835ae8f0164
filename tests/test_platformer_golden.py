"""The platformer's dynamics, observations and solver are bit-identical to the recorded golden trajectories (trained
models and the solver's plans stay valid): see ``tests/platformer_golden.py`` for what each case covers."""

from __future__ import annotations

import json

import pytest

from tests.platformer_golden import GOLDEN_PATH, CorpusMissing, cases

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
