"""The scalar and array versions of the counter-based generator agree bit for bit."""

import numpy as np

from envs import rng


def test_scalar_and_array_agree():
    keys = np.array([rng.key_from_seed(s) for s in range(50)], dtype=np.uint64)
    np.testing.assert_array_equal(keys, rng.key_from_seed_array(np.arange(50)))
    counters = np.arange(50, dtype=np.uint64) * 7
    u = rng.uniform_array(keys, counters)
    assert list(u) == [rng.uniform(int(k), int(c)) for k, c in zip(keys, counters, strict=True)]
    ints = rng.integers_array(keys, counters, 13)
    assert list(ints) == [rng.integers(int(k), int(c), 13) for k, c in zip(keys, counters, strict=True)]


def test_draws_look_uniform():
    u = rng.uniform_array(np.full(20000, rng.key_from_seed(1), dtype=np.uint64), np.arange(20000))
    assert 0.0 <= u.min() and u.max() < 1.0
    hist, _ = np.histogram(u, bins=10, range=(0, 1))
    assert hist.min() > 1800 and hist.max() < 2200
    assert rng.uniform(rng.key_from_seed(1), 0) != rng.uniform(rng.key_from_seed(2), 0)
