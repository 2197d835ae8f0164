"""Dungeon's dynamics, observations and solver plans are identical to the recorded golden runs (trained models
and bots stay valid): see ``tests/dungeon_golden.py`` for what each case covers."""

from __future__ import annotations

import json

import pytest

from tests.dungeon_golden import GOLDEN_PATH, cases

_GOLDEN: dict[str, str] = json.loads(GOLDEN_PATH.read_text())


def test_every_case_has_a_golden_hash():
    assert set(cases()) == set(_GOLDEN)


@pytest.mark.parametrize("name", sorted(_GOLDEN))
def test_trajectory_matches_golden_hash(name, request):
    if name.startswith("corpus/"):
        request.getfixturevalue("vglc_root")  # skips with the reason when the corpus is absent
    assert cases()[name]() == _GOLDEN[name], f"{name}: the dungeon's dynamics, observations or solver changed"
