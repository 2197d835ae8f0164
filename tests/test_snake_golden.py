"""Snake's dynamics, observations and planner moves are bit-identical to the recorded golden trajectories
(trained models stay valid): see ``tests/snake_golden.py`` for what each case covers."""

from __future__ import annotations

import json

import pytest

from tests.snake_golden import GOLDEN_PATH, cases

_GOLDEN: dict[str, str] = json.loads(GOLDEN_PATH.read_text())


def test_every_case_has_a_golden_hash():
    assert set(cases()) == set(_GOLDEN)


@pytest.mark.parametrize("name", sorted(_GOLDEN))
def test_trajectory_matches_golden_hash(name):
    assert cases()[name]() == _GOLDEN[name], f"{name}: Snake's dynamics, observations or planner changed"
